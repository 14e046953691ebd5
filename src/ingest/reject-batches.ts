import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import type { EncodedLinked } from "./linked-encoder.ts";
import {
  breakBatches,
  type CsvClaimedFile,
  type CsvRejectFile,
  copyRejects,
  type RejectInput,
  storedPayload,
} from "./rejects.ts";

// Batches of CSV rejects (1062_ingest_reject_batch.sql): the rows a load's chunk refused that are kept by record id,
// each its own reject and all of them one batch, which a replay of every one of them reads and marks as one.

/** A row a CSV load refused, kept by record id: its reject, its line in the file and the row as the file had it. */
export interface BatchedReject extends RejectInput {
  line: number;
  raw: string;
}

/** Whether a refused row can be kept in a batch: a CSV row kept by record id whose text a column holds as it is. */
export function batchable(r: RejectInput, raw: string): boolean {
  return r.format === "csv" && Boolean(r.context) && storedPayload(raw) === raw;
}

/**
 * A chunk's refused rows (of one file: one source, layout, name and header), each recorded as its own reject and
 * those recorded now (new, or changed: a reject recorded again as it was is left as it was, in its batch) together as
 * one batch. A reject that moves here from an older batch leaves that batch not whole (deleted when left empty); one
 * of a batch that was replayed is first marked replayed on its own, as it was, so that being refused again reopens it.
 */
export async function recordRejectBatch(
  q: Queryable,
  rejects: readonly BatchedReject[],
  unlinked?: EncodedLinked,
): Promise<void> {
  if (rejects.length === 0) return;
  const first = rejects[0];
  // Of several with the same key, the last is kept (as recordRejects), in the file's order.
  const last = new Map<string, BatchedReject>();
  for (const r of rejects) last.set(r.originKey, r);
  const rows = [...last.values()].sort((a, b) => a.line - b.line);
  const keys = rows.map((r) => r.originKey);
  const older = await batchedBefore(q, first.sourceSystem, keys);
  const batchId = randomUUID();
  const written = await copyRejects(
    q,
    rows.map((r) => ({ ...r, batchId })),
  );
  const memberIds: string[] = [];
  const lines: number[] = [];
  const rowEnds: number[] = [];
  let text = "";
  for (const r of rows) {
    const id = written.get(r.originKey);
    if (!id) continue;
    memberIds.push(id);
    lines.push(r.line);
    text += r.raw;
    rowEnds.push(text.length);
  }
  const left = [
    ...new Set(keys.filter((k) => written.has(k) && older.has(k)).map((k) => older.get(k) as string)),
  ];
  await breakBatches(q, left);
  if (left.length > 0)
    await q.query(
      `DELETE FROM ingest_reject_batch b WHERE b.batch_id = ANY($1::uuid[]) AND b.replayed_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ingest_reject r WHERE r.batch_id = b.batch_id)`,
      [left],
    );
  if (memberIds.length === 0) return;
  const enc = unlinked ? encodedMembers(unlinked, lines) : null;
  await q.query(
    `INSERT INTO ingest_reject_batch (batch_id, source_system, layout, origin, context, load_id, member_ids, lines,
                                      rows_text, row_ends, encoded_as, encoded_at, encoded, encoded_ends, subjects,
                                      subject_ends)
     VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8::integer[], $9, $10::integer[], $11, $12, $13, $14::integer[],
             $15, $16::integer[])`,
    [
      batchId,
      first.sourceSystem,
      first.layout,
      first.origin,
      first.context,
      first.loadId ?? null,
      memberIds,
      lines,
      text,
      rowEnds,
      enc?.encodedAs ?? null,
      enc?.receivedAt ?? null,
      enc?.bytes ?? null,
      enc?.ends ?? null,
      enc?.subjects ?? null,
      enc?.subjectEnds ?? null,
    ],
  );
}

/** A batch's rows as their load encoded them, each member's where it was encoded. */
export interface MemberEncoding {
  /** encodingOf the layout they were encoded by. */
  encodedAs: string;
  /** The received_at stamped on rows that gave none. */
  receivedAt: string;
  bytes: Uint8Array;
  /** Where each member's bytes end; a member not encoded ends where the one before it did. */
  ends: number[];
  subjects: string;
  subjectEnds: number[];
}

/**
 * The members (on these lines, in order) among the encoded rows, as a batch keeps them; null when none is, or the
 * rows were not encoded by a declared layout.
 */
