import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type CohortCriteria,
  cohortMembers,
  countCohort,
  listCohorts,
  parseCriteria,
  saveCohort,
} from "../../src/risk/cohort.ts";
import { deficitOrdinal } from "../../src/risk/efi-definition.ts";
import { hiuActivityByQuarter } from "../../src/risk/hiu.ts";
import { trainModel } from "../../src/risk/model.ts";
import { nationalCondition } from "../../src/risk/national-condition.ts";
import {
  createRegister,
  refreshRegister,
  registerChanges,
  registerMovements,
} from "../../src/risk/register.ts";
import { writeSettings } from "../../src/risk/settings.ts";
import { rescorePeople, stratify } from "../../src/risk/stratify.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { loadMiniPlace } from "./mini-place.ts";
import { addCarePlan, addContact, addDeath, addGpEntry, addSpell } from "./place.ts";

let t: TestDb;

before(async () => {
  t = await openTestDb();
  await loadMiniPlace(t.db, 2500, "cohorts");
  await trainModel(t.db, { trainIndexDate: "2014-04-01", validationIndexDate: "2015-04-01" });
  await stratify(t.db, { asOf: "2016-03-31" });
});
after(() => t.dispose());

async function direct(where: string, params: unknown[] = []): Promise<number> {
  const [r] = await t.db.query<{ n: number }>(`SELECT count(*) AS n FROM risk_person WHERE ${where}`, params);
  return r.n;
}

describe("cohort criteria", () => {
  test("are checked, and a mistake is named", () => {
    assert.throws(() => parseCriteria({ agee: { min: 65 } }), /criteria\.agee is not a criterion/);
    assert.throws(() => parseCriteria({ age: { min: -1 } }), /age\.min must be a number from 0 to 130/);
    assert.throws(() => parseCriteria({ age: {} }), /age needs min or max/);
    assert.throws(() => parseCriteria({ riskTiers: ["extreme"] }), /riskTiers has "extreme"/);
    assert.throws(() => parseCriteria({ deficits: { all: ["gout"] } }), /deficits\.all has "gout"/);
    assert.throws(() => parseCriteria({ conditions: { any: ["falls"] } }), /conditions\.any has "falls"/);
    assert.throws(
      () => parseCriteria({ activity: [{ measure: "walks", min: 1 }] }),
      /activity\[0\]\.measure/,
    );
    assert.throws(
      () => parseCriteria({ activity: [{ measure: "ae-attendances", min: 1, months: 0 }] }),
      /months/,
    );
    assert.throws(() => parseCriteria({ socialCare: { any: ["gardening"] } }), /socialCare\.any/);
    assert.throws(() => parseCriteria({ carePlan: "yes" }), /carePlan must be true or false/);
    assert.throws(() => parseCriteria([1]), /must be an object/);
    const ok: CohortCriteria = { age: { min: 65 }, efiCategories: ["severe"], riskTiers: ["high"] };
    assert.deepEqual(parseCriteria(ok), ok);
  });
});

