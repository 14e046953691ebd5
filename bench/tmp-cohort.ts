import { openDb, storeConfigFromEnv } from "../src/store/open.ts";
import { compileCohort } from "../src/risk/cohort.ts";
const db = await openDb(storeConfigFromEnv());
const criteria = [
  { age: { min: 65 }, efiCategories: ["moderate", "severe"] },
  { riskTiers: ["very-high", "high"], carePlan: false },
  { deficits: { all: ["falls"], any: ["heart-failure", "diabetes"] }, activity: [{ measure: "emergency-admissions", min: 1 }] },
  { riskPercentile: { min: 95 }, socialCare: { any: ["home-care"] }, localities: ["ZZL01", "ZZL03"] },
];
for (const cr of criteria) {
  const c = await compileCohort(db, cr as never);
  const sql = `EXPLAIN (ANALYZE) SELECT rp.practice_code, rp.locality_code, count(*) AS population, count(*) FILTER (WHERE ${c.where}) AS in_cohort, max(rp.as_of)::text AS as_of FROM ${c.from} GROUP BY rp.practice_code, rp.locality_code`;
  const rows = await db.query<any>(sql, c.params);
  console.log(JSON.stringify(cr), rows.map((r) => r["QUERY PLAN"]).filter((l: string) => /Execution|JIT|Timing|Planning Time/.test(l)).join(" | "));
}
await db.close();
