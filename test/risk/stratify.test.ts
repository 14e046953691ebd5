import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { DEFICITS, deficitsInMask } from "../../src/risk/efi-definition.ts";
import { readEfiCodes } from "../../src/risk/efi-reference.ts";
import { serviceMask } from "../../src/risk/social-care.ts";
import { latestActivityDate, stratify } from "../../src/risk/stratify.ts";
import { openTestDb, serverUrl, type TestDb } from "../helpers/test-db.ts";
import {
  addAe,
  addContact,
  addDeath,
  addGpEntry,
  addMedication,
  addOutpatient,
  addPerson,
  addPlacement,
  addService,
  addSpell,
  createOrganisations,
} from "./place.ts";

const AS_OF = "2015-04-01";
const codes = readEfiCodes();
const singleListCode = (deficitId: string) => {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c.code, (counts.get(c.code) ?? 0) + 1);
  const row = codes.find((c) => c.deficitId === deficitId && counts.get(c.code) === 1);
  assert.ok(row);
  return row.code;
};
const coded = DEFICITS.filter((d) => d.id !== "polypharmacy");

let t: TestDb;
const people: Record<string, string> = {};

type Row = Record<string, unknown>;
async function row(personId: string): Promise<Row | undefined> {
  const [r] = await t.db.query("SELECT * FROM risk_person WHERE person_id = $1", [personId]);
  return r;
}

before(async () => {
  t = await openTestDb();
  const db = t.db;
  await createOrganisations(db);
  // People with exactly n deficits, for the category boundaries.
  for (const n of [0, 4, 5, 8, 9, 12, 13, 35, 36]) {
    const id = await addPerson(db, { birthDate: "1935-01-01" });
    for (const d of coded.slice(0, Math.min(n, 35)))
      await addGpEntry(db, id, { code: singleListCode(d.id), on: "2013-01-01" });
    if (n === 36) for (const m of ["a", "b", "c", "d", "e"]) await addMedication(db, id, m, "2015-02-01");
    people[`n${n}`] = id;
  }
  // One person with activity of every kind around the windows.
  const busy = await addPerson(db, {
    birthDate: "1930-05-05",
    sex: "male",
    area: "A1",
    deregisteredOn: "2014-06-01",
  });
  await db.query(
    `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'Z90003', '2014-06-01', 'test', 'moved', now())`,
    [busy],
  );
  await addSpell(db, busy, { admitted: "2015-01-10 10:00", discharged: "2015-01-15 12:00" });
  await addSpell(db, busy, { admitted: "2014-02-01 10:00", discharged: "2014-02-03 10:00" });
  await addSpell(db, busy, { admitted: "2014-04-01 23:30", discharged: "2014-04-03 10:00" });
  await addSpell(db, busy, { admitted: "2014-04-02 00:30", discharged: "2014-04-02 18:00" });
  await addSpell(db, busy, {
    admitted: "2014-12-01 09:00",
    discharged: "2014-12-02 09:00",
    method: "elective",
  });
  await addSpell(db, busy, { admitted: "2015-04-02 09:00", discharged: "2015-04-05 09:00" });
  for (const on of ["2014-05-01 10:00", "2014-09-01 10:00", "2015-04-01 23:59"]) await addAe(db, busy, on);
  await addAe(db, busy, "2015-04-02 00:01");
  await addOutpatient(db, busy, "2014-07-01");
  await addOutpatient(db, busy, "2015-03-01");
  await addOutpatient(db, busy, "2015-03-15", "did-not-attend");
  await addContact(db, busy, "2014-10-01", "community");
  await addContact(db, busy, "2014-11-01", "community", "rapid-response");
  await addContact(db, busy, "2015-02-01", "mental-health", "crisis-resolution");
  await addContact(db, busy, "2014-04-01", "community");
  await addService(db, busy, "home-care", "2014-01-01");
  await addService(db, busy, "reablement", "2014-10-01", "2014-11-01");
  await addService(db, busy, "telecare", "2012-01-01", "2013-01-01");
  await addPlacement(db, busy, "2015-02-01");
  people.busy = busy;
  // A frail person with enough non-elective activity to be a High Intensity User, and one not frail enough.
  for (const [key, deficits] of [
    ["hiu", 9],
    ["notFrail", 4],
  ] as const) {
    const id = await addPerson(db, { birthDate: "1935-01-01", practice: "Z90002" });
    for (const d of coded.slice(0, deficits))
      await addGpEntry(db, id, { code: singleListCode(d.id), on: "2013-01-01" });
    await addSpell(db, id, { admitted: "2014-08-01 10:00", discharged: "2014-08-04 10:00" });
    await addSpell(db, id, { admitted: "2014-11-01 10:00", discharged: "2014-11-04 10:00" });
    await addAe(db, id, "2014-08-01 08:00");
    await addAe(db, id, "2014-11-01 08:00");
    people[key] = id;
  }
  // People who must not be in the picture on 2015-04-01.
  people.dead = await addPerson(db);
  await addDeath(db, people.dead, "2015-03-01");
  people.left = await addPerson(db, { deregisteredOn: "2015-01-01" });
  people.notYet = await addPerson(db, { registeredOn: "2015-04-02" });
  people.unborn = await addPerson(db, { birthDate: "2015-05-01", registeredOn: "2015-05-01" });
  people.diesLater = await addPerson(db, { birthDate: "1990-01-01" });
  await addDeath(db, people.diesLater, "2015-04-02");
});
after(() => t.dispose());