describe("cohort counts", () => {
  const cases: [string, CohortCriteria, string, unknown[]][] = [
    ["everyone", {}, "true", []],
    ["aged 65 to 79", { age: { min: 65, max: 79 } }, "age BETWEEN 65 AND 79", []],
    ["men", { sex: ["male"] }, "sex = 'male'", []],
    ["one practice", { practices: ["Z90002"] }, "practice_code = 'Z90002'", []],
    ["one locality", { localities: ["ZZL02"] }, "locality_code = 'ZZL02'", []],
    [
      "moderate or severe",
      { efiCategories: ["moderate", "severe"] },
      "efi_category IN ('moderate', 'severe')",
      [],
    ],
    [
      "heart failure and falls",
      { deficits: { all: ["heart-failure", "falls"] } },
      "(deficit_mask >> $1) & 1 = 1 AND (deficit_mask >> $2) & 1 = 1",
      [deficitOrdinal("heart-failure"), deficitOrdinal("falls")],
    ],
    [
      "diabetes or CKD, no heart failure",
      { deficits: { any: ["diabetes", "chronic-kidney-disease"], none: ["heart-failure"] } },
      "((deficit_mask >> $1) & 1 = 1 OR (deficit_mask >> $2) & 1 = 1) AND (deficit_mask >> $3) & 1 = 0",
      [deficitOrdinal("diabetes"), deficitOrdinal("chronic-kidney-disease"), deficitOrdinal("heart-failure")],
    ],
    ["3 to 6 deficits", { deficits: { count: { min: 3, max: 6 } } }, "deficit_count BETWEEN 3 AND 6", []],
    ["2+ conditions", { conditions: { count: { min: 2 } } }, "long_term_conditions >= 2", []],
    ["high tiers", { riskTiers: ["very-high", "high"] }, "risk_tier IN ('very-high', 'high')", []],
    ["top 10%", { riskPercentile: { min: 90 } }, "risk_percentile >= 90", []],
    ["probability 0.2+", { riskProbability: { min: 0.2 } }, "probability >= 0.2", []],
    [
      "2+ emergency admissions in 12 months",
      { activity: [{ measure: "emergency-admissions", min: 2 }] },
      "emergency_admissions_12m >= 2",
      [],
    ],
    [
      "an emergency admission in 3 months",
      { activity: [{ measure: "emergency-admissions", min: 1, months: 3 }] },
      `EXISTS (SELECT 1 FROM hospital_spell h WHERE h.person_id = risk_person.person_id
         AND h.admission_method = 'emergency' AND h.admitted_at >= '2016-01-01' AND h.admitted_at < '2016-04-01')`,
      [],
    ],
    [
      "no A&E in 24 months",
      { activity: [{ measure: "ae-attendances", max: 0, months: 24 }] },
      `NOT EXISTS (SELECT 1 FROM ae_attendance a WHERE a.person_id = risk_person.person_id
         AND a.arrived_at >= '2014-04-01' AND a.arrived_at < '2016-04-01')`,
      [],
    ],
    ["home care", { socialCare: { any: ["home-care"] } }, "social_care_now <> 0", []],
    ["no social care", { socialCare: { none: ["home-care"] } }, "social_care_now = 0", []],
  ];

  for (const [name, criteria, where, params] of cases) {
    test(`${name}: the same count as a hand-written query, by practice and locality`, async () => {
      const counts = await countCohort(t.db, criteria);
      assert.equal(counts.total, await direct(where, params), name);
      assert.equal(counts.asOf, "2016-03-31");
      assert.equal(
        counts.byPractice.reduce((s, r) => s + r.inCohort, 0),
        counts.total,
      );
      assert.equal(
        counts.byLocality.reduce((s, r) => s + r.inCohort, 0),
        counts.total,
      );
      assert.equal(counts.population, await direct("true"));
      for (const p of counts.byPractice) {
        assert.equal(
          p.inCohort,
          await direct(`practice_code = $${params.length + 1} AND (${where})`, [...params, p.code]),
        );
      }
    });
  }

  test("conditions may be code lists other capabilities load (any, all, none), counted up to the date", async () => {
    await t.db.query(
      `INSERT INTO code_list_member (list_id, system, code, source) VALUES
       ('test:copd', 'http://snomed.info/sct', '13645005', 'test'), ('test:gout', 'http://snomed.info/sct', '90560007', 'test')`,
    );
    const people = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person ORDER BY person_id LIMIT 4",
    );
    await addGpEntry(t.db, people[0].person_id, { code: "13645005", on: "2015-01-01" });
    await addGpEntry(t.db, people[0].person_id, { code: "13645005", on: "2015-02-01" });
    await addGpEntry(t.db, people[1].person_id, { code: "13645005", on: "2015-01-01" });
    await addGpEntry(t.db, people[1].person_id, { code: "90560007", on: "2015-01-01" });
    await addGpEntry(t.db, people[2].person_id, { code: "13645005", on: "2016-06-01" });
    const count = async (conditions: CohortCriteria["conditions"]) =>
      (await countCohort(t.db, { conditions })).total;
    assert.equal(
      await count({ any: ["test:copd"] }),
      2,
      "the later record does not count; two records count once",
    );
    assert.equal(await count({ all: ["test:copd", "test:gout"] }), 1);
    assert.equal(
      await count({ any: ["test:gout", "diabetes"] }),
      1 +
        (await direct(`(deficit_mask >> ${deficitOrdinal("diabetes")}) & 1 = 1 AND person_id <> $1`, [
          people[1].person_id,
        ])),
    );
    assert.equal(await count({ none: ["test:copd"] }), (await direct("true")) - 2);
  });

  test("counts carry practice and locality names and group practices into their localities", async () => {
    const counts = await countCohort(t.db, {});
    assert.deepEqual(
      counts.byLocality.map((l) => [l.code, l.name]),
      [
        ["ZZL01", "Locality ZZL01"],
        ["ZZL02", "Locality ZZL02"],
      ],
    );
    const l1 = counts.byPractice.filter((p) => p.locality === "ZZL01").reduce((s, p) => s + p.population, 0);
    assert.equal(counts.byLocality[0].population, l1);
  });

  test("the list holds internal ids and the minimum a register needs, highest risk first", async () => {
    const members = await cohortMembers(t.db, { riskTiers: ["very-high"] });
    assert.equal(members.length, await direct("risk_tier = 'very-high'"));
    assert.deepEqual(Object.keys(members[0]).sort(), [
      "age",
      "efiCategory",
      "localityCode",
      "personId",
      "practiceCode",
      "probability",
      "riskPercentile",
      "riskTier",
    ]);
    for (let i = 1; i < members.length; i++)
      assert.ok((members[i - 1].probability ?? 0) >= (members[i].probability ?? 0));
    assert.equal((await cohortMembers(t.db, {}, { limit: 3 })).length, 3);
  });
});

