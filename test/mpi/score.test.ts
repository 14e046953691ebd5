import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { generateTestNhsNumber, mistypeNhsNumber } from "../../src/core/nhs-number.ts";
import {
  compareBirthDate,
  compareGiven,
  compareNhsNumber,
  comparePostcode,
  jaroWinkler,
  oneSlipNeighbours,
  soundex,
} from "../../src/mpi/compare.ts";
import { blockKeys, searchKeys } from "../../src/mpi/records.ts";
import {
  decide,
  LOWER_THRESHOLD,
  type MatchRecord,
  scorePair,
  UPPER_THRESHOLD,
} from "../../src/mpi/score.ts";

const FAMILY = [
  "Smith",
  "Jones",
  "Patel",
  "Okafor",
  "Nowak",
  "O'Brien",
  "Williams",
  "Taylor",
  "Khan",
  "Murphy",
  "Wright",
  "Chen",
];
const GIVEN = [
  "Margaret",
  "William",
  "Elizabeth",
  "Robert",
  "Susan",
  "Mohammed",
  "Anna",
  "Piotr",
  "Grace",
  "Oliver",
  "Fatima",
  "Kevin",
];

const nhsArb = fc.integer({ min: 0, max: 2 ** 31 }).map((seed) => {
  let s = seed;
  return generateTestNhsNumber((max) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % max;
  });
});
const dateArb = fc
  .date({ min: new Date("1920-01-01T00:00:00Z"), max: new Date("2015-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const personArb: fc.Arbitrary<MatchRecord> = fc.record({
  nhsNumber: fc.option(nhsArb, { nil: null }),
  family: fc.constantFrom(...FAMILY),
  given: fc.constantFrom(...GIVEN),
  birthDate: dateArb,
  sex: fc.constantFrom("female", "male"),
  postcode: fc.constantFrom("RM17 6VA", "RM18 4KB", "SS17 7CN", "RM20 1IA", "RM15 1OX"),
});

test("Jaro-Winkler is symmetric, between 0 and 1, and 1 only for equal strings", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const x = jaroWinkler(a, b);
      assert.ok(x >= 0 && x <= 1 + 1e-12);
      assert.ok(Math.abs(x - jaroWinkler(b, a)) < 1e-12);
      if (a === b && a.length > 0) assert.equal(x, 1);
      if (x === 1) assert.equal(a, b);
    }),
  );
  assert.ok(jaroWinkler("MARTHA", "MARHTA") > 0.95);
  assert.equal(soundex("Robert"), soundex("Rupert"));
  assert.equal(soundex("Ashcraft"), "A261");
});

test("every keying slip the generator makes in an NHS Number is recognised as one slip, and found again", () => {
  fc.assert(
    fc.property(nhsArb, fc.integer({ min: 1, max: 10_000 }), (nhs, seed) => {
      let s = seed;
      const typo = mistypeNhsNumber(nhs, (max) => {
        s = (s * 16807) % 2147483647;
        return s % max;
      });
      assert.equal(compareNhsNumber(nhs, typo), "one-slip");
      assert.ok(oneSlipNeighbours(typo).includes(nhs));
    }),
  );
  assert.equal(compareNhsNumber("9434765919", "9434765919"), "exact");
  assert.equal(compareNhsNumber("9434765919", "1234567881"), "different");
  assert.equal(compareNhsNumber(null, "9434765919"), "missing");
});

test("field comparisons: nicknames, swapped day and month, postcode sector and district", () => {
  assert.equal(compareGiven("William", "Bill"), "variant");
  assert.equal(compareGiven("Margaret", "Margret"), "similar");
  assert.equal(compareGiven("Margaret", "Susan"), "different");
  assert.equal(compareBirthDate("1940-03-07", "1940-07-03"), "swapped");
  assert.equal(compareBirthDate("1940-03-07", "1941-03-07"), "one-part");
  assert.equal(compareBirthDate("1940-03-07", "1940-03-08"), "one-part");
  assert.equal(compareBirthDate("1940-03-07", "1970-03-07"), "different");
  assert.equal(compareBirthDate("1940-03-07", "1962-11-23"), "different");
  assert.equal(comparePostcode("RM17 6VA", "rm176va"), "exact");
  assert.equal(comparePostcode("RM17 6VA", "RM17 6KB"), "sector");
  assert.equal(comparePostcode("RM17 6VA", "RM17 1KB"), "district");
});

