// Where a full stratification's CPU goes on a PostgreSQL place: each statement of stratify() timed by the CPU of
// the backend that ran it (from /proc), and the run's total over every backend of the place's database
// (parallel workers among them) and this process. Wall time on a shared machine says little; CPU does not. It
// can save the run's result (every person's picture, score, tier and percentile, and every deficit) and compare a
// later run's with it, so old and new code can be shown to give the same result.
//
//   DATABASE_URL=postgres://.../place node bench/stratify-cpu.ts [--runs N] [--as-of DATE]
//                                                               [--save NAME] [--compare NAME]
//
// The place must be the bench's alone while it runs (every backend of its database is counted). --save writes
// the tables NAME_person and NAME_deficit into the place; --compare counts the rows that differ from them.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { stratify } from "../src/risk/index.ts";
import { type Db, openDb, type Queryable, storeConfigFromEnv } from "../src/store/index.ts";
import { cpuMeter, load } from "./ingest-bench-db.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1" },
    "as-of": { type: "string" },
    save: { type: "string" },
    compare: { type: "string" },
  },
});
const config = storeConfigFromEnv(process.env);
if (!config.databaseUrl) throw new Error("DATABASE_URL must name a loaded, trained place on PostgreSQL");
const db = await openDb(config);

/** CPU seconds a process has used so far (0 once it has gone). */
function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

type Step = { sql: string; wallMs: number; cpu: number | null };

/** The transaction's statements, each with its backend's CPU (known once the transaction has run one). */
function traced(target: Db, steps: Step[]): Db {
  const wrapTx = (tx: Queryable): Queryable => {
    let pid: number | null = null;
    const timed =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const before = pid === null ? null : processCpu(pid);
        const t = performance.now();
        const result = await fn(...args);
        const wallMs = performance.now() - t;
        const text = typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string }).text);
        steps.push({
          sql: text.replace(/\s+/g, " ").trim().slice(0, 90),
          wallMs,
          cpu: before === null || pid === null ? null : processCpu(pid) - before,
        });
        // The first statement sets the isolation level, so the backend is asked for its pid after it.
        if (pid === null) {
          const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          pid = row.pid;
        }
        return result;
      };
    return new Proxy(tx, {
      get(t, key, receiver) {
        if (key === "query") return timed(t.query.bind(t));
        if (key === "exec") return timed(t.exec.bind(t));
        return Reflect.get(t, key, receiver);
      },
    });
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      // Statements outside the transaction (ANALYZE, VACUUM, the summary) run on any pooled connection: wall only.
      if (key === "query" || key === "exec") {
        const fn = Reflect.get(t, key, receiver).bind(t) as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          const start = performance.now();
          const result = await fn(...args);
          const text = typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string }).text);
          steps.push({
            sql: text.replace(/\s+/g, " ").trim().slice(0, 90),
            wallMs: performance.now() - start,
            cpu: null,
          });
          return result;
        };
      }
      if (key === "transaction")
        return <T>(fn: (tx: Queryable) => Promise<T>) => t.transaction((tx) => fn(wrapTx(tx)));
      return Reflect.get(t, key, receiver);
    },
  });
}

const COMPARED = `person_id, age, sex, practice_code, locality_code, imd_decile, deficit_mask, deficit_count, efi_category,
  long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
  emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
  outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
  unplanned_contacts_12m, social_care_now, social_care_12m, care_home, days_since_discharge, hiu, as_of, model_id,
  probability, risk_rank, risk_percentile, risk_tier, family_name, given_name`;
const DEFICIT_COLUMNS = "person_id, deficit_id, first_on, basis, entry_id, rule_id";

console.log(`${db.location}; load average ${load()}`);
for (let run = 1; run <= Number(values.runs); run++) {
  const steps: Step[] = [];
  const meter = await cpuMeter({ databaseUrl: config.databaseUrl });
  const started = performance.now();
  const summary = await stratify(traced(db, steps), { asOf: values["as-of"] });
  const wall = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  console.log(
    `run ${run}: ${summary.people.toLocaleString("en-GB")} people as at ${summary.asOf}; wall ${wall.toFixed(1)} s; ` +
      `CPU: backends ${(cpu.serverMs / 1000).toFixed(1)} s, this process ${(cpu.selfMs / 1000).toFixed(1)} s; load average ${load()}`,
  );
  for (const s of steps.filter((s) => s.wallMs >= 20))
    console.log(
      `  ${(s.cpu === null ? "?" : s.cpu.toFixed(2)).padStart(7)} s CPU ${(s.wallMs / 1000).toFixed(2).padStart(7)} s wall  ${s.sql}`,
    );
}
if (values.save) {
  const name = values.save;
  await db.exec(`DROP TABLE IF EXISTS ${name}_person, ${name}_deficit;
    CREATE TABLE ${name}_person AS SELECT ${COMPARED} FROM risk_person;
    CREATE TABLE ${name}_deficit AS SELECT ${DEFICIT_COLUMNS} FROM efi_deficit`);
  console.log(`saved the result as ${name}_person and ${name}_deficit`);
}
if (values.compare) {
  const name = values.compare;
  const [d] = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM (SELECT ${COMPARED} FROM risk_person EXCEPT ALL SELECT * FROM ${name}_person) a)::int AS person_new_only,
            (SELECT count(*) FROM (SELECT * FROM ${name}_person EXCEPT ALL SELECT ${COMPARED} FROM risk_person) a)::int AS person_saved_only,
            (SELECT count(*) FROM (SELECT ${DEFICIT_COLUMNS} FROM efi_deficit EXCEPT ALL SELECT * FROM ${name}_deficit) a)::int AS deficit_new_only,
            (SELECT count(*) FROM (SELECT * FROM ${name}_deficit EXCEPT ALL SELECT ${DEFICIT_COLUMNS} FROM efi_deficit) a)::int AS deficit_saved_only,
            (SELECT count(*) FROM risk_person)::int AS people`,
  );
  console.log(`compared with ${name}: ${JSON.stringify(d)}`);
}
await db.close();
