import { parentPort, workerData } from "node:worker_threads";
import type { EncodedLinked } from "../canonical.ts";
import { layoutByName } from "./layouts.ts";
import { type CsvSession, checkRow, type PendingReject } from "./load.ts";
import { readCsv } from "./reader.ts";

// A first load's parsing, checking and encoding, on a thread of its own (load.ts's preparedChunks): the file read
// past its header, each chunk's records checked as the load checks them and its rows encoded for a blind write
// (EncodedLinked), so the loading thread only looks up the people and streams the COPY. Two chunks at most wait
// to be taken, so a slow database holds the reading back.

export interface PrepareInput {
  path: string;
  chunkRows: number;
  layout: string;
  sourceSystem: string;
  orgCode: string | null;
  origin: string;
  sha: string;
  header: string[];
  headerLine: string;
}

/** A chunk ready to write: its rejects, its rows encoded (null: write them as rows), and the rows as read. */
export interface PreparedChunk {
  kind: "chunk";
  /** Records and problems read. */
  read: number;
  invalid: PendingReject[];
  /** How many rows passed their checks (the rows `raws` holds). */
  count: number;
  enc: EncodedLinked | null;
  /** The rows' records as written, back to back, each ending at its `rawEnds`, from `lines`. */
  raws: string;
  rawEnds: Int32Array;
  lines: Int32Array;
}

export type PrepareMessage = PreparedChunk | { kind: "end" };

const input = workerData as PrepareInput;
const port = parentPort;
if (!port) throw new Error("prepare-worker.ts runs as a worker thread");
const layout = layoutByName(input.layout);
if (!layout?.encode) throw new Error(`CSV layout ${input.layout} has no encoded write`);
const s: CsvSession = { ...input, layout, loadId: null };

let credit = 2;
let wake: (() => void) | null = null;
port.on("message", () => {
  credit++;
  wake?.();
});

let header = true;
for await (const batch of readCsv(input.path, input.chunkRows)) {
  // The loading thread read the header (the first batch with a record); problems before it come after it.
  if (header) {
    if (batch.records.length > 0) header = false;
    continue;
  }
  const invalid: PendingReject[] = [];
  const rows = [];
  let raws = "";
  const rawEnds = new Int32Array(batch.records.length);
  const lines = new Int32Array(batch.records.length);
  for (const r of batch.records) {
    const checked = checkRow(s, r.fields, r.line, r.raw);
    if ("row" in checked) {
      raws += r.raw;
      rawEnds[rows.length] = raws.length;
      lines[rows.length] = r.line;
      rows.push(checked.row);
    } else invalid.push(checked.reject);
  }
  for (const p of batch.problems) {
    invalid.push({
      line: p.line,
      raw: p.raw,
      recordId: null,
      reason: `${s.origin}:${p.line}: not valid CSV: ${p.problem}`,
    });
  }
  const enc = rows.length > 0 ? layout.encode(rows, s.sourceSystem) : null;
  const chunk: PreparedChunk = {
    kind: "chunk",
    read: batch.records.length + batch.problems.length,
    invalid,
    count: rows.length,
    enc,
    raws,
    rawEnds: rawEnds.subarray(0, rows.length),
    lines: lines.subarray(0, rows.length),
  };
  while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = null;
  credit--;
  port.postMessage(chunk, enc ? [enc.bytes.buffer as ArrayBuffer] : []);
}
port.postMessage({ kind: "end" } satisfies PrepareMessage);