function encodedMembers(unlinked: EncodedLinked, lines: readonly number[]): MemberEncoding | null {
  if (!unlinked.encodedAs || !unlinked.receivedAt) return null;
  const at = new Map<number, number>();
  for (let i = 0; i < unlinked.lines.length; i++) at.set(unlinked.lines[i], i);
  const places = lines.map((line) => at.get(line) ?? -1);
  if (!places.some((i) => i >= 0)) return null;
  const src = unlinked.bytes;
  const e = unlinked.ends;
  let size = 0;
  for (const i of places) if (i >= 0) size += e[i] - (i === 0 ? 0 : e[i - 1]);
  const bytes = Buffer.allocUnsafeSlow(size);
  const ends: number[] = [];
  const subjectEnds: number[] = [];
  let subjects = "";
  let end = 0;
  for (const i of places) {
    if (i >= 0) {
      const from = i === 0 ? 0 : e[i - 1];
      bytes.set(src.subarray(from, e[i]), end);
      end += e[i] - from;
      subjects += unlinked.subjectIds[i];
    }
    ends.push(end);
    subjectEnds.push(subjects.length);
  }
  return {
    encodedAs: unlinked.encodedAs,
    receivedAt: unlinked.receivedAt,
    bytes,
    ends,
    subjects,
    subjectEnds,
  };
}

/**
 * The batches (not replayed) these keys' rejects are in now, by key; those of batches that were replayed are first
 * marked replayed on their own, as the batch left them (status, when and by whom), and leave it. Not looked for when
 * the source has never had a batch.
 */
async function batchedBefore(
  q: Queryable,
  sourceSystem: string,
  keys: string[],
): Promise<Map<string, string>> {
  const any = await q.query("SELECT 1 FROM ingest_reject_batch WHERE source_system = $1 LIMIT 1", [
    sourceSystem,
  ]);
  if (any.length === 0) return new Map();
  const rows = await q.query<{ origin_key: string; batch_id: string; replayed: boolean }>(
    `SELECT r.origin_key, r.batch_id::text AS batch_id, b.replayed_at IS NOT NULL AS replayed
     FROM ingest_reject r JOIN ingest_reject_batch b ON b.batch_id = r.batch_id
     WHERE r.source_system = $1 AND r.format = 'csv' AND r.origin_key = ANY($2::text[])`,
    [sourceSystem, keys],
  );
  const replayed = rows.filter((r) => r.replayed).map((r) => r.origin_key);
  if (replayed.length > 0)
    await q.query(
      `UPDATE ingest_reject r SET status = 'replayed', resolved_at = b.replayed_at, resolved_by = b.replayed_by,
              batch_id = NULL
       FROM ingest_reject_batch b
       WHERE b.batch_id = r.batch_id AND r.source_system = $1 AND r.format = 'csv' AND r.origin_key = ANY($2::text[])
         AND r.status = 'open'`,
      [sourceSystem, replayed],
    );
  return new Map(rows.filter((r) => !r.replayed).map((r) => [r.origin_key, r.batch_id]));
}

/** A whole batch not yet replayed: its file, how many rejects it keeps, and how its rows were kept encoded. */
export interface WholeBatch extends CsvRejectFile {
  batchId: string;
  rejects: number;
  encodedAs: string | null;
}

/**
 * The whole batches not yet replayed (of a source), oldest first: every reject each keeps is open, so each is among
 * a source's open rejects whole.
 */
export async function wholeBatchesOf(q: Queryable, sourceSystem?: string): Promise<WholeBatch[]> {
  const rows = await q.query<{
    batch_id: string;
    source_system: string;
    layout: string;
    origin: string;
    context: string;
    rejects: number;
    encoded_as: string | null;
  }>(
    `SELECT batch_id::text AS batch_id, source_system, layout, origin, context, cardinality(member_ids) AS rejects,
            encoded_as
     FROM ingest_reject_batch
     WHERE whole AND replayed_at IS NULL AND ($1::text IS NULL OR source_system = $1)
     ORDER BY received_at, batch_id`,
    [sourceSystem ?? null],
  );
  return rows.map((b) => ({
    batchId: b.batch_id,
    sourceSystem: b.source_system,
    layout: b.layout,
    origin: b.origin,
    context: b.context,
    rejects: Number(b.rejects),
    encodedAs: b.encoded_as,
  }));
}

/**
 * The open rejects (of a source) outside the whole batches not yet replayed, oldest first, as `rejectIdsMatching`
 * orders them: those in no batch, and those of batches no longer whole. Neither look reads a reject a whole batch
 * keeps, nor one a replayed batch resolved.
 */
export async function openRejectIdsOutsideBatches(q: Queryable, sourceSystem?: string): Promise<string[]> {
  const rows = await q.query<{ reject_id: string }>(
    `SELECT reject_id::text AS reject_id FROM (
       SELECT reject_id, received_at FROM ingest_reject
       WHERE ($1::text IS NULL OR source_system = $1) AND batch_id IS NULL AND status = 'open'
       UNION ALL
       SELECT r.reject_id, r.received_at FROM ingest_reject_batch b JOIN ingest_reject r ON r.batch_id = b.batch_id
       WHERE ($1::text IS NULL OR b.source_system = $1) AND NOT b.whole AND b.replayed_at IS NULL
         AND r.status = 'open'
     ) open ORDER BY received_at, reject_id DESC`,
    [sourceSystem ?? null],
  );
  return rows.map((r) => r.reject_id);
}

