// Outcomes: metric definitions and their computation, targets and RAG, entered values, unit costs and
// intervention evaluation. Other folders import outcomes only from here.

export { areaLevelOf, areaNames } from "./areas.ts";
export { latestActivityDate } from "./availability.ts";
export { COST_IDS, setUnitCost, unitCosts } from "./costs.ts";
export { defineMetric } from "./define-checked.ts";
export {
  breakdownProblem,
  MAX_BREAKDOWN_CATEGORIES,
  METRIC_STATEMENT_TIMEOUT_MS,
} from "./definition-guard.ts";
export {
  type AreaLevel,
  complete,
  latestDefinitions,
  type MetricDefinition,
  type MetricDefinitionInput,
} from "./definitions.ts";
export { DrillDownUnavailable, metricPeople, type PeopleRequest } from "./drilldown.ts";
export { type ComputeRequest, computeMetrics, MetricComputeError, type MetricValue } from "./engine.ts";
export { type EnteredValue, enteredValues, enterValue, type StoredEnteredValue } from "./entered.ts";
export {
  EvaluationUnavailable,
  INTERVENTIONS,
  type Intervention,
  OUTCOMES,
  type Outcome,
} from "./evaluation/cohorts.ts";
export { evaluateIntervention } from "./evaluation/evaluate.ts";
export { formatEvaluation } from "./evaluation/format.ts";
export { installMeasures, SHIPPED_MEASURES } from "./measures/index.ts";
export { monthsOf } from "./metric-periods.ts";
export { type Rag, rag, trajectoryAt } from "./rag.ts";
export { checkRate } from "./rate-check.ts";
export {
  assess,
  checkTarget,
  effectiveValue,
  loadTargets,
  saveTargets,
  type Target,
  trajectoryPoints,
} from "./targets.ts";
export { latestValues, type StoredValue } from "./values.ts";
