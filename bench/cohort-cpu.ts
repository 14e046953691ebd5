// The bench cohorts (bench/cohort-criteria.ts) counted by practice and locality on a loaded, stratified place, each
// several times: wall p50/p95 and the CPU a query costs, this process's and every backend's of the place's
// database (parallel workers among them), from /proc. With --members FILE, each cohort's members (ids, in
// order) are hashed and written to FILE, so the members under old and new code can be compared.
//
//   DATABASE_URL=postgres://.../place node bench/cohort-cpu.ts [--runs N] [--members FILE]
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cohortMembers, countCohort } from "../src/risk/index.ts";
import { openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { BENCH_COHORTS } from "./cohort-criteria.ts";
import { cpuMeter, load } from "./ingest-bench-db.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "10" }, members: { type: "string" } },
});
const config = storeConfigFromEnv(process.env);
const db = await openDb(config);
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
console.log(`${db.location}; load average ${load()}`);
// One untimed count of each first: the first query of a process pays for its connection and catalogue reads.
for (const c of BENCH_COHORTS) await countCohort(db, c as never);
const all: number[] = [];
const runs = Number(values.runs);
let cpuAll = 0;
for (const [i, c] of BENCH_COHORTS.entries()) {
  const times: number[] = [];
  const meter = await cpuMeter({ databaseUrl: config.databaseUrl });
  let total = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    total = (await countCohort(db, c as never)).total;
    times.push(performance.now() - t);
  }
  const cpu = await meter.stop();
  const perQuery = (cpu.selfMs + cpu.serverMs) / runs;
  cpuAll += perQuery;
  all.push(...times);
  console.log(
    `cohort ${i + 1} (${total.toLocaleString("en-GB")} people): p50 ${percentile(times, 0.5).toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms; ` +
      `CPU a query ${perQuery.toFixed(0)} ms (backends ${(cpu.serverMs / runs).toFixed(0)}, this process ${(cpu.selfMs / runs).toFixed(0)})`,
  );
}
console.log(
  `all ${all.length} queries: p50 ${percentile(all, 0.5).toFixed(0)} ms, p95 ${percentile(all, 0.95).toFixed(0)} ms; ` +
    `CPU a query ${(cpuAll / BENCH_COHORTS.length).toFixed(0)} ms; load average ${load()}`,
);
if (values.members) {
  const out: Record<string, { members: number; sha256: string }> = {};
  for (const [i, c] of BENCH_COHORTS.entries()) {
    const members = await cohortMembers(db, c as never);
    out[`cohort ${i + 1}`] = {
      members: members.length,
      sha256: createHash("sha256").update(JSON.stringify(members)).digest("hex"),
    };
  }
  writeFileSync(values.members, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`members written to ${values.members}`);
}
await db.close();
