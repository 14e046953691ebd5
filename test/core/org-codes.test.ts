import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  isPracticeCode,
  isSyntheticOrgCode,
  isValidOdsCode,
  type SyntheticOrgKind,
  syntheticOrgCode,
  syntheticPracticeCode,
} from "../../src/core/org-codes.ts";

const KINDS: SyntheticOrgKind[] = [
  "locality",
  "acute",
  "community",
  "mental-health",
  "ambulance",
  "council",
  "ccg",
  "care-home",
];

test("ODS code shape", () => {
  for (const s of ["RXX", "09D", "F81001", "RQ301", "NLO10", "ABCDEFGHIJ"])
    assert.equal(isValidOdsCode(s), true, s);
  for (const s of ["RX", "rxx", "F81 001", "ABCDEFGHIJK", "F81-001", ""])
    assert.equal(isValidOdsCode(s), false, s);
});

test("GP practice codes are one letter and five digits", () => {
  assert.equal(isPracticeCode("F81001"), true);
  assert.equal(isPracticeCode("Z90001"), true);
  for (const s of ["F8100", "F810011", "81001F", "FF1001", "f81001"])
    assert.equal(isPracticeCode(s), false, s);
});

test("synthetic practice codes are Z9 plus four digits", () => {
  assert.equal(syntheticPracticeCode(1), "Z90001");
  assert.equal(syntheticPracticeCode(9999), "Z99999");
  assert.throws(() => syntheticPracticeCode(0), RangeError);
  assert.throws(() => syntheticPracticeCode(10000), /from 1 to 9999/);
  assert.throws(() => syntheticPracticeCode(1.5), RangeError);
});

test("synthetic organisation codes by kind", () => {
  assert.equal(syntheticOrgCode("locality", 1), "ZZL01");
  assert.equal(syntheticOrgCode("acute", 1), "ZZA01");
  assert.equal(syntheticOrgCode("community", 1), "ZZC01");
  assert.equal(syntheticOrgCode("mental-health", 1), "ZZM01");
  assert.equal(syntheticOrgCode("ambulance", 1), "ZZE01");
  assert.equal(syntheticOrgCode("council", 1), "ZZX01");
  assert.equal(syntheticOrgCode("ccg", 1), "ZZG01");
  assert.equal(syntheticOrgCode("care-home", 1), "ZZH001");
  assert.equal(syntheticOrgCode("care-home", 999), "ZZH999");
  assert.throws(() => syntheticOrgCode("acute", 100), /from 1 to 99/);
  assert.throws(
    () => syntheticOrgCode("hospice" as SyntheticOrgKind, 1),
    /Unknown synthetic organisation kind: "hospice"/,
  );
});

test("property: every synthetic code is a valid ODS code, recognised as synthetic, and unique per kind and number", () => {
  const seen = new Set<string>();
  for (const kind of KINDS) {
    for (let n = 1; n <= (kind === "care-home" ? 999 : 99); n++) {
      const code = syntheticOrgCode(kind, n);
      assert.ok(isValidOdsCode(code) && isSyntheticOrgCode(code), code);
      assert.ok(!seen.has(code), `duplicate ${code}`);
      seen.add(code);
    }
  }
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9999 }), (n) => {
      const code = syntheticPracticeCode(n);
      assert.ok(isValidOdsCode(code) && isPracticeCode(code) && isSyntheticOrgCode(code));
    }),
  );
});

test("real-looking codes are not synthetic", () => {
  for (const s of ["F81001", "RXX", "09D", "ZZL1", "ZZH01", "ZZQ01", "Z8001", "Z800001"]) {
    assert.equal(isSyntheticOrgCode(s), false, s);
  }
});
