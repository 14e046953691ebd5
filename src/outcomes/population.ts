// The registered population on each reference date, counted once per computation into a temporary table
// every definition's denominator reads:
//
//   population(ref_date date, person_id uuid, practice_code text, age int, n int)
//
// holds the people registered with a practice in the place and alive on ref_date, with their age in whole
// years that day. For computing values it holds counts (person_id null, n people of that practice and
// age); for drill-down it holds one row a person (n = 1). A definition sums n, so it reads either the same.
//
// A person with two registrations open on the same day counts once, at the later one (as practiceOn in
// measures/sql.ts decides). Only people with more than one registration can have two open, so only their
// rows are sorted per date; everyone else is counted straight. A birthday on 29 February comes on 1 March
// in other years, as in English law.
import type { Queryable } from "../store/index.ts";

/** True when an SQL text reads the population table. */
export function readsPopulation(sql: string | null | undefined): boolean {
  return !!sql && /\bpopulation\b/.test(sql.replace(/'[^']*'/g, ""));
}

// The reference date's year and month-day come in as parameters, so a row's age is integer arithmetic.
const AGE = "(d.ref_year - s.birth_year - CASE WHEN d.ref_mmdd < s.birth_mmdd THEN 1 ELSE 0 END)";
const ACTIVE = `s.registered_on <= d.ref_date AND (s.deregistered_on IS NULL OR s.deregistered_on > d.ref_date)
    AND s.birth_date <= d.ref_date AND (s.died_on IS NULL OR s.died_on > d.ref_date)`;

function insertSql(mode: "counts" | "people"): string {
  const inputs = `WITH d AS MATERIALIZED (
      SELECT * FROM unnest($1::date[], $2::int[], $3::int[]) AS d(ref_date, ref_year, ref_mmdd)),
    multi AS (SELECT person_id FROM registration GROUP BY person_id HAVING count(*) > 1),
    s AS MATERIALIZED (
      SELECT r.person_id, r.practice_code, r.registration_id, r.registered_on, r.deregistered_on,
        extract(year FROM pe.birth_date)::int AS birth_year,
        (extract(month FROM pe.birth_date) * 100 + extract(day FROM pe.birth_date))::int AS birth_mmdd,
        pe.birth_date, x.died_on, m.person_id IS NOT NULL AS multi
      FROM registration r
      JOIN person pe ON pe.person_id = r.person_id
      LEFT JOIN death x ON x.person_id = r.person_id
      LEFT JOIN multi m ON m.person_id = r.person_id
      WHERE r.registered_on <= $4 AND (r.deregistered_on IS NULL OR r.deregistered_on > $5)),
    latest AS (
      SELECT DISTINCT ON (d.ref_date, s.person_id) d.ref_date, s.person_id, s.practice_code, ${AGE} AS age
      FROM d JOIN s ON ${ACTIVE} AND s.multi
      ORDER BY d.ref_date, s.person_id, s.registered_on DESC, s.registration_id DESC)`;
  if (mode === "people") {
    return `INSERT INTO population (ref_date, person_id, practice_code, age, n) ${inputs}
      SELECT d.ref_date, s.person_id, s.practice_code, ${AGE}, 1 FROM d JOIN s ON ${ACTIVE} AND NOT s.multi
      UNION ALL
      SELECT ref_date, person_id, practice_code, age, 1 FROM latest`;
  }
  return `INSERT INTO population (ref_date, person_id, practice_code, age, n) ${inputs}
    SELECT ref_date, NULL, practice_code, age, sum(n) FROM (
      SELECT d.ref_date, s.practice_code, ${AGE} AS age, count(*) AS n FROM d JOIN s ON ${ACTIVE} AND NOT s.multi
      GROUP BY 1, 2, 3
      UNION ALL
      SELECT ref_date, practice_code, age, count(*) FROM latest GROUP BY 1, 2, 3) c
    GROUP BY 1, 3, 4`;
}

/**
 * Makes the temporary population table hold the given reference dates, as counts (default) or one row a
 * person. Call inside a transaction: the table is dropped when it ends, and on a server it lives on that
 * transaction's connection.
 */
export async function ensurePopulation(
  tx: Queryable,
  refDates: readonly string[],
  mode: "counts" | "people" = "counts",
): Promise<void> {
  await tx.exec(`CREATE TEMPORARY TABLE IF NOT EXISTS population (
      ref_date date NOT NULL, person_id uuid, practice_code text NOT NULL, age int NOT NULL, n int NOT NULL
    ) ON COMMIT DROP`);
  const have = await tx.query<{ ref_date: string; people: boolean }>(
    "SELECT ref_date, bool_or(person_id IS NOT NULL) AS people FROM population GROUP BY ref_date",
  );
  const missing = [...new Set(refDates)]
    .filter((d) => !have.some((h) => h.ref_date === d && h.people === (mode === "people")))
    .sort();
  if (missing.length === 0) return;
  await tx.query("DELETE FROM population WHERE ref_date = ANY($1::date[])", [missing]);
  await tx.query(insertSql(mode), [
    missing,
    missing.map((d) => Number(d.slice(0, 4))),
    missing.map((d) => Number(d.slice(5, 7)) * 100 + Number(d.slice(8, 10))),
    missing.at(-1),
    missing[0],
  ]);
  await tx.exec("ANALYZE population");
}
