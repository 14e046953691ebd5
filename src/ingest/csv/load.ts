import { statSync } from "node:fs";
import { basename } from "node:path";
import { Worker } from "node:worker_threads";
import { OnePlaceError, type OnePlaceErrorOptions } from "../../core/errors.ts";
import { type Db, isCitus, type Queryable } from "../../store/index.ts";
import { type EncodedLinked, isUniqueViolation, type LinkedWrite } from "../canonical.ts";
import { releaseHeld } from "../fhir/load.ts";
import { addCounts, addToLoad, emptyCounts, finishLoad, type LoadCounts, startLoad } from "../loads.ts";
import { type BatchedReject, batchable, recordRejectBatch } from "../reject-batches.ts";
import {
  copyRejects,
  forgetClosedRejectSources,
  hasOpenRejects,
  type RejectInput,
  reopenRejects,
  resolveRejects,
} from "../rejects.ts";
import { fileSha256, sourceOrg } from "../sources.ts";
import { type CsvSession, checkRow, type PendingReject, rejectableRow } from "./check.ts";
import { type CsvLayout, type CsvRow, detectLayout, layoutByName, type RowReject } from "./layouts.ts";
import type { PreparedChunk, PrepareInput, PrepareMessage } from "./prepare.ts";
import { parseCsvRecord, readCsv } from "./reader.ts";

// `oneplace ingest csv <file>`: a CSV extract in one of the documented layouts. The header is checked first
// (a missing column stops the load before anything is written); then each row is checked, and rows are
// written a chunk per transaction, so a record is loaded whole or not at all and a killed load, run again,
// skips what it already wrote. Rows that fail are kept as rejects naming file, line, column and problem.

export { type CsvSession, checkRow, type PendingReject };

export class CsvLoadError extends OnePlaceError {
  override readonly name = "CsvLoadError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "ingest.csv-load", message, options);
  }
}

export interface CsvLoadOptions {
  layout?: string;
  source?: string;
  org?: string;
  chunkRows?: number;
  onProgress?: (rows: number) => void;
  /** Replays: who asked, so accepted rows resolve their old rejects in their name. */
  replayedBy?: string;
  /**
   * Parse, check and encode a first load of activity on a thread of its own (prepare-worker.ts): by default for
   * a file of PARSE_THREAD_BYTES or more.
   */
  parseThread?: boolean;
  /**
   * The header's line number, 1 by default. A replay of one reject loads its header and row as a file of two
   * lines, numbered as they were in the file the row came from, so that a row refused again names its own line.
   */
  firstLine?: number;
}

/** The size from which a first load of activity is parsed on a thread of its own (starting one costs ~0.1 s). */
export const PARSE_THREAD_BYTES = 4 << 20;

/** The chunks after the header a threaded load checks and writes on the loading thread, while the other starts. */
const PARSED_HERE = 1;

export interface CsvLoadResult {
  loadId: string;
  layout: string;
  sourceSystem: string;
  counts: LoadCounts;
  rowsByTable: Record<string, number>;
  seconds: number;
  /** CPU time of the thread that parsed the file, when one did (ms): this process's CPU time counts it too. */
  parseThreadCpuMs?: number;
}

/**
 * How a load's activity chunks are written: `blind` (no look-up of stored rows) when no earlier load of the source's
 * layout stored any row, else `fresh`. Only a guess: a row stored after all (another path, a file repeating a
 * record) fails the chunk on the unique key and it is written again with `fresh` (writeChunk).
 */
export async function firstWrite(q: Queryable, sourceSystem: string, layout: string, loadId: string | null) {
  const earlier = await q.query(
    `SELECT 1 FROM ingest_load WHERE source_system = $1 AND format = 'csv' AND layout = $2
       AND load_id IS DISTINCT FROM $3::uuid AND (loaded > 0 OR status = 'running') LIMIT 1`,
    [sourceSystem, layout, loadId],
  );
  return earlier.length === 0 ? ("blind" as const) : ("fresh" as const);
}

