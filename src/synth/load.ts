import { OnePlaceError, type OnePlaceErrorOptions, unavailable } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../store/index.ts";
import { signalWritten, tableNamed, truncateEmptyTables, withIndexesDeferred } from "../store/index.ts";
import { type SynthConfig, validateSynthConfig } from "./config.ts";
import { generateInParallel, type ParallelOptions, peopleToGenerate } from "./parallel.ts";
import { SOURCE_SYSTEM } from "./source-systems.ts";
import { ALL_SHAPES } from "./table-shapes.ts";

export interface SynthLoadResult {
  loadId: string;
  rowsByTable: Record<string, number>;
  seconds: number;
}

export interface SynthLoadProgress {
  peopleDone: number;
  /** People registered at the start plus those born or moving in during the history. */
  peopleTotal: number;
  /** Rows generated so far, by table (loading follows a few batches behind). */
  rowsByTable: ReadonlyMap<string, number>;
}

/** A table's rows go to the database at this many rows (see batchRows) or bytes, whichever comes first. */
const BATCH_BYTES = 8 << 20;
const PROGRESS_EVERY = 2000;
/** The statistics target of the embedded engine's ANALYZE after a load (PostgreSQL's default is 100). */
const EMBEDDED_LOAD_STATISTICS_TARGET = 30;

export class PlaceNotEmptyError extends OnePlaceError {
  override readonly name = "PlaceNotEmptyError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("conflict", "synth.place-not-empty", message, options);
  }
}

/**
 * Generates the synthetic place and loads it into a migrated, empty database: every table, reference data
 * included, in one transaction, so a failure or a killed process leaves no half-written place. A data_load
 * row records the attempt ('running' is committed first, then 'succeeded' or 'failed').
 *
 * Generation runs in worker threads (parallel.ts) that hand over chunks of COPY text in order, so generating
 * and loading overlap and generation uses every core; the rows are the same ones, in the same order, that
 * generatePlace() gives any other sink.
 */
