// The national condition and the care metrics at Thurrock scale (issue 11: "the national condition and care
// metrics for the place and all practices ≤ 2 s"): BCF national condition 4 as `oneplace stratify report`
// computes it (place and localities), and the metrics that read the joint plans (adults at high risk, with a
// joint plan, with an accountable lead professional; dementia with a joint plan; the stroke unit's local
// metric), computed as `oneplace metrics compute` does for one financial year: the place, each locality and
// every practice in one run. Prints wall time and CPU time (this process, and the database's backends on
// PostgreSQL): on a shared machine the CPU time is the figure to compare. Needs a loaded place with its care
// history and a stratification:
//
//   DATABASE_URL=postgres://.../thurrock oneplace synth && oneplace model train && oneplace stratify
//   DATABASE_URL=postgres://.../thurrock node bench/care-metrics.ts [runs=5] [period=2015/16]
import { loadavg } from "node:os";
import { parsePeriod } from "../src/core/index.ts";
import { computeMetrics, installMeasures, latestActivityDate } from "../src/outcomes/index.ts";
import { nationalCondition } from "../src/risk/index.ts";
import { openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { cpuParts } from "./outcomes-cpu.ts";

const runs = Number(process.argv[2] ?? 5);
const period = parsePeriod(process.argv[3] ?? "2015/16");
const CARE_METRICS = [
  "high-risk-share",
  "high-risk-joint-plan",
  "high-risk-lead-professional",
  "dementia-joint-plan",
  "local",
];

const db = await openDb(storeConfigFromEnv(process.env));
const [{ n: riskPeople }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_person");
if (riskPeople === 0) {
  console.error(
    "No stratification: run 'oneplace model train' and 'oneplace stratify' on this database first.",
  );
  process.exit(1);
}
const [{ people, plans, meetings }] = await db.query<{ people: number; plans: number; meetings: number }>(
  `SELECT (SELECT count(*)::int FROM person) AS people,
          (SELECT count(*)::int FROM care_plan WHERE plan_type = 'joint-health-social') AS plans,
          (SELECT count(*)::int FROM mdt_meeting) AS meetings`,
);
console.log(
  `${db.engine}: ${people.toLocaleString("en-GB")} people, ${riskPeople.toLocaleString("en-GB")} stratified, ${plans.toLocaleString("en-GB")} joint plans, ${meetings} MDT meetings; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
await installMeasures(db);
const asOf = (await latestActivityDate(db)) as string;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
/** Wall time and CPU time (this process: Node and PGlite; the database's backends on PostgreSQL) per run. */
async function time(label: string, fn: () => Promise<string>): Promise<void> {
  const times: number[] = [];
  const cpu: { node: number; server: number }[] = [];
  let what = "";
  for (let i = 0; i < runs; i++) {
    const before = await cpuParts(db);
    const started = performance.now();
    what = await fn();
    times.push(performance.now() - started);
    const after = await cpuParts(db);
    cpu.push({ node: after.node - before.node, server: after.server - before.server });
  }
  const s = [...times].sort((a, b) => a - b);
  const total = cpu.map((c) => (c.node + c.server) * 1000).sort((a, b) => a - b);
  const node = cpu.map((c) => c.node * 1000).sort((a, b) => a - b);
  const server = cpu.map((c) => c.server * 1000).sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} n=${runs}  wall p50 ${percentile(s, 50).toFixed(0)} ms  max ${s.at(-1)?.toFixed(0)} ms  CPU p50 ${percentile(total, 50).toFixed(0)} ms (node ${percentile(node, 50).toFixed(0)}, server ${percentile(server, 50).toFixed(0)})  (${what})`,
  );
}

await time("national condition (place and localities)", async () => {
  const c = await nationalCondition(db);
  return `${c.place.withLeadProfessional}/${c.place.highRisk} high-risk adults with a lead`;
});
await time(`care metrics ${period.id} (place, localities, practices)`, async () => {
  const r = await computeMetrics(db, { periods: [period], metricIds: CARE_METRICS, asOf });
  return `${r.values.length} values`;
});
await time("both, as one request would", async () => {
  const [c, r] = [
    await nationalCondition(db),
    await computeMetrics(db, { periods: [period], metricIds: CARE_METRICS, asOf }),
  ];
  return `${c.byLocality.length} localities, ${r.values.length} values`;
});
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
await db.close();
