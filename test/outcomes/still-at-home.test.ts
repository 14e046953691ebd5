// ASCOF 2B(1) and 2B(2) on hand-built discharges into reablement, with the day-91 hard cases: death on day
// 90, 91 and 92; readmitted on day 91 and discharged on day 91; respite over day 91; a trial placement over
// day 91; a person who moves out before day 91; follow-up not yet complete; the annual October-December
// window.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { addDays } from "../../src/core/dates.ts";
import { parsePeriod } from "../../src/core/periods.ts";
import { metricPeople } from "../../src/outcomes/drilldown.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { TestPlace } from "./helpers/place.ts";

let t: TestDb;
let place: TestPlace;
const DISCHARGE = "2014-11-03";
const day = (n: number) => addDays(DISCHARGE, n);
const people: Record<string, string> = {};

before(async () => {
  t = await openTestDb();
  place = new TestPlace(t.db);
  await place.organisations();
  const discharged = async (
    name: string,
    options: { born?: string; destination?: string; on?: string } = {},
  ) => {
    const id = await place.person({ born: options.born ?? "1938-03-01" });
    people[name] = id;
    await place.dischargedIntoReablement(id, addDays(options.on ?? DISCHARGE, -6), options.on ?? DISCHARGE, {
      destination: options.destination,
    });
    return id;
  };
  await discharged("atHome");
  await place.death(await discharged("diesDay90"), day(90));
  await place.death(await discharged("diesDay91"), day(91));
  await place.death(await discharged("diesDay92"), day(92));
  await place.spell(await discharged("readmittedDay91"), { admitted: day(91), discharged: day(95) });
  await place.spell(await discharged("homeOnDay91"), { admitted: day(88), discharged: day(91) });
  await place.placement(await discharged("respite"), { type: "respite", started: day(85), ended: day(96) });
  await place.placement(await discharged("trial"), { type: "trial", started: day(70) });
  const mover = await discharged("movedAway");
  await t.db.query(
    "UPDATE registration SET deregistered_on = $2, deregistration_reason = 'moved-away' WHERE person_id = $1",
    [mover, day(50)],
  );
  await discharged("under65", { born: "1955-01-01" });
  await discharged("toCareHome", { destination: "85" });
  // Discharged in December: day 91 is in March 2015.
  await discharged("late", { on: "2014-12-30" });
  // Discharged alive without reablement, and one who died in hospital: only the first is in 2B(2)'s denominator.
  const other = await place.person({ born: "1940-01-01" });
  await place.spell(other, { admitted: "2014-10-20", discharged: "2014-10-25" });
  const diedInHospital = await place.person({ born: "1940-01-01" });
  await place.spell(diedInHospital, {
    admitted: "2014-10-20",
    discharged: "2014-10-25",
    dischargeMethod: "died",
    destination: "79",
  });
});

after(() => t?.dispose());

test("at home on day 91: the hard cases", async () => {
  const v = at(await valuesOf(t.db, "ascof-2b1", ["2014/15"], "2015-06-30"), "2014/15");
  // Followed: atHome, the three deaths, readmitted, homeOnDay91, respite, trial, late = 9.
  // At home: atHome, diesDay92, homeOnDay91, respite, late = 5.
  assert.equal(v.denominator, 9);
  assert.equal(v.numerator, 5);
  assert.deepEqual(v.breakdown?.denominator, { "at-home": 5, died: 2, "in-hospital": 1, "in-care-home": 1 });
  assert.equal(v.periodStart, "2014-10-01", "an annual value counts discharges from 1 October");
  assert.equal(v.periodEnd, "2014-12-31");
  assert.equal(v.status, "final");
});

test("the people behind the numerator are the ones at home, and the mover is in neither part", async () => {
  const request = { metricId: "ascof-2b1", period: parsePeriod("2014/15"), asOf: "2015-06-30" };
  const numerator = new Set(await metricPeople(t.db, { ...request, part: "numerator" }));
  const denominator = new Set(await metricPeople(t.db, { ...request, part: "denominator" }));
  for (const name of ["atHome", "diesDay92", "homeOnDay91", "respite", "late"])
    assert.ok(numerator.has(people[name]), name);
  for (const name of ["diesDay90", "diesDay91", "readmittedDay91", "trial"]) {
    assert.ok(!numerator.has(people[name]), name);
    assert.ok(denominator.has(people[name]), name);
  }
  for (const name of ["movedAway", "under65", "toCareHome"]) assert.ok(!denominator.has(people[name]), name);
  const died = await metricPeople(t.db, { ...request, part: "denominator", split: "died" });
  assert.deepEqual(new Set(died), new Set([people.diesDay90, people.diesDay91]));
});

test("discharges not yet followed for 91 days are left out and the value is provisional", async () => {
  const v = at(await valuesOf(t.db, "ascof-2b1", ["2014/15"], "2015-03-01"), "2014/15");
  // By 1 March 2015 the November discharges have been followed (day 91 is 2 February); the December one
  // (day 91 on 31 March) has not.
  assert.equal(v.denominator, 8);
  assert.equal(v.numerator, 4);
  assert.equal(v.status, "provisional");
  assert.match(v.note ?? "", /91-day follow-up/);
});

test("any other period counts the discharges in it", async () => {
  const v = at(await valuesOf(t.db, "ascof-2b1", ["2014-12"], "2015-06-30"), "2014-12");
  assert.equal(v.denominator, 1);
  assert.equal(v.numerator, 1);
});

test("reablement coverage: discharges into reablement among all discharges of people 65+ alive", async () => {
  const v = at(await valuesOf(t.db, "ascof-2b2", ["2014/15"], "2015-06-30"), "2014/15");
  // Into reablement and meant to go home, aged 65+: the ten above who were 65+ and not sent to a care home,
  // the mover included (coverage needs no follow-up) = 10 ... the under-65 and care-home discharges are not.
  assert.equal(v.numerator, 10);
  // All 65+ discharged alive: those 10, the care-home discharge and the one without reablement = 12.
  assert.equal(v.denominator, 12);
});
