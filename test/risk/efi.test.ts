import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { efiOn, rebuildDeficitsFor } from "../../src/risk/efi.ts";
import {
  DEFICITS,
  deficitsInMask,
  EFI_CATEGORIES,
  efiCategory,
  efiScore,
  maskOf,
} from "../../src/risk/efi-definition.ts";
import { ensureEfiReference, parseEfiCsv, readEfiCodes } from "../../src/risk/efi-reference.ts";
import { meetsRange, VALUE_MEASURES, valueRuleRows } from "../../src/risk/efi-value-rules.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { addGpEntry, addMedication, addPerson, createOrganisations } from "./place.ts";

const ON = "2015-04-01";
const SNOMED = "http://snomed.info/sct";
const codes = readEfiCodes();
const codedDeficits = DEFICITS.filter((d) => d.id !== "polypharmacy");
const firstCode = (deficitId: string) => {
  const row = codes.find((c) => c.deficitId === deficitId);
  assert.ok(row, `a code for ${deficitId}`);
  return row.code;
};
const listsOf = (code: string) => new Set(codes.filter((c) => c.code === code).map((c) => c.deficitId));

let t: TestDb;
before(async () => {
  t = await openTestDb();
  await createOrganisations(t.db);
  await ensureEfiReference(t.db);
});
after(() => t.dispose());

async function efiOf(personId: string, on = ON) {
  await rebuildDeficitsFor(t.db, [personId]);
  const result = await efiOn(t.db, personId, on);
  assert.ok(result);
  return result;
}

describe("the eFI definition", () => {
  test("36 deficits, and the score is always an exact n/36", () => {
    assert.equal(DEFICITS.length, 36);
    assert.equal(new Set(DEFICITS.map((d) => d.id)).size, 36);
    assert.deepEqual(efiScore(13), { numerator: 13, denominator: 36, value: 13 / 36 });
    assert.throws(() => efiScore(37), /0 to 36/);
    assert.throws(() => efiCategory(4.5), /whole number/);
  });

  test("categories follow the score cut-points by integer count: 0-4 fit, 5-8 mild, 9-12 moderate, 13+ severe", () => {
    const expected = (n: number) => (n <= 4 ? "fit" : n <= 8 ? "mild" : n <= 12 ? "moderate" : "severe");
    for (let n = 0; n <= 36; n++) assert.equal(efiCategory(n), expected(n), `${n} deficits`);
    // The boundary the guidance pages get wrong: 13/36 = 0.361 > 0.36.
    assert.equal(efiCategory(12), "moderate");
    assert.equal(efiCategory(13), "severe");
    assert.ok(13 / 36 > 0.36 && 12 / 36 <= 0.36);
    assert.ok(4 / 36 <= 0.12 && 5 / 36 > 0.12 && 8 / 36 <= 0.24 && 9 / 36 > 0.24);
    assert.deepEqual(EFI_CATEGORIES, ["fit", "mild", "moderate", "severe"]);
  });

  test("deficit masks round-trip through bits", () => {
    const ids = ["activity-limitation", "polypharmacy", "weight-loss-and-anorexia"];
    assert.deepEqual(deficitsInMask(maskOf(ids)), ids);
    assert.equal(maskOf(["weight-loss-and-anorexia"]), 1n << 35n);
  });
});

