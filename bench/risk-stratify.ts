// Benchmarks stratification on the place already loaded (ONEPLACE_HOME or DATABASE_URL): model training (if
// asked, or if there is no model), a full run, rescoring one person after a new event, and cohort queries.
// Prints figures; not a timed test. The rescoring part adds and then removes one emergency admission per
// person it times, so run it on a scratch database.
//   node bench/risk-stratify.ts [--train] [--rescore N] [--cohort-runs N]
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { activeModel, countCohort, rescorePeople, stratify, trainModel } from "../src/risk/index.ts";
import { discoverMigrations, migrate, openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { BENCH_COHORTS } from "./cohort-criteria.ts";

const { values } = parseArgs({
  options: {
    train: { type: "boolean" },
    "skip-full": { type: "boolean" },
    rescore: { type: "string", default: "50" },
    "cohort-runs": { type: "string", default: "20" },
    "as-of": { type: "string" },
    "train-date": { type: "string", default: "2014-04-01" },
    "validate-date": { type: "string", default: "2015-04-01" },
  },
});

/** Resident memory of the PostgreSQL server's processes: their sum (shared buffers counted once per process, so
 * an upper bound) and the largest single process (the backend doing the work). */
function postgresRssMb(): { sum: number; largest: number } {
  try {
    const text = execFileSync("ps", ["-C", "postgres", "-o", "rss="], { encoding: "utf8" });
    const values = text
      .split("\n")
      .filter(Boolean)
      .map((l) => Number(l.trim()) / 1024);
    return { sum: values.reduce((a, b) => a + b, 0), largest: Math.max(0, ...values) };
  } catch {
    return { sum: 0, largest: 0 };
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const db = await openDb(storeConfigFromEnv(process.env));
// Only this capability's migrations: others' may be mid-edit on a shared scratch database.
await migrate(
  db,
  discoverMigrations().filter((m) => m.id.startsWith("04")),
);
const [{ people }] = await db.query<{ people: number }>("SELECT count(*) AS people FROM person");
console.log(`engine ${db.engine}, ${people.toLocaleString("en-GB")} people in the database`);
const peakPg = { sum: 0, largest: 0 };
const sampler = setInterval(() => {
  if (db.engine !== "postgres") return;
  const now = postgresRssMb();
  peakPg.sum = Math.max(peakPg.sum, now.sum);
  peakPg.largest = Math.max(peakPg.largest, now.largest);
}, 250);

if (values.train || !(await activeModel(db))) {
  const t0 = performance.now();
  const model = await trainModel(db, {
    trainIndexDate: values["train-date"],
    validationIndexDate: values["validate-date"],
  });
  console.log(
    `model training: ${((performance.now() - t0) / 1000).toFixed(1)} s (version ${model.version}, AUC ${model.validation.auc.toFixed(3)}, slope ${model.validation.calibrationSlope.toFixed(2)})`,
  );
}

let asOf = values["as-of"];
if (!values["skip-full"]) {
  const t1 = performance.now();
  const summary = await stratify(db, { asOf });
  asOf = summary.asOf;
  console.log(
    `full stratification: ${((performance.now() - t1) / 1000).toFixed(1)} s for ${summary.people.toLocaleString("en-GB")} registered people (eFI, features, scores, ranks)`,
  );
}
asOf ??= (
  await db.query<{ as_of: string }>("SELECT max(as_of)::text AS as_of FROM risk_run WHERE kind = 'full'")
)[0]?.as_of;

const rescoreRuns = Number(values.rescore);
if (rescoreRuns > 0) {
  const sample = await db.query<{ person_id: string }>(
    `SELECT person_id::text FROM risk_person WHERE age >= 65 ORDER BY md5(person_id::text) LIMIT ${rescoreRuns}`,
  );
  const times: number[] = [];
  // On PGlite the database runs in this process, so this is all the CPU a rescoring costs.
  const cpuTimes: number[] = [];
  for (const { person_id } of sample) {
    const [spell] = await db.query<{ spell_id: string }>(
      `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
                                   discharged_at, source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'ZZBENCH', $2::date - 3 + time '10:00', 'emergency', 'inpatient',
               $2::date - 1 + time '10:00', 'bench', gen_random_uuid()::text, now())
       RETURNING spell_id::text`,
      [person_id, asOf],
    );
    const t = performance.now();
    const cpu = process.cpuUsage();
    await rescorePeople(db, [person_id]);
    times.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
    await db.query("DELETE FROM hospital_spell WHERE person_id = $1 AND spell_id = $2", [
      person_id,
      spell.spell_id,
    ]);
    await rescorePeople(db, [person_id]);
  }
  console.log(
    `rescoring one person after a new event: median ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms over ${times.length} people` +
      ` (CPU in this process: median ${percentile(cpuTimes, 0.5).toFixed(1)} ms, p95 ${percentile(cpuTimes, 0.95).toFixed(1)} ms)`,
  );
}

const cohortRuns = Number(values["cohort-runs"]);
if (cohortRuns > 0) {
  const times: number[] = [];
  for (let i = 0; i < cohortRuns; i++) {
    for (const c of BENCH_COHORTS) {
      const t = performance.now();
      await countCohort(db, c as never);
      times.push(performance.now() - t);
    }
  }
  console.log(
    `cohort counts by practice and locality: median ${percentile(times, 0.5).toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms over ${times.length} queries`,
  );
}
clearInterval(sampler);
const nodeMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `peak memory: node ${nodeMb.toFixed(0)} MB${db.engine === "postgres" ? `, largest PostgreSQL process ${peakPg.largest.toFixed(0)} MB, all PostgreSQL processes ${peakPg.sum.toFixed(0)} MB (shared memory counted per process; the server is shared with other work)` : " (PGlite runs inside node)"}`,
);
await db.close();