describe("saved cohorts and registers", () => {
  test("a cohort can be on or off another saved cohort, and may not refer to itself", async () => {
    await saveCohort(t.db, "older", { description: "Aged 75+", age: { min: 75 } });
    await saveCohort(t.db, "high-risk", { riskTiers: ["very-high", "high"] });
    await saveCohort(t.db, "older-high-risk", { inCohorts: ["older", "high-risk"] });
    const both = await countCohort(t.db, { inCohorts: ["older-high-risk"] });
    assert.equal(both.total, await direct("age >= 75 AND risk_tier IN ('very-high', 'high')"));
    const notOlder = await countCohort(t.db, { inCohorts: ["high-risk"], notInCohorts: ["older"] });
    assert.equal(notOlder.total, await direct("age < 75 AND risk_tier IN ('very-high', 'high')"));
    await assert.rejects(saveCohort(t.db, "loop", { inCohorts: ["loop"] }), /refers to itself/);
    await assert.rejects(
      countCohort(t.db, { inCohorts: ["missing"] }),
      onePlaceError("not-found", "risk.no-cohort", /no saved cohort "missing"/),
    );
    await assert.rejects(saveCohort(t.db, "Bad Name", {}), /lowercase words/);
    assert.deepEqual(
      (await listCohorts(t.db)).map((c) => c.cohortId),
      ["high-risk", "older", "older-high-risk"],
    );
  });

  test("a register per practice records who joined and who left at each refresh", async () => {
    const highRisk = async () =>
      new Set(
        (
          await t.db.query<{ person_id: string }>(
            "SELECT person_id::text FROM risk_person WHERE risk_tier IN ('very-high', 'high')",
          )
        ).map((r) => r.person_id),
      );
    await stratify(t.db, { asOf: "2016-02-29" });
    await createRegister(t.db, "practice-high-risk", "high-risk", "practice");
    const first = await refreshRegister(t.db, "practice-high-risk");
    const february = await highRisk();
    assert.deepEqual(
      [first.asOf, first.members, first.joined, first.left],
      ["2016-02-29", february.size, february.size, 0],
    );
    const same = await refreshRegister(t.db, "practice-high-risk");
    assert.deepEqual([same.joined, same.left], [0, 0], "nothing changed, nobody moves");
    // A month later: one person on the register dies; one rising-risk person is admitted three times.
    const [leaver] = [...february].sort();
    await addDeath(t.db, leaver, "2016-03-10");
    const [joiner] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person WHERE risk_tier = 'rising' AND age > 75 ORDER BY probability DESC LIMIT 1",
    );
    for (const day of ["2016-03-05", "2016-03-12", "2016-03-19"]) {
      await addSpell(t.db, joiner.person_id, { admitted: `${day} 09:00`, discharged: `${day} 18:00` });
    }
    await stratify(t.db, { asOf: "2016-03-31" });
    const march = await highRisk();
    assert.ok(march.has(joiner.person_id) && !march.has(leaver));
    const joined = [...march].filter((id) => !february.has(id)).sort();
    const left = [...february].filter((id) => !march.has(id)).sort();
    const after = await refreshRegister(t.db, "practice-high-risk");
    assert.deepEqual([after.joined, after.left, after.members], [joined.length, left.length, march.size]);
    const moves = await registerMovements(t.db, "practice-high-risk", "2016-02-29");
    const movedBy = (change: string) =>
      moves
        .filter((m) => m.change === change)
        .map((m) => m.personId)
        .sort();
    assert.deepEqual(movedBy("joined"), joined);
    assert.deepEqual(movedBy("left"), left);
    assert.ok(moves.every((m) => m.on === "2016-03-31"));
    const byPractice = await registerChanges(t.db, "practice-high-risk", "2016-02-29");
    assert.equal(
      byPractice.reduce((s, r) => s + r.members, 0),
      march.size,
    );
    assert.equal(
      byPractice.reduce((s, r) => s + r.joined, 0),
      joined.length,
    );
    await createRegister(t.db, "locality-high-risk", "high-risk", "locality");
    const byLocality = await refreshRegister(t.db, "locality-high-risk");
    assert.equal(byLocality.members, march.size);
    assert.deepEqual(
      (await registerChanges(t.db, "locality-high-risk", "2016-01-01")).map((o) => o.orgCode),
      ["ZZL01", "ZZL02"],
    );
    await assert.rejects(
      refreshRegister(t.db, "nope"),
      onePlaceError("not-found", "risk.no-register", /no register "nope"/),
    );
  });
});