describe("the eFI reference data", () => {
  test("the CSV parser keeps commas inside quoted fields and refuses a bad header", () => {
    const [row] = parseEfiCsv(
      "deficit_id,deficit_name,code_system,code,display,source\n" +
        'activity-limitation,Activity limitation,SNOMED CT,123,"Walks, with ""aid""",x\n',
    );
    assert.equal(row.display, 'Walks, with "aid"');
    assert.throws(() => parseEfiCsv("x,y\n1,2\n"), /expected columns/);
  });

  test("loads 2,089 code rows into 35 lists, the 36 deficits and the value rules, once", async () => {
    assert.equal(codes.length, 2089);
    assert.equal(new Set(codes.map((c) => c.code)).size, 2040);
    const [lists] = await t.db.query<{ rows: number; lists: number }>(
      "SELECT count(*) AS rows, count(DISTINCT list_id) AS lists FROM code_list_member WHERE list_id LIKE 'efi:%'",
    );
    assert.deepEqual(lists, { rows: 2089, lists: 35 });
    const [defs] = await t.db.query<{ n: number }>("SELECT count(*) AS n FROM efi_deficit_def");
    assert.equal(defs.n, 36);
    const [rules] = await t.db.query<{ n: number; deficits: number }>(
      "SELECT count(*) AS n, count(DISTINCT deficit_id) AS deficits FROM efi_value_rule",
    );
    assert.equal(rules.n, valueRuleRows().length);
    assert.equal(rules.deficits, 12, "12 coded deficits can also be triggered by a value");
    const again = await ensureEfiReference(t.db);
    assert.equal(again.loaded, false);
    const [still] = await t.db.query<{ rows: number }>(
      "SELECT count(*) AS rows FROM code_list_member WHERE list_id LIKE 'efi:%'",
    );
    assert.equal(still.rows, 2089);
  });

  test("a changed reference (simulated by a stale checksum) is reloaded without duplicates", async () => {
    await t.db.query("UPDATE risk_reference_load SET checksum = 'stale' WHERE name = 'efi'");
    const reload = await ensureEfiReference(t.db);
    assert.equal(reload.loaded, true);
    const [rows] = await t.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM code_list_member WHERE list_id LIKE 'efi:%'",
    );
    assert.equal(rows.n, 2089);
  });
});

