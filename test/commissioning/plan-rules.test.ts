// Plan validation as a list of rules: every rule is reachable (a plan that trips it, changed one thing from
// a consistent plan), says what its code and severity are, and validation reports exactly what the rules
// find between them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BcfPlan } from "../../src/commissioning/plan.ts";
import { PLAN_RULES } from "../../src/commissioning/plan-rules.ts";
import { findingsOfRule, metricFactsOf, validatePlan } from "../../src/commissioning/validate.ts";
import { SHIPPED_MEASURES } from "../../src/outcomes/index.ts";
import { samplePlan } from "./sample-plan.ts";

const facts = metricFactsOf(SHIPPED_MEASURES);

/** For each rule, one change to the sample plan that trips it. */
const TRIPS: Record<string, (p: BcfPlan) => void> = {
  "allocation-printed": (p) => (p.allocations[0].minimumAsPrinted = "£1,000,00"),
  "contribution-printed": (p) => (p.contributions[0].asPrinted = "£900,00"),
  "contribution-not-stated": (p) => (p.contributions[1].status = "tbc"),
  "scheme-year-unknown-scheme": (p) => (p.schemeYears[0].schemeId = "S9"),
  "scheme-year-printed": (p) => (p.schemeYears[0].maxAsPrinted = "£700,00"),
  "min-above-max": (p) => (p.schemeYears[0].plannedMin = 800_000),
  "scheme-year-not-stated": (p) => {
    p.schemeYears[0].plannedMin = null;
    p.schemeYears[0].plannedMax = null;
  },
  "spend-outside-range": (p) => (p.schemeYears[0].plannedSpend = 800_000),
  "scheme-without-plan": (p) => p.schemes.push({ ...p.schemes[0], schemeId: "S3" }),
  "total-mismatch": (p) => (p.statedTotals[0].amount = 1_150_000),
  "pooled-below-minimum": (p) => (p.allocations[0].proposedTotal = 900_000),
  "contributions-short-of-pool": (p) => (p.contributions[1].amount = 200_000),
  "contributions-below-minimum": (p) => {
    p.allocations[0].proposedTotal = null;
    p.contributions[0].amount = 100_000;
  },
  "schemes-below-minimum": (p) => (p.schemeYears[1].plannedMax = 250_000),
  "schemes-short-of-pool": (p) => (p.schemeYears[1].plannedMax = 450_000),
  "unknown-metric": (p) => (p.metrics[0].metricId = "made-up"),
  "metric-without-value": (p) => (p.metrics[3].value = null),
  "rate-mismatch": (p) => (p.metrics[0].value = 899),
  "unknown-payment": (p) => (p.metrics[1].payment = "april"),
  "target-after-payment": (p) => (p.metrics[2].period = "2015-Q4"),
  "missing-national-metric": (p) => (p.metrics = p.metrics.filter((m) => m.metricId !== "dtoc")),
  "payment-printed": (p) => (p.payments[0].amountAsPrinted = "£200,00"),
  "payment-not-stated": (p) => (p.payments[0].amount = null),
  "risk-without-owner": (p) => (p.risks[0].owner = ""),
  "risk-not-scored": (p) => (p.risks[0].impact = null),
  "risk-score-out-of-range": (p) => (p.risks[0].probability = 4),
  "actual-unknown-scheme": (p) =>
    p.actuals.push({ schemeId: "S9", month: "2015-06", amount: 1, source: "", note: "" }),
  "actual-above-maximum": (p) =>
    p.actuals.push({ schemeId: "S2", month: "2015-06", amount: 700_000, source: "", note: "" }),
};

const tripped = (change: (p: BcfPlan) => void): BcfPlan => {
  const plan = samplePlan();
  change(plan);
  return plan;
};

test("rule ids are unique, and each rule has a plan that trips it here", () => {
  const ids = PLAN_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), Object.keys(TRIPS).sort());
});

for (const rule of PLAN_RULES) {
  test(`rule ${rule.id}: silent on a consistent plan, reports a plan that trips it`, () => {
    assert.deepEqual(findingsOfRule(rule, samplePlan(), facts), []);
    const plan = tripped(TRIPS[rule.id]);
    const found = findingsOfRule(rule, plan, facts);
    assert.ok(found.length > 0, `${rule.id} is tripped`);
    for (const f of found) {
      assert.equal(f.code, rule.code);
      assert.equal(f.severity, rule.severity);
      assert.ok(f.where && f.message, "says where and why");
    }
    // What the rule finds is what validation reports under its code and place.
    const all = validatePlan(plan, facts);
    for (const f of found)
      assert.ok(
        all.some((x) => JSON.stringify(x) === JSON.stringify(f)),
        f.message,
      );
  });
}

test("validation reports exactly the rules' findings, grouped by where they are in the plan", () => {
  const plan = tripped((p) => {
    for (const change of Object.values(TRIPS)) change(p);
  });
  const all = validatePlan(plan, facts);
  const byRule = PLAN_RULES.flatMap((r) => findingsOfRule(r, plan, facts));
  const key = (f: object) => JSON.stringify(f);
  assert.deepEqual(all.map(key).sort(), byRule.map(key).sort());
  // A scheme year's findings come together, in the order of the rules, before the next scheme year's; the
  // year's totals come after every scheme year.
  const wheres = all.map((f) => f.where.replace(/, (minimum|maximum|planned spend)$/, ""));
  const first = wheres.indexOf("Scheme years S9 2015/16");
  assert.deepEqual(
    all.filter((_, i) => wheres[i] === "Scheme years S9 2015/16").map((f) => f.code),
    ["unknown-scheme", "malformed-amount", "amount-not-stated"],
  );
  assert.equal(wheres.lastIndexOf("Scheme years S9 2015/16"), first + 2);
  assert.ok(wheres.indexOf("Scheme years S2 2015/16") > first + 2);
  assert.ok(wheres.indexOf("Stated totals scheme-spend 2015/16") > wheres.indexOf("Scheme years S2 2015/16"));
});
