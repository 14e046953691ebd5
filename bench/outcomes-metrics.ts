// Benchmarks the metrics engine on the place already loaded (ONEPLACE_HOME or DATABASE_URL): every metric
// for a financial year, for the place, each locality and each practice, stored as a run. Prints figures;
// not a timed test. Run 'oneplace stratify' first for the risk-based measures to be included.
//   node bench/outcomes-metrics.ts [--period 2015/16] [--runs 3]
import { parseArgs } from "node:util";
import { parsePeriod } from "../src/core/periods.ts";
import { computeMetrics, installMeasures } from "../src/outcomes/index.ts";
import { migrate, openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { cpuSeconds } from "./outcomes-cpu.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: { period: { type: "string", default: "2015/16" }, runs: { type: "string", default: "3" } },
});
const db = await openDb(storeConfigFromEnv(process.env));
await migrate(db);
await installMeasures(db);
const [{ people }] = await db.query<{ people: number }>("SELECT count(*)::int AS people FROM person");
console.log(
  `${db.engine} (${db.location}), ${people.toLocaleString("en-GB")} people; all metrics for ${values.period}`,
);
const period = parsePeriod(values.period as string);
const times: number[] = [];
const cpus: number[] = [];
for (let run = 1; run <= Number(values.runs); run++) {
  const perMetric: [string, number][] = [];
  const c0 = await cpuSeconds(db);
  const t0 = performance.now();
  const result = await computeMetrics(db, {
    periods: [period],
    onMetric: (id, s) => perMetric.push([id, s]),
  });
  const seconds = (performance.now() - t0) / 1000;
  times.push(seconds);
  const cpu = (await cpuSeconds(db)) - c0;
  cpus.push(cpu);
  const count = (level: string) => result.values.filter((v) => v.areaLevel === level).length;
  console.log(
    `run ${run}: ${seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ${result.values.length} values (place ${count("place")}, localities ${count("locality")}, practices ${count("practice")}); not available: ${result.unavailable.map((u) => u.metricId).join(", ") || "none"}`,
  );
  if (run === Number(values.runs)) {
    const inMetrics = perMetric.reduce((s, [, x]) => s + x, 0);
    console.log(
      `  run set-up (definitions, registration spans, population): ${(seconds - inMetrics).toFixed(2)} s`,
    );
    for (const [id, s] of perMetric.sort((a, b) => b[1] - a[1]))
      console.log(`  ${id.padEnd(30)} ${s.toFixed(3)} s`);
  }
}
console.log(
  `median ${median(times).toFixed(2)} s wall (best ${Math.min(...times).toFixed(2)} s), ${median(cpus).toFixed(2)} s CPU (OnePlace and its database server) over ${times.length} runs`,
);
await db.close();
