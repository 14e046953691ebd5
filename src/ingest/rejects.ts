import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import {
  arrayLiteral,
  CATALOGUE,
  type CopyValue,
  type Db,
  deferWrite,
  literal,
  type Queryable,
  runWrites,
  type Write,
} from "../store/index.ts";
import { copyUpsert } from "./canonical.ts";

// Rejects: everything that could not be accepted, with its raw payload, source, reason and time. Recording
// is idempotent on (source, format, origin key): the same bad line loaded twice is one reject, left as it was.

export type IngestFormat = "hl7" | "fhir" | "csv";

/** The marker of a payload kept as base64 (see `storedPayload`). */
export const BASE64_PAYLOAD = "base64:";

/**
 * How a payload is kept: as the text it is, when a text column can hold it; otherwise (a NUL byte, bytes that
 * are not UTF-8, or text that itself starts with the marker) as `base64:` and its exact bytes, so nothing
 * offered is lost or altered.
 */
export function storedPayload(payload: string | Buffer): string {
  const text = typeof payload === "string" ? payload : isUtf8(payload) ? payload.toString("utf8") : null;
  if (text !== null && !text.includes("\u0000") && !text.startsWith(BASE64_PAYLOAD)) return text;
  const bytes = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  return BASE64_PAYLOAD + bytes.toString("base64");
}

/** The exact bytes of a stored payload. */
export function payloadBytes(stored: string): Buffer {
  return stored.startsWith(BASE64_PAYLOAD)
    ? Buffer.from(stored.slice(BASE64_PAYLOAD.length), "base64")
    : Buffer.from(stored, "utf8");
}

export interface RejectInput {
  sourceSystem: string;
  format: IngestFormat;
  layout: string | null;
  origin: string;
  originKey: string;
  location: string | null;
  reason: string;
  /** The raw payload; bytes that are not text a column can hold are kept as base64 (`storedPayload`). */
  payload: string | Buffer;
  context?: string | null;
  loadId?: string | null;
  /** The batch of its chunk's refused rows it is kept in too (`recordRejectBatch`), if any. */
  batchId?: string | null;
}

const REJECT_COLUMNS =
  "reject_id, source_system, format, layout, origin, origin_key, location, reason, payload, context, load_id, batch_id";

// The same reject again (same source, format and key) is left as it was; a different payload or reason
// replaces the old one and reopens it (in the batch it was recorded with this time, if any). Its time is the new
// row's default (the transaction's now()): Citus refuses a function other than an IMMUTABLE one in ON CONFLICT's
// SET, even on a coordinator-local table.
const rejectOnConflict = (t: string) => `ON CONFLICT (source_system, format, origin_key) DO UPDATE SET
       reason = excluded.reason, location = excluded.location, payload = excluded.payload,
       context = excluded.context, load_id = excluded.load_id, received_at = excluded.received_at,
       attempts = ${t}.attempts + 1, status = 'open', resolved_at = NULL, resolved_by = NULL,
       batch_id = excluded.batch_id
     WHERE (${t}.payload, ${t}.reason, ${t}.status) IS DISTINCT FROM
           (excluded.payload, excluded.reason, 'open')`;
const REJECT_ON_CONFLICT = rejectOnConflict("ingest_reject");

function rejectValues(r: RejectInput): unknown[] {
  return [
    randomUUID(),
    r.sourceSystem,
    r.format,
    r.layout,
    r.origin,
    r.originKey,
    r.location,
    r.reason,
    storedPayload(r.payload),
    r.context ?? null,
    r.loadId ?? null,
    r.batchId ?? null,
  ];
}

/** Each reject written (recorded, or changed as recorded again): its id, by its key. */
export type WrittenRejects = Map<string, string>;

const RETURNING_KEYS = "RETURNING origin_key, reject_id::text AS reject_id";

function byKey(rows: { origin_key: string; reject_id: string }[]): WrittenRejects {
  return new Map(rows.map((r) => [r.origin_key, r.reject_id]));
}

export async function recordReject(q: Queryable, r: RejectInput): Promise<WrittenRejects> {
  const rows = await q.query<{ origin_key: string; reject_id: string }>(
    `INSERT INTO ingest_reject (${REJECT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ${REJECT_ON_CONFLICT} ${RETURNING_KEYS}`,
    rejectValues(r),
  );
  await markOpenSources(q, [r]);
  return byKey(rows);
}

