import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  formatNhsNumber,
  generateTestNhsNumber,
  isSyntheticNhsNumber,
  isTestRangeNhsNumber,
  isValidNhsNumber,
  mistypeNhsNumber,
  nhsNumberCheckDigit,
  normaliseNhsNumber,
} from "../../src/core/nhs-number.ts";
import { onePlaceError } from "../helpers/errors.ts";

const nextIntFrom = (seed: number) => {
  let state = seed >>> 0 || 1;
  return (max: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % max;
  };
};

const validNhsNumber = fc
  .integer({ min: 0, max: 999_999_999 })
  .map((n) => String(n).padStart(9, "0"))
  .filter((first9) => nhsNumberCheckDigit(first9) !== null)
  .map((first9) => first9 + nhsNumberCheckDigit(first9))
  .filter((s) => !/^(\d)\1{9}$/.test(s));

test("accepts known valid numbers with or without separators", () => {
  for (const s of ["9434765919", "943 476 5919", "943-476-5919", "4010232137", "9990000018"]) {
    assert.equal(isValidNhsNumber(s), true, s);
  }
});

test("rejects wrong check digits, wrong lengths, letters and identical digits", () => {
  for (const s of ["9434765918", "943476591", "94347659190", "943476591X", "", "0000000000", "1111111111"]) {
    assert.equal(isValidNhsNumber(s), false, s);
  }
});

test("check digit: known values, 11 becomes 0, and 10 means no valid number", () => {
  assert.equal(nhsNumberCheckDigit("943476591"), 9);
  assert.equal(nhsNumberCheckDigit("401023213"), 7);
  assert.equal(nhsNumberCheckDigit("000000001"), 9); // sum 2 -> 11 - 2
  assert.equal(nhsNumberCheckDigit("000000000"), 0); // sum 0 -> 11 -> 0
  assert.equal(nhsNumberCheckDigit("000000006"), null); // sum 12 -> 11 - 1 = 10
  assert.throws(() => nhsNumberCheckDigit("12345678"), RangeError);
  assert.throws(() => nhsNumberCheckDigit("12345678a"), RangeError);
});

test("normalise returns bare digits for valid input and null otherwise", () => {
  assert.equal(normaliseNhsNumber(" 943 476-5919 "), "9434765919");
  assert.equal(normaliseNhsNumber("943 476 5918"), null);
});

test("format gives 3-3-4 groups and throws on invalid input", () => {
  assert.equal(formatNhsNumber("9434765919"), "943 476 5919");
  assert.equal(formatNhsNumber("943-476-5919"), "943 476 5919");
  assert.throws(
    () => formatNhsNumber("9434765918"),
    onePlaceError("invalid", "core.nhs-number", /Not a valid NHS Number: "9434765918"/),
  );
});

test("property: every number with a correct Modulus 11 check digit validates and round-trips through format", () => {
  fc.assert(
    fc.property(validNhsNumber, (s) => {
      assert.equal(isValidNhsNumber(s), true);
      assert.equal(normaliseNhsNumber(formatNhsNumber(s)), s);
    }),
  );
});

test("property: changing the check digit always invalidates", () => {
  fc.assert(
    fc.property(validNhsNumber, fc.integer({ min: 1, max: 9 }), (s, delta) => {
      const changed = s.slice(0, 9) + ((Number(s[9]) + delta) % 10);
      assert.equal(isValidNhsNumber(changed), false);
    }),
  );
});

test("property: arbitrary strings never throw and validity implies 10 digits after stripping", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const valid = isValidNhsNumber(s);
      if (valid) assert.match(s.replace(/[ -]/g, ""), /^\d{10}$/);
    }),
  );
});

test("generated test numbers are valid, in 999 000 0000 to 999 999 9999, and reproducible", () => {
  const a = nextIntFrom(42);
  const b = nextIntFrom(42);
  for (let i = 0; i < 2000; i++) {
    const s = generateTestNhsNumber(a);
    assert.equal(s, generateTestNhsNumber(b));
    assert.match(s, /^999\d{7}$/);
    assert.equal(isValidNhsNumber(s), true);
    assert.equal(isTestRangeNhsNumber(s), true);
  }
});

