import type { EncodedLinked } from "../linked-encoder.ts";
import type { BatchRows } from "../reject-batches.ts";
import { type CheckedLayout, type CsvSession, checkRow, type PendingReject } from "./check.ts";
import type { CsvRow } from "./layouts.ts";
import type { PreparedChunk } from "./prepare.ts";
import { parseCsvRecord } from "./reader.ts";

// Replayed rows checked again as a load checks a file's rows, on the loading thread (csv/replay.ts) or a replay's
// preparing thread (replay-prepare.ts): one loop for both, so that a batch checked on either is written alike.

/** A replayed row: its record's text, its line in the file, and the reject it came from. */
export interface ReplayedRow {
  text: string;
  line: number;
  rejectId: string;
}

/** A batch's rows, each as a replayed row. */
export function rowsOfBatch(batch: BatchRows): ReplayedRow[] {
  return batch.memberIds.map((rejectId, i) => ({
    text: batch.rowsText.slice(i === 0 ? 0 : batch.rowEnds[i - 1], batch.rowEnds[i]),
    line: batch.lines[i],
    rejectId,
  }));
}

/** An encoder of checked rows for a blind write (`linkedEncoder`). */
export interface RowEncoder {
  add(row: CsvRow): void;
  take(): EncodedLinked | null;
}

export interface ReplayChecked {
  /** The rows that passed, each with its reject: as rows, or encoded as they were checked (`encoder` given). */
  chunk: CsvRow[] | PreparedChunk;
  /** Rows refused by their check, each naming its reject. */
  invalid: PendingReject[];
  /** The rejects whose text is no longer one CSV record. */
  unwritable: string[];
}

/**
 * Rows checked in the order given; with an encoder, each that passes is encoded as it is checked, as a first load's
 * parsing thread encodes them, so that none outlives its turn.
 */
export function checkReplayed(
  s: CsvSession<CheckedLayout>,
  replayed: readonly ReplayedRow[],
  encoder?: RowEncoder,
): ReplayChecked {
  const rows: CsvRow[] = [];
  const invalid: PendingReject[] = [];
  const unwritable: string[] = [];
  const raws: string[] = [];
  const rawEnds = new Int32Array(replayed.length);
  const lines = new Int32Array(replayed.length);
  const rejectIds: string[] = [];
  let rawsLength = 0;
  for (const r of replayed) {
    const record = parseCsvRecord(r.text, r.line);
    if (!record) {
      unwritable.push(r.rejectId);
      continue;
    }
    const checked = checkRow(s, record.fields, r.line, record.raw);
    if (!("row" in checked)) {
      checked.reject.rejectId = r.rejectId;
      invalid.push(checked.reject);
    } else if (encoder) {
      encoder.add(checked.row);
      raws.push(record.raw);
      rawsLength += record.raw.length;
      rawEnds[rejectIds.length] = rawsLength;
      lines[rejectIds.length] = r.line;
      rejectIds.push(r.rejectId);
    } else {
      checked.row.rejectId = r.rejectId;
      rows.push(checked.row);
    }
  }
  if (!encoder) return { chunk: rows, invalid, unwritable };
  const count = rejectIds.length;
  const enc = encoder.take();
  const chunk: PreparedChunk = {
    kind: "chunk",
    read: count + invalid.length,
    invalid,
    count,
    enc: count > 0 ? enc : null,
    raws: raws.join(""),
    rawEnds: rawEnds.subarray(0, count),
    lines: lines.subarray(0, count),
    rejectIds,
  };
  return { chunk, invalid, unwritable };
}