describe("stratifying hand-built people (eFI only, no model)", () => {
  test("the run covers exactly the people registered and alive on the date", async () => {
    const summary = await stratify(t.db, { asOf: AS_OF, efiOnly: true });
    assert.equal(summary.asOf, AS_OF);
    assert.equal(summary.modelVersion, null);
    const expected = Object.entries(people).filter(
      ([k]) => !["dead", "left", "notYet", "unborn"].includes(k),
    );
    assert.equal(summary.people, expected.length);
    for (const [key, id] of Object.entries(people)) {
      const present = Boolean(await row(id));
      assert.equal(present, !["dead", "left", "notYet", "unborn"].includes(key), key);
    }
    assert.equal(summary.tiers["very-high"], 0, "no scores without a model");
  });

  test("categories at every boundary, by integer count, through SQL", async () => {
    const expected: Record<number, string> = {
      0: "fit",
      4: "fit",
      5: "mild",
      8: "mild",
      9: "moderate",
      12: "moderate",
      13: "severe",
      35: "severe",
      36: "severe",
    };
    for (const [n, category] of Object.entries(expected)) {
      const r = await row(people[`n${n}`]);
      assert.ok(r);
      assert.equal(r.deficit_count, Number(n), `count for ${n}`);
      assert.equal(r.efi_category, category, `${n} deficits`);
      assert.equal(deficitsInMask(r.deficit_mask as number).length, Number(n));
    }
    const all = await row(people.n36);
    assert.deepEqual(
      deficitsInMask(all?.deficit_mask as number),
      DEFICITS.map((d) => d.id),
    );
  });

  test("the eFI summary counts people aged 65 and over by category", async () => {
    const summary = await stratify(t.db, { asOf: AS_OF, efiOnly: true });
    const total = Object.values(summary.efi).reduce((a, b) => a + b, 0);
    assert.equal(total, summary.aged65);
    assert.equal(summary.efi.severe, 3);
    assert.equal(summary.aged65, summary.people - 1, "everyone but the 25-year-old is 65+");
  });

  test("activity is counted in the 12 months up to and including the date, in English local time", async () => {
    const r = await row(people.busy);
    assert.ok(r);
    assert.equal(r.practice_code, "Z90003", "the registration current on the date");
    assert.equal(r.locality_code, "ZZL02");
    assert.equal(r.imd_decile, 1);
    assert.equal(r.age, 84);
    assert.equal(r.emergency_admissions_12m, 2, "2014-04-02 00:30 BST and 2015-01-10; not 2015-04-02");
    assert.equal(r.emergency_admissions_prior_12m, 2, "2014-02-01 and 2014-04-01 23:30 BST");
    assert.equal(r.emergency_bed_days_12m, 5, "5 nights in January, 0 on the same-day stay");
    assert.equal(r.elective_admissions_12m, 1);
    assert.equal(r.ae_attendances_12m, 3);
    assert.equal(r.outpatient_attendances_12m, 2);
    assert.equal(r.outpatient_missed_12m, 1);
    assert.equal(r.community_contacts_12m, 2, "2014-04-01 is outside the year to 2015-04-01");
    assert.equal(r.mental_health_contacts_12m, 1);
    assert.equal(r.unplanned_contacts_12m, 2);
    assert.equal(r.social_care_now, serviceMask(["home-care"]));
    assert.equal(r.social_care_12m, serviceMask(["home-care", "reablement"]));
    assert.equal(r.care_home, true);
    assert.equal(r.days_since_discharge, 76);
  });

  test("High Intensity Users need enough non-elective activity and frailty", async () => {
    assert.equal((await row(people.hiu))?.hiu, true);
    assert.equal((await row(people.notFrail))?.hiu, false);
    assert.equal((await row(people.busy))?.hiu, false, "busy but not frail");
  });

  test("the default date is the latest recorded activity", async () => {
    assert.equal(await latestActivityDate(t.db), "2015-04-02", "admissions count from the day of admission");
  });
});

