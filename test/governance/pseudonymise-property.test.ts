// Property: for random people and random commissioner queries, no output contains an NHS Number, a name, a
// full date of birth or a full postcode, and nobody with an opt-out or objection appears at all.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { pseudonymKeysFromEnv } from "../../src/governance/pseudonym-keys.ts";
import { pseudonymFor } from "../../src/governance/pseudonymise.ts";
import {
  type CohortQuery,
  countCohort,
  GROUP_BY_FIELDS,
  queryPseudonymisedPeople,
} from "../../src/governance/pseudonymised-queries.ts";
import type { AccessContext } from "../../src/governance/types.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  contextFor,
  identifiersOf,
  insertPerson,
  makePerson,
  nextNhsNumber,
  ORGS,
  recordObjectionRow,
  recordOptOutRow,
  register,
  seedUsers,
  type TestPerson,
} from "./fixtures.ts";

const keys = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: "c0ffee".repeat(11) });
let t: TestDb;
let analyst: AccessContext;
let finance: AccessContext;

before(async () => {
  t = await openTestDb();
  await seedUsers(t.db, [
    ["analyst", "commissioner-analyst", "commissioning"],
    ["finance", "finance-programme-lead", "commissioning"],
  ]);
  analyst = await contextFor(t.db, "analyst", "commissioner-analyst", "commissioning", "commissioning");
  finance = await contextFor(t.db, "finance", "finance-programme-lead", "commissioning", "commissioning");
});
after(() => t.dispose());

const lower = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz");
// A leading "Q" keeps a name from being mistaken for hex in a pseudonym or for a word in a field name.
const name = fc.array(lower, { minLength: 4, maxLength: 10 }).map((cs) => `Q${cs.join("")}`);
const letter = fc.constantFrom(..."ABCDEFGHIJKLMNOPRSTUWYZ");
const postcode = fc
  .tuple(
    letter,
    fc.option(letter, { nil: "" }),
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 0, max: 9 }),
    letter,
    letter,
  )
  .map(([a, b, n, d, x, y]) => `${a}${b}${n} ${d}${x}${y}`);
const birthDate = fc
  .date({ min: new Date("1915-01-01T00:00:00Z"), max: new Date("2015-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const personArb = fc.record({
  familyName: name,
  givenName: name,
  birthDate,
  postcode,
  sex: fc.constantFrom("female" as const, "male" as const),
  areaCode: fc.constantFrom("ZA0001", "ZA0002", null),
  practice: fc.constantFrom(ORGS.practice, ORGS.otherPractice),
  flag: fc.constantFrom("none", "none", "none", "opt-out", "objection"),
});
const queryArb: fc.Arbitrary<CohortQuery> = fc.record(
  {
    sex: fc.constantFrom("female" as const, "male" as const),
    minAge: fc.integer({ min: 0, max: 100 }),
    maxAge: fc.integer({ min: 0, max: 110 }),
    practiceCode: fc.constantFrom(ORGS.practice, ORGS.otherPractice),
    localityCode: fc.constant(ORGS.locality),
    areaCode: fc.constantFrom("ZA0001", "ZA0002"),
    maxImdDecile: fc.integer({ min: 1, max: 10 }),
    limit: fc.integer({ min: 1, max: 50 }),
  },
  { requiredKeys: [] },
);
const groupByArb = fc.subarray([...GROUP_BY_FIELDS]);

function identifiers(p: TestPerson): string[] {
  return [...identifiersOf(p), p.personId];
}

test("no commissioner output ever contains an identifier, or anyone who opted out or objected", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(personArb, { minLength: 1, maxLength: 25 }),
      queryArb,
      groupByArb,
      fc.boolean(),
      async (specs, query, groupBy, asExport) => {
        await t.db.exec(
          "DELETE FROM registration; DELETE FROM data_opt_out; DELETE FROM sharing_objection; DELETE FROM person;",
        );
        const people: (TestPerson & { flag: string })[] = [];
        for (const s of specs) {
          const p = { ...makePerson({ ...s, nhsNumber: nextNhsNumber() }), flag: s.flag };
          await insertPerson(t.db, p);
          await register(t.db, p.personId, s.practice);
          if (s.flag === "opt-out") await recordOptOutRow(t.db, p.personId);
          if (s.flag === "objection") await recordObjectionRow(t.db, p.personId, s.practice);
          people.push(p);
        }
        const rows = await queryPseudonymisedPeople(analyst, query, keys, asExport ? "export" : "search");
        const counts = await countCohort(finance, query, groupBy);
        const output = JSON.stringify(rows) + JSON.stringify(counts);
        for (const p of people)
          for (const id of identifiers(p)) assert.ok(!output.includes(id), `output contains ${id}`);
        const key = keys.keyFor("commissioning");
        const shown = new Set(rows.map((r) => r.pseudonym));
        for (const p of people.filter((x) => x.flag !== "none"))
          assert.ok(!shown.has(pseudonymFor(key, p.personId)), "an excluded person appears");
        const eligible = people.filter((p) => p.flag === "none").length;
        assert.ok(rows.length <= eligible);
        for (const cell of counts.cells)
          assert.ok(cell.count === null || cell.count === 0 || cell.count >= 5);
      },
    ),
    { numRuns: 40 },
  );
});
