// The risk stratification capability's public API.
export {
  type CohortCounts,
  type CohortCriteria,
  CohortError,
  type CohortMember,
  cohortMembers,
  countCohort,
  listCohorts,
  parseCriteria,
  saveCohort,
} from "./cohort.ts";
export { type EfiResult, efiOn } from "./efi.ts";
export {
  DEFICITS,
  type EfiCategory,
  efiCategory,
  efiCategorySql,
  efiScore,
  POLYPHARMACY_MIN_MEDICINES,
} from "./efi-definition.ts";
export { ensureEfiReference } from "./efi-reference.ts";
export { type HiuReport, hiuActivityByQuarter } from "./hiu.ts";
export {
  activeModel,
  type Contribution,
  explainScore,
  listModels,
  modelById,
  modelByVersion,
  NoValidatedModelError,
  type RiskModel,
  trainModel,
} from "./model.ts";
export { formatModelReport } from "./model-report.ts";
export { type NationalCondition, nationalCondition } from "./national-condition.ts";
export {
  createRegister,
  type RegisterScope,
  refreshRegister,
  registerChanges,
  registerMovements,
} from "./register.ts";
export { efiByPractice, tiersByLocality } from "./reports.ts";
export { DEFAULT_SETTINGS, type RiskSettings, readSettings, writeSettings } from "./settings.ts";
export {
  latestActivityDate,
  latestFullRun,
  peopleChangedSince,
  type RunSummary,
  rescorePeople,
  stratify,
} from "./stratify.ts";
