// Where rescoring one person spends its time: each statement of rescorePeople, timed (wall and this process's
// CPU, which on PGlite includes the database), over repeated rescorings of the same people. With --new-event,
// each timed rescoring follows a new emergency admission of the person (removed and rescored again, untimed,
// after it), as after ingest; without, nothing about them has changed since the last rescoring.
//   ONEPLACE_HOME=... node bench/rescore-trace.ts [--people N] [--runs N] [--new-event]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { rescorePeople } from "../src/risk/index.ts";
import { type Db, openDb, type Queryable, storeConfigFromEnv } from "../src/store/index.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "5" },
    runs: { type: "string", default: "10" },
    "new-event": { type: "boolean", default: false },
  },
});
const db = await openDb(storeConfigFromEnv(process.env));
const sample = await db.query<{ person_id: string }>(
  `SELECT person_id::text FROM risk_person WHERE age >= 65 ORDER BY md5(person_id::text) LIMIT ${Number(values.people)}`,
);
const [{ as_of: asOf }] = await db.query<{ as_of: string }>(
  "SELECT max(as_of)::text AS as_of FROM risk_run WHERE kind = 'full'",
);
/** An emergency admission ending the day before the run's date, as bench/risk-stratify.ts adds. */
async function addAdmission(personId: string): Promise<string> {
  const [spell] = await db.query<{ spell_id: string }>(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
                                 discharged_at, source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'ZZBENCH', $2::date - 3 + time '10:00', 'emergency', 'inpatient',
             $2::date - 1 + time '10:00', 'bench', gen_random_uuid()::text, now())
     RETURNING spell_id::text`,
    [personId, asOf],
  );
  return spell.spell_id;
}
type Step = { label: string; ms: number; cpu: number };
let steps: Step[] = [];
const label = (sql: unknown) =>
  typeof sql === "string"
    ? sql.trim().replace(/\s+/g, " ").slice(0, 70)
    : `[prepared ${(sql as { name: string }).name.slice(0, 40)}]`;
function timed<Q extends Queryable>(q: Q): Q {
  const wrap =
    (name: "query" | "exec") =>
    async (...args: unknown[]) => {
      const t = performance.now();
      const c = process.cpuUsage();
      try {
        return await (q[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        const u = process.cpuUsage(c);
        steps.push({ label: label(args[0]), ms: performance.now() - t, cpu: (u.user + u.system) / 1000 });
      }
    };
  return { ...q, query: wrap("query"), exec: wrap("exec") } as Q;
}
const traced: Db = {
  ...timed(db),
  transaction: (fn) => {
    const t = performance.now();
    const c = process.cpuUsage();
    const before = steps.length;
    return db
      .transaction((tx) => {
        steps.push({
          label: "BEGIN",
          ms: performance.now() - t,
          cpu: (process.cpuUsage(c).user + process.cpuUsage(c).system) / 1000,
        });
        return fn(timed(tx));
      })
      .finally(() => {
        const inside = steps.slice(before);
        const u = process.cpuUsage(c);
        steps.push({
          label: "COMMIT and the rest",
          ms: performance.now() - t - inside.reduce((n, s) => n + s.ms, 0),
          cpu: (u.user + u.system) / 1000 - inside.reduce((n, s) => n + s.cpu, 0),
        });
      });
  },
  close: () => db.close(),
  engine: db.engine,
  location: db.location,
};
const runs: { steps: Step[]; ms: number; cpu: number }[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  for (const { person_id } of sample) {
    const spell = values["new-event"] ? await addAdmission(person_id) : null;
    steps = [];
    const t = performance.now();
    const c = process.cpuUsage();
    await rescorePeople(traced, [person_id]);
    const u = process.cpuUsage(c);
    runs.push({ steps, ms: performance.now() - t, cpu: (u.user + u.system) / 1000 });
    if (spell) {
      await db.query("DELETE FROM hospital_spell WHERE person_id = $1 AND spell_id = $2", [person_id, spell]);
      await rescorePeople(db, [person_id]);
    }
  }
}
const last = runs.slice(Math.floor(runs.length / 2));
console.log(`${db.engine}: rescoring one person, the later ${last.length} of ${runs.length} runs (medians)`);
last[0].steps.forEach((s, i) => {
  console.log(
    `${median(last.map((r) => r.steps[i]?.ms ?? 0))
      .toFixed(2)
      .padStart(8)} ms ${median(last.map((r) => r.steps[i]?.cpu ?? 0))
      .toFixed(2)
      .padStart(8)} ms CPU  ${s.label}`,
  );
});
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
console.log(
  `total: ${median(last.map((r) => r.ms)).toFixed(1)} ms, CPU ${median(last.map((r) => r.cpu)).toFixed(1)} ms; p95 ${p95(last.map((r) => r.ms)).toFixed(1)} ms (all ${runs.length} runs, the first cold: p95 ${p95(runs.map((r) => r.ms)).toFixed(1)} ms); load average ${loadavg()[0].toFixed(1)}`,
);
// How the server planned each prepared statement: a generic plan is planned once, a custom plan every run.
for (const r of await db.query<{ name: string; generic_plans: number; custom_plans: number }>(
  "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name",
)) {
  console.log(`${r.name}: ${r.generic_plans} generic, ${r.custom_plans} custom plans`);
}
await db.close();
