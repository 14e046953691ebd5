// The place's other measures on hand-built events: telecare installations and packages, dementia with a
// joint plan, the high-risk shares from a stratification, eFI by practice, and High Intensity User
// activity (computed by the risk capability).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { parsePeriod } from "../../src/core/periods.ts";
import { computeMetrics, type MetricValue } from "../../src/outcomes/engine.ts";
import { DEFICITS, ensureEfiReference, hiuActivityByQuarter } from "../../src/risk/index.ts";
import type { Db } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { L1, P1, P3, TestPlace } from "./helpers/place.ts";

let t: TestDb;
let place: TestPlace;

async function riskPerson(
  personId: string,
  r: { age: number; practice: string; tier: string; efi: string | null; runId: string },
): Promise<void> {
  await t.db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, locality_code, deficit_mask, deficit_count,
       efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
       emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
       outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
       unplanned_contacts_12m, social_care_now, social_care_12m, care_home, risk_tier, scored_at)
     VALUES ($1, $2, '2015-12-31', $3, 'female', $4, NULL, 0, 0, $5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, $6, now())`,
    [personId, r.runId, r.age, r.practice, r.efi, r.tier],
  );
}

/**
 * A coded eFI deficit, written with whatever columns the risk capability's efi_deficit has today (it owns
 * the table and is still shaping it): the required ones are filled with plausible values by name.
 */
async function insertDeficit(personId: string, deficitId: string): Promise<void> {
  const columns = await t.db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_name = 'efi_deficit' AND is_nullable = 'NO' AND column_default IS NULL`,
  );
  const known: Record<string, unknown> = {
    person_id: personId,
    deficit_id: deficitId,
    first_on: "2013-01-01",
    basis: "code",
    source_table: "gp_entry",
    code_system: "http://snomed.info/sct",
    code: "1",
  };
  const names = columns.map((c) => c.column_name);
  const values = names.map((n) => (n in known ? known[n] : n.endsWith("_id") ? randomUUID() : "x"));
  await t.db.query(
    `INSERT INTO efi_deficit (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
    values,
  );
}

before(async () => {
  t = await openTestDb();
  place = new TestPlace(t.db);
  await place.organisations();
  // Telecare: two installations in the quarter (one self-funded), one before it.
  const a = await place.person({ born: "1940-01-01" });
  await place.service(a, { type: "telecare", started: "2015-07-10" });
  await place.service(a, { type: "home-care", started: "2015-01-01" });
  const b = await place.person({ born: "1940-01-01" });
  await place.service(b, { type: "telecare", started: "2015-08-10", funding: "self" });
  await place.service(b, { type: "home-care", started: "2015-06-01", ended: "2015-12-31", funding: "joint" });
  const c = await place.person({ born: "1940-01-01" });
  await place.service(c, { type: "telecare", started: "2015-03-10", ended: "2015-06-30" }); // ended before the quarter
  await place.service(c, { type: "day-care", started: "2015-01-01" });
  const d = await place.person({ born: "1940-01-01" });
  await place.service(d, { type: "meals", started: "2015-01-01", funding: "self" }); // self-funded: not a council package
  await place.service(d, { type: "reablement", started: "2015-07-01" }); // reablement: not a package
  // Dementia: three people; one with a plan in place at the quarter's end, one whose plan ended, one who died.
  for (const [plan, died] of [
    [{ started: "2015-01-01" }, null],
    [{ started: "2014-01-01", ended: "2015-03-31" }, null],
    [null, "2015-08-01"],
    [null, null],
  ] as const) {
    const id = await place.person({ born: "1935-01-01" });
    await place.gpCondition(id, "26929004", "2014-06-01");
    if (plan) await place.carePlan(id, plan);
    if (died) await place.death(id, died);
  }
});

after(() => t?.dispose());

test("telecare: installations a month and the share of council-funded packages that include it", async () => {
  const q = at(await valuesOf(t.db, "telecare-installations", ["2015-Q3"]), "2015-Q3");
  assert.equal(q.numerator, 2);
  assert.ok(Math.abs((q.value ?? 0) - 2 / 3) < 1e-9, "averaged over the quarter's months");
  assert.deepEqual(q.breakdown?.numerator, { council: 1, self: 1 });
  const practices = (await valuesOf(t.db, "telecare-installations", ["2015-Q3"])).filter(
    (v) => v.areaLevel === "practice",
  );
  assert.equal(
    practices.find((v) => v.areaCode === P3)?.numerator,
    0,
    "a practice with none shows 0, not nothing",
  );
  const share = at(await valuesOf(t.db, "telecare-in-packages", ["2015-Q3"]), "2015-Q3");
  // Council or joint packages in the quarter: a (telecare + home care), b (joint home care; its telecare is
  // self-funded), c (day care; telecare ended in June) = 3; with council-funded telecare: a.
  assert.equal(share.denominator, 3);
  assert.equal(share.numerator, 1);
});

test("dementia: people with dementia alive and registered at the period's end, and those with a joint plan", async () => {
  const q = at(await valuesOf(t.db, "dementia-joint-plan", ["2015-Q3"]), "2015-Q3");
  assert.equal(q.denominator, 3);
  assert.equal(q.numerator, 1);
});

test("high-risk shares and eFI come from the latest stratification, by practice", async () => {
  const runId = randomUUID();
  await t.db.query(
    "INSERT INTO risk_run (run_id, kind, as_of, started_at, finished_at) VALUES ($1, 'full', '2015-12-31', now(), now())",
    [runId],
  );
  const tiers = ["very-high", "high", "high", "rising", "low", "low", "low", "low"];
  for (const [i, tier] of tiers.entries()) {
    const id = await place.person({ born: "1940-01-01", practice: i < 4 ? P1 : P3 });
    await riskPerson(id, { age: 75, practice: i < 4 ? P1 : P3, tier, efi: i % 2 ? "severe" : "fit", runId });
    if (i === 0) await place.carePlan(id, { started: "2015-06-01", lead: "community-matron" });
    if (i === 1) await place.carePlan(id, { started: "2015-06-01", lead: null });
  }
  const child = await place.person({ born: "2010-01-01" });
  await riskPerson(child, { age: 5, practice: P1, tier: "high", efi: null, runId });
  const r = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q4")],
    metricIds: ["high-risk-share", "high-risk-joint-plan", "high-risk-lead-professional", "efi-severe"],
    asOf: "2016-03-31",
    store: false,
  });
  const place1 = (id: string, level = "place", code = "place") =>
    r.values.find((v) => v.metricId === id && v.areaLevel === level && v.areaCode === code);
  assert.equal(place1("high-risk-share")?.periodId, "2015-12-31..2015-12-31", "as at the stratification");
  assert.equal(place1("high-risk-share")?.numerator, 3, "adults only: the child is not counted");
  assert.equal(place1("high-risk-share")?.denominator, 8);
  assert.equal(place1("high-risk-joint-plan")?.numerator, 2);
  assert.equal(place1("high-risk-joint-plan")?.denominator, 3);
  assert.equal(place1("high-risk-lead-professional")?.numerator, 1);
  assert.equal(place1("high-risk-lead-professional")?.denominator, 3);
  assert.equal(place1("efi-severe")?.numerator, 4);
  assert.equal(place1("efi-severe", "practice", P1)?.numerator, 2);
  assert.equal(place1("high-risk-share", "locality", L1)?.numerator, 3);
});

test("a part several measures share is counted once in a run, and every value is the one each measure gives alone", async () => {
  const ids = [
    "high-risk-share",
    "high-risk-joint-plan",
    "high-risk-lead-professional",
    "dementia-joint-plan",
    "local",
  ];
  const statements: string[] = [];
  const counting: Db = {
    ...t.db,
    transaction: (fn) =>
      t.db.transaction((tx) =>
        fn({
          ...tx,
          query: (text, params) => {
            if (typeof text === "string") statements.push(text);
            return tx.query(text, params);
          },
        }),
      ),
  };
  const request = { periods: [parsePeriod("2015/16")], asOf: "2016-03-31", store: false } as const;
  const together = await computeMetrics(counting, { ...request, metricIds: ids });
  const alone = [];
  for (const id of ids) alone.push(...(await computeMetrics(t.db, { ...request, metricIds: [id] })).values);
  const key = (v: MetricValue) => `${v.metricId} ${v.periodId} ${v.areaLevel} ${v.areaCode}`;
  const sorted = (values: MetricValue[]) => [...values].sort((a, b) => key(a).localeCompare(key(b)));
  assert.ok(together.values.some((v) => v.metricId === "high-risk-joint-plan" && v.denominator));
  assert.deepEqual(sorted(together.values), sorted(alone));
  // The adults at high risk are the share's numerator and the other two measures' denominator: one count.
  const counts = statements.filter((s) => s.includes("GROUPING(o.parent_code, u.practice_code)"));
  const highRiskOnly = (s: string) => (s.match(/FROM risk_person rp/g) ?? []).length;
  assert.equal(counts.length, 5, "one statement a measure");
  assert.deepEqual(
    counts.map(highRiskOnly).filter((n) => n > 0),
    [2, 1, 1],
    "the share counts both its parts; the plan and lead measures only their numerators",
  );
});

test("High Intensity User activity change, from the risk capability, by locality", async () => {
  await ensureEfiReference(t.db);
  // Two frail people (10 coded deficits each) with heavy non-elective use in 2014/15, identified on
  // 31 March 2015; their activity in Q2 2015 against January to March 2015.
  const deficits = DEFICITS.slice(0, 10).map((d) => d.id);
  for (const practice of [P1, P3]) {
    const id = await place.person({ born: "1935-01-01", practice });
    for (const deficit of deficits) await insertDeficit(id, deficit);
    for (const m of ["2015-01-10", "2015-02-10", "2015-03-10", "2014-11-10"])
      await place.spell(id, { admitted: m, discharged: m });
    for (const m of ["2015-01-20", "2015-02-20"]) await place.ae(id, m);
    await place.spell(id, { admitted: "2015-05-10", discharged: "2015-05-12" });
  }
  const r = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q2")],
    metricIds: ["hiu-activity-change"],
    asOf: "2016-03-31",
    store: false,
  });
  const whole = r.values.find((v) => v.areaLevel === "place");
  assert.ok(whole, JSON.stringify(r.unavailable));
  // Baseline (January to March 2015): 3 admissions + 2 A&E each = 10; Q2: 1 admission each = 2.
  assert.equal(whole.denominator, 10);
  assert.equal(whole.numerator, 2);
  assert.equal(whole.value, -80);
  assert.equal(r.values.filter((v) => v.areaLevel === "locality").length, 2);
  assert.equal(
    r.values.filter((v) => v.areaLevel === "practice").length,
    0,
    "HIU activity is reported by locality",
  );
  // The same people and activity as the risk capability's own report.
  const risk = await hiuActivityByQuarter(t.db, {
    identifiedOn: "2015-03-31",
    from: "2015-01-01",
    to: "2015-06-30",
  });
  assert.equal(risk.identified, 2);
  const total = (q: string) => risk.quarters.find((x) => x.locality === "place" && x.quarter === q)?.total;
  assert.equal(total("2015-Q1"), whole.denominator);
  assert.equal(total("2015-Q2"), whole.numerator);
});