export async function loadSyntheticPlace(
  db: Db,
  config: SynthConfig,
  onProgress?: (p: SynthLoadProgress) => void,
  options: ParallelOptions = {},
): Promise<SynthLoadResult> {
  validateSynthConfig(config);
  let existing: unknown[];
  try {
    existing = await db.query("SELECT 1 FROM person LIMIT 1");
  } catch (cause) {
    throw unavailable(
      "synth.unmigrated",
      `Cannot read the person table at ${db.location}: ${(cause as Error).message}. Migrate the database before loading a synthetic place.`,
      { cause },
    );
  }
  if (existing.length > 0) {
    throw new PlaceNotEmptyError(
      `The database at ${db.location} already holds people, so a synthetic place cannot be loaded into it. Use an empty database: a new ONEPLACE_HOME directory, or a DATABASE_URL pointing at an empty, migrated database.`,
    );
  }
  const loadId = newId();
  const places = config.places ?? 1;
  const description = `Synthetic ${places > 1 ? `region of ${places} places` : "place"}: seed ${JSON.stringify(config.seed)}, ${config.people} people registered${places > 1 ? " in each" : ""}, history ${config.historyStart} to ${config.historyEnd}`;
  await db.query(
    "INSERT INTO data_load (load_id, source_system, description, started_at, status) VALUES ($1, $2, $3, now(), 'running')",
    [loadId, SOURCE_SYSTEM.reference, description],
  );
  const started = performance.now();
  // PGlite copies fastest in batches of about 20,000 rows; a server takes larger ones in its stride.
  const batchRows = db.engine === "pglite" ? 20_000 : 40_000;
  const peopleTotal = peopleToGenerate(config);
  const generated = new Map<string, number>();
  let loaded: Map<string, number>;
  try {
    loaded = await db.transaction(async (tx) => {
      // Citus: dropping the indexes of distributed tables runs in parallel over many connections, after which
      // the transaction could no longer write the reference tables (organisation, ...); one connection a
      // worker keeps it able to. Elsewhere an unused setting, no cost.
      await tx.exec("SET LOCAL citus.multi_shard_modify_mode = 'sequential'");
      const tables = ALL_SHAPES.map((shape) => shape.name);
      // The embedded engine: new, empty files for the tables, so their rows and indexes skip the WAL (its
      // wal_level is minimal), and keys built once from the loaded rows, not row by row in random order. Rows
      // copied into those new files are written frozen (nobody else can see the database while it loads): the
      // first reads after the load (the care history, the summary's counts) would otherwise rewrite every
      // page of the place to set its rows' hint bits.
      const embedded = db.engine === "pglite";
      const truncated = new Set(embedded ? await truncateEmptyTables(tx, tables) : []);
      // And it takes the rows in COPY's binary format, made on the generating threads: its PostgreSQL runs on
      // this thread, where parsing text (every date, timestamp and UUID) was most of the load.
      const format = options.format ?? (embedded ? "binary" : "text");
      // The tables are empty (checked above), so their secondary indexes are built once at the end.
      return withIndexesDeferred(
        tx,
        tables,
        async () => {
          const rows = new Map<string, number>();
          const pending = new Map<string, { chunks: Uint8Array[]; rows: number; bytes: number }>();
          const copy = async (table: string) => {
            const p = pending.get(table);
            if (!p || p.rows === 0) return;
            const n = await tx.copyFrom(table, tableNamed(table).columnNames, p.chunks, {
              freeze: truncated.has(table),
              format,
            });
            rows.set(table, (rows.get(table) ?? 0) + n);
            pending.set(table, { chunks: [], rows: 0, bytes: 0 });
            await signalWritten(tx, table);
          };
          let peopleDone = 0;
          let reported = 0;
          for await (const chunk of generateInParallel(config, {
            yieldToMain: embedded,
            ...options,
            format,
          })) {
            for (const piece of chunk.pieces) {
              const p = pending.get(piece.table) ?? { chunks: [], rows: 0, bytes: 0 };
              p.chunks.push(piece.bytes);
              p.rows += piece.rows;
              p.bytes += piece.bytes.byteLength;
              pending.set(piece.table, p);
              generated.set(piece.table, (generated.get(piece.table) ?? 0) + piece.rows);
              if (p.rows >= batchRows || p.bytes >= BATCH_BYTES) await copy(piece.table);
            }
            // Reference rows are loaded before any person row: site and area rows refer to organisation rows.
            if (chunk.seq === 0) for (const table of pending.keys()) await copy(table);
            peopleDone += chunk.people;
            if (onProgress && (peopleDone - reported >= PROGRESS_EVERY || peopleDone === peopleTotal)) {
              reported = peopleDone;
              onProgress({ peopleDone, peopleTotal, rowsByTable: new Map(generated) });
            }
          }
          for (const table of pending.keys()) await copy(table);
          return rows;
        },
        { constraints: embedded },
      );
    });
  } catch (error) {
    await db
      .query("UPDATE data_load SET status = 'failed', finished_at = now() WHERE load_id = $1", [loadId])
      .catch(() => {});
    throw error;
  }
  const rowsByTable = Object.fromEntries([...loaded].sort((a, b) => a[0].localeCompare(b[0])));
  await db.query(
    "UPDATE data_load SET status = 'succeeded', finished_at = now(), rows_by_table = $2::jsonb WHERE load_id = $1",
    [loadId, JSON.stringify(rowsByTable)],
  );
  // Fresh statistics, so the first queries on the new place get sensible plans. On the embedded engine from a
  // smaller sample: at Thurrock's size the whole ANALYZE at PostgreSQL's default target (100) was 3.4 s of the
  // demo's start-up on its one thread, at 30 1.5 s; 9,000 rows a table (and 30 common values and histogram
  // buckets a column) still tell the planner each table's size and its columns' spread.
  await analyzeLoaded(db);
  // Registrations answer "registered at my practice" from their index alone once vacuumed; the embedded
  // engine has no autovacuum to do it later (a statement of its own: VACUUM runs outside a transaction).
  await db.exec("VACUUM registration");
  return { loadId, rowsByTable, seconds: (performance.now() - started) / 1000 };
}

/**
 * ANALYZE of what a synthetic step wrote (every table if none are named): on the embedded engine at the load's
 * smaller statistics target (see above), elsewhere at the server's.
 */
export async function analyzeLoaded(db: Db, tables: readonly string[] = []): Promise<void> {
  const analyze = tables.length > 0 ? tables.map((t) => `ANALYZE ${t}`).join("; ") : "ANALYZE";
  if (db.engine !== "pglite") {
    await db.exec(analyze);
    return;
  }
  await db.exec(`SET default_statistics_target = ${EMBEDDED_LOAD_STATISTICS_TARGET}`);
  try {
    await db.exec(analyze);
  } finally {
    await db.exec("RESET default_statistics_target");
  }
}
