// The board report assembled from inputs made by hand, without a database: a metric's value, its
// localities and RAG; a metric that could not be computed; the payment at risk when a target is missed or
// met; findings with errors first; and a place with no plan and no activity.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BcfPlan } from "../../src/commissioning/plan.ts";
import { assembleBoard } from "../../src/commissioning/report/board-assemble.ts";
import type { BoardInputs } from "../../src/commissioning/report/board-inputs.ts";
import { metricPlans } from "../../src/commissioning/report/board-periods.ts";
import { quarter } from "../../src/core/periods.ts";
import type { MetricValue } from "../../src/outcomes/index.ts";
import { complete, type MetricDefinition, SHIPPED_MEASURES } from "../../src/outcomes/index.ts";
import { samplePlan } from "./sample-plan.ts";

const definitions: MetricDefinition[] = SHIPPED_MEASURES.map((m) => ({
  ...complete(m),
  version: 1,
  checksum: "",
}));

const q = quarter("2015-Q3");
const nel = (periodId: string, value: number, areaLevel: "place" | "locality", areaCode: string) => {
  const period = periodId === q.id ? q : quarter(periodId);
  return {
    metricId: "nel",
    version: 1,
    periodId,
    periodStart: period.start,
    periodEnd: period.end,
    areaLevel,
    areaCode,
    numerator: value,
    denominator: null,
    value,
    breakdown: null,
    status: "final",
    note: null,
  } satisfies MetricValue;
};

function inputs(plan: BcfPlan | null, values: MetricValue[], asOf: string | null = q.end): BoardInputs {
  return {
    quarter: q,
    asOf,
    plan,
    planVersion: plan ? 3 : 0,
    planNote: plan ? null : "No BCF plan has been imported yet.",
    definitions,
    metricPlans: metricPlans(definitions, q, asOf, "2013-04-01", 8),
    values,
    unavailable: new Map([["dtoc", "no delayed transfers loaded"]]),
    runId: "run-1",
    entered: [],
    localityNames: new Map([["L1", "Grays"]]),
    generatedAt: "2015-10-05T09:00:00.000Z",
  };
}

test("a metric's value, localities and RAG; a metric not computed; the payment at risk when missed", () => {
  const plan = samplePlan();
  plan.risks[0].owner = "";
  plan.risks[0].probability = 4;
  const d = assembleBoard(
    inputs(plan, [
      nel("2015-Q3", 1800, "place", "place"),
      nel("2015-Q3", 900, "locality", "L1"),
      nel("2015-Q2", 2500, "place", "place"),
    ]),
    { quarter: "2015-Q3", narrative: "Noted." },
  );
  assert.equal(d.plan?.version, 3);
  assert.equal(d.generatedAt, "2015-10-05T09:00:00.000Z");
  assert.equal(d.narrative, "Noted.");
  const admissions = d.metrics.find((m) => m.metricId === "nel");
  assert.equal(admissions?.value, 1800);
  assert.deepEqual(
    admissions?.localities.map((l) => [l.name, l.value]),
    [["Grays", 900]],
  );
  assert.equal(admissions?.series.at(-1)?.value, 1800);
  assert.equal(admissions?.series.at(-2)?.value, 2500);
  const dtoc = d.metrics.find((m) => m.metricId === "dtoc");
  assert.deepEqual([dtoc?.available, dtoc?.reason], [false, "no delayed transfers loaded"]);
  assert.ok(d.otherMeasures.length > 0 && d.otherMeasures.every((m) => m.series.length <= 1));
  // The nel target for 2015-Q2 (2,000, lower is better) is missed by 2,500: the whole tranche is at risk.
  const [payment] = d.payments;
  assert.deepEqual(
    payment.targets.map((t) => [t.metricId, t.value, t.status]),
    [["nel", 2500, "not met"]],
  );
  assert.equal(payment.atRisk, 200_000);
  assert.equal(d.summary.atRisk, 200_000);
  assert.equal(d.summary.unavailable, 1);
  // Findings: the error before the warning, though validation reports the warning first.
  assert.deepEqual(
    d.findings.map((f) => f.code),
    ["risk-score-out-of-range", "risk-without-owner"],
  );
  assert.deepEqual([d.summary.errors, d.summary.warnings], [1, 1]);
  assert.equal(d.risks.top[0].score, 12);
  assert.equal(d.risks.withoutOwner, 1);
  assert.equal(d.spend?.totals.actualToDate, 145_000);
  assert.deepEqual(
    d.definitions.map((x) => x.metricId),
    [...d.metrics, ...d.otherMeasures].map((m) => m.metricId),
  );
});

test("a target met puts nothing at risk", () => {
  const d = assembleBoard(inputs(samplePlan(), [nel("2015-Q2", 1900, "place", "place")]), {
    quarter: "2015-Q3",
  });
  assert.equal(d.payments[0].targets[0].status, "met");
  assert.equal(d.summary.atRisk, 0);
  assert.equal(d.summary.paymentNote, "");
});

test("no plan and no activity: no metrics, no targets, and the report says why", () => {
  const d = assembleBoard(inputs(null, [], null), { quarter: "2015-Q3", place: "Thurrock" });
  assert.equal(d.place, "Thurrock");
  assert.deepEqual([d.metrics, d.otherMeasures, d.payments, d.findings, d.planFigures], [[], [], [], [], []]);
  assert.equal(d.spend, null);
  assert.equal(d.planNote, "No BCF plan has been imported yet.");
  assert.equal(d.summary.paymentNote, "No plan imported.");
  assert.deepEqual([d.summary.atRisk, d.risks.total], [null, 0]);
});