export function checkHeader(header: string[], origin: string, layoutName?: string): CsvLayout {
  const clean = header.map((h) => h.trim());
  const layout = layoutName ? layoutByName(layoutName) : detectLayout(clean);
  if (!layout) {
    throw new CsvLoadError(
      layoutName
        ? `${origin}: no CSV layout called "${layoutName}"`
        : `${origin}:1: the header does not match any CSV layout; name one with --layout (see docs/formats/)`,
    );
  }
  const missing = layout.columns.filter((c) => c.required && !clean.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new CsvLoadError(
      `${origin}:1: the header lacks the ${layout.name} column(s) ${missing.join(", ")}`,
    );
  }
  const unknown = clean.filter((h) => !layout.columns.some((c) => c.name === h));
  if (unknown.length > 0) {
    throw new CsvLoadError(
      `${origin}:1: the header has column(s) the ${layout.name} layout does not define: ${unknown.join(", ")}`,
    );
  }
  const dupes = clean.filter((h, i) => clean.indexOf(h) !== i);
  if (dupes.length > 0)
    throw new CsvLoadError(`${origin}:1: the header repeats column(s) ${dupes.join(", ")}`);
  return layout;
}

function originKey(s: CsvSession, recordId: string | null, line: number): string {
  return recordId ? `${s.layout.name}:${recordId}` : `${s.sha}:${line}`;
}

/**
 * A chunk's rejects: those kept by record id also as one batch, which a replay of them all reads as a file
 * (reject-batches.ts); not a replay's of one reject, which is folded into the reject it replays.
 */
async function storeRejects(
  q: Queryable,
  s: CsvSession,
  rejects: PendingReject[],
  unlinked?: EncodedLinked,
): Promise<void> {
  const single: RejectInput[] = [];
  const batched: BatchedReject[] = [];
  for (const r of rejects) {
    const input: RejectInput = {
      sourceSystem: s.sourceSystem,
      format: "csv",
      layout: s.layout.name,
      origin: s.origin,
      originKey: originKey(s, r.recordId, r.line),
      location: `${s.origin}:${r.line}${r.column ? `:${r.column}` : ""}`,
      reason: r.reason,
      payload: r.raw,
      context: s.headerLine,
      loadId: s.loadId,
    };
    if (r.recordId && !s.replayedBy && batchable(input, r.raw))
      batched.push({ ...input, line: r.line, raw: r.raw });
    else single.push(input);
  }
  await copyRejects(q, single);
  await recordRejectBatch(q, batched, unlinked);
}

function asPending(s: CsvSession, r: RowReject): PendingReject {
  return {
    line: r.row.line,
    raw: r.row.raw,
    reason: r.reason.startsWith(s.origin)
      ? r.reason
      : `${s.origin}:${r.row.line}${r.column ? `:${r.column}` : ""}: ${r.reason}`,
    column: r.column,
    recordId: String(r.row.values[s.layout.recordIdColumn] ?? "") || null,
  };
}

export interface ChunkWritten {
  counts: LoadCounts;
  tables: Record<string, number>;
  /** The rejects the chunk's accepted rows resolved (committed). */
  resolved: string[];
  /** A replay's chunk: the rejects whose rows were refused again, with the reason each was given. */
  refused?: { rejectId: string; reason: string }[];
}

/**
 * A prepared chunk's rows, as the load checks them, from their records; or those on `lines` only, each with what
 * its reject names (rejectableRow).
 */
function rowsOf(s: CsvSession, p: PreparedChunk, lines?: ReadonlySet<number>): CsvRow[] {
  const rows: CsvRow[] = [];
  for (let i = 0; i < p.count; i++) {
    if (lines && !lines.has(p.lines[i])) continue;
    const raw = p.raws.slice(i === 0 ? 0 : p.rawEnds[i - 1], p.rawEnds[i]);
    const record = parseCsvRecord(raw, p.lines[i]);
    if (record && lines) {
      rows.push(rejectableRow(s, record.fields, p.lines[i], raw));
      continue;
    }
    const checked = record && checkRow(s, record.fields, p.lines[i], raw);
    if (!checked || !("row" in checked))
      throw new Error(
        `${s.origin}:${p.lines[i]}: a row checked on the parsing thread reads differently here`,
      );
    rows.push(checked.row);
  }
  return rows;
}

/**
 * One chunk written in a transaction the caller holds, as `write` says: its rows, its rejects, its load's counts.
 * A replay's chunk (its session `replaying`) has had its rejects claimed in that transaction (csv/replay.ts): a
 * row refused again reopens its own reject, and the others are the ones it resolved.
 */
