// File loading rates: FHIR NDJSON (resources/s) and CSV extracts (rows/s), from the synthetic place's feeds.
// The people the files refer to (GP patients and registrations, community patients) are loaded first and not
// in the overall figures (the FHIR ones, Organizations and Patients, are printed with their CPU); then the GP's
// MedicationRequest NDJSON and the community Encounter NDJSON (FHIR), and the GP coded record (CSV) are timed,
// and after them the care plans (EpisodeOfCare NDJSON of the GP and the community services). Each load commits a chunk per transaction, checks every record and links it to its
// person, exactly as `oneplace ingest` does.
//
// The CSV part also times replay against a first load: the same coded record sent by a second GP source
// ("gp-replay") whose patients OnePlace has not yet received, so every row is rejected (timed: keeping
// rejects); then that source's patients are loaded (not timed) and all its rejects replayed (timed), writing
// as many new rows as the first load did. The first load it is measured against is of the same rows by another
// source whose patients are known, timed just before the replay ("gp-third") and just after it ("gp-fourth"): a
// write costs the server more the more rows the table already holds (the index pages each changes), so the
// replay, which writes into a table holding two sources' rows, is set against the mean of first loads into one
// holding one and three (the first load above wrote into an empty table).
//
//   node bench/ingest-files.ts [people=20000] [csv|fhir] [replay=all] [rounds=3]   (DATABASE_URL=postgres://... for PostgreSQL)
//
// `csv` skips the FHIR part, `fhir` the CSV part; a number after it replays only that many of the rejects
// (one-by-one replay of tens of thousands takes long). The replay and the first loads around it are timed in
// `rounds` rounds, each with its own rejecting source and comparators, and the median of the rounds' ratios is
// printed: a ratio of one round varied by ±0.1 from run to run on a 2-core machine. On a server, each CSV timing
// starts after a checkpoint and prints the WAL it wrote: a place replays rejects hours or days after the load that kept them, with checkpoints
// between, and the first change to each page of rejects after one writes that whole page to the WAL (a replay
// straight after its rejecting load, as this bench measured before, never paid it).
// Each timing is printed with the load average and the CPU time per row (this
// process, and the PostgreSQL backends when the server is on this machine), as wall time on a shared machine
// says little; the CSV ones also with the loader's threads apart (the loading thread, and the one that parses a
// first load) and how busy each side kept a core (on a quiet machine: whether the loader's work and the server's
// overlapped, or one side waited on the other). With ONEPLACE_CPU_PROFILE_DIR=DIR, each timed CSV phase's loading
// thread is profiled to DIR/csv-<n>.cpuprofile (sum one up with bench/cpu-profile-summary.ts); run node with
// --cpu-prof --cpu-prof-dir=DIR to have the parsing threads' profiles too (a thread per first load).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadCsvFile,
  loadFeedFile,
  loadFhirFile,
  openRejectIds,
  openRejects,
  readManifest,
  replayOpenRejects,
  replayRejects,
} from "../src/ingest/index.ts";
import { DEFAULT_SYNTH_CONFIG, writeFeeds } from "../src/synth/index.ts";
import {
  coresBusy,
  cpuMeter,
  cpuPer,
  load,
  openBenchDb,
  rate,
  walAfterCheckpoint,
} from "./ingest-bench-db.ts";
import { median } from "./stats.ts";

const people = Number(process.argv[2] ?? 20_000);
const csvOnly = process.argv[3] === "csv";
const fhirOnly = process.argv[3] === "fhir";
const replayLimit = Number(process.argv[4] ?? Number.POSITIVE_INFINITY);
const rounds = Math.max(1, Number(process.argv[5] ?? 3) || 1);
const dir = mkdtempSync(join(tmpdir(), "oneplace-files-bench-"));
const bench = await openBenchDb();
const { db } = bench;

const profileDir = process.env.ONEPLACE_CPU_PROFILE_DIR;
let profiles = 0;