type Mutation = (r: MatchRecord) => MatchRecord;
const MUTATIONS: Record<string, Mutation> = {
  "no NHS Number": (r) => ({ ...r, nhsNumber: null }),
  "a nickname": (r) => ({
    ...r,
    nhsNumber: null,
    given: r.given === "William" ? "Bill" : r.given === "Margaret" ? "Peggy" : r.given,
  }),
  "a misspelt family name": (r) => ({
    ...r,
    nhsNumber: null,
    family: `${r.family}${(r.family ?? "").slice(-1)}`,
  }),
  "an old address": (r) => ({ ...r, nhsNumber: null, postcode: "RM19 6ZZ" }),
  "day and month swapped": (r) => {
    const [y, m, d] = (r.birthDate as string).split("-");
    return Number(d) <= 12
      ? { ...r, nhsNumber: null, birthDate: `${y}-${d}-${m}` }
      : { ...r, nhsNumber: null };
  },
  "a mistyped NHS Number": (r) => ({
    ...r,
    nhsNumber: r.nhsNumber ? `${r.nhsNumber.slice(0, 8)}${r.nhsNumber[9]}${r.nhsNumber[8]}` : null,
  }),
};

test("a record with one of the faults sources make still scores as the same person (never a new one)", () => {
  fc.assert(
    fc.property(personArb, fc.constantFrom(...Object.keys(MUTATIONS)), (person, name) => {
      const variant = MUTATIONS[name](person);
      const s = scorePair(variant, person);
      assert.notEqual(decide(s), "new", `${name}: score ${s.total}`);
      if (name === "no NHS Number" || name === "a nickname" || name === "a misspelt family name") {
        assert.equal(decide(s), "link", `${name}: score ${s.total}`);
      }
      // Blocking finds the person under at least one key, however the record was mistyped.
      const keys = new Set(blockKeys(person));
      assert.ok(
        searchKeys(variant).some((k) => keys.has(k)),
        `${name}: no shared blocking key`,
      );
    }),
    { numRuns: 600 },
  );
  const ann: MatchRecord = {
    nhsNumber: null,
    family: "Smith",
    given: "Ann",
    birthDate: "1950-01-02",
    sex: "female",
    postcode: null,
  };
  assert.equal(decide(scorePair(ann, { ...ann })), "link");
});

test("two different people are never linked automatically, even twins or fathers and sons named alike", () => {
  fc.assert(
    fc.property(personArb, personArb, (a, b) => {
      fc.pre(
        a.family !== b.family &&
          a.given !== b.given &&
          compareBirthDate(a.birthDate, b.birthDate) === "different",
      );
      // Two people can share an NHS Number only by a feed's error: never a link, and otherwise new.
      const sharedNhsNumber = a.nhsNumber !== null && a.nhsNumber === b.nhsNumber;
      if (sharedNhsNumber) assert.notEqual(decide(scorePair(a, b)), "link");
      else assert.equal(decide(scorePair(a, b)), "new");
    }),
    { numRuns: 600 },
  );
  fc.assert(
    fc.property(personArb, personArb, nhsArb, (a, b, nhsNumber) => {
      fc.pre(
        a.family !== b.family &&
          a.given !== b.given &&
          compareBirthDate(a.birthDate, b.birthDate) === "different",
      );
      assert.notEqual(decide(scorePair({ ...a, nhsNumber }, { ...b, nhsNumber })), "link");
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(personArb, fc.constantFrom(...GIVEN), (a, otherGiven) => {
      fc.pre(otherGiven !== a.given && compareGiven(a.given, otherGiven) === "different");
      const twin = { ...a, nhsNumber: null, given: otherGiven };
      const s = scorePair(twin, a);
      assert.ok(s.blocking);
      assert.notEqual(decide(s), "link");
      const son = {
        ...a,
        nhsNumber: null,
        birthDate: `${Number((a.birthDate as string).slice(0, 4)) + 30}-06-15`,
      };
      assert.notEqual(decide(scorePair(son, a)), "link");
    }),
  );
  assert.ok(UPPER_THRESHOLD > LOWER_THRESHOLD);
});

test("two valid but different NHS Numbers keep records apart whatever else agrees", () => {
  const a: MatchRecord = {
    nhsNumber: "9434765919",
    family: "Smith",
    given: "Ann",
    birthDate: "1950-01-02",
    sex: "female",
    postcode: "RM17 6VA",
  };
  const s = scorePair({ ...a, nhsNumber: "9434765870" }, a);
  assert.ok(s.blocking);
  assert.notEqual(decide(s), "link");
});