export async function writeChunkIn(
  tx: Queryable,
  s: CsvSession,
  chunk: CsvRow[] | PreparedChunk,
  invalid: PendingReject[],
  write: LinkedWrite,
): Promise<ChunkWritten> {
  const prepared = Array.isArray(chunk) ? null : chunk;
  let made = Array.isArray(chunk) ? chunk : null;
  // A prepared chunk's rows are only made again here when it is not written blind, or some are rejected.
  const rowsNow = () => {
    made ??= rowsOf(s, prepared as PreparedChunk);
    return made;
  };
  const count = prepared ? prepared.count : (made as CsvRow[]).length;
  const ctx = { q: tx, sourceSystem: s.sourceSystem, orgCode: s.orgCode, write, keepEncoded: s.keepEncoded };
  const res =
    count === 0
      ? { loaded: 0, duplicates: 0, rejects: [], tables: {} }
      : prepared?.enc && write === "blind" && s.layout.applyEncoded
        ? await s.layout.applyEncoded(ctx, prepared.enc, (lines) => {
            const wanted = new Set(lines);
            return made ? made.filter((r) => wanted.has(r.line)) : rowsOf(s, prepared, wanted);
          })
        : await s.layout.apply(ctx, rowsNow());
  const all = [...invalid, ...res.rejects.map((r) => asPending(s, r))];
  let resolved: string[] = [];
  let refused: ChunkWritten["refused"];
  if (s.replaying)
    ({ resolved, refused } = await settleReplayed(tx, s, count, prepared, made, invalid, res.rejects));
  else {
    await storeRejects(tx, s, all, res.unlinked);
    // Whether the source has open rejects is asked once a load; then the load's own rejects are the only ones
    // that can have opened since.
    s.openRejects ??= await hasOpenRejects(tx, s.sourceSystem, "csv");
    if (all.length > 0) s.openRejects = true;
    // The accepted rows' keys are only made when the source has open rejects they could resolve (on a clean
    // feed there are none, and a key per row was a string per row for nothing).
    if (count > 0 && s.openRejects) {
      const rows = rowsNow();
      const rejectedIds = new Set(all.map((r) => r.recordId));
      const accepted = rows
        .map((r) => String(r.values[s.layout.recordIdColumn] ?? ""))
        .filter((id) => id && !rejectedIds.has(id))
        .map((id) => `${s.layout.name}:${id}`);
      resolved = await resolveRejects(tx, s.sourceSystem, "csv", accepted, s.replayedBy ?? "ingest", true);
    }
  }
  const counts: LoadCounts = {
    recordsRead: count + invalid.length,
    loaded: res.loaded,
    duplicates: res.duplicates,
    rejected: all.length,
    held: 0,
  };
  if (s.loadId) await addToLoad(tx, s.loadId, counts);
  return { counts, tables: res.tables, resolved, ...(refused ? { refused } : {}) };
}

/**
 * A replay's chunk after its rows are written: each row refused again (by its check, or as written) reopens the
 * reject it came from with the new reason; the rest, claimed as replayed, are what the chunk resolved.
 */
async function settleReplayed(
  tx: Queryable,
  s: CsvSession,
  count: number,
  prepared: PreparedChunk | null,
  made: CsvRow[] | null,
  invalid: PendingReject[],
  writeRejects: RowReject[],
): Promise<{ resolved: string[]; refused: { rejectId: string; reason: string }[] }> {
  const refused: { rejectId: string; reason: string; location: string }[] = [];
  const refuse = (rejectId: string | undefined, r: PendingReject) => {
    if (!rejectId) throw new Error(`${s.origin}:${r.line}: a replayed row without its reject`);
    refused.push({
      rejectId,
      reason: r.reason,
      location: `${s.origin}:${r.line}${r.column ? `:${r.column}` : ""}`,
    });
  };
  for (const r of invalid) refuse(r.rejectId, r);
  // A prepared chunk's rows are named by line (a replay's chunk has each line once: csv/replay.ts).
  const byLine = prepared?.rejectIds && writeRejects.length > 0 ? new Map<number, string>() : null;
  if (byLine && prepared?.rejectIds)
    for (let i = 0; i < count; i++) byLine.set(prepared.lines[i], prepared.rejectIds[i]);
  const refusedIds = new Set<string>();
  for (const r of writeRejects) {
    const rejectId = r.row.rejectId ?? byLine?.get(r.row.line);
    refuse(rejectId, asPending(s, r));
    refusedIds.add(rejectId as string);
  }
  await reopenRejects(tx, refused);
  const resolved: string[] = [];
  if (prepared?.rejectIds) {
    for (let i = 0; i < count; i++)
      if (!refusedIds.has(prepared.rejectIds[i])) resolved.push(prepared.rejectIds[i]);
  } else if (made) {
    for (const r of made) if (r.rejectId && !refusedIds.has(r.rejectId)) resolved.push(r.rejectId);
  }
  return { resolved, refused };
}