describe("coded deficits", () => {
  test("each of the 35 coded deficits is found from a code in its list, and only that deficit", async () => {
    for (const d of codedDeficits) {
      const code = codes.filter((c) => c.deficitId === d.id).find((c) => listsOf(c.code).size === 1)?.code;
      assert.ok(code, `${d.id} has a code in no other list`);
      const person = await addPerson(t.db);
      const entry = await addGpEntry(t.db, person, { code, on: "2010-05-01" });
      const efi = await efiOf(person);
      assert.deepEqual(
        efi.deficits.map((x) => x.deficitId),
        [d.id],
        d.id,
      );
      assert.equal(efi.deficits[0].sourceIds[0], entry);
      assert.equal(efi.deficits[0].basis, "code");
      assert.equal(efi.deficitCount, 1);
    }
  });

  test("the last code of every list counts too (lists are enumerations, matched exactly)", async () => {
    const person = await addPerson(t.db);
    for (const d of codedDeficits) {
      const last = codes.filter((c) => c.deficitId === d.id).at(-1);
      assert.ok(last);
      await addGpEntry(t.db, person, { code: last.code, on: "2012-01-01" });
    }
    const efi = await efiOf(person);
    assert.equal(efi.deficitCount, 35);
    assert.equal(efi.category, "severe");
  });

  test("a code in two lists counts for both deficits; several codes of one deficit count once", async () => {
    const shared = "127013003"; // disorder of kidney due to diabetes: diabetes and chronic kidney disease
    assert.deepEqual([...listsOf(shared)].sort(), ["chronic-kidney-disease", "diabetes"]);
    const person = await addPerson(t.db);
    await addGpEntry(t.db, person, { code: shared, on: "2011-01-01" });
    for (const c of codes.filter((x) => x.deficitId === "falls").slice(0, 3)) {
      await addGpEntry(t.db, person, { code: c.code, on: "2012-01-01" });
    }
    const efi = await efiOf(person);
    assert.deepEqual(
      efi.deficits.map((d) => d.deficitId),
      ["chronic-kidney-disease", "diabetes", "falls"],
    );
  });

  test("a code in another code system, or a code outside the lists, counts for nothing", async () => {
    const person = await addPerson(t.db);
    await addGpEntry(t.db, person, {
      code: firstCode("diabetes"),
      system: "http://read.info/ctv3",
      on: "2011-01-01",
    });
    await addGpEntry(t.db, person, { code: "80146002", on: "2011-01-01" });
    const efi = await efiOf(person);
    assert.equal(efi.deficitCount, 0);
    assert.equal(efi.category, "fit");
  });

  test("a deficit is present from the day it is recorded and never resolves", async () => {
    const person = await addPerson(t.db);
    const first = await addGpEntry(t.db, person, { code: firstCode("heart-failure"), on: "2003-03-03" });
    await addGpEntry(t.db, person, { code: firstCode("heart-failure"), on: "2014-01-01" });
    assert.equal((await efiOf(person, "2003-03-02")).deficitCount, 0);
    const onDay = await efiOf(person, "2003-03-03");
    assert.equal(onDay.deficitCount, 1);
    const years = await efiOf(person, "2016-03-31");
    assert.equal(years.deficitCount, 1);
    assert.equal(years.deficits[0].firstOn, "2003-03-03");
    assert.equal(years.deficits[0].sourceIds[0], first, "the earliest record is the evidence");
  });

  test("a record corrected away (deleted or moved to someone else) takes its deficit with it", async () => {
    const person = await addPerson(t.db);
    const wrong = await addGpEntry(t.db, person, { code: firstCode("falls"), on: "2012-01-01" });
    await addGpEntry(t.db, person, { code: firstCode("falls"), on: "2013-01-01" });
    assert.equal((await efiOf(person)).deficits[0].sourceIds[0], wrong);
    await t.db.query("DELETE FROM gp_entry WHERE entry_id = $1", [wrong]);
    const corrected = await efiOf(person);
    assert.equal(corrected.deficits[0].firstOn, "2013-01-01", "the next record becomes the evidence");
    await t.db.query("DELETE FROM gp_entry WHERE person_id = $1", [person]);
    assert.equal((await efiOf(person)).deficitCount, 0);
  });

  test("the eFI is given a category only from age 65; deficits are still listed below it", async () => {
    const young = await addPerson(t.db, { birthDate: "1950-04-02" });
    await addGpEntry(t.db, young, { code: firstCode("diabetes"), on: "2010-01-01" });
    const at64 = await efiOf(young, "2015-04-01");
    assert.equal(at64.age, 64);
    assert.equal(at64.category, null);
    assert.equal(at64.deficitCount, 1);
    const at65 = await efiOf(young, "2015-04-02");
    assert.equal(at65.age, 65);
    assert.equal(at65.category, "fit");
  });
});

