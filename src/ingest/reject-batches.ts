import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import {
  breakBatches,
  type CsvClaimedFile,
  type CsvRejectFile,
  copyRejects,
  hasOpenRejects,
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
 * all together as one batch. A row whose reject is in an older batch moves to this one, and that batch is marked
 * not whole first (left with none of its rejects, it is deleted).
 */
export async function recordRejectBatch(q: Queryable, rejects: readonly BatchedReject[]): Promise<void> {
  if (rejects.length === 0) return;
  const first = rejects[0];
  // Of several with the same key, the last is kept (as recordRejects), in the file's order.
  const last = new Map<string, BatchedReject>();
  for (const r of rejects) last.set(r.originKey, r);
  const rows = [...last.values()].sort((a, b) => a.line - b.line);
  const keys = rows.map((r) => r.originKey);
  let older: string[] = [];
  if (await hasOpenRejects(q, first.sourceSystem, "csv")) {
    const found = await q.query<{ batch_id: string }>(
      `SELECT DISTINCT batch_id::text AS batch_id FROM ingest_reject
       WHERE source_system = $1 AND format = 'csv' AND origin_key = ANY($2::text[]) AND batch_id IS NOT NULL`,
      [first.sourceSystem, keys],
    );
    older = found.map((r) => r.batch_id);
    await breakBatches(q, older);
  }
  const batchId = randomUUID();
  const ids = await copyRejects(
    q,
    rows.map((r) => ({ ...r, batchId })),
  );
  const memberIds: string[] = [];
  const lines: number[] = [];
  const rowEnds: number[] = [];
  let text = "";
  for (const r of rows) {
    const id = ids.get(r.originKey);
    if (!id) continue;
    memberIds.push(id);
    lines.push(r.line);
    text += r.raw;
    rowEnds.push(text.length);
  }
  await q.query(
    `INSERT INTO ingest_reject_batch (batch_id, source_system, layout, origin, context, load_id, member_ids, lines,
                                      rows_text, row_ends)
     VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8::integer[], $9, $10::integer[])`,
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
    ],
  );
  if (older.length > 0)
    await q.query(
      `DELETE FROM ingest_reject_batch b WHERE b.batch_id = ANY($1::uuid[]) AND b.replayed_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM ingest_reject r WHERE r.batch_id = b.batch_id)`,
      [older],
    );
}

/** A whole batch not yet replayed: its file and its rejects. */
export interface WholeBatch extends CsvRejectFile {
  batchId: string;
  memberIds: string[];
}

/** The whole batches not yet replayed every reject of which is among these ids, oldest first. */
export async function wholeBatchesWithin(
  q: Queryable,
  rejectIds: ReadonlySet<string>,
): Promise<WholeBatch[]> {
  if (rejectIds.size === 0) return [];
  const rows = await q.query<{
    batch_id: string;
    source_system: string;
    layout: string;
    origin: string;
    context: string;
    member_ids: string[];
  }>(
    `SELECT batch_id::text AS batch_id, source_system, layout, origin, context, member_ids::text[] AS member_ids
     FROM ingest_reject_batch WHERE whole AND replayed_at IS NULL ORDER BY received_at, batch_id`,
  );
  return rows
    .filter((b) => b.member_ids.length > 0 && b.member_ids.every((id) => rejectIds.has(id)))
    .map((b) => ({
      batchId: b.batch_id,
      sourceSystem: b.source_system,
      layout: b.layout,
      origin: b.origin,
      context: b.context,
      memberIds: b.member_ids,
    }));
}

/**
 * A whole batch marked replayed by `by` and read in one statement, as the rejects of one file (each row with its
 * reject and line); null when it is no longer whole or was replayed meanwhile (its rejects then go one by one).
 */
export async function claimBatch(q: Queryable, batchId: string, by: string): Promise<CsvClaimedFile | null> {
  const rows = await q.query<{
    source_system: string;
    layout: string;
    origin: string;
    context: string;
    member_ids: string[];
    lines: number[];
    rows_text: string;
    row_ends: number[];
  }>(
    `UPDATE ingest_reject_batch SET replayed_at = now(), replayed_by = $2
     WHERE batch_id = $1 AND whole AND replayed_at IS NULL
     RETURNING source_system, layout, origin, context, member_ids::text[] AS member_ids, lines, rows_text, row_ends`,
    [batchId, by],
  );
  if (rows.length === 0) return null;
  const b = rows[0];
  const rejects: CsvClaimedFile["rejects"] = [];
  for (let i = 0; i < b.member_ids.length; i++) {
    rejects.push({
      rejectId: b.member_ids[i],
      location: `${b.origin}:${b.lines[i]}`,
      payload: b.rows_text.slice(i === 0 ? 0 : b.row_ends[i - 1], b.row_ends[i]),
    });
  }
  return { sourceSystem: b.source_system, layout: b.layout, origin: b.origin, context: b.context, rejects };
}
