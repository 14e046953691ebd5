// Care coordination: who cares for a person (caseloads, care teams, referrals: 0300) and no unknown patients
// (admission notifications to those teams: 0860). Imported only through this file.

export {
  carePlanResource,
  careTeamResource,
  ONEPLACE_SYSTEM,
  planActionTasks,
  referralTask,
  serviceRequestResource,
} from "./fhir.ts";
export {
  type DeliveredNotification,
  type DeliveryPage,
  markAllDeliveriesRead,
  markDeliveryRead,
  readDeliveries,
} from "./notifications.ts";
export {
  type AdmissionNotifier,
  drainAdmissionQueue,
  LEAD_PROFESSIONAL_ROLES,
  NOTIFICATION_REASONS,
  type NoticeBatchResult,
  type NotificationReason,
  notifyAdmissions,
  startAdmissionNotifier,
} from "./notifier.ts";
export {
  ACTION_STATUSES,
  type ActionInput,
  type ActionStatus,
  checkAction,
  diffContent,
  EMPTY_CONTENT,
  LEAD_ROLES,
  type LeadProfessional,
  type LeadRole,
  type PlanAction,
  type PlanChange,
  type PlanContent,
  type PlanGoal,
  signOffProblems,
} from "./plan-content.ts";
export {
  type Author,
  addAction,
  addGoal,
  type CarePlan,
  editPlan,
  endPlan,
  PLAN_SOURCE_SYSTEM,
  type PlanEdit,
  type PlanStatus,
  type PlanVersion,
  readPlan,
  readPlans,
  setActionStatus,
  signOffPlan,
  startPlan,
} from "./plan-store.ts";
export {
  CONSENTS,
  type Consent,
  type Discharge,
  decideReferral,
  EPISODE_ENDS,
  FOLLOW_UP_DAYS,
  FOLLOW_UP_OUTCOMES,
  makeReferral,
  type Referral,
  type ReferralDecision,
  type ReferralInput,
  type ReferralStatus,
  readDischarges,
  readReferral,
  readReferrals,
  recordFollowUp,
  URGENCIES,
} from "./referrals.ts";
export {
  type CareService,
  criteriaNotMet,
  importServices,
  listServices,
  type PersonCriteria,
  SERVICE_CSV_COLUMNS,
  SERVICE_KINDS,
  type ServiceImport,
  serviceByCode,
} from "./services.ts";
export { readWorklist, type WorkItem, type WorkKind } from "./worklist.ts";
