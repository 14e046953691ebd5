// Example contexts for model-report.njk: no model trained yet, and a validated model with two versions
// (one tenth's small count suppressed).
import type { ModelReportView } from "../../governance/index.ts";
import type { RiskModel } from "../../risk/index.ts";
import type { ViewFixture } from "./fixtures.ts";
import { modelReportContext } from "./model-report.context.ts";

const dataset = {
  indexDate: "2015-04-01",
  featuresAsOf: "2015-03-31",
  outcomeFrom: "2015-04-01",
  outcomeTo: "2016-03-31",
  people: 30_290,
  admittedPeople: 1_892,
  admissions: 3_048,
  admittedShare: 0.0625,
  sampledPermille: 1000,
};

const deciles = Array.from({ length: 10 }, (_, i) => {
  const meanPredicted = 0.02 + i * i * 0.004;
  const people = 3_029;
  const observed = i === 0 ? 3 : Math.round(people * meanPredicted * (0.9 + (i % 3) * 0.08));
  return {
    group: i + 1,
    people,
    meanPredicted,
    observedRate: observed / people,
    expected: people * meanPredicted,
    observed,
  };
});

const capture = [
  {
    topPercent: 1,
    people: 303,
    admittedPeople: 214,
    shareOfAdmittedPeople: 0.113,
    admissions: 789,
    shareOfAdmissions: 0.259,
  },
  {
    topPercent: 5,
    people: 1_515,
    admittedPeople: 582,
    shareOfAdmittedPeople: 0.308,
    admissions: 1_415,
    shareOfAdmissions: 0.464,
  },
  {
    topPercent: 20,
    people: 6_058,
    admittedPeople: 1_128,
    shareOfAdmittedPeople: 0.596,
    admissions: 2_135,
    shareOfAdmissions: 0.7,
  },
];

export const exampleModel: RiskModel = {
  modelId: "00000000-0000-4000-8000-000000000001",
  version: 2,
  kind: "logistic-l2",
  outcome: "emergency-admission-12m",
  trainedAt: "2016-04-02T09:00:00Z",
  spec: {
    kind: "logistic-l2",
    intercept: -3.1,
    lambda: 100,
    features: [
      { id: "efi-deficits", label: "eFI deficits", mean: 1.2, scale: 2.1, coefficient: 0.42 },
      { id: "long-term-conditions", label: "Long-term conditions", mean: 0.8, scale: 1.3, coefficient: 0.31 },
      { id: "deprivation", label: "Deprivation (IMD decile)", mean: 5, scale: 2.8, coefficient: -0.12 },
    ],
    train: {
      ...dataset,
      indexDate: "2014-04-01",
      featuresAsOf: "2014-03-31",
      outcomeFrom: "2014-04-01",
      outcomeTo: "2015-03-31",
    },
    lambdaSearch: [],
    seconds: 4.2,
  },
  validation: {
    ...dataset,
    auc: 0.781,
    aucInterval: [0.771, 0.791],
    calibrationSlope: 0.97,
    calibrationIntercept: 0.02,
    observedToExpected: 1.03,
    brier: 0.0532,
    deciles,
    capture,
  },
};

const report: ModelReportView = {
  model: exampleModel,
  versions: [
    { version: 2, trainedAt: "2016-04-02T09:00:00Z" },
    { version: 1, trainedAt: "2015-04-02T09:00:00Z" },
  ],
  deciles: deciles.map((d, i) => ({
    ...d,
    observedShown: i < 2 ? { count: null, suppressed: true } : { count: d.observed, suppressed: false },
  })),
  capture: capture.map((c) => ({ ...c, admittedShown: { count: c.admittedPeople, suppressed: false } })),
};

export const fixtures: ViewFixture[] = [
  {
    name: "no model trained yet",
    context: modelReportContext({ model: null, versions: [], deciles: [], capture: [] }),
  },
  { name: "a validated model with an earlier version", context: modelReportContext(report) },
];