/** A replayed batch keeps no encoded copy of its rows: a replay never reads them again. */
const NOTHING_ENCODED = "encoded = NULL, encoded_ends = NULL, subjects = NULL, subject_ends = NULL";

/**
 * A whole batch marked replayed by `by` and read in one statement, as the rejects of one file (each row with its
 * reject and line); null when it is no longer whole or was replayed meanwhile (its rejects then go one by one).
 */
export async function claimBatch(q: Queryable, batchId: string, by: string): Promise<CsvClaimedFile | null> {
  // Its rows read after the mark, not returned by it: Citus takes no function but an IMMUTABLE one in RETURNING.
  const marked = await q.query<{ source_system: string; layout: string; origin: string; context: string }>(
    `UPDATE ingest_reject_batch SET replayed_at = now(), replayed_by = $2, ${NOTHING_ENCODED}
     WHERE batch_id = $1 AND whole AND replayed_at IS NULL
     RETURNING source_system, layout, origin, context`,
    [batchId, by],
  );
  const r = marked.length > 0 ? await batchRows(q, batchId) : null;
  if (!r) return null;
  const b = marked[0];
  const rejects: CsvClaimedFile["rejects"] = [];
  for (let i = 0; i < r.memberIds.length; i++) {
    rejects.push({
      rejectId: r.memberIds[i],
      location: `${b.origin}:${r.lines[i]}`,
      payload: r.rowsText.slice(i === 0 ? 0 : r.rowEnds[i - 1], r.rowEnds[i]),
    });
  }
  return { sourceSystem: b.source_system, layout: b.layout, origin: b.origin, context: b.context, rejects };
}

/**
 * A batch's rows as kept: its rejects, their lines, and the rows back to back, each ending at its `rowEnds`; with
 * them as their load encoded them, when read so and kept so.
 */
export interface BatchRows {
  memberIds: string[];
  lines: number[];
  rowsText: string;
  rowEnds: number[];
  encoding?: MemberEncoding | null;
}

/**
 * A batch's arrays as one text each, split here: the driver read an array of 20,000 as an array literal ten times as
 * slowly.
 */
const ROWS_AS_TEXT = `array_to_string(member_ids, ',') AS member_ids, array_to_string(lines, ',') AS lines,
       rows_text, array_to_string(row_ends, ',') AS row_ends`;
const ENCODING_AS_TEXT = `encoded_as, encoded_at, encoded, array_to_string(encoded_ends, ',') AS encoded_ends,
       subjects, array_to_string(subject_ends, ',') AS subject_ends`;
type RowsAsText = {
  member_ids: string;
  lines: string;
  rows_text: string;
  row_ends: string;
  encoded_as?: string | null;
  encoded_at?: string | null;
  encoded?: Uint8Array | null;
  encoded_ends?: string | null;
  subjects?: string | null;
  subject_ends?: string | null;
};

const numbers = (text: string) => (text === "" ? [] : text.split(",").map(Number));

function fromText(b: RowsAsText): BatchRows {
  return {
    memberIds: b.member_ids === "" ? [] : b.member_ids.split(","),
    lines: numbers(b.lines),
    rowsText: b.rows_text,
    rowEnds: numbers(b.row_ends),
    encoding:
      b.encoded_as && b.encoded_at && b.encoded
        ? {
            encodedAs: b.encoded_as,
            receivedAt: b.encoded_at,
            bytes: b.encoded,
            ends: numbers(b.encoded_ends ?? ""),
            subjects: b.subjects ?? "",
            subjectEnds: numbers(b.subject_ends ?? ""),
          }
        : null,
  };
}

/**
 * A batch's rows, read ahead of its replay (what is read never changes; whether it is whole is asked at the mark);
 * `encoded`: with them as their load encoded them, if it kept them so.
 */
export async function batchRows(q: Queryable, batchId: string, encoded = false): Promise<BatchRows | null> {
  const rows = await q.query<RowsAsText>(
    `SELECT ${ROWS_AS_TEXT}${encoded ? `, ${ENCODING_AS_TEXT}` : ""} FROM ingest_reject_batch WHERE batch_id = $1`,
    [batchId],
  );
  return rows.length === 0 ? null : fromText(rows[0]);
}

/** Marks a whole batch replayed by `by`; false when it is no longer whole or was replayed meanwhile. */
export async function markBatchReplayed(q: Queryable, batchId: string, by: string): Promise<boolean> {
  const rows = await q.query(
    `UPDATE ingest_reject_batch SET replayed_at = now(), replayed_by = $2, ${NOTHING_ENCODED}
     WHERE batch_id = $1 AND whole AND replayed_at IS NULL RETURNING 1`,
    [batchId, by],
  );
  return rows.length > 0;
}
