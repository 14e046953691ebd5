// Evaluation: the statistics on known answers, and an evaluation of reablement on a hand-built cohort where
// the effect is built in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { addDays } from "../../src/core/dates.ts";
import { createRng } from "../../src/core/rng.ts";
import { evaluateIntervention } from "../../src/outcomes/evaluation/evaluate.ts";
import {
  fitLogistic,
  logitOf,
  matchNearest,
  meanInterval,
  smd,
  t975,
} from "../../src/outcomes/evaluation/stats.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { TestPlace } from "./helpers/place.ts";

test("t quantiles, intervals and standardised differences match known values", () => {
  assert.ok(Math.abs(t975(1) - 12.7062) < 0.00005);
  assert.ok(Math.abs(t975(10) - 2.228) < 0.002);
  assert.ok(Math.abs(t975(30) - 2.042) < 0.002);
  assert.ok(Math.abs(t975(1000) - 1.962) < 0.002);
  const i = meanInterval([1, 2, 3, 4, 5]);
  assert.equal(i.estimate, 3);
  assert.ok(Math.abs(i.se - Math.sqrt(2.5 / 5)) < 1e-12);
  assert.ok(Math.abs(i.high - (3 + 2.776 * Math.sqrt(0.5))) < 0.01);
  assert.ok(Math.abs(smd([1, 2, 3], [2, 3, 4]) + 1) < 1e-12);
  assert.equal(smd([5, 5], [5, 5]), 0);
});

test("logistic regression recovers the coefficients it was given", () => {
  const rng = createRng("logistic");
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 2 - 1;
    x.push([a, b]);
    y.push(rng.next() < 1 / (1 + Math.exp(-(-0.5 + 2 * a - 1 * b))) ? 1 : 0);
  }
  const fit = fitLogistic(x, y, 0);
  // Back on the original scale: beta_j / scale_j.
  const slopeA = fit.beta[1] / fit.scales[0];
  const slopeB = fit.beta[2] / fit.scales[1];
  assert.ok(Math.abs(slopeA - 2) < 0.3, `a: ${slopeA}`);
  assert.ok(Math.abs(slopeB + 1) < 0.3, `b: ${slopeB}`);
  assert.ok(logitOf(fit, [1, 0]) > logitOf(fit, [0, 0]));
});

test("matching pairs each treated with the nearest unused control within the caliper", () => {
  const pairs = matchNearest([0.1, 0.11, 5], [0.1, 0.12, 0.5, 0.105], 0.05);
  assert.equal(pairs.length, 2, "5 has no control within the caliper");
  const controls = pairs.map(([, c]) => c);
  assert.equal(new Set(controls).size, 2, "without replacement");
  for (const [ti, ci] of pairs) assert.ok(Math.abs([0.1, 0.11, 5][ti] - [0.1, 0.12, 0.5, 0.105][ci]) <= 0.05);
  assert.deepEqual(matchNearest([1], [], 1), []);
});

let t: TestDb;

before(async () => {
  t = await openTestDb();
  const place = new TestPlace(t.db);
  await place.organisations();
  // 40 people discharged into reablement and 80 discharged home without it, all 75, each with one
  // emergency admission in the year before; afterwards those with reablement have none, the others one.
  const rng = createRng("cohort");
  for (let i = 0; i < 120; i++) {
    const treated = i < 40;
    const id = await place.person({
      born: "1939-06-01",
      sex: i % 2 ? "male" : "female",
      area: i % 3 ? "A1" : "A2",
    });
    const discharge = addDays("2014-05-01", Math.floor(rng.next() * 200));
    await place.spell(id, { admitted: addDays(discharge, -150), discharged: addDays(discharge, -148) });
    if (treated) await place.dischargedIntoReablement(id, addDays(discharge, -5), discharge);
    else {
      await place.spell(id, { admitted: addDays(discharge, -5), discharged: discharge });
      await place.spell(id, { admitted: addDays(discharge, 100), discharged: addDays(discharge, 103) });
    }
  }
});

after(() => t?.dispose());

test("reablement against matched discharges: the built-in difference is found, with balance and honest words", async () => {
  const r = await evaluateIntervention(t.db, {
    intervention: "reablement",
    outcome: "emergency-admissions",
    from: "2014-04-01",
    to: "2015-03-31",
    months: 12,
    asOf: "2016-03-31",
  });
  assert.equal(r.treatedFound, 40);
  assert.equal(r.treatedEligible, 40);
  assert.equal(r.poolEligible, 80);
  assert.ok(r.matchedPairs >= 36 && r.matchedPairs <= 40, `${r.matchedPairs} pairs`);
  // Before: 2 admissions each (the old one and the index stay); after: 0 for reablement, 1 for the others.
  assert.equal(r.treated.pre, 2);
  assert.equal(r.treated.post, 0);
  assert.equal(r.comparison.post, 1);
  assert.ok(r.did);
  assert.equal(r.did.estimate, -1);
  assert.ok(r.did.low <= -1 && r.did.high >= -1);
  assert.match(r.verdict, /^A reduction associated with reablement/);
  assert.ok(r.balance.every((b) => Number.isFinite(b.smdBefore)));
  assert.ok(r.cautions.some((c) => /No eFI/.test(c)));

  const few = await evaluateIntervention(t.db, {
    intervention: "reablement",
    outcome: "care-home-admission",
    from: "2014-05-01",
    to: "2014-06-15",
    months: 6,
    asOf: "2016-03-31",
  });
  assert.ok(few.matchedPairs > 0 && few.matchedPairs < 30);
  assert.match(few.verdict, /Too few people|too few|No clear difference/);
  assert.ok(few.cautions.some((c) => /small groups/.test(c)));
});

test("an intervention not yet recorded is reported as such", async () => {
  await assert.rejects(
    evaluateIntervention(t.db, {
      intervention: "mdt-review",
      outcome: "cost",
      from: "2014-04-01",
      to: "2015-03-31",
      months: 6,
    }),
    /No MDT meetings are recorded/,
  );
});