describe("a full run replaces the picture without blocking readers", () => {
  const indexes = async (table: string) =>
    (
      await t.db.query<{ indexdef: string }>(
        "SELECT indexname || ' ' || indexdef AS indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname",
        [table],
      )
    ).map((r) => r.indexdef);

  test("the replaced tables keep every index and constraint under its own name", async () => {
    const before = { people: await indexes("risk_person"), deficits: await indexes("efi_deficit") };
    assert.ok(before.people.some((d) => d.startsWith("risk_person_pkey ")));
    await stratify(t.db, { asOf: AS_OF, efiOnly: true });
    assert.deepEqual(await indexes("risk_person"), before.people);
    assert.deepEqual(await indexes("efi_deficit"), before.deficits);
    const leftovers = await t.db.query("SELECT relname FROM pg_class WHERE relname LIKE '%\\_\\_next%'");
    assert.deepEqual(leftovers, [], "no table or index of the replacement is left behind");
    const [{ n }] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_person");
    assert.ok(n > 0);
  });

  test("while a run builds, another connection reads the previous run at once and the new one after", {
    skip: !serverUrl && "the embedded engine has one connection, so nothing can read beside a run",
  }, async () => {
    await stratify(t.db, { asOf: AS_OF, efiOnly: true });
    const [previous] = await t.db.query<{ run_id: string }>("SELECT DISTINCT run_id::text FROM risk_person");
    const reader = new pg.Client({ connectionString: t.databaseUrl });
    await reader.connect();
    try {
      // A reader that would wait for a lock fails fast instead, so the test fails rather than hangs.
      await reader.query("SET lock_timeout = '1s'");
      const seen: string[] = [];
      await stratify(t.db, {
        asOf: AS_OF,
        efiOnly: true,
        onStep: async (step) => {
          if (step !== "Recording the run") return;
          const r = await reader.query("SELECT DISTINCT run_id::text AS run_id FROM risk_person");
          const d = await reader.query("SELECT count(*)::int AS n FROM efi_deficit");
          seen.push(...r.rows.map((x) => x.run_id), `deficits ${d.rows[0].n > 0}`);
        },
      });
      assert.deepEqual(
        seen,
        [previous.run_id, "deficits true"],
        "the reader saw the previous run, unblocked",
      );
      const after = await reader.query("SELECT DISTINCT run_id::text AS run_id FROM risk_person");
      assert.equal(after.rows.length, 1);
      assert.notEqual(after.rows[0].run_id, previous.run_id, "after the commit the reader sees the new run");
    } finally {
      await reader.end();
    }
  });
});