/**
 * Notes that these rejects' sources have open rejects of their format (a reject recorded is open): what
 * `hasOpenRejects` reads. Only `forgetClosedRejectSources` takes a source off, once it has none open.
 */
async function markOpenSources(q: Queryable, rejects: readonly RejectInput[]): Promise<void> {
  const sources = new Map<string, [string, string]>();
  for (const r of rejects) sources.set(`${r.sourceSystem}\u0000${r.format}`, [r.sourceSystem, r.format]);
  const pairs = [...sources.values()];
  await q.query(
    `INSERT INTO ingest_reject_open_source (source_system, format)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}

/**
 * Many rejects in one statement, as recordReject would keep them one by one; of several with the same key,
 * the last is kept (one statement may not write a row twice).
 */
export async function recordRejects(q: Queryable, rejects: readonly RejectInput[]): Promise<WrittenRejects> {
  if (rejects.length <= 1) return rejects.length === 1 ? recordReject(q, rejects[0]) : new Map();
  const last = new Map<string, RejectInput>();
  for (const r of rejects) last.set(`${r.sourceSystem}\u0000${r.format}\u0000${r.originKey}`, r);
  const rows = [...last.values()].map(rejectValues);
  const columns = REJECT_COLUMNS.split(", ").map((_, c) => rows.map((row) => row[c]));
  const written = await q.query<{ origin_key: string; reject_id: string }>(
    `INSERT INTO ingest_reject (${REJECT_COLUMNS})
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::text[], $10::text[], $11::uuid[], $12::uuid[])
     ${REJECT_ON_CONFLICT} ${RETURNING_KEYS}`,
    columns,
  );
  await markOpenSources(q, rejects);
  return byKey(written);
}

const REJECT_COLUMN_SPECS = REJECT_COLUMNS.split(", ").map((name) => {
  const c = CATALOGUE.ingest_reject.columns.find((x) => x.name === name);
  if (!c) throw new Error(`ingest_reject has no column ${name}`);
  return c;
});

/**
 * A reject open on its own account, as a statement on `t` (ingest_reject) writes it: open, and not in a batch that
 * was replayed (whose open rejects were replayed with it: ingest_reject_state).
 */
export function openOwn(t: string): string {
  return `${t}.status = 'open' AND (${t}.batch_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM ingest_reject_batch b WHERE b.batch_id = ${t}.batch_id AND b.replayed_at IS NOT NULL))`;
}
const OPEN_OWN = openOwn("ingest_reject");

/**
 * These batches (of rejects changed on their own) are no longer whole: never replayed as a batch from now on, their
 * open rejects replayed one by one (1062_ingest_reject_batch.sql).
 */
export async function breakBatches(q: Queryable, batchIds: readonly (string | null)[]): Promise<void> {
  const ids = [...new Set(batchIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  await q.query("UPDATE ingest_reject_batch SET whole = false WHERE batch_id = ANY($1::uuid[]) AND whole", [
    ids,
  ]);
}

/** Rejects from which COPY is the faster way in. */
const COPY_FROM_REJECTS = 200;

/**
 * recordRejects through COPY (a staging table, then one INSERT ... SELECT with the same conflict handling), for
 * a chunk's thousands: building the statement's arrays cost more than twice as much in the loader.
 */
export async function copyRejects(q: Queryable, rejects: readonly RejectInput[]): Promise<WrittenRejects> {
  if (rejects.length < COPY_FROM_REJECTS) return recordRejects(q, rejects);
  const last = new Map<string, RejectInput>();
  for (const r of rejects) last.set(`${r.sourceSystem}\u0000${r.format}\u0000${r.originKey}`, r);
  const { changed } = await copyUpsert(
    q,
    "ingest_reject",
    REJECT_COLUMN_SPECS,
    [...last.values()].map(rejectValues) as CopyValue[][],
    rejectOnConflict("t"),
    // Each written reject's key and id, as one text (a reject id has no space in it).
    "origin_key || ' ' || reject_id",
  );
  await markOpenSources(q, rejects);
  const written: WrittenRejects = new Map();
  for (const c of changed ?? []) {
    const space = c.lastIndexOf(" ");
    written.set(c.slice(0, space), c.slice(space + 1));
  }
  return written;
}

/**
 * Whether a source may have an open reject of a format: one probe of ingest_reject_open_source, however many
 * rejects the source has had (status is in no index of ingest_reject, so that resolving a reject is a HOT
 * update). True may be stale until `forgetClosedRejectSources` has run; false never is.
 */
export async function hasOpenRejects(
  q: Queryable,
  sourceSystem: string,
  format: IngestFormat,
): Promise<boolean> {
  const open = await q.query(
    "SELECT 1 FROM ingest_reject_open_source WHERE source_system = $1 AND format = $2",
    [sourceSystem, format],
  );
  return open.length > 0;
}

/** PostgreSQL's lock_not_available: a lock not granted within lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Takes off ingest_reject_open_source the sources (and formats) that have no open reject left, after what may
 * have resolved their last one (a replay, a dismissal, a load that resolved some). The look is taken with every
 * writer of rejects held off (a SHARE lock on ingest_reject: it waits for those under way and holds off new
 * ones), so a reject recorded meanwhile is either seen or marks its source again after; a source whose writers
 * keep the lock from us for a second stays marked (which costs only look-ups, never a reject left open).
 */
export async function forgetClosedRejectSources(
  db: Db,
  sources: readonly { sourceSystem: string; format: IngestFormat }[],
): Promise<void> {
  const seen = new Set<string>();
  for (const { sourceSystem, format } of sources) {
    const key = `${sourceSystem}\u0000${format}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(await hasOpenRejects(db, sourceSystem, format))) continue;
    // The rejects in no batch, and those of batches not replayed: never the many a replayed batch resolved.
    const anyOpen = `SELECT 1 FROM ingest_reject WHERE source_system = $1 AND format = $2 AND batch_id IS NULL
                       AND status = 'open'
                     UNION ALL
                     SELECT 1 FROM ingest_reject_batch b JOIN ingest_reject r ON r.batch_id = b.batch_id
                     WHERE b.source_system = $1 AND $2 = 'csv' AND b.replayed_at IS NULL AND r.status = 'open'`;
    try {
      await db.transaction(async (tx) => {
        await tx.exec("SET LOCAL lock_timeout = '1s'");
        await tx.exec("LOCK TABLE ingest_reject IN SHARE MODE");
        await tx.query(
          `DELETE FROM ingest_reject_open_source WHERE source_system = $1 AND format = $2
             AND NOT EXISTS (${anyOpen})`,
          [sourceSystem, format],
        );
      });
    } catch (error) {
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
    }
  }
}

