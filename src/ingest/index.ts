// Data in: HL7v2 ADT (MLLP and batch files), FHIR R4 (NDJSON and Bundles), CSV extracts; rejects and replay;
// feed health. People are linked through the master person index (src/mpi).

export { recordSubjects, upsertCanonical } from "./canonical.ts";
export { CSV_LAYOUTS, type CsvLayout, layoutByName } from "./csv/layouts.ts";
export { CsvLoadError, type CsvLoadResult, loadCsvFile } from "./csv/load.ts";
export {
  type FeedFile,
  type FeedFileResult,
  type FeedManifest,
  loadCodeMapFile,
  loadFeedFile,
  loadFeeds,
  readManifest,
} from "./feeds.ts";
export {
  type BundleEntryOutcome,
  type BundleKind,
  type BundleLoadResult,
  type EntryStatus,
  loadFhirBundle,
} from "./fhir/bundle.ts";
export { fhirFilesIn } from "./fhir/files.ts";
export { type FhirLoadResult, loadFhirFile } from "./fhir/load.ts";
export {
  FHIR_EXTENSIONS,
  FHIR_SYSTEMS,
  FhirReject,
  isSupportedResource,
  type MapContext,
  mapResource,
} from "./fhir/resources.ts";
export {
  type FeedHealth,
  type FeedHealthSnapshot,
  feedHealth,
  HELD_ALARM_HOURS,
  type HeldAlarm,
  type HeldMessage,
  heldAlarms,
  recentFeedHealth,
} from "./health.ts";
export { buildAck, HL7_ERROR, readAck } from "./hl7/ack.ts";
export { AdtRejection } from "./hl7/adt.ts";
export type { Hl7Context, Hl7Outcome } from "./hl7/apply.ts";
export { type AdtFields, type AdtPatientFields, buildAdt } from "./hl7/build-adt.ts";
export { CODE_MAP_NAMES, CODED_FIELDS, type CodeMapName } from "./hl7/coded.ts";
export { isTestInstance, setTestInstance } from "./hl7/instance.ts";
export { type FileLoadResult, loadHl7File } from "./hl7/load-file.ts";
export { ADT_BATCH_TABLES, applyHl7Batch, applyReviewedEvent } from "./hl7/many.ts";
export { Hl7ParseError, parseMessage } from "./hl7/message.ts";
export { frame, MllpDecoder } from "./hl7/mllp.ts";
export { addCodeMappings, type CodeMapping, type MappingResult, mappingProblem } from "./hl7/remap.ts";
export { splitMessages } from "./hl7/split.ts";
export { listUnmapped, type UnmappedRow } from "./hl7/unmapped.ts";
export { rowId } from "./ids.ts";
export { getLoad, type LoadCounts, type LoadRow, settleAbandonedLoads } from "./loads.ts";
export { MllpClient } from "./mllp-client.ts";
export {
  DEFAULT_LIMITS as MLLP_DEFAULT_LIMITS,
  type MllpConfig,
  MllpConfigError,
  type MllpLimits,
  type MllpSource,
  type MllpTls,
  parseMllpConfig,
  readMllpConfigFile,
} from "./mllp-config.ts";
export { type MllpServer, type MllpStats, startMllpServer } from "./mllp-server.ts";
export {
  countRejects,
  getReject,
  listRejects,
  payloadBytes,
  type RejectFilter,
  type RejectRow,
  rejectSources,
} from "./rejects.ts";
export {
  dismissReject,
  type OpenRejects,
  type OpenRejectsReplayed,
  openRejectIds,
  openRejects,
  type ReplayResult,
  replayOpenRejects,
  replayReject,
  replayRejects,
} from "./replay.ts";
export { type Pid2BareDigits, pid2BareDigitsOf, setPid2BareDigits } from "./sources.ts";
export type { PeopleTouched } from "./touched.ts";
