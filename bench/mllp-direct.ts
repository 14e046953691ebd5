// The MLLP listener's batches applied directly, without sockets, to tell a batch's fixed cost from a message's:
// the feed of bench/ingest-mllp.ts (its first third, split over 4 senders by patient in the same way,
// bench/mllp-feed.ts) in rounds
// of one message from each sender (the target's batches), through applyHl7Batch on one connection, the batch's
// tables analysed as they grow as the listener does. Prints the CPU a message of this process (the listener's
// share, less its sockets and ACKs) and of the PostgreSQL backend, after a warm-up.
//
//   DATABASE_URL=postgres://... node bench/mllp-direct.ts [people=3000] [warm-up messages=1500]
//
// MLLP_DIRECT_SIZE=N: batches of N messages in the same order instead of the rounds (sizes 1 and 8 give the cost
// a batch and the cost a message: CPU a message = batch / N + message). MLLP_DIRECT_ALL=1: the whole feed.
// MLLP_DIRECT_LINKS=FILE: writes each source record with its person's first record (by source and id) to FILE,
// so two versions' MPI decisions compare with diff whatever the person ids. MLLP_DIRECT_PROF=FILE: this
// process's V8 CPU profile of the timed part. MLLP_DIRECT_EXTRA_TRIPS=N: N round trips more in each batch's
// transaction (a `SELECT 1` each, before the COMMIT), to price what a round trip costs both sides.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { ADT_BATCH_TABLES, applyHl7Batch } from "../src/ingest/index.ts";
import { analyzeGrownTables, openDb } from "../src/store/index.ts";
import { load, openBenchDb } from "./ingest-bench-db.ts";
import { mllpBenchFeed, splitBySender } from "./mllp-feed.ts";

const people = Number(process.argv[2] ?? 3000);
const warmUp = Number(process.argv[3] ?? 1500);
const size = Number(process.env.MLLP_DIRECT_SIZE ?? 0);
const extraTrips = Number(process.env.MLLP_DIRECT_EXTRA_TRIPS ?? 0);
const { dir, messages, codeMap } = await mllpBenchFeed(people, "oneplace-mllp-direct-");
const streams = splitBySender(
  process.env.MLLP_DIRECT_ALL ? messages : messages.slice(0, messages.length / 3),
  4,
);
console.log(`senders' shares: ${streams.map((s) => s.length).join(", ")} messages`);
const rounds: string[][] = [];
for (let i = 0; streams.some((s) => i < s.length); i++)
  rounds.push(streams.filter((s) => i < s.length).map((s) => s[i]));
const batches: string[][] = [];
if (size > 0) {
  const flat = rounds.flat();
  for (let i = 0; i < flat.length; i += size) batches.push(flat.slice(i, i + size));
} else batches.push(...rounds);

const bench = await openBenchDb();
await bench.db.close();
await new Promise((r) =>
  spawn(process.execPath, ["bin/oneplace.js", "ingest", "codes", codeMap], {
    env: { ...process.env, ...bench.env },
    stdio: "ignore",
  }).on("close", r),
);
const db = await openDb({ databaseUrl: bench.env.DATABASE_URL, home: bench.env.ONEPLACE_HOME });
const [{ pid }] = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
/** The backend's CPU so far (the pool hands this one connection to each batch in turn). */
const backendMs = () => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
};
const profile = process.env.MLLP_DIRECT_PROF ? new Session() : null;
profile?.connect();
const ctx = { origin: "mllp-direct" };
let applied = 0;
let timed = { messages: 0, batches: 0, started: 0, cpu: process.cpuUsage(), backend: 0 };
let analysedAt = performance.now();
for (const batch of batches) {
  if (applied >= warmUp && timed.started === 0) {
    await analyzeGrownTables(db, ADT_BATCH_TABLES);
    if (profile) {
      await profile.post("Profiler.enable");
      await profile.post("Profiler.start");
    }
    timed = {
      messages: 0,
      batches: 0,
      started: performance.now(),
      cpu: process.cpuUsage(),
      backend: backendMs(),
    };
  }
  // As the listener: the batch's tables analysed every 2 s when grown (its plans are made once per connection).
  if (performance.now() - analysedAt > 2000) {
    await analyzeGrownTables(db, ADT_BATCH_TABLES);
    analysedAt = performance.now();
  }
  const out = await applyHl7Batch(
    db,
    batch.map((raw) => ({ raw, ctx })),
    undefined,
    extraTrips > 0
      ? async (tx) => {
          for (let i = 0; i < extraTrips; i++) await tx.query("SELECT 1");
        }
      : undefined,
  );
  if (out.some((o) => o.code !== "AA"))
    throw new Error(`not acknowledged AA: ${out.map((o) => o.code).join()}`);
  applied += batch.length;
  timed.messages += batch.length;
  timed.batches++;
}
const seconds = (performance.now() - timed.started) / 1000;
const self = process.cpuUsage(timed.cpu);
const pgUs = ((backendMs() - timed.backend) * 1000) / timed.messages;
if (profile && process.env.MLLP_DIRECT_PROF) {
  const { profile: taken } = await profile.post("Profiler.stop");
  writeFileSync(process.env.MLLP_DIRECT_PROF, JSON.stringify(taken));
}
const selfUs = (self.user + self.system) / timed.messages;
console.log(
  `${timed.messages} messages in ${timed.batches} batches (${(timed.messages / timed.batches).toFixed(2)} each) after ${warmUp} warm-up, ${(timed.messages / seconds).toFixed(0)}/s: CPU a message ${(selfUs + pgUs).toFixed(0)} µs (this process ${selfUs.toFixed(0)}, PostgreSQL ${pgUs.toFixed(0)}); load average ${load()}`,
);
if (process.env.MLLP_DIRECT_LINKS) {
  const rows = await db.query<{ r: string; first: string }>(
    `SELECT source_system || '|' || source_record_id AS r,
            min(source_system || '|' || source_record_id) OVER (PARTITION BY person_id) AS first
       FROM mpi_record_link ORDER BY 1`,
  );
  writeFileSync(process.env.MLLP_DIRECT_LINKS, rows.map((x) => `${x.r} ${x.first}\n`).join(""));
}
await db.close();
await bench.dispose();
rmSync(dir, { recursive: true, force: true });
