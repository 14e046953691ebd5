// File loading rates: FHIR NDJSON (resources/s) and CSV extracts (rows/s), from the synthetic place's feeds.
// The people the files refer to (GP patients and registrations, community patients) are loaded first and not
// timed; then the GP's MedicationRequest NDJSON and the community Encounter NDJSON (FHIR), and the GP coded
// record (CSV) are timed. Each load commits a chunk per transaction, checks every record and links it to its
// person, exactly as `oneplace ingest` does.
//
//   node bench/ingest-files.ts [people=20000]        (DATABASE_URL=postgres://... for PostgreSQL)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCsvFile, loadFeedFile, loadFhirFile, readManifest } from "../src/ingest/index.ts";
import { DEFAULT_SYNTH_CONFIG, writeFeeds } from "../src/synth/index.ts";
import { openBenchDb, rate } from "./ingest-bench-db.ts";

const people = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "oneplace-files-bench-"));
const bench = await openBenchDb();
const { db } = bench;
try {
  let started = performance.now();
  await writeFeeds({ ...DEFAULT_SYNTH_CONFIG, seed: "files-bench", people }, dir, {
    outOfOrder: 0,
    cancellations: 0,
    duplicateMessages: 0,
    corrupt: 0,
  });
  console.log(
    `engine ${db.engine}; ${people} people; feeds written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
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
    const r = await loadFeedFile(db, dir, f);
    console.log(
      `  (setup) ${file}: ${r.counts.recordsRead} in ${r.seconds.toFixed(1)} s = ${rate(r.counts.recordsRead, r.seconds)}`,
    );
  }
  let resources = 0;
  let seconds = 0;
  for (const [file, source] of [
    ["gp/MedicationRequest.ndjson", "gp"],
    ["community-ehr/Encounter.ndjson", "community-ehr"],
  ]) {
    const r = await loadFhirFile(db, join(dir, file), { source });
    resources += r.counts.recordsRead;
    seconds += r.seconds;
    console.log(
      `FHIR ${file}: ${r.counts.recordsRead} resources (${r.counts.loaded} loaded, ${r.counts.rejected} rejected) in ${r.seconds.toFixed(1)} s = ${rate(r.counts.recordsRead, r.seconds)}`,
    );
  }
  console.log(
    `FHIR NDJSON overall: ${resources} resources in ${seconds.toFixed(1)} s = ${rate(resources, seconds)}`,
  );
  started = performance.now();
  const csv = await loadCsvFile(db, join(dir, "gp/gp-coded-record.csv"), { chunkRows: 20_000 });
  console.log(
    `CSV gp-coded-record: ${csv.counts.recordsRead} rows (${csv.counts.loaded} loaded, ${csv.counts.rejected} rejected) in ${csv.seconds.toFixed(1)} s = ${rate(csv.counts.recordsRead, csv.seconds)}`,
  );
  const again = await loadCsvFile(db, join(dir, "gp/gp-coded-record.csv"), { chunkRows: 20_000 });
  console.log(
    `CSV re-run of the same file (all duplicates): ${again.counts.duplicates} rows in ${again.seconds.toFixed(1)} s = ${rate(again.counts.recordsRead, again.seconds)}`,
  );
} finally {
  await bench.dispose();
  rmSync(dir, { recursive: true, force: true });
}
