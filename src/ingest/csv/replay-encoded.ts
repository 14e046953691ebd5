import { type EncodedLinked, pickEncoded, restamp } from "../linked-encoder.ts";
import type { BatchRows } from "../reject-batches.ts";
import type { CsvSession } from "./check.ts";
import { LINKED_DECLARATIONS } from "./declarations.ts";
import { encodingOf } from "./declare.ts";
import type { PreparedChunk } from "./prepare.ts";
import { checkReplayed, type ReplayedRow } from "./replay-check.ts";
import type { ReplayPrepared } from "./replay-prepare.ts";

// A replay's batch prepared from the rows its first load kept encoded (reject-batches.ts), on the loading thread:
// nothing is parsed, checked or encoded again but the few rows its load refused by their check, which are refused
// again as they were (their check reads nothing but the row and the layout). A batch encoded otherwise than its
// layout encodes rows now is checked again from its text on a preparing thread (replay-prepare.ts), as before, and
// so is every batch where none is kept encoded (CsvSession's keepEncoded: the embedded engine, Citus).

/** Whether a batch's kept encoding is its layout's as it is now (`encodedAs`: encodingOf when it was kept). */
export function encodedAsNow(layout: string, encodedAs: string | null | undefined): boolean {
  const decl = LINKED_DECLARATIONS.get(layout);
  return Boolean(decl && encodedAs && encodedAs === encodingOf(decl));
}

/**
 * A batch made ready for its blind write from the rows its load encoded, their received_at restamped as now where
 * their load stamped its own time; null when it must be checked again (nothing kept, kept under another encoding, or
 * a row its load refused by its check now passes it).
 */
export function preparedFromEncoding(s: CsvSession, rows: BatchRows): ReplayPrepared | null {
  const e = rows.encoding;
  if (!e || !encodedAsNow(s.layout.name, e.encodedAs)) return null;
  const all: EncodedLinked = {
    table: s.layout.table as EncodedLinked["table"],
    given: 0,
    bytes: e.bytes,
    ends: Int32Array.from(e.ends),
    lines: Int32Array.from(rows.lines),
    subjectIds: e.subjectEnds.map((end, i) => e.subjects.slice(i === 0 ? 0 : e.subjectEnds[i - 1], end)),
  };
  const at: number[] = [];
  const others: ReplayedRow[] = [];
  const rowText = (i: number) => rows.rowsText.slice(i === 0 ? 0 : rows.rowEnds[i - 1], rows.rowEnds[i]);
  for (let i = 0; i < rows.memberIds.length; i++) {
    if (all.ends[i] > (i === 0 ? 0 : all.ends[i - 1])) at.push(i);
    else others.push({ text: rowText(i), line: rows.lines[i], rejectId: rows.memberIds[i] });
  }
  const checked = checkReplayed(s, others);
  if ((checked.chunk as unknown[]).length > 0) return null;
  const whole = at.length === rows.memberIds.length;
  const enc = whole ? all : pickEncoded(all, at);
  enc.given = at.length;
  restamp(enc.table, enc.bytes, enc.ends, e.receivedAt, new Date().toISOString());
  let raws = rows.rowsText;
  let rawEnds = Int32Array.from(rows.rowEnds);
  if (!whole) {
    raws = at.map(rowText).join("");
    let end = 0;
    rawEnds = Int32Array.from(at, (i) => (end += rows.rowEnds[i] - (i === 0 ? 0 : rows.rowEnds[i - 1])));
  }
  const chunk: PreparedChunk = {
    kind: "chunk",
    read: at.length + checked.invalid.length,
    invalid: checked.invalid,
    count: at.length,
    enc: at.length > 0 ? enc : null,
    raws,
    rawEnds,
    lines: enc.lines,
    rejectIds: whole ? rows.memberIds : at.map((i) => rows.memberIds[i]),
  };
  return { id: -1, chunk, unwritable: checked.unwritable };
}