/** Writes one chunk in one transaction; a chunk the database refuses is retried row by row. */
export async function writeChunk(
  db: Db,
  s: CsvSession,
  chunk: CsvRow[] | PreparedChunk,
  invalid: PendingReject[],
): Promise<ChunkWritten> {
  try {
    let write: LinkedWrite = s.write ?? "fresh";
    for (;;) {
      try {
        return await db.transaction((tx) => writeChunkIn(tx, s, chunk, invalid, write));
      } catch (error) {
        // A key the chunk took for new was stored after all (before the load: look from now on; meanwhile, by
        // another load or this file's other chunk in flight: every row through ON CONFLICT).
        if (!isUniqueViolation(error) || write === "upsert") throw error;
        if (write === "blind") s.write = "fresh";
        write = write === "blind" ? "fresh" : "upsert";
      }
    }
  } catch (error) {
    const rows = Array.isArray(chunk) ? chunk : rowsOf(s, chunk);
    if (rows.length <= 1 && invalid.length === 0) {
      // One row the database refuses: keep it as a reject with the constraint it broke (never the values).
      const constraint = (error as { constraint?: string }).constraint;
      const refused = rows.map((r) =>
        asPending(s, {
          row: r,
          reason: `the database refused the row${constraint ? ` (${constraint})` : ""}`,
        }),
      );
      return db.transaction((tx) => writeChunkIn(tx, s, [], refused, "fresh"));
    }
    const total: ChunkWritten = { counts: emptyCounts(), tables: {}, resolved: [] };
    const parts = [
      ...rows.map((r) => ({ rows: [r], invalid: [] as PendingReject[] })),
      ...(invalid.length ? [{ rows: [] as CsvRow[], invalid }] : []),
    ];
    for (const part of parts) {
      const r = await writeChunk(db, s, part.rows, part.invalid);
      addCounts(total.counts, r.counts);
      for (const [t, n] of Object.entries(r.tables)) total.tables[t] = (total.tables[t] ?? 0) + n;
      for (const id of r.resolved) total.resolved.push(id);
    }
    return total;
  }
}

export async function loadCsvFile(
  db: Db,
  path: string,
  options: CsvLoadOptions = {},
): Promise<CsvLoadResult> {
  const started = performance.now();
  const origin = basename(path);
  const sha = await fileSha256(path);
  const chunkRows = options.chunkRows ?? 5000;
  let session: CsvSession | null = null;
  const inFlight: Promise<void>[] = [];
  const total = emptyCounts();
  const tables: Record<string, number> = {};
  let read = 0;
  let resolvedSome = false;
  const write = async (s: CsvSession, rows: CsvRow[] | PreparedChunk, invalid: PendingReject[]) => {
    // Activity chunks are independent of each other, so one is written while the next is read and checked
    // (and, on a server, two at once); people go through the MPI in file order, one chunk at a time.
    const readSoFar = read;
    const written = writeChunk(db, s, rows, invalid).then((r) => {
      if (r.resolved.length > 0) resolvedSome = true;
      addCounts(total, r.counts);
      for (const [t, n] of Object.entries(r.tables)) tables[t] = (tables[t] ?? 0) + n;
      options.onProgress?.(readSoFar);
    });
    written.catch(() => {}); // awaited below; this only stops it counting as unhandled meanwhile
    inFlight.push(written);
    const limit = s.layout.people ? 1 : db.engine === "postgres" ? 2 : 1;
    while (inFlight.length >= limit) await inFlight.shift();
  };
  let prepared: ReturnType<typeof preparedChunks> | null = null;
  let parsedHere = 0;
  try {
    for await (const batch of readCsv(path, chunkRows, undefined, options.firstLine)) {
      const rows: CsvRow[] = [];
      const invalid: PendingReject[] = [];
      let records = batch.records;
      if (!session) {
        const header = records[0];
        if (!header) {
          if (batch.problems.length > 0) throw new CsvLoadError(`${origin}:1: the header is not valid CSV`);
          continue;
        }
        records = records.slice(1);
        const layout = checkHeader(header.fields, origin, options.layout);
        const sourceSystem = options.source ?? layout.defaultSource;
        const orgCode = await sourceOrg(db, sourceSystem, options.org);
        if (layout.needsOrg && !orgCode) {
          throw new CsvLoadError(
            `${origin}: the ${layout.name} layout needs the organisation of source ${sourceSystem} (its ODS code): give it with --org`,
          );
        }
        const loadId = await startLoad(db, {
          sourceSystem,
          format: "csv",
          layout: layout.name,
          origin,
          fileSha256: sha,
        });
        session = {
          layout,
          sourceSystem,
          orgCode,
          origin,
          sha,
          header: header.fields.map((h) => h.trim()),
          headerLine: header.raw,
          loadId,
          write: await firstWrite(db, sourceSystem, layout.name, loadId),
          keepEncoded: db.engine === "postgres" && !isCitus(db),
        };
        const threaded =
          options.firstLine === undefined &&
          session.write === "blind" &&
          session.layout.encoder !== undefined &&
          !isCitus(db) &&
          (options.parseThread ?? statSync(path).size >= PARSE_THREAD_BYTES);
        // Starting the thread (loading its modules) takes a while: meanwhile this one checks and writes the
        // first chunk itself.
        if (threaded) prepared = preparedChunks(session, path, chunkRows, PARSED_HERE);
      }
      for (const r of records) {
        const checked = checkRow(session, r.fields, r.line, r.raw);
        if ("row" in checked) rows.push(checked.row);
        else invalid.push(checked.reject);
      }
      for (const p of batch.problems) {
        invalid.push({
          line: p.line,
          raw: p.raw,
          recordId: null,
          reason: `${origin}:${p.line}: not valid CSV: ${p.problem}`,
        });
      }
      read += records.length + batch.problems.length;
      if (rows.length === 0 && invalid.length === 0) continue;
      await write(session, rows, invalid);
      if (prepared && ++parsedHere >= PARSED_HERE) break;
    }
    if (prepared && session) {
      for await (const chunk of prepared.chunks) {
        read += chunk.read;
        if (chunk.count > 0 || chunk.invalid.length > 0) await write(session, chunk, chunk.invalid);
      }
    }
    await Promise.all(inFlight.splice(0));
    if (!session) throw new CsvLoadError(`${origin}: the file is empty (no header row)`);
    await finishLoad(db, session.loadId as string, "succeeded", tables);
    if (resolvedSome)
      await forgetClosedRejectSources(db, [{ sourceSystem: session.sourceSystem, format: "csv" }]);
    // People from this extract may be those FHIR resources were held for.
    if (session.layout.people) await releaseHeld(db, options.replayedBy);
  } catch (error) {
    if (session?.loadId)
      await finishLoad(db, session.loadId, "failed", tables, (error as Error).message).catch(() => {});
    throw error;
  } finally {
    await prepared?.stop();
  }
  return {
    loadId: session.loadId as string,
    layout: session.layout.name,
    sourceSystem: session.sourceSystem,
    counts: total,
    rowsByTable: tables,
    seconds: (performance.now() - started) / 1000,
    ...(prepared?.cpuMs === undefined ? {} : { parseThreadCpuMs: prepared.cpuMs }),
  };
}

