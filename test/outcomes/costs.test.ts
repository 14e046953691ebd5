// Costs from unit costs on hand-built activity: each component, windows that cut a stay, self-funded care
// left out, a place's own unit cost from a date.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cohortCost, costOfWindows, setUnitCost, unitCosts } from "../../src/outcomes/costs.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { TestPlace } from "./helpers/place.ts";

let t: TestDb;
let a: string;
let b: string;

before(async () => {
  t = await openTestDb();
  const place = new TestPlace(t.db);
  await place.organisations();
  a = await place.person({ born: "1940-01-01" });
  await place.spell(a, { admitted: "2015-01-10", discharged: "2015-01-14" }); // emergency, 4 nights
  await place.spell(a, {
    admitted: "2015-02-01",
    discharged: "2015-02-01",
    method: "elective",
    patientClass: "day-case",
  });
  await place.ae(a, "2015-01-10");
  await place.outpatient(a, "2015-02-10");
  await place.outpatient(a, "2015-02-11", "did-not-attend");
  await place.contact(a, "2015-01-20");
  await place.contact(a, "2015-01-27", "mental-health");
  await place.service(a, { type: "reablement", started: "2015-01-14", ended: "2015-02-10" });
  await place.service(a, { type: "home-care", started: "2015-02-11", ended: "2015-02-24" }); // 14 days = 2 weeks
  await place.service(a, { type: "telecare", started: "2015-03-04", funding: "self" }); // self-funded: not costed
  b = await place.person({ born: "1930-01-01" });
  await place.placement(b, { type: "permanent", started: "2015-03-18", careType: "nursing" }); // 14 nights to 31 March
  await place.spell(b, { admitted: "2015-03-29", discharged: "2015-04-05" }); // 3 nights in the window (29, 30, 31)
});

after(() => t?.dispose());

test("the shipped unit costs can be read and a place can set its own from a date", async () => {
  const costs = await unitCosts(t.db);
  assert.equal(costs.length, 11);
  assert.equal(costs.find((c) => c.costId === "bed-day")?.amount, 275);
  await setUnitCost(t.db, {
    costId: "bed-day",
    amount: 300,
    validFrom: "2015-04-01",
    source: "local tariff 2015/16",
  });
  assert.equal((await unitCosts(t.db, "2015-03-31")).find((c) => c.costId === "bed-day")?.amount, 275);
  assert.equal((await unitCosts(t.db)).find((c) => c.costId === "bed-day")?.amount, 300);
  await assert.rejects(
    setUnitCost(t.db, { costId: "helicopter", amount: 1, validFrom: "2015-01-01", source: "x" }),
    /Not a unit cost/,
  );
});

test("each person's public cost in a window, by component, at the prices of a date", async () => {
  const [ca, cb] = await costOfWindows(
    t.db,
    [
      { personId: a, start: "2015-01-01", end: "2015-03-31" },
      { personId: b, start: "2015-01-01", end: "2015-03-31" },
    ],
    { priceDate: "2015-03-31" },
  );
  assert.deepEqual(ca.byComponent["emergency-admission"], { units: 1, cost: 1100 });
  assert.deepEqual(ca.byComponent["bed-day"], { units: 4, cost: 4 * 275 });
  assert.deepEqual(ca.byComponent["ae-attendance"], { units: 1, cost: 135 });
  assert.deepEqual(ca.byComponent.outpatient, { units: 1, cost: 115 });
  assert.deepEqual(ca.byComponent["community-contact"], { units: 1, cost: 45 });
  assert.deepEqual(ca.byComponent["mental-health-contact"], { units: 1, cost: 100 });
  assert.deepEqual(ca.byComponent["reablement-episode"], { units: 1, cost: 1900 });
  assert.deepEqual(ca.byComponent["home-care-week"], { units: 2, cost: 340 });
  assert.equal(ca.byComponent["telecare-week"], undefined, "self-funded telecare is not a public cost");
  assert.equal(ca.total, 1100 + 1100 + 135 + 115 + 45 + 100 + 1900 + 340);
  assert.deepEqual(cb.byComponent["nursing-week"], { units: 2, cost: 1500 });
  assert.deepEqual(cb.byComponent["bed-day"], { units: 3, cost: 825 });
});

test("a cohort's cost over a period: total, per person, by component", async () => {
  const cohort = await cohortCost(
    t.db,
    [a, b],
    { start: "2015-01-01", end: "2015-03-31" },
    { priceDate: "2015-03-31" },
  );
  assert.equal(cohort.people, 2);
  assert.equal(cohort.byComponent["bed-day"]?.units, 7);
  assert.equal(cohort.total, 4835 + 1100 + 1500 + 825);
  assert.equal(cohort.perPerson, cohort.total / 2);
});
