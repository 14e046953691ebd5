// Validation: a consistent plan has no findings; each kind of inconsistency, made one at a time, gives its
// finding with where it is and why.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BcfPlan } from "../../src/commissioning/plan.ts";
import { type Finding, metricFactsOf, validatePlan } from "../../src/commissioning/validate.ts";
import { SHIPPED_MEASURES } from "../../src/outcomes/index.ts";
import { samplePlan } from "./sample-plan.ts";

const facts = metricFactsOf(SHIPPED_MEASURES);
const findingsOf = (change: (p: BcfPlan) => void): Finding[] => {
  const plan = samplePlan();
  change(plan);
  return validatePlan(plan, facts);
};
const only = (findings: Finding[], code: Finding["code"]) => findings.filter((f) => f.code === code);

test("a consistent plan has no findings", () => {
  assert.deepEqual(validatePlan(samplePlan(), facts), []);
});

test("totals that do not add up", () => {
  const stated = only(
    findingsOf((p) => (p.statedTotals[0].amount = 1_150_000)),
    "total-mismatch",
  );
  assert.equal(stated.length, 1);
  assert.equal(stated[0].where, "Stated totals scheme-spend 2015/16");
  assert.match(stated[0].message, /states £1,150,000 but its rows add up to £1,200,000/);
  const contributions = only(
    findingsOf((p) => (p.contributions[1].amount = 200_000)),
    "contributions-short-of-pool",
  );
  assert.match(
    contributions[0].message,
    /add up to £1,100,000, not the proposed pooled budget of £1,200,000: £100,000 is not attributed/,
  );
});

test("a minimum above its maximum, and planned spend outside its range", () => {
  const f = findingsOf((p) => {
    p.schemeYears[0].plannedMin = 800_000;
  });
  assert.equal(only(f, "min-above-max")[0].where, "Scheme years S1 2015/16");
  assert.match(
    only(f, "spend-outside-range")[0].message,
    /£600,000 is outside its range £800,000 to £700,000/,
  );
});

test("the pooled budget below the minimum allocation, and schemes that cannot spend it", () => {
  const f = findingsOf((p) => {
    p.allocations[0].proposedTotal = 900_000;
    p.contributions[0].amount = 600_000;
    p.schemeYears[1].plannedMax = 250_000;
    p.schemeYears[1].plannedMin = 200_000;
    p.schemeYears[1].plannedSpend = 250_000;
    p.statedTotals = [];
  });
  assert.match(only(f, "pooled-below-minimum")[0].message, /£900,000 is below the minimum £1,000,000/);
  assert.match(
    only(f, "schemes-below-minimum")[0].message,
    /£950,000, below the minimum allocation of £1,000,000/,
  );
});

test("a rate that does not match its numerator and denominator", () => {
  const f = only(
    findingsOf((p) => {
      p.metrics[0].value = 899;
      p.metrics[0].valueAsPrinted = "899";
    }),
    "rate-mismatch",
  );
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, "error");
  assert.equal(f[0].where, "Metrics ascof-2a2 baseline 2014/15");
  assert.equal(
    f[0].message,
    "stated as 899 but its numerator and denominator give 700.0 (7 / 1000 x 100,000)",
  );
});

test("a target whose period does not match its payment date, and a payment that does not exist", () => {
  const f = findingsOf((p) => {
    p.metrics[2].period = "2015-Q4"; // October to December 2015, paid 1 November 2015
    p.metrics[1].payment = "april";
  });
  assert.match(
    only(f, "target-after-payment")[0].message,
    /ends on 2015-12-31, on or after the q3-2015 payment date 2015-11-01/,
  );
  assert.match(only(f, "unknown-payment")[0].message, /no payment tranche april/);
});

test("a risk without an owner, or unscored, or scored outside 1 to 3", () => {
  const f = findingsOf((p) => {
    p.risks[0].owner = " ";
    p.risks[1].impact = null;
    p.risks[0].probability = 4;
  });
  assert.equal(only(f, "risk-without-owner")[0].where, "Risks 1: Demand outgrows the schemes");
  assert.equal(only(f, "risk-not-scored")[0].where, "Risks 2: Data sharing delayed");
  assert.match(only(f, "risk-score-out-of-range")[0].message, /probability 4 is outside 1 to 3/);
});

test("missing figures, unknown metrics and schemes, malformed amounts, overspend", () => {
  const f = findingsOf((p) => {
    p.metrics.push({ ...p.metrics[4], metricId: "avoidable-emergency-admissions", value: null });
    p.metrics = p.metrics.filter((m) => m.metricId !== "local");
    p.payments[0].amount = null;
    p.contributions[0].asPrinted = "£900,00";
    p.actuals.push({ schemeId: "S9", month: "2015-06", amount: 1, source: "", note: "" });
    p.actuals.push({ schemeId: "S2", month: "2015-06", amount: 700_000, source: "", note: "" });
  });
  assert.match(only(f, "unknown-metric")[0].message, /not a metric OnePlace defines/);
  assert.equal(only(f, "metric-without-value").length, 1);
  assert.match(only(f, "missing-national-metric")[0].message, /local metric/);
  assert.match(only(f, "amount-not-stated")[0].message, /cannot be shown/);
  assert.match(only(f, "malformed-amount")[0].message, /"£900,00", which is not a well-formed amount/);
  assert.equal(only(f, "unknown-scheme")[0].where, "Actual spend S9 2015-06");
  assert.match(
    only(f, "actual-above-maximum")[0].message,
    /£740,000 spent, above the planned maximum of £600,000/,
  );
  assert.ok(
    f.every((x) => x.where && x.message),
    "every finding says where and why",
  );
});
