// Finding a person by their details: the dates a date of birth may have been recorded as, and which scored
// candidates count as the same person by the MPI's own comparisons.
import assert from "node:assert/strict";
import { test } from "node:test";
import { birthDateVariants, isFindMatch } from "../../src/mpi/find.ts";
import { type MatchRecord, scorePair } from "../../src/mpi/score.ts";

test("the variants of a date of birth: itself, day and month swapped, a year either side, the day in each month", () => {
  const v = birthDateVariants("1948-03-07");
  for (const d of ["1948-03-07", "1948-07-03", "1947-03-07", "1949-03-07", "1948-01-07", "1948-12-07"]) {
    assert.ok(v.dates.includes(d), d);
  }
  assert.equal(v.monthFrom, "1948-03-01");
  assert.equal(v.monthTo, "1948-03-31");
  // No 31 February; the month range knows leap years.
  const leap = birthDateVariants("1948-02-29");
  assert.ok(!leap.dates.includes("1947-02-29"));
  assert.equal(leap.monthTo, "1948-02-29");
  assert.ok(!birthDateVariants("1950-01-31").dates.includes("1950-02-31"));
});

const typed = (
  family: string,
  given: string | null,
  birthDate: string,
  postcode: string | null = null,
): MatchRecord => ({
  nhsNumber: null,
  family,
  given,
  birthDate,
  sex: null,
  postcode,
});
const held: MatchRecord = {
  nhsNumber: "9434765919",
  family: "Brown",
  given: "William",
  birthDate: "1950-07-04",
  sex: "male",
  postcode: "RM17 6CD",
};

test("the same person: exact, a short form, a misspelling, names reversed, swapped day and month, a slip in the date", () => {
  for (const t of [
    typed("Brown", "William", "1950-07-04"),
    typed("Brown", "Bill", "1950-07-04"),
    typed("Broun", "William", "1950-07-04"),
    typed("William", "Brown", "1950-07-04"),
    typed("Brown", "William", "1950-04-07"),
    typed("Brown", "William", "1950-07-05"),
    typed("Brown", null, "1950-07-04"),
    typed("Brown", "W", "1950-07-04"),
  ]) {
    assert.ok(isFindMatch(scorePair(t, held)), JSON.stringify(t));
  }
});

test("someone else: another given name, another family name, another date of birth", () => {
  for (const t of [
    typed("Brown", "Robert", "1950-07-04"),
    typed("Green", "William", "1950-07-04"),
    typed("Brown", "William", "1962-01-19"),
    typed("Brown", null, "1950-07-05"),
  ]) {
    assert.equal(isFindMatch(scorePair(t, held)), false, JSON.stringify(t));
  }
});