// [measure, sex of the person, value, deficit expected]; boundaries are strict as the source compares.
const VALUE_CASES: [string, "male" | "female" | "unknown" | null, number | null, boolean][] = [
  ["falls-12m", null, 0, false],
  ["falls-12m", null, 1, true],
  ["abpm-diastolic", null, 85, false],
  ["abpm-diastolic", null, 85.5, true],
  ["abpm-systolic", null, 135, false],
  ["abpm-systolic", null, 136, true],
  ["af-stroke-risk-score", null, 0, true],
  ["af-stroke-risk-score", null, null, false],
  ["barthel", null, 18, true],
  ["barthel", null, 0, true],
  ["barthel", null, 18.1, false],
  ["barthel", null, 19, false],
  ["6cit", null, 7.9, false],
  ["6cit", null, 8, true],
  ["haemoglobin-male", "male", 12.9, true],
  ["haemoglobin-male", "male", 13, false],
  ["haemoglobin-male", "male", 0, false],
  ["haemoglobin-male", "male", 25, false],
  ["haemoglobin-male", "male", 129, true],
  ["haemoglobin-male", "male", 130, false],
  ["haemoglobin-male", "female", 12.5, false],
  ["haemoglobin-male", "unknown", 9, false],
  ["haemoglobin-female", "female", 11.4, true],
  ["haemoglobin-female", "female", 11.5, false],
  ["haemoglobin-female", "female", 114, true],
  ["haemoglobin-female", "female", 115, false],
  ["haemoglobin-female", "female", 25, false],
  ["tsh", null, 0.35, true],
  ["tsh", null, 0.36, false],
  ["tsh", null, 0, false],
  ["tsh", null, 3, false],
  ["tsh", null, 5.5, false],
  ["tsh", null, 5.6, true],
  ["egfr", null, 59.9, true],
  ["egfr", null, 60, false],
  ["egfr", null, 0, false],
  ["urine-protein", null, 150, false],
  ["urine-protein", null, 150.5, true],
  ["urine-albumin", null, 20, false],
  ["urine-albumin", null, 21, true],
  ["urine-pcr", null, 50, false],
  ["urine-pcr", null, 51, true],
  ["urine-acr", null, 3, false],
  ["urine-acr", null, 3.1, true],
  ["urine-microalbumin", null, 3, false],
  ["urine-microalbumin", null, 3.5, true],
  ["abpi", null, 0.94, true],
  ["abpi", null, 0.95, false],
  ["abpi", null, 0, false],
  ["hip-dxa-t-score", null, -2.5, true],
  ["hip-dxa-t-score", null, -3.5, true],
  ["hip-dxa-t-score", null, -2.499, false],
  ["hip-dxa-t-score", null, -2, false],
  ["copd-exacerbations", null, 0.9, false],
  ["copd-exacerbations", null, 1, true],
  ["must", null, 0.9999, false],
  ["must", null, 1, true],
];

describe("value rules", () => {
  test("the cases cover every one of the 19 measures and both sides of every bound", () => {
    assert.deepEqual(new Set(VALUE_CASES.map((c) => c[0])), new Set(VALUE_MEASURES.map((m) => m.id)));
    for (const m of VALUE_MEASURES) {
      const cases = VALUE_CASES.filter((c) => c[0] === m.id);
      assert.ok(cases.some((c) => c[3]) && cases.some((c) => !c[3]), `${m.id} has cases either side`);
      for (const [, , value, expected] of cases) {
        if (value === null || (m.sex && cases.find((c) => c[2] === value)?.[1] !== m.sex)) continue;
        assert.equal(
          m.ranges.some((r) => meetsRange(value, r)),
          expected,
          `${m.id} ${value}`,
        );
      }
    }
  });

  test("every rule, under every code and code system it lists, triggers its deficit exactly at its bounds", async () => {
    const rows = valueRuleRows();
    const checks: { person: string; deficitId: string; expected: boolean; label: string }[] = [];
    for (const [measureId, sex, value, expected] of VALUE_CASES) {
      const measure = VALUE_MEASURES.find((m) => m.id === measureId);
      assert.ok(measure);
      const codings = new Map(
        rows.filter((r) => r.ruleId.startsWith(`${measureId}|`)).map((r) => [`${r.system}|${r.code}`, r]),
      );
      for (const r of codings.values()) {
        const person = await addPerson(t.db, { sex: sex ?? "female" });
        await addGpEntry(t.db, person, {
          code: r.code,
          system: r.system,
          on: "2014-06-01",
          value,
          kind: "observation",
        });
        // A measurement concept that is also in the deficit's code list counts however it is recorded
        // (723245007, COPD exacerbations, is in the respiratory-disease list).
        const inList = r.system === SNOMED && listsOf(r.code).has(measure.deficitId);
        checks.push({
          person,
          deficitId: measure.deficitId,
          expected: expected || inList,
          label: `${measureId} ${r.system} ${r.code} value ${value} sex ${sex}`,
        });
      }
    }
    await rebuildDeficitsFor(
      t.db,
      checks.map((c) => c.person),
    );
    for (const c of checks) {
      const efi = await efiOn(t.db, c.person, ON);
      assert.ok(efi);
      const found = efi.deficits.find((d) => d.deficitId === c.deficitId);
      assert.equal(Boolean(found), c.expected, c.label);
      assert.equal(efi.deficitCount, c.expected ? 1 : 0, c.label);
      if (found && !c.label.includes("723245007")) {
        assert.equal(found.basis, "value");
        assert.ok(found.ruleId?.startsWith(c.label.split(" ")[0]));
      }
    }
    assert.ok(checks.length > 150, `${checks.length} people checked`);
  });

  test("a value rule's deficit dates from the first qualifying value and does not resolve when values recover", async () => {
    const person = await addPerson(t.db, { sex: "male" });
    await addGpEntry(t.db, person, { code: "80274001", on: "2012-01-01", value: 75 });
    await addGpEntry(t.db, person, { code: "80274001", on: "2013-01-01", value: 45 });
    await addGpEntry(t.db, person, { code: "80274001", on: "2014-01-01", value: 80 });
    assert.equal((await efiOf(person, "2012-12-31")).deficitCount, 0);
    const later = await efiOf(person, "2015-04-01");
    assert.deepEqual(
      later.deficits.map((d) => [d.deficitId, d.firstOn, d.value]),
      [["chronic-kidney-disease", "2013-01-01", 45]],
    );
  });
});

