import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Coding,
  isValidIcd10Code,
  isValidSnomedId,
  LOCAL_CODE_SYSTEM_PREFIX,
  localCodeSystem,
  normaliseIcd10,
  passesVerhoeff,
  SNOMED_CT_SYSTEM,
} from "../../src/core/codes.ts";

const REAL_SNOMED_IDS = [
  "52448006", // Dementia
  "49436004", // Atrial fibrillation
  "230690007", // Cerebrovascular accident
  "198091000000104", // UK extension, 15 digits
  "138875005", // SNOMED CT concept (root)
  "44054006", // Diabetes mellitus type 2
];

test("a Coding carries system, code and optional display", () => {
  const coding: Coding = { system: SNOMED_CT_SYSTEM, code: "52448006", display: "Dementia" };
  assert.equal(coding.system, "http://snomed.info/sct");
  assert.equal(isValidSnomedId(coding.code), true);
});

test("localCodeSystem builds a urn under the local prefix and rejects awkward names", () => {
  assert.equal(localCodeSystem("care-plan-status"), "urn:oneplace:local:care-plan-status");
  assert.ok(localCodeSystem("x").startsWith(LOCAL_CODE_SYSTEM_PREFIX));
  assert.throws(() => localCodeSystem("Care Plan"), /Not a local code system name: "Care Plan"/);
  assert.throws(() => localCodeSystem(""), RangeError);
});

test("Verhoeff matches the published example (236 has check digit 3)", () => {
  assert.equal(passesVerhoeff("2363"), true);
  for (const d of "012456789") assert.equal(passesVerhoeff(`236${d}`), false);
});

test("real SNOMED CT ids are valid", () => {
  for (const id of REAL_SNOMED_IDS) assert.equal(isValidSnomedId(id), true, id);
});

test("changing any one digit of a real SNOMED CT id makes it invalid", () => {
  for (const id of REAL_SNOMED_IDS) {
    for (let i = 0; i < id.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const changed = id.slice(0, i) + d + id.slice(i + 1);
        if (changed !== id) assert.equal(isValidSnomedId(changed), false, `${id} -> ${changed}`);
      }
    }
  }
});

test("SNOMED CT ids: shape, leading zero, length and partition rules", () => {
  assert.equal(isValidSnomedId("052448006"), false);
  assert.equal(isValidSnomedId("12345"), false); // too short
  assert.equal(isValidSnomedId("1234567890123456789"), false); // 19 digits
  assert.equal(isValidSnomedId("52448006 "), false);
  assert.equal(isValidSnomedId("5244800e"), false);
  assert.equal(isValidSnomedId(""), false);
});

// Appends the Verhoeff check digit, found by trying all ten.
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (passesVerhoeff(body + d)) return body + d;
  throw new Error("no Verhoeff digit");
}

test("an id with a correct Verhoeff digit but an unknown partition is rejected", () => {
  const badPartition = withCheckDigit("1234503"); // partition "03"
  assert.equal(passesVerhoeff(badPartition), true);
  assert.equal(isValidSnomedId(badPartition), false);
  assert.equal(isValidSnomedId(withCheckDigit("1234510")), true); // partition "10"
});

test("property: ids built with a valid partition and Verhoeff digit validate up to 18 digits, and one-digit changes fail", () => {
  const body = fc
    .tuple(
      fc.integer({ min: 1, max: 9 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 14 }),
      fc.constantFrom("00", "01", "02", "10", "11", "12"),
    )
    .map(([first, rest, partition]) => `${first}${rest.join("")}${partition}`);
  fc.assert(
    fc.property(body, fc.nat(), fc.integer({ min: 1, max: 9 }), (b, position, delta) => {
      const id = withCheckDigit(b);
      assert.ok(id.length >= 6 && id.length <= 18);
      assert.equal(isValidSnomedId(id), true);
      const i = position % id.length;
      const changed = id.slice(0, i) + ((Number(id[i]) + delta) % 10) + id.slice(i + 1);
      assert.equal(isValidSnomedId(changed), false);
    }),
  );
});

test("property: Verhoeff catches every adjacent transposition of different digits", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{6,17}$/), fc.nat(), (b, position) => {
      const id = withCheckDigit(b);
      const i = position % (id.length - 1);
      fc.pre(id[i] !== id[i + 1]);
      const swapped = id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
      assert.equal(passesVerhoeff(swapped), false);
    }),
  );
});

test("ICD-10 codes: valid shapes", () => {
  for (const s of ["I63", "I63.9", "I639", "S72.0", "S72.01", "F03X", "U07.1", "Z99.89"]) {
    assert.equal(isValidIcd10Code(s), true, s);
  }
});

test("ICD-10 codes: invalid shapes", () => {
  for (const s of ["i63", "63", "I6", "I63.", "I63.123", "II3", "I6A", "I63-9", " I63", "I63.9 ", ""]) {
    assert.equal(isValidIcd10Code(s), false, s);
  }
});

test("normaliseIcd10 upper-cases, trims and puts the dot after the third character", () => {
  assert.equal(normaliseIcd10("i639"), "I63.9");
  assert.equal(normaliseIcd10(" s72.0 "), "S72.0");
  assert.equal(normaliseIcd10("I63"), "I63");
  assert.equal(normaliseIcd10("z9989"), "Z99.89");
  assert.equal(normaliseIcd10("I63."), null);
  assert.equal(normaliseIcd10("stroke"), null);
});

test("property: normaliseIcd10 output is valid, dotted when longer than 3, and idempotent", () => {
  const code = fc
    .tuple(
      fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcz"),
      fc.stringMatching(/^[0-9]{2}$/),
      fc.constantFrom("", "."),
      fc.stringMatching(/^[0-9A-Za-z]{0,2}$/),
    )
    .map(([letter, digits, dot, rest]) => letter + digits + (rest ? dot + rest : ""));
  fc.assert(
    fc.property(code, (s) => {
      const n = normaliseIcd10(s);
      assert.notEqual(n, null);
      assert.equal(isValidIcd10Code(n as string), true);
      assert.equal(normaliseIcd10(n as string), n);
      if ((n as string).length > 3) assert.equal((n as string)[3], ".");
    }),
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      const n = normaliseIcd10(s);
      if (n !== null) assert.equal(isValidIcd10Code(n), true);
    }),
  );
});
