import { openDb } from "../../src/store/open.ts";
const db = await openDb({ home: process.argv[2], databaseUrl: process.env.DATABASE_URL });
const dates = ["2012-09-30","2013-09-30","2014-09-30","2015-09-30"];
const sql = `EXPLAIN ANALYZE WITH d AS MATERIALIZED (
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
      WHERE r.registered_on <= $4 AND (r.deregistered_on IS NULL OR r.deregistered_on > $5))
    SELECT d.ref_date, s.practice_code, (d.ref_year - s.birth_year - CASE WHEN d.ref_mmdd < s.birth_mmdd THEN 1 ELSE 0 END) AS age, count(*) AS n FROM d JOIN s ON s.registered_on <= d.ref_date AND (s.deregistered_on IS NULL OR s.deregistered_on > d.ref_date)
    AND s.birth_date <= d.ref_date AND (s.died_on IS NULL OR s.died_on > d.ref_date) AND NOT s.multi
      GROUP BY 1, 2, 3`;
const rows = await db.query<{ "QUERY PLAN": string }>(sql, [dates, dates.map(d=>+d.slice(0,4)), dates.map(()=>930), dates.at(-1), dates[0]]);
for (const r of rows) console.log(r["QUERY PLAN"]);
await db.close();
