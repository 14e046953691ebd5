// A register page is found among only the first offset + limit + withheld candidates in order, so each sort
// and direction must give exactly the page a full sort of the register would; and when the counts it was
// given are older than a change that withheld more people, the page is still full and right.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  countRegister,
  REGISTER_SORTS,
  type RegisterAccess,
  type RegisterSort,
  registerPage,
  type SortDirection,
} from "../../src/risk/index.ts";
import { insertPerson, makePerson, recordObjectionRow } from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { insertRiskPerson, insertRiskRun } from "../web/register-fixtures.ts";

const PRACTICE = "Z90001";
const TIERS = ["very-high", "high", "rising", "low"] as const;
const TIER_RANK: Record<string, number> = { "very-high": 4, high: 3, rising: 2, low: 1 };

interface Candidate {
  personId: string;
  familyName: string;
  givenName: string;
  age: number;
  tier: (typeof TIERS)[number];
  probability: number;
  deficitCount: number;
}

let t: TestDb;
const people: Candidate[] = [];
/** People with a sharing objection: the gate below withholds them. */
const objectors = new Set<string>();

// A gate as governance builds one, reduced to one fact: 1 for everyone, 2 more for an objector; 1 is allowed.
const gate: RegisterAccess = {
  signature: (column, _add, probe) =>
    probe
      ? `(1 + CASE WHEN EXISTS (SELECT 1 FROM sharing_objection o WHERE o.person_id = ${column}) THEN 2 ELSE 0 END)`
      : `(1 + CASE WHEN ${column} IN (SELECT person_id FROM sharing_objection) THEN 2 ELSE 0 END)`,
  allowed: [1],
};

before(async () => {
  t = await openTestDb();
  const runId = await insertRiskRun(t.db, "2016-04-01");
  for (let i = 0; i < 40; i++) {
    // Ties on purpose: tiers repeat, ages repeat, family names repeat (the given name and id break them).
    const p = makePerson({
      familyName: `Fam${String.fromCharCode(65 + (i % 7))}`,
      givenName: `G${(i * 7) % 40}`,
    });
    const c: Candidate = {
      personId: p.personId,
      familyName: p.familyName,
      givenName: p.givenName,
      age: 60 + (i % 9),
      tier: TIERS[i % 4],
      probability: Math.round(((i * 37) % 40) + 1) / 100,
      deficitCount: i % 5,
    };
    await insertPerson(t.db, p);
    await insertRiskPerson(t.db, runId, "2016-04-01", {
      personId: c.personId,
      practiceCode: PRACTICE,
      age: c.age,
      tier: c.tier,
      probability: c.probability,
      deficitCount: c.deficitCount,
    });
    people.push(c);
  }
});
after(() => t.dispose());

/** The whole register sorted in JavaScript: what a page must be a slice of. */
function fullOrder(sort: RegisterSort, direction: SortDirection): string[] {
  const key = (c: Candidate): number | string => {
    switch (sort) {
      case "tier":
        return TIER_RANK[c.tier];
      case "score":
        return c.probability;
      case "efi":
        return c.deficitCount;
      case "age":
        return c.age;
      case "name":
        return c.familyName;
      case "admission":
        return 0;
    }
  };
  const sign = direction === "asc" ? 1 : -1;
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return people
    .filter((c) => !objectors.has(c.personId))
    .sort(
      (a, b) =>
        sign * cmp(key(a), key(b)) ||
        (sort === "name" ? sign * cmp(a.givenName, b.givenName) : 0) ||
        (sort === "name" || sort === "score" ? 0 : -cmp(a.probability, b.probability)) ||
        (sort === "name" ? sign : 1) * cmp(a.personId, b.personId),
    )
    .map((c) => c.personId);
}

const scope = { kind: "practice" as const, code: PRACTICE };
/** The counts after the first three objections: the second test's five more are not in them. */
const COUNTED = { shown: 37, withheld: 3 };

test("every sort, either way: each page is the slice of the whole register a full sort gives", async () => {
  for (const p of [people[0], people[3], people[17]]) {
    await recordObjectionRow(t.db, p.personId, "OTHER");
    objectors.add(p.personId);
  }
  const counts = await countRegister(t.db, scope, {}, gate);
  assert.deepEqual(
    counts.groups.sort((a, b) => a.signature - b.signature),
    [
      { signature: 1, count: 37 },
      { signature: 3, count: 3 },
    ],
  );
  for (const sort of REGISTER_SORTS.filter((s) => s !== "admission")) {
    for (const direction of ["asc", "desc"] as const) {
      const expected = fullOrder(sort, direction);
      for (const offset of [0, 10, 30]) {
        const page = await registerPage(
          t.db,
          scope,
          {},
          sort,
          direction,
          gate,
          { offset, limit: 10 },
          COUNTED,
        );
        assert.deepEqual(page, expected.slice(offset, offset + 10), `${sort} ${direction} from ${offset}`);
        // Thousands withheld (a locality seen by one practice): no bound, the facts probed in order.
        const many = { shown: 37, withheld: 5_000 };
        const unbounded = await registerPage(
          t.db,
          scope,
          {},
          sort,
          direction,
          gate,
          { offset, limit: 10 },
          many,
        );
        assert.deepEqual(unbounded, expected.slice(offset, offset + 10), `${sort} ${direction} unbounded`);
      }
      const all = await registerPage(
        t.db,
        scope,
        {},
        sort,
        direction,
        gate,
        { offset: 0, limit: null },
        COUNTED,
      );
      assert.deepEqual(all, expected, `${sort} ${direction}, everyone`);
    }
  }
});

test("counts older than a new objection: the page is still full, and the objector not on it", async () => {
  const before = fullOrder("tier", "desc");
  // Fifteen of the first object after the counts were taken (the caller still says 3 withheld): the
  // first candidates read cannot fill the page, so more are read.
  for (const id of before.slice(0, 15)) {
    await recordObjectionRow(t.db, id, "OTHER");
    objectors.add(id);
  }
  const page = await registerPage(t.db, scope, {}, "tier", "desc", gate, { offset: 0, limit: 10 }, COUNTED);
  assert.equal(page.length, 10);
  assert.deepEqual(page, fullOrder("tier", "desc").slice(0, 10));
  for (const id of before.slice(0, 15)) assert.ok(!page.includes(id));
});
