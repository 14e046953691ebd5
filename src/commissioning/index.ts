// Commissioning: the Better Care Fund plan (files in and out, validation, storage), actuals, metric files and
// the board report. Other folders import commissioning only from here.

export { formatPounds } from "./amounts.ts";
export { PlanFormatError } from "./layout.ts";
export { importEnteredValues, writeMetricValues } from "./metric-files.ts";
export type { BcfPlan } from "./plan.ts";
export { formatOf, readActualsFile, readPlanFile, writePlanFile } from "./plan-files.ts";
export {
  listPlanVersions,
  loadPlan,
  NoPlanError,
  planMinimums,
  saveActuals,
  savePlan,
} from "./plan-store.ts";
export { type PlanFigure, planBesideValues } from "./plan-values.ts";
export { produceBoardReport } from "./report/board-report.ts";
export { CHROMIUM_ARGS, printPdf } from "./report/pdf.ts";
export { countFindings, type Finding, metricFactsOf, validatePlan } from "./validate.ts";