/**
 * The file's chunks after its header and the `skip` after it, parsed, checked and encoded on a thread of its own
 * (prepare-worker.ts), started now; `stop` ends the thread (the load's end, or its failure).
 */
function preparedChunks(
  s: CsvSession,
  path: string,
  chunkRows: number,
  skip: number,
): { chunks: AsyncGenerator<PreparedChunk>; stop(): Promise<void>; cpuMs?: number } {
  const input: PrepareInput = {
    skip,
    path,
    chunkRows,
    layout: s.layout.name,
    sourceSystem: s.sourceSystem,
    orgCode: s.orgCode,
    origin: s.origin,
    sha: s.sha,
    header: s.header,
    headerLine: s.headerLine,
  };
  const worker = new Worker(new URL("./prepare-worker.ts", import.meta.url), { workerData: input });
  const queue: (PrepareMessage | Error)[] = [];
  let wake: (() => void) | null = null;
  const arrive = (m: PrepareMessage | Error) => {
    queue.push(m);
    wake?.();
  };
  worker.on("message", arrive);
  worker.on("error", arrive);
  worker.on("exit", (code) => arrive(new Error(`the CSV parsing thread stopped (exit code ${code})`)));
  const out = {
    cpuMs: undefined as number | undefined,
    chunks: taken(
      worker,
      queue,
      (w) => {
        wake = w;
      },
      (ms) => {
        out.cpuMs = ms;
      },
    ),
    stop: async () => {
      await worker.terminate();
    },
  };
  return out;
}

async function* taken(
  worker: Worker,
  queue: (PrepareMessage | Error)[],
  onWake: (wake: () => void) => void,
  onEnd: (cpuMs: number) => void,
): AsyncGenerator<PreparedChunk> {
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>(onWake);
      const m = queue.shift() as PrepareMessage | Error;
      if (m instanceof Error) throw m;
      if (m.kind === "end") {
        onEnd(m.cpuMicros / 1000);
        return;
      }
      worker.postMessage("more");
      yield m;
    }
  } finally {
    await worker.terminate();
  }
}