/** When a record that was once rejected is accepted (a resend, a replay), its reject is resolved: their ids. */
export async function resolveRejects(
  q: Queryable,
  sourceSystem: string,
  format: IngestFormat,
  originKeys: readonly string[],
  by: string,
  /** The caller has just seen that the source has open rejects (hasOpenRejects). */
  someOpen = false,
): Promise<string[]> {
  if (originKeys.length === 0) return [];
  // A whole chunk of keys is looked up only when the source has any open reject of that format at all (the
  // usual case on a clean feed is none: one look instead of one index probe per key).
  if (originKeys.length > 16 && !someOpen && !(await hasOpenRejects(q, sourceSystem, format))) return [];
  const rows = await q.query<{ reject_id: string; batch_id: string | null }>(
    `UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = $4
     WHERE source_system = $1 AND format = $2 AND origin_key = ANY($3::text[]) AND ${OPEN_OWN}
     RETURNING reject_id::text AS reject_id, batch_id::text AS batch_id`,
    [sourceSystem, format, originKeys, by],
  );
  await breakBatches(
    q,
    rows.map((r) => r.batch_id),
  );
  return rows.map((r) => r.reject_id);
}

/**
 * resolveRejects as a statement to send with other writes in one round trip (no ids come back). The keys are
 * looked up only when the source has an open reject of the format at all (a one-time filter: one index probe
 * on a clean feed).
 */
