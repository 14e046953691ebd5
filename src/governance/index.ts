// The public face of information governance. Faces (web, FHIR API, exports, reports) import from here.

export type { AccessRequest, FilteredPeople, PersonGate } from "./access.ts";
export {
  AccessDenied,
  decideAccess,
  filterPeopleForAccess,
  MAX_PEOPLE_PER_FILTER,
  personGate,
  withPersonAccess,
} from "./access.ts";
export { toFhirAuditEvent } from "./audit-fhir.ts";
export type { AuditRecord } from "./audit-log.ts";
export { appendAuditEvent } from "./audit-log.ts";
export { auditForPerson, auditForUser } from "./audit-query.ts";
// Administration at the command line (oneplace users, oneplace audit).
export { auditRecordsInOrder } from "./audit-records.ts";
export { verifyAuditChain } from "./audit-verify.ts";
export { type AuthConfig, authConfigFromEnv, type CitizenOidcConfig } from "./auth-config.ts";
export { BREAK_GLASS_MINUTES, listBreakGlass, reviewBreakGlass } from "./break-glass.ts";
export { staffCaringFor } from "./care-owners.ts";
export {
  CLOSED_REASON_MAX,
  CONTRIBUTION_KINDS,
  CONTRIBUTION_MAX,
  type Contribution,
  type ContributionKind,
  KIND_WORDS,
} from "./citizen-contributions.ts";
export {
  BASIS_ALLOWS,
  BASIS_WORDS,
  grantsInForceFor,
  PROXY_BASES,
  type ProxyBasis,
  type ProxyGrant,
  type ProxyInput,
} from "./citizen-proxy.ts";
export {
  type CitizenIdentity,
  type CitizenOidcClient,
  citizenActor,
  createCitizenOidcClient,
  endCitizenSession,
  PROOFING_LEVELS,
  type ProofingLevel,
  RECORD_PROOFING_LEVEL,
  resolveCitizenSession,
  setCitizenActingFor,
} from "./citizen-sign-in.ts";
export { recordObjection, recordOptOut, withdrawObjection, withdrawOptOut } from "./consent.ts";
export { GovernanceError } from "./errors.ts";
export {
  type AuditLine,
  type BreakGlassEntry,
  type ObjectionRow,
  type OptOutRow,
  REVIEW_OUTCOMES,
  type ReviewOutcome,
} from "./ig.ts";
export { authenticatePassword } from "./login.ts";
export { createOidcClient, type OidcCallback, type OidcClient } from "./oidc.ts";
export { PreparedPassword, preparePasswords } from "./password.ts";
export type { PersonDemographics, PersonRecord, PersonSummary } from "./person-reads.ts";
export type * from "./person-view.ts";
export { evaluateAccess } from "./policy.ts";
export type { PseudonymKeys } from "./pseudonym-keys.ts";
export { pseudonymKeysFromEnv } from "./pseudonym-keys.ts";
export { ageBand, keyedHash, postcodeDistrict, pseudonymFor } from "./pseudonymise.ts";
export type { CohortMode, CohortQuery, PseudonymisedPerson } from "./pseudonymised-queries.ts";
export { countCohort, queryPseudonymisedPeople } from "./pseudonymised-queries.ts";
export type {
  GovernedReader,
  OperatorReader,
  PeopleList,
  PersonView,
  ReaderIdentity,
  Timeline,
} from "./reader.ts";
export { createOperatorReader, createReader } from "./reader.ts";
export type { AdminReads, NewAccount } from "./reader-admin.ts";
export type {
  BackofficeSummary,
  MpiHistory,
  RejectList,
  RejectSummary,
  RejectsReplayed,
  ReviewComparison,
} from "./reader-backoffice.ts";
export type { CareReads, PersonCarePage, StaffMember, Worklist, WorklistItem } from "./reader-care.ts";
export {
  type ActingFor,
  CITIZEN_AUDIT_PAGE_SIZE,
  type CitizenCareTeamView,
  type CitizenContributionsView,
  type CitizenPerson,
  type CitizenPlanView,
  type CitizenReader,
  type CitizenReferralsView,
  type CitizenSharingView,
  createCitizenReader,
  type RecordAccess,
  type RecordAccessView,
} from "./reader-citizen.ts";
export type { FindResult, FoundPerson } from "./reader-find.ts";
export type {
  BreakGlassAwaiting,
  FeedSummary,
  HomeData,
  HomeList,
  HomePage,
  HomePageOptions,
  HomePerson,
  HomeWorklist,
} from "./reader-home.ts";
export type {
  BreakGlassReviews,
  PersonAudit,
  SharingChangeResult,
  SharingView,
  UserAudit,
} from "./reader-ig.ts";
export { IG_PAGE_SIZE } from "./reader-ig.ts";
export type { MdtMeetingView, MdtPerson, MdtPersonPage, MdtReads, MdtRecordInput } from "./reader-mdt.ts";
export type { PersonPageBase, PersonReads } from "./reader-person.ts";
export {
  DEFAULT_PAGE_SIZE,
  EXPORT_BATCH,
  type ModelReportView,
  PAGE_SIZES,
  type RegisterExport,
  type RegisterHeading,
  type RegisterIndex,
  type RegisterPage,
  type RegisterQuery,
} from "./reader-registers.ts";
export { ADMISSION_WINDOW_DAYS, factsForPeople, factsForPerson } from "./relationship-facts.ts";
export {
  ASSIGNMENT_COLUMNS,
  listAssignments,
  listRoles,
  loadUserInRole,
  rowToAssignment,
} from "./roles.ts";
export { type Operator, recordSecurityEvent } from "./security-events.ts";
export {
  API_TOKEN_MAX_DAYS,
  createApiToken,
  createSession,
  csrfTokenFor,
  endSession,
  type Identity,
  resolveApiToken,
  resolveSession,
  revokeApiToken,
  switchSessionRole,
} from "./sessions.ts";
export {
  checkSharingChange,
  SHARING_CHANGES,
  type SharingChange,
  type SharingChangeInput,
  type SharingChangeKind,
} from "./sharing-change.ts";
export {
  type Figure,
  SUPPRESS_BELOW,
  SUPPRESSED_NOTE,
  suppressFigures,
  suppressSmallCounts,
  suppressTotal,
} from "./suppression.ts";
export { TIMELINE_KINDS, type TimelineEvent, type TimelineKind } from "./timeline.ts";
export { hashSecret, newSecret, safeEqual } from "./tokens.ts";
export type * from "./types.ts";
export { PURPOSES, type Purpose, TEAM_KINDS } from "./types.ts";
export type {
  DirectoryRole,
  DirectoryUser,
  TeamWithMembers,
  UserDetail,
  UserPage,
  UserQuery,
  UserStatusFilter,
} from "./user-directory.ts";
export {
  assignRole,
  createTeam,
  createUser,
  listTeams,
  listUsers,
  lockUser,
  removeRole,
  resetPassword,
  TEAM_CODE_PATTERN,
  USERNAME_PATTERN,
  unlockUser,
} from "./users.ts";
