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
export type { CalibrationGroup, Capture } from "./metrics.ts";
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
export {
  type FactorStrength,
  formatModelReport,
  strongestFactors,
  verdictOnAuc,
} from "./model-report.ts";
export { type NationalCondition, nationalCondition } from "./national-condition.ts";
export {
  createRegister,
  type RegisterScope,
  refreshRegister,
  registerChanges,
  registerMovements,
} from "./register.ts";
export {
  checkRegisterFilters,
  countRegister,
  DEFAULT_DIRECTION,
  localityPractices,
  type OrgName,
  RECENT_ADMISSION_DAYS,
  REGISTER_SORTS,
  type RegisterAccess,
  type RegisterCounts,
  type RegisterFilters,
  type RegisterKind,
  type RegisterRow,
  type RegisterScope as RegisterViewScope,
  type RegisterSort,
  type RegisterWindow,
  registerAsOf,
  registerOrganisation,
  registerPage,
  registerRows,
  type SavedCohortSummary,
  type SortDirection,
  savedCohort,
  savedCohorts,
} from "./register-view.ts";
export { efiByPractice, tiersByLocality } from "./reports.ts";
export {
  drainRescoreQueue,
  queueRescore,
  queueRescoreText,
  queueRescoreWrite,
  type RescoreDrain,
  type Rescorer,
  startRescorer,
} from "./rescore-queue.ts";
export {
  DEFAULT_SETTINGS,
  RISK_TIERS,
  type RiskSettings,
  type RiskTier,
  readSettings,
  writeSettings,
} from "./settings.ts";
export {
  latestActivityDate,
  latestFullRun,
  peopleChangedSince,
  type RunSummary,
  rescorePeople,
  stratify,
} from "./stratify.ts";
