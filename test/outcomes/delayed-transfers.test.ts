// Delayed transfers of care on hand-built delays: days split at a month end, a delay still running at the
// data cut-off, a zero-day delay, attribution, the monthly average over a quarter, and a person who moved
// out of the place before the delay.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { addPeople, TestPlace } from "./helpers/place.ts";

let t: TestDb;

before(async () => {
  t = await openTestDb();
  const place = new TestPlace(t.db);
  await place.organisations();
  const a = await place.person({ born: "1930-01-01" });
  const spellA = await place.spell(a, { admitted: "2015-01-10", discharged: "2015-02-03" });
  // Ready on 30 January, left on 3 February: 2 delayed days in January (30, 31) and 2 in February (1, 2).
  await place.delay(a, {
    spell: spellA,
    ready: "2015-01-30",
    ended: "2015-02-03",
    attribution: "social-care",
  });
  const b = await place.person({ born: "1950-01-01" });
  const spellB = await place.spell(b, { admitted: "2015-02-01" });
  // Still delayed at the cut-off (28 February): 20 days (9 to 28 February).
  await place.delay(b, { spell: spellB, ready: "2015-02-09", attribution: "nhs" });
  const c = await place.person({ born: "1950-01-01" });
  const spellC = await place.spell(c, { admitted: "2015-01-01", discharged: "2015-01-05" });
  await place.delay(c, { spell: spellC, ready: "2015-01-05", ended: "2015-01-05", attribution: "both" });
  // Moved away on 1 January: the delay is not the place's.
  const gone = await place.person({ born: "1940-01-01", deregisteredOn: "2015-01-01", reason: "moved-away" });
  const spellG = await place.spell(gone, { admitted: "2015-01-10", discharged: "2015-01-20" });
  await place.delay(gone, { spell: spellG, ready: "2015-01-12", ended: "2015-01-20" });
  // Adults for the denominator, registered on 30 September 2014 (the middle of 2014/15): the four above (the
  // one who left on 1 January 2015 was still registered then) + 17 more = 21; two children do not count.
  await addPeople(place, 17, { age: 40, on: "2015-01-01" });
  await addPeople(place, 2, { age: 10, on: "2015-01-01" });
});

after(() => t?.dispose());

test("a delay over a month end is split between the months", async () => {
  const values = await valuesOf(t.db, "dtoc", ["2015-01", "2015-02"], "2015-02-28");
  const jan = at(values, "2015-01");
  const feb = at(values, "2015-02");
  assert.equal(jan.numerator, 2);
  assert.deepEqual(jan.breakdown?.numerator, { "social-care": 2 });
  assert.equal(feb.numerator, 2 + 20);
  assert.deepEqual(feb.breakdown?.numerator, { "social-care": 2, nhs: 20 });
  assert.equal(jan.denominator, 21);
  assert.ok(Math.abs((jan.value ?? 0) - (2 / 21) * 100_000) < 1e-9);
});

test("over a quarter the value is the monthly average, and a still-open delay counts to the cut-off", async () => {
  const q = at(await valuesOf(t.db, "dtoc", ["2015-Q1"], "2015-02-28"), "2015-Q1");
  assert.equal(q.numerator, 24);
  assert.ok(Math.abs((q.value ?? 0) - (24 / 3 / 21) * 100_000) < 1e-9);
  assert.equal(q.status, "provisional", "the quarter runs past the cut-off");
  const later = at(await valuesOf(t.db, "dtoc", ["2015-Q1"], "2015-03-31"), "2015-Q1");
  assert.equal(later.numerator, 2 + 2 + 51, "the open delay runs 9 February to 31 March");
  assert.equal(later.status, "final");
});
