// The store's public face for the capabilities: the Db over two engines, migrations, bulk loading, advisory
// locks and the one SQL toolkit. Faces (web, cli, api) do not import the store: they use src/platform.

export { analyzeGrownTables, BULK_LOADED_TABLES } from "./analyze.ts";
export { BulkLoader, type BulkLoaderOptions } from "./bulk-loader.ts";
export {
  CANONICAL_TABLES,
  CATALOGUE,
  type CanonicalName,
  type Column,
  type ColumnName,
  type CopyRow,
  isTableName,
  PROVENANCE_COLUMNS,
  type Row as TableRow,
  TABLES,
  type Table,
  type TableName,
  tableNamed,
} from "./catalogue.ts";
export { type BinaryShape, COPY_BINARY_HEADER, CopyBinaryWriter } from "./copy-binary.ts";
export {
  type CopyValue,
  CopyWriter,
  encodeCopyRow,
  encodeCopyValue,
  encodeNamedRow,
  type NamedRow,
  type TableShape,
} from "./copy-format.ts";
export {
  type CopyOptions,
  DatabaseError,
  type Db,
  deferWrite,
  type EngineName,
  type Queryable,
  quoteIdent,
  type Row,
} from "./db.ts";
export { truncateEmptyTables, withIndexesDeferred } from "./deferred-indexes.ts";
export { GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
export { GroupedLookup } from "./grouped-lookup.ts";
export { GroupedStatements, groupedText } from "./grouped-statements.ts";
export {
  type CitusStatus,
  citusStatus,
  citusVersion,
  type DistributeStep,
  declaredLayout,
  distribute,
  isCitus,
  type Layout,
  onCitus,
  type TableLayout,
} from "./layout.ts";
export { LOCK_BUCKETS, lockKey, lockNames } from "./locks.ts";
export {
  discoverMigrations,
  type Migration,
  type MigrationStatus,
  migrate,
  migrationStatus,
} from "./migrate.ts";
export {
  keepNhsNumberRoutes,
  nhsNumbersHeld,
  peopleHoldingNhsNumber,
  peopleHoldingNhsNumbers,
  withNhsNumberRoutes,
} from "./nhs-number-routes.ts";
export { openDb, pgliteDataDir, type StoreConfig, storeConfigFromEnv } from "./open.ts";
export {
  PipelinedCommit,
  type PipelinedCommitOptions,
  PreviousBatchFailed,
  type Turn,
} from "./pipelined-commit.ts";
export { EVENT_TABLES, isPlaceEmpty, type PlaceSummary, placeSummary } from "./place-summary.ts";
export { genericPlans, isPrepared, type PreparedStatement, prepared, preparedText } from "./prepared.ts";
export {
  arrayLiteral,
  type ColumnSpec,
  cols,
  float8,
  InlineParams,
  ident,
  insertMany,
  insertText,
  joinSql,
  literal,
  run,
  SqlFragment,
  SqlIdentifier,
  SqlParams,
  type Statement,
  sql,
  textLiteral,
  toColumns,
  unnestSelect,
  valuesList,
} from "./sql.ts";
export { beginTableReplacement, replaceTableContents, type TableReplacement } from "./table-swap.ts";
export { insertWrite, runWrites, type Write } from "./writes.ts";