test("generator redraws when the check digit would be 10 and never returns 9999999999", () => {
  // 999000000 -> sum 9*(10+9+8) = 243, 243 mod 11 = 1, check 10 -> must redraw
  assert.equal(nhsNumberCheckDigit("999000000"), null);
  // 999999999 would give the all-nines number, which is rejected
  assert.equal(nhsNumberCheckDigit("999999999"), 9);
  const draws = [0, 999_999, 1];
  const calls: number[] = [];
  const s = generateTestNhsNumber((max) => {
    calls.push(max);
    return draws.shift() ?? 0;
  });
  assert.deepEqual(calls, [1_000_000, 1_000_000, 1_000_000]);
  assert.equal(s, `999000001${nhsNumberCheckDigit("999000001")}`);
});

test("isTestRangeNhsNumber is false for valid numbers outside the test range and for invalid ones", () => {
  assert.equal(isTestRangeNhsNumber("9434765919"), false);
  assert.equal(isTestRangeNhsNumber("9990000010"), false);
});

test("property: a mistyped valid number differs from it, stays 10 digits and fails the check", () => {
  fc.assert(
    fc.property(validNhsNumber, fc.integer(), (s, seed) => {
      const typo = mistypeNhsNumber(s, nextIntFrom(seed));
      assert.notEqual(typo, s);
      assert.match(typo, /^\d{10}$/);
      assert.equal(isValidNhsNumber(typo), false);
      const diffs = [...typo].flatMap((c, i) => (c !== s[i] ? [i] : []));
      // Either one digit changed, or two adjacent digits swapped.
      const [i, j] = diffs;
      const swapped = diffs.length === 2 && j === i + 1 && typo[i] === s[j] && typo[j] === s[i];
      assert.ok(diffs.length === 1 || swapped, `${s} -> ${typo}`);
    }),
  );
});

test("mistype produces both kinds of error and is reproducible", () => {
  const s = "9434765919";
  let transpositions = 0;
  let substitutions = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const typo = mistypeNhsNumber(s, nextIntFrom(seed));
    assert.equal(typo, mistypeNhsNumber(s, nextIntFrom(seed)));
    const diffs = [...typo].flatMap((c, i) => (c !== s[i] ? [i] : []));
    if (diffs.length === 2) {
      assert.equal(diffs[1], diffs[0] + 1);
      assert.equal(typo[diffs[0]], s[diffs[1]]);
      assert.equal(typo[diffs[1]], s[diffs[0]]);
      transpositions++;
    } else {
      assert.equal(diffs.length, 1);
      substitutions++;
    }
  }
  assert.ok(transpositions > 20 && substitutions > 20, `${transpositions} / ${substitutions}`);
});

test("mistype still works on a number whose digits are all the same, and rejects non-numbers", () => {
  const typo = mistypeNhsNumber("1111111111", nextIntFrom(7));
  assert.equal([...typo].filter((c) => c !== "1").length, 1);
  assert.throws(() => mistypeNhsNumber("12345", nextIntFrom(1)), RangeError);
});

test("a twin error in the 5th and 6th digits (weights 6 and 5) passes the check, so a valid check digit proves nothing", () => {
  // 999 066 xxxx: keying 66 as 77 adds 11 to the weighted sum
  const first9 = "999066001";
  const original = first9 + nhsNumberCheckDigit(first9);
  const twin = `${original.slice(0, 4)}77${original.slice(6)}`;
  assert.equal(isValidNhsNumber(original), true);
  assert.equal(isValidNhsNumber(twin), true);
  assert.notEqual(twin, original);
});

test("synthetic numbers are the test range and the 00 overflow scheme, never an issued range", () => {
  assert.equal(isSyntheticNhsNumber("999 208 1163"), true);
  assert.equal(isSyntheticNhsNumber("006 197 5494"), true);
  // The public example numbers sit in issued-looking ranges; a bad check digit is no number at all.
  assert.equal(isSyntheticNhsNumber("943 476 5919"), false);
  assert.equal(isSyntheticNhsNumber("006 197 5495"), false);
  assert.equal(isSyntheticNhsNumber("0000000000"), false);
});