describe("the national condition", () => {
  test("plans read zero until they exist, then count among adults at high risk", async () => {
    const before = await nationalCondition(t.db);
    assert.equal(before.place.adults, await direct("age >= 18"));
    assert.equal(before.place.highRisk, await direct("age >= 18 AND risk_tier IN ('very-high', 'high')"));
    assert.ok(before.place.highRisk > 0);
    assert.equal(before.place.withJointCarePlan, 0);
    assert.equal(before.place.leadProfessionalShare, 0);
    const high = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person WHERE age >= 18 AND risk_tier IN ('very-high', 'high') ORDER BY person_id LIMIT 4",
    );
    await addCarePlan(t.db, high[0].person_id, "2016-01-01", "community-matron");
    await addCarePlan(t.db, high[1].person_id, "2016-01-01", null);
    await addCarePlan(t.db, high[2].person_id, "2015-01-01", "gp", "2015-06-01");
    const [low] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person WHERE risk_tier = 'low' LIMIT 1",
    );
    await addCarePlan(t.db, low.person_id, "2016-01-01", "gp");
    const now = await nationalCondition(t.db);
    assert.equal(
      now.place.withJointCarePlan,
      2,
      "the ended plan and the low-risk person's plan do not count",
    );
    assert.equal(now.place.withLeadProfessional, 1);
    assert.ok(Math.abs(now.place.jointCarePlanShare - 2 / now.place.highRisk) < 1e-12);
    assert.equal(
      now.byLocality.reduce((s, l) => s + l.highRisk, 0),
      now.place.highRisk,
    );
    assert.equal((await countCohort(t.db, { carePlan: true })).total, 3);
    assert.equal(
      (await countCohort(t.db, { leadProfessional: true, riskTiers: ["very-high", "high"] })).total,
      1,
    );
    assert.equal((await countCohort(t.db, { carePlan: false })).total, (await direct("true")) - 3);
  });
});

