import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  ADMINISTRATIVE_SEX,
  ADMISSION_METHOD,
  AE_DISPOSAL,
  ARRIVAL_MODE,
  type CodeSet,
  codeSet,
  DISCHARGE_METHOD,
  dischargeMethodOf,
  ethnicCategoryOf,
  FHIR_GENDER,
  isDischargeDestination,
  TRANSFER_DESTINATIONS,
} from "../../src/core/index.ts";

const SETS: CodeSet<string>[] = [
  ADMISSION_METHOD,
  DISCHARGE_METHOD,
  AE_DISPOSAL,
  ARRIVAL_MODE,
  ADMINISTRATIVE_SEX,
  FHIR_GENDER,
];

test("every canonical value encodes to a code that decodes back to it (one way round the table and back)", () => {
  for (const set of SETS) {
    for (const value of set.values) {
      const code = set.encode(value);
      assert.ok(code, `${set.name}: ${value} has a code`);
      if (set === DISCHARGE_METHOD && value === "transferred") continue;
      assert.equal(set.decode(code), value, `${set.name}: ${value} -> ${code} -> back`);
      assert.ok(set.isPreferred(code));
    }
    for (const code of set.codes) {
      const value = set.decode(code);
      assert.ok(value, `${set.name}: ${code} decodes`);
      assert.equal(set.decode(set.encode(value) as string), value, `${set.name}: ${code} round trip`);
    }
  }
});

test("the codes we send are the Data Dictionary's usual ones", () => {
  assert.deepEqual(
    ["emergency", "elective", "maternity", "transfer", "other"].map((v) => ADMISSION_METHOD.encode(v)),
    ["21", "11", "31", "81", "82"],
  );
  assert.deepEqual(
    ["discharged", "self-discharged", "died", "transferred"].map((v) => DISCHARGE_METHOD.encode(v)),
    ["1", "2", "4", "1"],
  );
  assert.deepEqual(
    ["admitted", "discharged", "referred", "left", "died"].map((v) => AE_DISPOSAL.encode(v)),
    ["01", "03", "06", "12", "10"],
  );
  assert.deepEqual(
    ["ambulance", "walk-in", "other"].map((v) => ARRIVAL_MODE.encode(v)),
    ["A", "F", "O"],
  );
  assert.deepEqual(
    ["female", "male", "other", "unknown"].map((v) => ADMINISTRATIVE_SEX.encode(v)),
    ["F", "M", "O", "U"],
  );
  assert.equal(ADMISSION_METHOD.encode("day-case"), null);
});

test("alternative codes senders use decode to the same value, and unknown codes to null", () => {
  assert.equal(ADMISSION_METHOD.decode("2D"), "emergency");
  assert.equal(ADMISSION_METHOD.decode("E"), "emergency");
  assert.equal(ADMISSION_METHOD.decode("13"), "elective");
  assert.equal(ADMISSION_METHOD.decode("N"), "maternity");
  assert.equal(ADMISSION_METHOD.decode("83"), "other");
  assert.equal(ADMISSION_METHOD.decode("29"), null);
  assert.equal(ADMISSION_METHOD.decode("2E"), null);
  assert.equal(AE_DISPOSAL.decode("02"), "discharged");
  assert.equal(AE_DISPOSAL.isPreferred("02"), false);
  assert.equal(AE_DISPOSAL.decode("13"), "left");
  assert.equal(AE_DISPOSAL.decode("11"), null);
  assert.equal(ARRIVAL_MODE.decode("H"), "ambulance");
  assert.equal(ARRIVAL_MODE.decode("X"), null);
  assert.equal(ADMINISTRATIVE_SEX.decode("N"), "unknown");
  assert.equal(ADMINISTRATIVE_SEX.isPreferred("N"), false);
  assert.equal(ADMINISTRATIVE_SEX.decode("f"), null);
  assert.equal(FHIR_GENDER.decode("F"), null);
});

test("a discharge to another hospital is a transfer; died and self-discharged are not changed by the destination", () => {
  for (const d of TRANSFER_DESTINATIONS) {
    assert.ok(isDischargeDestination(d));
    assert.equal(dischargeMethodOf("1", d), "transferred");
    assert.equal(dischargeMethodOf("3", d), "transferred");
    assert.equal(dischargeMethodOf("2", d), "self-discharged");
  }
  assert.equal(dischargeMethodOf("1", "19"), "discharged");
  assert.equal(dischargeMethodOf("1", null), "discharged");
  assert.equal(dischargeMethodOf("5", "79"), "died");
  assert.equal(dischargeMethodOf("9", "19"), null);
  assert.equal(isDischargeDestination("19"), true);
  assert.equal(isDischargeDestination("20"), false);
  assert.equal(isDischargeDestination("toString"), false);
});

test("ethnic category: one capital letter is kept, anything else is null", () => {
  assert.equal(ethnicCategoryOf("A"), "A");
  assert.equal(ethnicCategoryOf("Z"), "Z");
  assert.equal(ethnicCategoryOf("a"), null);
  assert.equal(ethnicCategoryOf("AB"), null);
  assert.equal(ethnicCategoryOf(""), null);
  assert.equal(ethnicCategoryOf(null), null);
});

test("a code set refuses a code listed twice and a value sent as a code it lacks", () => {
  assert.throws(
    () =>
      codeSet("x", [
        ["1", "a"],
        ["1", "b"],
      ]),
    /listed twice/,
  );
  assert.throws(() => codeSet<"a" | "b">("x", [["1", "a"]], { b: "2" }), /lacks/);
});

test("the canonical values are exactly what the activity tables' CHECK constraints allow", () => {
  const sql = readFileSync(new URL("../../src/store/migrations/0003_activity.sql", import.meta.url), "utf8");
  const allowed = (column: string) => {
    const m = new RegExp(`${column}\\s+text[^\\n]*CHECK \\(${column} IN \\(([^)]*)\\)`).exec(sql);
    assert.ok(m, `${column} has a CHECK`);
    return m[1]
      .split(",")
      .map((s) => s.trim().replaceAll("'", ""))
      .sort();
  };
  assert.deepEqual([...ADMISSION_METHOD.values].sort(), allowed("admission_method"));
  assert.deepEqual([...DISCHARGE_METHOD.values].sort(), allowed("discharge_method"));
  assert.deepEqual([...ARRIVAL_MODE.values].sort(), allowed("arrival_mode"));
  assert.deepEqual([...AE_DISPOSAL.values].sort(), allowed("disposal"));
});
