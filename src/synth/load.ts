import { Worker } from "node:worker_threads";
import { OnePlaceError, type OnePlaceErrorOptions, unavailable } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../store/index.ts";
import { tableNamed, withIndexesDeferred } from "../store/index.ts";
import { type SynthConfig, validateSynthConfig } from "./config.ts";
import type { WorkerInput, WorkerMessage } from "./load-worker.ts";
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

export class PlaceNotEmptyError extends OnePlaceError {
  override readonly name = "PlaceNotEmptyError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("conflict", "synth.place-not-empty", message, options);
  }
}

type Batch = Extract<WorkerMessage, { type: "batch" }>;

/**
 * The batches a generating worker sends, in order, as an async iterable; it throws if the worker fails.
 * Progress messages go straight to the caller's callback.
 */
function batchesFrom(
  worker: Worker,
  onProgress: ((p: SynthLoadProgress) => void) | undefined,
): AsyncIterable<Batch> {
  const queue: Batch[] = [];
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on("message", (message: WorkerMessage) => {
    if (message.type === "batch") queue.push(message);
    else if (message.type === "progress") {
      onProgress?.({
        peopleDone: message.peopleDone,
        peopleTotal: message.peopleTotal,
        rowsByTable: new Map(Object.entries(message.rowsByTable)),
      });
    } else if (message.type === "done") done = true;
    else {
      failure = new Error(message.message);
      if (message.stack) failure.stack = message.stack;
    }
    notify();
  });
  worker.on("error", (error) => {
    failure = error;
    notify();
  });
  worker.on("exit", (code) => {
    if (!done && !failure) failure = new Error(`The generator stopped unexpectedly (exit code ${code})`);
    notify();
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (failure) throw failure;
        const next = queue.shift();
        if (next) yield next;
        else if (done) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/**
 * Generates the synthetic place and loads it into a migrated, empty database: every table, reference data
 * included, in one transaction, so a failure or a killed process leaves no half-written place. A data_load
 * row records the attempt ('running' is committed first, then 'succeeded' or 'failed').
 *
 * Generation runs in a worker thread that hands over batches of COPY text, so generating and loading
 * overlap; the rows are the same ones generatePlace() gives any other sink.
 */
export async function loadSyntheticPlace(
  db: Db,
  config: SynthConfig,
  onProgress?: (p: SynthLoadProgress) => void,
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
  const input: WorkerInput = { config, batchRows: db.engine === "pglite" ? 20_000 : 40_000 };
  // A bounded heap makes the worker collect garbage early instead of growing towards the machine's memory.
  const worker = new Worker(new URL("./load-worker.ts", import.meta.url), {
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: 768 },
  });
  let loaded: Map<string, number>;
  try {
    loaded = await db.transaction(async (tx) => {
      // Citus: dropping the indexes of distributed tables runs in parallel over many connections, after which
      // the transaction could no longer write the reference tables (organisation, ...); one connection a
      // worker keeps it able to. Elsewhere an unused setting, no cost.
      await tx.exec("SET LOCAL citus.multi_shard_modify_mode = 'sequential'");
      // The tables are empty (checked above), so their secondary indexes are built once at the end.
      return withIndexesDeferred(
        tx,
        ALL_SHAPES.map((shape) => shape.name),
        async () => {
          const rows = new Map<string, number>();
          const utf8 = new TextDecoder();
          for await (const batch of batchesFrom(worker, onProgress)) {
            const n = await tx.copyFrom(batch.table, tableNamed(batch.table).columnNames, [
              utf8.decode(batch.bytes),
            ]);
            rows.set(batch.table, (rows.get(batch.table) ?? 0) + n);
            worker.postMessage("ack");
          }
          return rows;
        },
      );
    });
  } catch (error) {
    await db
      .query("UPDATE data_load SET status = 'failed', finished_at = now() WHERE load_id = $1", [loadId])
      .catch(() => {});
    throw error;
  } finally {
    await worker.terminate();
  }
  const rowsByTable = Object.fromEntries([...loaded].sort((a, b) => a[0].localeCompare(b[0])));
  await db.query(
    "UPDATE data_load SET status = 'succeeded', finished_at = now(), rows_by_table = $2::jsonb WHERE load_id = $1",
    [loadId, JSON.stringify(rowsByTable)],
  );
  // Fresh statistics, so the first queries on the new place get sensible plans.
  await db.exec("ANALYZE");
  // Registrations answer "registered at my practice" from their index alone once vacuumed; the embedded
  // engine has no autovacuum to do it later (a statement of its own: VACUUM runs outside a transaction).
  await db.exec("VACUUM registration");
  return { loadId, rowsByTable, seconds: (performance.now() - started) / 1000 };
}