describe("polypharmacy", () => {
  const meds = ["m1", "m2", "m3", "m4", "m5"];

  test("5 distinct medication codes in the 12 months up to the date make it present; 4 do not", async () => {
    const five = await addPerson(t.db);
    for (const m of meds) await addMedication(t.db, five, m, "2015-01-10");
    const efi = await efiOf(five);
    assert.deepEqual(
      efi.deficits.map((d) => d.deficitId),
      ["polypharmacy"],
    );
    assert.equal(efi.medicines12m, 5);
    assert.equal(efi.deficits[0].sourceTable, "medication_issue");
    assert.equal(efi.deficits[0].sourceIds.length, 5);
    const four = await addPerson(t.db);
    for (const m of meds.slice(0, 4)) await addMedication(t.db, four, m, "2015-01-10");
    assert.equal((await efiOf(four)).deficitCount, 0);
  });

  test("repeat issues of one medicine count once", async () => {
    const person = await addPerson(t.db);
    for (const on of ["2014-05-01", "2014-06-01", "2014-07-01", "2014-08-01", "2014-09-01", "2014-10-01"]) {
      await addMedication(t.db, person, "m1", on);
    }
    for (const m of ["m2", "m3", "m4"]) await addMedication(t.db, person, m, "2014-10-01");
    const efi = await efiOf(person);
    assert.equal(efi.medicines12m, 4);
    assert.equal(efi.deficitCount, 0);
  });

  test("the window is the year ending on the date, that date included, and polypharmacy can switch off", async () => {
    const person = await addPerson(t.db);
    // Four medicines well inside the window; the fifth on the window's first day or the day before.
    for (const m of meds.slice(0, 4)) await addMedication(t.db, person, m, "2014-12-01");
    await addMedication(t.db, person, "m5", "2014-04-02");
    assert.equal(
      (await efiOf(person, "2015-04-01")).deficitCount,
      1,
      "2014-04-02 is inside the year to 2015-04-01",
    );
    assert.equal((await efiOf(person, "2015-04-02")).deficitCount, 0, "and outside the year to 2015-04-02");
    assert.equal((await efiOf(person, "2015-12-01")).deficitCount, 0);
    const issuedOnTheDay = await addPerson(t.db);
    for (const m of meds) await addMedication(t.db, issuedOnTheDay, m, "2015-04-01");
    assert.equal((await efiOf(issuedOnTheDay, "2015-04-01")).deficitCount, 1);
    assert.equal((await efiOf(issuedOnTheDay, "2015-03-31")).deficitCount, 0);
  });
});
