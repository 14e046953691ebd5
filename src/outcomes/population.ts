// The registered population on each reference date, built once per computation in temporary tables that
// every definition's denominator reads:
//
//   population(ref_date date, person_id uuid, practice_code text, age int, n int)
//
// holds the people registered with a practice in the place and alive on ref_date, with their age in whole
// years that day. For computing values it holds counts (person_id null, n people of that practice and
// age); for drill-down it holds one row a person (n = 1). A definition sums n, so it reads either the same.
//
// Registrations are first turned into spans that do not overlap (a registration ends where the person's
// next one starts), so each person is counted once on any day without sorting per date; a birthday on
// 29 February comes on 1 March in other years, as in English law.
import type { Queryable } from "../store/db.ts";

/** True when an SQL text reads the population table. */
export function readsPopulation(sql: string | null | undefined): boolean {
  return !!sql && /\bpopulation\b/.test(sql.replace(/'[^']*'/g, ""));
}

async function ensureSpans(tx: Queryable): Promise<void> {
  const [exists] = await tx.query<{ present: boolean }>(
    "SELECT to_regclass('pg_temp.registration_span') IS NOT NULL AS present",
  );
  if (exists.present) return;
  await tx.exec(`CREATE TEMPORARY TABLE registration_span ON COMMIT DROP AS
    SELECT x.person_id, x.practice_code, x.registered_on AS from_on,
      CASE WHEN x.next_start IS NOT NULL AND (x.deregistered_on IS NULL OR x.next_start < x.deregistered_on)
        THEN x.next_start ELSE x.deregistered_on END AS to_on,
      extract(year FROM pe.birth_date)::int AS birth_year,
      (extract(month FROM pe.birth_date) * 100 + extract(day FROM pe.birth_date))::int AS birth_mmdd,
      pe.birth_date, d.died_on
    FROM (SELECT r.*, lead(r.registered_on) OVER (PARTITION BY r.person_id ORDER BY r.registered_on, r.registration_id)
            AS next_start
          FROM registration r) x
    JOIN person pe ON pe.person_id = x.person_id
    LEFT JOIN death d ON d.person_id = x.person_id`);
  await tx.exec("ANALYZE registration_span");
}

// The reference date's year and month-day come in as parameters, so a row's age is integer arithmetic.
const AGE = "(d.ref_year - s.birth_year - CASE WHEN d.ref_mmdd < s.birth_mmdd THEN 1 ELSE 0 END)";
// A materialised list of dates, so the spans are scanned once per date rather than the dates once per span.
const DATES =
  "WITH d AS MATERIALIZED (SELECT * FROM unnest($1::date[], $2::int[], $3::int[]) AS d(ref_date, ref_year, ref_mmdd))";
const ACTIVE = `s.from_on <= d.ref_date AND (s.to_on IS NULL OR s.to_on > d.ref_date)
    AND s.birth_date <= d.ref_date AND (s.died_on IS NULL OR s.died_on > d.ref_date)`;

/**
 * Makes the temporary population table hold the given reference dates, as counts (default) or one row a
 * person. Call inside a transaction: the tables are dropped when it ends, and on a server they live on that
 * transaction's connection.
 */
export async function ensurePopulation(
  tx: Queryable,
  refDates: readonly string[],
  mode: "counts" | "people" = "counts",
): Promise<void> {
  await ensureSpans(tx);
  await tx.exec(`CREATE TEMPORARY TABLE IF NOT EXISTS population (
      ref_date date NOT NULL, person_id uuid, practice_code text NOT NULL, age int NOT NULL, n int NOT NULL
    ) ON COMMIT DROP`);
  const have = await tx.query<{ ref_date: string; people: boolean }>(
    "SELECT ref_date, bool_or(person_id IS NOT NULL) AS people FROM population GROUP BY ref_date",
  );
  const wanted = [...new Set(refDates)];
  const missing = wanted.filter(
    (d) => !have.some((h) => h.ref_date === d && h.people === (mode === "people")),
  );
  if (missing.length === 0) return;
  await tx.query("DELETE FROM population WHERE ref_date = ANY($1::date[])", [missing]);
  const insert =
    mode === "people"
      ? `INSERT INTO population (ref_date, person_id, practice_code, age, n) ${DATES}
         SELECT d.ref_date, s.person_id, s.practice_code, ${AGE}, 1
         FROM d JOIN registration_span s ON ${ACTIVE}`
      : `INSERT INTO population (ref_date, person_id, practice_code, age, n) ${DATES}
         SELECT d.ref_date, NULL, s.practice_code, ${AGE}, count(*)
         FROM d JOIN registration_span s ON ${ACTIVE}
         GROUP BY 1, 3, 4`;
  await tx.query(insert, [
    missing,
    missing.map((d) => Number(d.slice(0, 4))),
    missing.map((d) => Number(d.slice(5, 7)) * 100 + Number(d.slice(8, 10))),
  ]);
  await tx.exec("ANALYZE population");
}
