// ASCOF 2A(2), permanent admissions to care homes of people aged 65+, on hand-built events: what counts,
// what does not (respite, temporary, self-funded, under 65, a trial's permanent continuation, a move
// from residential to nursing care), a person who moves out of the place, and the denominator.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { at, valuesOf } from "./helpers/compute.ts";
import { L1, L2, P1, P2, P3, TestPlace } from "./helpers/place.ts";

let t: TestDb;
let place: TestPlace;

before(async () => {
  t = await openTestDb();
  place = new TestPlace(t.db);
  await place.organisations();
  const old = (practice = P1) => place.person({ born: "1935-05-01", practice });

  // Counted in 2014/15: a council-funded permanent admission (P1), a jointly funded one (P2).
  await place.placement(await old(P1), { type: "permanent", started: "2014-06-01" });
  await place.placement(await old(P2), {
    type: "permanent",
    started: "2014-07-01",
    funding: "joint",
    careType: "nursing",
  });
  // Not counted: self-funded, NHS continuing care, respite, temporary, under 65 on the day.
  await place.placement(await old(), { type: "permanent", started: "2014-06-01", funding: "self" });
  await place.placement(await old(), { type: "permanent", started: "2014-06-01", funding: "nhs-chc" });
  await place.placement(await old(), { type: "respite", started: "2014-06-01", ended: "2014-06-14" });
  await place.placement(await old(), { type: "temporary", started: "2014-08-01", ended: "2014-09-30" });
  const young = await place.person({ born: "1950-01-02" }); // 64 on 2014-12-01, 65 on 2015-01-02
  await place.placement(young, { type: "permanent", started: "2014-12-01" });

  // A trial that becomes permanent: counted once, when the trial starts (March 2015, so in 2014/15).
  const trialist = await old(P3);
  const trial = await place.placement(trialist, {
    type: "trial",
    started: "2015-03-20",
    ended: "2015-04-20",
    endReason: "became-permanent",
  });
  await place.placement(trialist, { type: "permanent", started: "2015-04-20", follows: trial });

  // Residential to nursing: one admission, not two (with and without the follows link).
  const mover = await old(P3);
  const residential = await place.placement(mover, {
    type: "permanent",
    started: "2014-05-01",
    ended: "2014-10-01",
    endReason: "moved-home",
  });
  await place.placement(mover, {
    type: "permanent",
    started: "2014-10-01",
    careType: "nursing",
    follows: residential,
  });
  const unlinked = await old(P3);
  await place.placement(unlinked, { type: "permanent", started: "2014-09-01", ended: "2015-01-10" });
  await place.placement(unlinked, { type: "permanent", started: "2015-01-10", careType: "nursing" });

  // Respite that turns into a permanent placement: the permanent one counts.
  const respiteFirst = await old(P1);
  const respite = await place.placement(respiteFirst, {
    type: "respite",
    started: "2014-11-01",
    ended: "2014-11-15",
  });
  await place.placement(respiteFirst, { type: "permanent", started: "2014-11-15", follows: respite });

  // Moved out of the place before the admission: not the place's admission.
  const movedAway = await place.person({
    born: "1935-05-01",
    deregisteredOn: "2014-09-01",
    reason: "moved-away",
  });
  await place.placement(movedAway, { type: "permanent", started: "2014-11-01" });
  // Admitted while registered, moved away afterwards: counted.
  const leftLater = await place.person({
    born: "1935-05-01",
    deregisteredOn: "2015-02-01",
    reason: "moved-away",
  });
  await place.placement(leftLater, { type: "permanent", started: "2014-12-01" });

  // The denominator on 30 September 2014: a person who died before it, one who turns 65 after it.
  const died = await old();
  await place.death(died, "2014-09-01");
  await place.person({ born: "1949-10-01" }); // 64 on 2014-09-30
});

after(() => t?.dispose());

test("counts council-supported permanent admissions of people aged 65+, once each, on the day the first placement starts", async () => {
  const values = await valuesOf(t.db, "ascof-2a2", ["2014/15", "2015/16"]);
  const year = at(values, "2014/15");
  // P1, P2 (joint), the trial (March 2015), the residential-to-nursing mover, the unlinked mover,
  // respite-then-permanent, and the person who left afterwards = 7.
  assert.equal(year.numerator, 7);
  assert.deepEqual(year.breakdown?.numerator, { residential: 6, nursing: 1 });
  // The trial's permanent continuation in April 2015 is not a second admission.
  assert.equal(at(values, "2015/16").numerator, 0);
});

test("the denominator is the registered population aged 65+ alive on 30 September", async () => {
  const year = at(await valuesOf(t.db, "ascof-2a2", ["2014/15"]), "2014/15");
  // Thirteen people born in 1935, less one who died and one who moved away before 30 September 2014; the
  // two born in 1949 and 1950 are 64 that day.
  const [{ n }] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM person p JOIN registration r USING (person_id)
     WHERE p.birth_date <= '1949-09-30' AND r.registered_on <= '2014-09-30'
       AND (r.deregistered_on IS NULL OR r.deregistered_on > '2014-09-30')
       AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = p.person_id AND d.died_on <= '2014-09-30')`,
  );
  assert.equal(year.denominator, n);
  assert.equal(year.denominator, 11);
  assert.ok(Math.abs((year.value ?? 0) - (7 / 11) * 100_000) < 1e-6);
});

test("values are attributed to the practice registered on the day, with locality and place totals that add up", async () => {
  const values = await valuesOf(t.db, "ascof-2a2", ["2014/15"]);
  const byPractice = (code: string) => at(values, "2014/15", "practice", code).numerator;
  assert.equal(byPractice(P1), 3); // council P1, respite-then-permanent, left later (registered at P1)
  assert.equal(byPractice(P2), 1);
  assert.equal(byPractice(P3), 3); // trial, two movers
  assert.equal(at(values, "2014/15", "locality", L1).numerator, 4);
  assert.equal(at(values, "2014/15", "locality", L2).numerator, 3);
  const practices = values
    .filter((v) => v.areaLevel === "practice")
    .reduce((s, v) => s + (v.denominator ?? 0), 0);
  assert.equal(practices, at(values, "2014/15").denominator);
});