export function resolveRejectsText(
  sourceSystem: string,
  format: IngestFormat,
  originKeys: readonly string[],
  by: string,
): string {
  if (originKeys.length === 0) return "";
  const source = literal(sourceSystem, "text");
  const f = literal(format, "text");
  return `UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = ${literal(by, "text")}
     WHERE source_system = ${source} AND format = ${f} AND origin_key = ANY(${arrayLiteral(originKeys, "text")})
       AND ${OPEN_OWN}
       AND EXISTS (SELECT 1 FROM ingest_reject_open_source WHERE source_system = ${source} AND format = ${f});\n`;
}

/**
 * The origin key of an HL7 message's reject: its control id and payload hash, so each different message is its
 * own reject with its own payload (a sender reusing control ids never overwrites one reject with another),
 * while the same message refused twice is one.
 */
export interface ResolvedMessage {
  sourceSystem: string;
  controlId: string;
  sha: string;
  by: string;
}

export function hl7RejectKey(controlId: string, sha: string): string {
  return controlId ? `${controlId}#${sha.slice(0, 16)}` : `sha256:${sha}`;
}

/**
 * When a message is applied (a resend, a replay), its own reject is resolved: the one keyed by its control id and
 * payload hash. A different message that reused the control id keeps its reject open, to be seen.
 */
export async function resolveMessageRejects(
  q: Queryable,
  messages: readonly ResolvedMessage[],
): Promise<void> {
  await runWrites(q, [resolveMessageRejectsWrite(messages)]);
}

/** `resolveMessageRejects` as one write of a batch's runWrites (store/writes.ts), or null when there are none. */
export function resolveMessageRejectsWrite(messages: readonly ResolvedMessage[]): Write | null {
  if (messages.length === 0) return null;
  return {
    text: `UPDATE ingest_reject r SET status = 'replayed', resolved_at = now(), resolved_by = m.by
     FROM unnest($1::text[], $2::text[], $3::text[]) AS m(source_system, origin_key, by)
     WHERE r.source_system = m.source_system AND r.format = 'hl7' AND r.origin_key = m.origin_key
       AND r.status = 'open'`,
    params: [
      messages.map((m) => m.sourceSystem),
      messages.map((m) => hl7RejectKey(m.controlId, m.sha)),
      messages.map((m) => m.by),
    ],
  };
}

/** A stored reject: what was recorded, and how it has been dealt with since. */
export interface RejectRow extends Omit<RejectInput, "context" | "loadId" | "payload"> {
  rejectId: string;
  /** As stored: the text, or `base64:` and the bytes (a NUL byte, not UTF-8); `payloadBytes` gives the bytes. */
  payload: string;
  context: string | null;
  receivedAt: string;
  status: "open" | "replayed" | "dismissed";
  attempts: number;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** Why it was dismissed, as the person who dismissed it wrote. */
  resolutionNote: string | null;
}

type RawRow = Record<string, unknown>;

function toRejectRow(r: RawRow): RejectRow {
  return {
    rejectId: String(r.reject_id),
    sourceSystem: String(r.source_system),
    format: r.format as IngestFormat,
    layout: (r.layout as string | null) ?? null,
    origin: String(r.origin),
    originKey: String(r.origin_key),
    location: (r.location as string | null) ?? null,
    reason: String(r.reason),
    payload: String(r.payload),
    context: (r.context as string | null) ?? null,
    receivedAt: (r.received_at as Date).toISOString(),
    status: r.status as RejectRow["status"],
    attempts: Number(r.attempts),
    resolvedAt: r.resolved_at ? (r.resolved_at as Date).toISOString() : null,
    resolvedBy: (r.resolved_by as string | null) ?? null,
    resolutionNote: (r.resolution_note as string | null) ?? null,
    batchId: (r.batch_id as string | null) ?? null,
  };
}

export interface RejectFilter {
  sourceSystem?: string;
  status?: RejectRow["status"] | "all";
  /** Only rejects whose reason contains this text (any case). */
  reason?: string;
  limit?: number;
  offset?: number;
}

const COLUMNS = `reject_id::text AS reject_id, source_system, format, layout, origin, origin_key, location, reason,
            payload, context, received_at, status, attempts, resolved_at, resolved_by, resolution_note,
            batch_id::text AS batch_id`;

const FILTER = `($1::text IS NULL OR source_system = $1) AND ($2::text = 'all' OR status = $2)
       AND ($3::text IS NULL OR strpos(lower(reason), lower($3)) > 0)`;

