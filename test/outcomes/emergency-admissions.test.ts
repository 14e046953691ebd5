// Non-elective admissions on hand-built spells: emergency only, the English day of admission, people who
// moved out before or after, the registered population, and the count against plan.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { addPeople, P3, TestPlace } from "./helpers/place.ts";

let t: TestDb;

before(async () => {
  t = await openTestDb();
  const place = new TestPlace(t.db);
  await place.organisations();
  const a = await place.person({ born: "1950-01-01" });
  await place.spell(a, { admitted: "2015-04-10", discharged: "2015-04-12" });
  await place.spell(a, { admitted: "2015-05-10", discharged: "2015-05-11", method: "elective" });
  await place.spell(a, { admitted: "2015-05-20", discharged: "2015-05-22", method: "maternity" });
  // 23:30 UTC on 31 March 2015 is 00:30 on 1 April in London (summer time): April.
  const b = await place.person({ born: "1980-01-01", practice: P3 });
  await place.spell(b, { admitted: "2015-03-31", admittedTime: "23:30:00", discharged: "2015-04-02" });
  // Admitted before moving away (counted), and after (not).
  const c = await place.person({ born: "1960-01-01", deregisteredOn: "2015-05-01", reason: "moved-away" });
  await place.spell(c, { admitted: "2015-04-20", discharged: "2015-04-21" });
  await place.spell(c, { admitted: "2015-06-01", discharged: "2015-06-02" });
  await addPeople(place, 7, { age: 30, on: "2015-04-01" });
});

after(() => t?.dispose());

test("counts emergency admissions on the English day, of people registered in the place that day", async () => {
  const values = await valuesOf(t.db, "nel", ["2015-04", "2015-03", "2015-Q2"]);
  assert.equal(at(values, "2015-04").numerator, 3);
  assert.equal(at(values, "2015-03").numerator, 0);
  const quarter = at(values, "2015-Q2");
  assert.equal(quarter.numerator, 3, "the admission after moving away is not counted");
  // Registered on 30 September 2015 (the middle of the financial year the quarter is in): a, b and 7 others;
  // c left on 1 May.
  assert.equal(quarter.denominator, 9);
  assert.ok(Math.abs((quarter.value ?? 0) - (3 / 9) * 100_000) < 1e-9);
  assert.equal(at(values, "2015-Q2", "practice", P3).numerator, 1);
});
