// What a search form says about a typed NHS Number: each way it can be wrong, in words that never repeat it.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { generateTestNhsNumber, mistypeNhsNumber, nhsNumberProblem } from "../../src/core/nhs-number.ts";

test("a valid number, typed with spaces or dashes, has no problem", () => {
  assert.equal(nhsNumberProblem("943 476 5919"), null);
  assert.equal(nhsNumberProblem(" 943-476-5919 "), null);
  assert.equal(nhsNumberProblem("9434765919"), null);
});

test("each problem is named and explained", () => {
  assert.equal(nhsNumberProblem("")?.problem, "empty");
  assert.equal(nhsNumberProblem(" - ")?.problem, "empty");
  assert.equal(nhsNumberProblem("943 476 591O")?.problem, "characters");
  assert.equal(nhsNumberProblem("943 476 591")?.problem, "length");
  assert.match(nhsNumberProblem("943 476 591")?.message ?? "", /10 digits long; you entered 9/);
  assert.equal(nhsNumberProblem("000 000 0000")?.problem, "placeholder");
  assert.equal(nhsNumberProblem("9999999999")?.problem, "placeholder");
  assert.equal(nhsNumberProblem("943 476 5918")?.problem, "check-digit");
  assert.match(nhsNumberProblem("943 476 5918")?.message ?? "", /check digit/);
});

test("every keying slip of a valid number is caught as a check-digit failure, and no message repeats the digits", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      let state = seed;
      const nextInt = (n: number) => {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        return state % n;
      };
      const valid = generateTestNhsNumber(nextInt);
      const typo = mistypeNhsNumber(valid, nextInt);
      const problem = nhsNumberProblem(typo);
      assert.ok(problem, `${typo} was accepted`);
      assert.ok(["check-digit", "placeholder"].includes(problem.problem));
      assert.ok(!problem.message.includes(typo.slice(0, 6)));
    }),
  );
});