function filterParams(f: RejectFilter) {
  return [f.sourceSystem ?? null, f.status ?? "open", f.reason?.trim() || null];
}

export async function listRejects(q: Queryable, f: RejectFilter = {}): Promise<RejectRow[]> {
  const rows = await q.query(
    `SELECT ${COLUMNS} FROM ingest_reject_state WHERE ${FILTER}
     ORDER BY received_at DESC, reject_id
     LIMIT $4 OFFSET $5`,
    [...filterParams(f), f.limit ?? 100, f.offset ?? 0],
  );
  return rows.map(toRejectRow);
}

/** The ids of every reject the filter matches (its limit and offset aside), oldest first: what a replay of them takes. */
export async function rejectIdsMatching(q: Queryable, f: RejectFilter = {}): Promise<string[]> {
  const rows = await q.query<{ reject_id: string }>(
    `SELECT reject_id::text AS reject_id FROM ingest_reject_state WHERE ${FILTER} ORDER BY received_at, reject_id DESC`,
    filterParams(f),
  );
  return rows.map((r) => r.reject_id);
}

/** How many rejects the filter matches (its limit and offset aside). */
export async function countRejects(q: Queryable, f: RejectFilter = {}): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT count(*) AS n FROM ingest_reject_state WHERE ${FILTER}`,
    filterParams(f),
  );
  return Number(rows[0].n);
}

/** The source systems that have ever had a reject, for choosing one. */
export async function rejectSources(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ source_system: string }>(
    "SELECT DISTINCT source_system FROM ingest_reject ORDER BY source_system",
  );
  return rows.map((r) => r.source_system);
}

export async function getReject(q: Queryable, rejectId: string): Promise<RejectRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(rejectId)) return null;
  const rows = await q.query(`SELECT ${COLUMNS} FROM ingest_reject_state WHERE reject_id = $1`, [rejectId]);
  return rows.length ? toRejectRow(rows[0]) : null;
}

/**
 * CSV rows kept by record id (`<layout>:<id>`) and open: what a replay can write as a load writes a file. Written
 * as a CASE so that no index can serve it: with the format as a plain condition, the planner (its statistics
 * behind a load of rejects) took the unique key's index for every CSV reject and read every page of rejects for
 * each chunk of 20,000 ids.
 */
const CSV_BY_RECORD = `${openOwn("ingest_reject")}
  AND CASE WHEN format = 'csv' THEN context IS NOT NULL AND starts_with(origin_key, layout || ':') ELSE false END`;

/**
 * The open CSV rejects kept by record id among these, marked replayed by `by` and read in the same statement, by
 * the file they came from: a replay claims a chunk's rejects in the transaction that writes their rows, so each is
 * visited once (read, then resolved by id, was two probes and two heap visits a reject), and a row refused again
 * reopens its reject in that transaction (`reopenRejects`). The others (open or not) are left as they are.
 */
export async function claimCsvRejects(
  q: Queryable,
  rejectIds: readonly string[],
  by: string,
): Promise<CsvClaimedFile[]> {
  if (rejectIds.length === 0) return [];
  // Found by the key, never by a sequential scan of every reject ever kept (costed on paper, a chunk's 20,000 ids
  // made it look cheaper, and it grew with the table); as a bitmap, so that each page of rejects is visited once,
  // in order (a probe per id visited a page once per reject on it, in the key's random order, and while a
  // replay's writes filled the shared buffers nearly every visit read the page again: 139,268 reads for 148,443
  // rejects). No JIT: 20,000 probes are costed above jit_above_cost, and compiling them cost 15 to 23 ms a
  // statement that the probes never won back. A reject's file (source, layout, name, header) comes only where it
  // changes from the row before (in the order the rows are claimed, so no sort): the same four strings on every
  // row were most of what the loader read.
  await deferWrite(q, "SET LOCAL enable_seqscan = off");
  await deferWrite(q, "SET LOCAL enable_indexscan = off");
  await deferWrite(q, "SET LOCAL jit = off");
  const rows = await q.query<{
    reject_id: string;
    location: string | null;
    payload: string;
    source_system: string | null;
    layout: string;
    origin: string;
    context: string;
    batch_id: string | null;
  }>(
    `WITH claimed AS (
       UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = $2
       WHERE reject_id = ANY($1::uuid[]) AND ${CSV_BY_RECORD}
       RETURNING reject_id, location, payload, source_system, layout, origin, context, batch_id
     ), marked AS (
       SELECT c.*, (source_system, layout, origin, context)
                   IS DISTINCT FROM lag((source_system, layout, origin, context)) OVER () AS new_file
       FROM claimed c
     )
     SELECT reject_id::text AS reject_id, location, payload, batch_id::text AS batch_id,
            CASE WHEN new_file THEN source_system END AS source_system,
            CASE WHEN new_file THEN layout END AS layout,
            CASE WHEN new_file THEN origin END AS origin,
            CASE WHEN new_file THEN context END AS context
     FROM marked`,
    [rejectIds, by],
  );
  await deferWrite(q, "SET LOCAL enable_seqscan TO DEFAULT");
  await deferWrite(q, "SET LOCAL enable_indexscan TO DEFAULT");
  await breakBatches(
    q,
    rows.map((r) => r.batch_id),
  );
  const files = new Map<string, CsvClaimedFile>();
  let file: CsvClaimedFile | undefined;
  for (const r of rows) {
    if (r.source_system !== null) {
      const of = { sourceSystem: r.source_system, layout: r.layout, origin: r.origin, context: r.context };
      file = files.get(csvFileKey(of));
      if (!file) {
        file = { ...of, rejects: [] };
        files.set(csvFileKey(of), file);
      }
    }
    (file as CsvClaimedFile).rejects.push({
      rejectId: r.reject_id,
      location: r.location,
      payload: r.payload,
    });
  }
  return [...files.values()];
}

/** The file CSV rejects came from. */
export interface CsvRejectFile {
  sourceSystem: string;
  layout: string;
  origin: string;
  /** The file's header line. */
  context: string;
}

/** A file's key: its rejects share a source, layout, name and header. */
export function csvFileKey(f: CsvRejectFile): string {
  return `${f.sourceSystem}\u0000${f.layout}\u0000${f.origin}\u0000${f.context}`;
}

/**
 * The CSV rejects a replay claimed of one file (`claimCsvRejects`): each its id, where its row was and the row as
 * stored (`storedPayload`). Nothing else of their sixteen columns is read.
 */
export interface CsvClaimedFile extends CsvRejectFile {
  rejects: { rejectId: string; location: string | null; payload: string }[];
}

/**
 * Rejects a replay claimed but cannot write as a file's rows (left to the one-by-one path): open again, as they were,
 * and out of their batch (a batch claimed whole was marked replayed).
 */
export async function releaseClaims(q: Queryable, rejectIds: readonly string[]): Promise<void> {
  if (rejectIds.length === 0) return;
  await q.query(
    `UPDATE ingest_reject SET status = 'open', resolved_at = NULL, resolved_by = NULL, batch_id = NULL
     WHERE reject_id = ANY($1::uuid[])`,
    [rejectIds],
  );
}

/** Rejects a replay claimed whose rows were refused again: open once more, one more attempt, with the new reason. */
export async function reopenRejects(
  q: Queryable,
  refused: readonly { rejectId: string; reason: string; location: string }[],
): Promise<void> {
  if (refused.length === 0) return;
  await deferWrite(q, "SET LOCAL enable_seqscan = off");
  await q.query(
    `UPDATE ingest_reject r SET status = 'open', resolved_at = NULL, resolved_by = NULL,
            attempts = r.attempts + 1, reason = u.reason, location = u.location, batch_id = NULL
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(reject_id, reason, location)
     WHERE r.reject_id = u.reject_id`,
    [refused.map((r) => r.rejectId), refused.map((r) => r.reason), refused.map((r) => r.location)],
  );
  await deferWrite(q, "SET LOCAL enable_seqscan TO DEFAULT");
}

/** Several rejects by id, in one query (those that exist). */
export async function getRejects(q: Queryable, rejectIds: readonly string[]): Promise<RejectRow[]> {
  const ids = rejectIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return [];
  const rows = await q.query(`SELECT ${COLUMNS} FROM ingest_reject_state WHERE reject_id = ANY($1::uuid[])`, [
    ids,
  ]);
  return rows.map(toRejectRow);
}