describe("High Intensity Users", () => {
  test("activity per quarter by locality, excluding people who died in the period", async () => {
    await writeSettings(t.db, { hiu: { minNonElectiveEvents: 2, minEmergencyAdmissions: 1, frailty: [] } });
    const report = await hiuActivityByQuarter(t.db, {
      identifiedOn: "2015-03-31",
      from: "2014-04-01",
      to: "2016-03-31",
    });
    assert.ok(report.identified > 0);
    const quarters = new Set(report.quarters.map((q) => q.quarter));
    assert.equal(quarters.size, 8);
    assert.equal(report.quarters.find((q) => q.locality === "place")?.label, "Q1 2014/15");
    // Independent count of the place's emergency admissions in one quarter.
    const [expected] = await t.db.query<{ n: number }>(
      `WITH hiu AS (
         SELECT h.person_id FROM hospital_spell h
         JOIN registration r ON r.person_id = h.person_id
         JOIN person p ON p.person_id = h.person_id
         LEFT JOIN (SELECT person_id, count(*) AS n FROM ae_attendance
                     WHERE arrived_at >= '2014-04-01' AND arrived_at < '2015-04-01' GROUP BY person_id) a
                ON a.person_id = h.person_id
         WHERE h.admission_method = 'emergency' AND h.admitted_at >= '2014-04-01' AND h.admitted_at < '2015-04-01'
           AND p.birth_date <= '2015-03-31'
           AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = h.person_id)
         GROUP BY h.person_id, a.n HAVING count(*) >= 1 AND count(*) + coalesce(a.n, 0) >= 2
       )
       SELECT count(*) AS n FROM hospital_spell h JOIN hiu USING (person_id)
       WHERE h.admission_method = 'emergency' AND h.admitted_at >= '2015-07-01' AND h.admitted_at < '2015-10-01'`,
    );
    const q = report.quarters.find((r) => r.locality === "place" && r.quarter === "2015-Q3");
    assert.equal(q?.emergencyAdmissions, expected.n);
    const first = report.quarters.find((r) => r.locality === "place" && r.quarter === "2014-Q2");
    assert.ok(first && q && first.total > 0);
    assert.ok(Math.abs((q.changeFromFirst ?? 0) - (q.total - first.total) / first.total) < 1e-12);
    const died = await hiuActivityByQuarter(t.db, {
      identifiedOn: "2014-03-31",
      from: "2014-04-01",
      to: "2016-03-31",
    });
    assert.ok(died.diedInPeriod >= 0 && died.identified >= died.diedInPeriod);
  });

  test("unplanned community and mental health contacts count towards HIU activity", async () => {
    const [p] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person WHERE hiu = false ORDER BY person_id LIMIT 1",
    );
    for (const on of ["2015-06-01", "2015-07-01"])
      await addContact(t.db, p.person_id, on, "mental-health", "crisis-resolution");
    await addSpell(t.db, p.person_id, { admitted: "2015-05-01 10:00", discharged: "2015-05-02 10:00" });
    await rescorePeople(t.db, [p.person_id]);
    const [r] = await t.db.query<{ hiu: boolean; unplanned_contacts_12m: number }>(
      "SELECT hiu, unplanned_contacts_12m FROM risk_person WHERE person_id = $1",
      [p.person_id],
    );
    assert.deepEqual(r, { hiu: true, unplanned_contacts_12m: 2 });
    const report = await hiuActivityByQuarter(t.db, {
      identifiedOn: "2016-03-31",
      from: "2015-04-01",
      to: "2015-09-30",
    });
    const mh = report.quarters
      .filter((x) => x.locality === "place")
      .reduce((s, x) => s + x.unplannedMentalHealthContacts, 0);
    assert.ok(mh >= 2);
  });
});