/** With ONEPLACE_CPU_PROFILE_DIR, profiles this thread until the returned stop() writes csv-<n>.cpuprofile. */
async function profileThread(): Promise<() => Promise<void>> {
  if (!profileDir) return async () => {};
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(join(profileDir, `csv-${++profiles}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * The loader's threads, µs a row: the loading thread (which looks up people and streams COPY) and the thread that
 * parsed, checked and encoded the file when one did; the rest of "this process" is V8's and libuv's helpers.
 */
function threadsPer(main: NodeJS.CpuUsage, parseThreadMs: number | undefined, rows: number): string {
  const per = (us: number) => (us / rows).toFixed(1);
  const parse = parseThreadMs === undefined ? "" : `, parsing thread ${per(parseThreadMs * 1000)}`;
  return `loading thread ${per(main.user + main.system)}${parse} µs/row`;
}

try {
  let started = performance.now();
  await writeFeeds({ ...DEFAULT_SYNTH_CONFIG, seed: "files-bench", people }, dir, {
    outOfOrder: 0,
    cancellations: 0,
    duplicateMessages: 0,
    corrupt: 0,
  });
  console.log(
    `engine ${db.engine}; ${people} people; feeds written in ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${load()}`,
  );
  const manifest = readManifest(dir);
  const setup = [
    "reference/Organization.ndjson",
    "reference/postcode-areas.csv",
    "gp/gp-patients.csv",
    "gp/gp-registrations.csv",
    "community-ehr/Patient.ndjson",
  ];
  for (const file of setup) {
    const f = manifest.files.find((x) => x.file === file);
    if (!f) throw new Error(`${file} is not in the manifest`);
    const meter = await cpuMeter(bench);
    const r = await loadFeedFile(db, dir, f);
    const cpu = file.endsWith(".ndjson")
      ? `; ${cpuPer(await meter.stop(), r.counts.recordsRead, "resource")}`
      : "";
    if (!cpu) await meter.stop();
    console.log(
      `  (setup) ${file}: ${r.counts.recordsRead} in ${r.seconds.toFixed(1)} s = ${rate(r.counts.recordsRead, r.seconds)}${cpu}`,
    );
  }
  if (!csvOnly) {
    let resources = 0;
    let seconds = 0;
    const overall = await cpuMeter(bench);
    for (const [file, source] of [
      ["gp/MedicationRequest.ndjson", "gp"],
      ["community-ehr/Encounter.ndjson", "community-ehr"],
    ]) {
      const meter = await cpuMeter(bench);
      const r = await loadFhirFile(db, join(dir, file), { source });
      resources += r.counts.recordsRead;
      seconds += r.seconds;
      console.log(
        `FHIR ${file}: ${r.counts.recordsRead} resources (${r.counts.loaded} loaded, ${r.counts.rejected} rejected) in ${r.seconds.toFixed(1)} s = ${rate(r.counts.recordsRead, r.seconds)}; ${cpuPer(await meter.stop(), r.counts.recordsRead, "resource")}; load average ${load()}`,
      );
    }
    console.log(
      `FHIR NDJSON overall: ${resources} resources in ${seconds.toFixed(1)} s = ${rate(resources, seconds)}; ${cpuPer(await overall.stop(), resources, "resource")}`,
    );
    for (const [file, source] of [
      ["gp/EpisodeOfCare.ndjson", "gp"],
      ["community-ehr/EpisodeOfCare.ndjson", "community-ehr"],
    ]) {
      const meter = await cpuMeter(bench);
      const r = await loadFhirFile(db, join(dir, file), { source });
      console.log(
        `FHIR ${file}: ${r.counts.recordsRead} resources (${r.counts.loaded} loaded, ${r.counts.rejected} rejected, ${r.counts.held} held) in ${r.seconds.toFixed(1)} s = ${rate(r.counts.recordsRead, r.seconds)}; ${cpuPer(await meter.stop(), r.counts.recordsRead, "resource")}`,
      );
    }
  }
  if (!fhirOnly) {
    const coded = join(dir, "gp/gp-coded-record.csv");
    /** A timed load of the coded record by `source`, printed under `label`. */
    const timedLoad = async (label: string, source: string) => {
      const wal = await walAfterCheckpoint(bench);
      const stopProfile = await profileThread();
      const meter = await cpuMeter(bench);
      const main = process.threadCpuUsage();
      const csv = await loadCsvFile(db, coded, { chunkRows: 20_000, source });
      await stopProfile();
      const c = csv.counts;
      const threads = threadsPer(process.threadCpuUsage(main), csv.parseThreadCpuMs, c.recordsRead);
      const cpu = await meter.stop();
      console.log(
        `${label}: ${c.recordsRead} rows (${c.loaded} loaded, ${c.duplicates} unchanged, ${c.rejected} rejected) in ${csv.seconds.toFixed(1)} s = ${rate(c.recordsRead, csv.seconds)}; ${cpuPer(cpu, c.recordsRead, "row")}; ${threads}; ${coresBusy(cpu, csv.seconds)}${await wal.stop()}; load average ${load()}`,
      );
    };
    const timedRejectingLoad = (source: string) =>
      timedLoad("CSV the same rows from a source whose patients are not known yet (all rejected)", source);
    await timedLoad("CSV gp-coded-record, first load", "gp");
    await timedLoad("CSV re-run of the same file (all duplicates)", "gp");
    await timedRejectingLoad("gp-replay");
    const patients = manifest.files.find((x) => x.file === "gp/gp-patients.csv");
    if (!patients) throw new Error("gp/gp-patients.csv is not in the manifest");
    /** A first load of the same rows by another source whose patients are known: its rate. */
    const comparator = async (source: string, when: string) => {
      await loadCsvFile(db, join(dir, patients.file), { source });
      const wal = await walAfterCheckpoint(bench);
      const meter = await cpuMeter(bench);
      const main = process.threadCpuUsage();
      const csv = await loadCsvFile(db, coded, { chunkRows: 20_000, source });
      const c = csv.counts;
      const threads = threadsPer(process.threadCpuUsage(main), csv.parseThreadCpuMs, c.recordsRead);
      const cpu = await meter.stop();
      console.log(
        `CSV first load of the same rows by another source, ${when}: ${c.recordsRead} rows (${c.loaded} loaded) in ${csv.seconds.toFixed(1)} s = ${rate(c.recordsRead, csv.seconds)}; ${cpuPer(cpu, c.recordsRead, "row")}; ${threads}; ${coresBusy(cpu, csv.seconds)}${await wal.stop()}; load average ${load()}`,
      );
      return c.recordsRead / csv.seconds;
    };
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const tag = round === 1 ? "" : `-${round}`;
      const replaying = `gp-replay${tag}`;
      if (round > 1) {
        console.log(`round ${round} of ${rounds}:`);
        await timedRejectingLoad(replaying);
      }
      const before = await comparator(`gp-third${tag}`, "before the replay");
      started = performance.now();
      await loadCsvFile(db, join(dir, patients.file), { source: replaying });
      console.log(
        `  (setup) the second source's patients in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      // All of them as `rejects replay --all` takes them (finding them timed too), or the first so many by id.
      const limited = Number.isFinite(replayLimit);
      const ids = limited ? (await openRejectIds(db, replaying)).slice(0, replayLimit) : [];
      const wal = await walAfterCheckpoint(bench);
      const stopProfile = await profileThread();
      const meter = await cpuMeter(bench);
      const main = process.threadCpuUsage();
      started = performance.now();
      let offered = ids.length;
      let accepted = 0;
      if (limited) accepted = (await replayRejects(db, ids, "bench")).filter((r) => r.accepted).length;
      else {
        const done = await replayOpenRejects(db, await openRejects(db, replaying), "bench");
        offered = done.offered;
        accepted = done.accepted;
      }
      await stopProfile();
      const seconds = (performance.now() - started) / 1000;
      const threads = threadsPer(process.threadCpuUsage(main), undefined, offered);
      const cpu = await meter.stop();
      console.log(
        `CSV replay of those rejects${limited ? " (by id)" : " (all, as rejects replay --all)"}: ${offered} rejects (${accepted} accepted) in ${seconds.toFixed(1)} s = ${rate(offered, seconds)}; ${cpuPer(cpu, offered, "row")}; ${threads}; ${coresBusy(cpu, seconds)}${await wal.stop()}; load average ${load()}`,
      );
      const after = await comparator(`gp-fourth${tag}`, "after the replay");
      const mean = (before + after) / 2;
      ratios.push(offered / seconds / mean);
      console.log(
        `CSV replay ÷ a first load into the same table (the mean of the two around it, ${rate(mean, 1)}): ${(offered / seconds / mean).toFixed(2)}`,
      );
    }
    if (rounds > 1)
      console.log(
        `CSV replay ÷ a first load, ${rounds} rounds: ${ratios.map((r) => r.toFixed(2)).join(", ")}; median ${median(ratios).toFixed(2)}`,
      );
  }
} finally {
  await bench.dispose();
  rmSync(dir, { recursive: true, force: true });
}
