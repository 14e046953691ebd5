// The faces' one door to the database: open it, migrate it, say what it holds. A face (web, CLI, API) holds
// the handle only to pass it to capabilities; it never runs SQL itself, and personal data reaches it only
// through the governance reader. Faces may not import src/store directly (a lint rule says so).
export {
  analyzeGrownTables,
  type CitusStatus,
  citusStatus,
  DatabaseError,
  type Db,
  discoverMigrations,
  distribute,
  isPlaceEmpty,
  migrate,
  migrationStatus,
  openDb,
  type PlaceSummary,
  pgliteDataDir,
  placeSummary,
  type Queryable,
  type StoreConfig,
  storeConfigFromEnv,
} from "../store/index.ts";
