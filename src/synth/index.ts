// The synthetic place generator, used by the cli, tests and benchmarks: generate a place, write it as feeds
// or files, load it, and check it against its calibration.

export { calibrationReport, formatCalibrationReport } from "./calibration.ts";
export { type CareHistoryResult, loadCareHistory } from "./care-history.ts";
export {
  type CareRelationshipsResult,
  loadCareRelationships,
  localityTeamCode,
  practiceTeamCode,
  SERVICE_TEAMS,
} from "./care-relationships.ts";
export { DEFAULT_SYNTH_CONFIG, MAX_PLACES, type SynthConfig, validateSynthConfig } from "./config.ts";
export {
  DEMO_USERS,
  type DemoCitizenChoice,
  type DemoIdentities,
  type DemoUser,
  demoCitizens,
  prepareDemoPasswords,
  seedDemoIdentities,
} from "./demo-identities.ts";
export { type DamagedRecord, writeFeeds } from "./feeds/write-feeds.ts";
export { writeSyntheticPlace } from "./file-sink.ts";
export { generatePlace } from "./generate.ts";
export { loadSyntheticPlace, PlaceNotEmptyError, type SynthLoadResult } from "./load.ts";
export { defaultGenerationWorkers, type GeneratedChunk, generateInParallel } from "./parallel.ts";
