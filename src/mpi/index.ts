// The master person index: link source records to people, review uncertain matches, merge and unmerge.

export { type DecisionEntry, recordDecision } from "./decisions.ts";
export { evaluateMatching, type MatchQuality } from "./evaluate.ts";
export {
  type DemographicMatch,
  type DemographicQuery,
  type FoundPersonRow,
  MAX_FIND_MATCHES,
  peopleByDemographics,
  peopleByNhsNumber,
  peopleNearNhsNumber,
  readFoundPeople,
} from "./find.ts";
export { addIdentifiers, rebuildIdentifiers, recomputeGolden } from "./golden.ts";
export {
  decisionHistory,
  type MergedPerson,
  type MergeEntry,
  type MpiDecision,
  mergedPeople,
  mergesOf,
  peopleMergedInto,
  survivorsOf,
  survivorsOfMergedNhsNumber,
} from "./history.ts";
export { type MergeResult, MpiError, mergePersons, relinkRecord, unmerge } from "./merge.ts";
export { type MergeRequest, queueMergeReview } from "./merge-review.ts";
export type { RecordKey } from "./moves.ts";
export { type Identifier, RECORD_COLUMNS, type SourceRecordInput } from "./records.ts";
export {
  AUTOMATIC,
  findByNhsNumber,
  findLinks,
  type LinkedRow,
  MatchInputError,
  type NhsStateRead,
  type NhsStateRow,
  type NoBirthDateProblem,
  type ResolveOutcome,
  recordKey,
  recordLockNames,
  resolveRecords,
  unattributableWithoutBirthDate,
  unlinkedNhsStateParams,
  unlinkedNhsStateSql,
} from "./resolve.ts";
export {
  type ApplyReviewedEvent,
  decideReview,
  getReview,
  listReview,
  openReviewCount,
  type ReviewDecisionResult,
  type ReviewedEventResult,
  type ReviewItem,
  type ReviewItemState,
  type ReviewVerdict,
} from "./review.ts";
export {
  decide,
  LOWER_THRESHOLD,
  type MatchRecord,
  type MatchScore,
  scorePair,
  UPPER_THRESHOLD,
} from "./score.ts";
export {
  type Agreement,
  agreementOf,
  type SideBySide,
  type SideBySideField,
  sideBySide,
} from "./side-by-side.ts";
export {
  type EventReviewKind,
  type EventReviewRequest,
  eventReviewLocks,
  lastRecordWithCare,
  queueEventReview,
  renameRecord,
  retractRecord,
} from "./source-events.ts";
