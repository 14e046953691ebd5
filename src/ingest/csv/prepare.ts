import { parentPort, workerData } from "node:worker_threads";
import type { EncodedLinked } from "../linked-encoder.ts";
import { type CheckedLayout, type CsvSession, checkRow, type PendingReject } from "./check.ts";
import { LINKED_DECLARATIONS } from "./declarations.ts";
import { linkedEncoder, resolve } from "./declare.ts";
import { readCsvPieces } from "./reader.ts";

// A first load's parsing, checking and encoding, on a thread of its own (load.ts's preparedChunks): the file read
// past its header, each chunk's records checked as the load checks them and its rows encoded for a blind write
// (EncodedLinked), so the loading thread only looks up the people and streams the COPY. Two chunks at most wait
// to be taken, so a slow database holds the reading back. Batches are cut as the loading thread cuts them
// (readCsv), so skipping the ones it wrote itself starts exactly where it stopped. It reads the layout's
// declaration alone (declarations.ts), not the layout with its writer, whose imports (the MPI, the store's
// engines) took most of the thread's start (test/ingest/csv-parse-thread-imports.test.ts keeps them out).

/** What the thread is started with: the load's session as the loading thread made it, less what cannot cross. */
export interface PrepareInput
  extends Pick<CsvSession, "sourceSystem" | "orgCode" | "origin" | "sha" | "header" | "headerLine"> {
  path: string;
  chunkRows: number;
  layout: string;
  /** Chunks after the header the loading thread checks and writes itself, while this thread starts. */
  skip: number;
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
  /** A replay's chunk (csv/replay.ts): the reject each row came from, by index as `lines`, resolved by its id. */
  rejectIds?: string[];
}

/** The end of the file, with the CPU time this thread used (µs), for benchmarks to count. */
export type PrepareMessage = PreparedChunk | { kind: "end"; cpuMicros: number };

const input = workerData as PrepareInput;
const port = parentPort;
if (!port) throw new Error("prepare.ts runs as a worker thread (prepare-worker.ts)");
const decl = LINKED_DECLARATIONS.get(input.layout);
if (!decl) throw new Error(`CSV layout ${input.layout} has no encoded write`);
const layout = resolve({ ...decl, person: "linked" });
const s: CsvSession<CheckedLayout> = { ...input, layout, loadId: null };
const encoder = linkedEncoder(layout, decl, input.sourceSystem);

let credit = 2;
let wake: (() => void) | null = null;
port.on("message", () => {
  credit++;
  wake?.();
});

/** A chunk being filled, piece by piece (readCsvPieces). */
function emptyChunk(): PreparedChunk {
  return {
    kind: "chunk",
    read: 0,
    invalid: [],
    count: 0,
    enc: null,
    raws: "",
    rawEnds: new Int32Array(input.chunkRows),
    lines: new Int32Array(input.chunkRows),
  };
}

let header = true;
let skip = input.skip;
let chunk = emptyChunk();
/** The chunk's records that are not valid CSV, named after its rows' rejects (as a whole batch's were). */
let problems: PendingReject[] = [];
// A chunk's records never outlive their piece (see readCsvPieces).
for await (const piece of readCsvPieces(input.path, input.chunkRows)) {
  // The loading thread read the header (the first batch with a record; problems before it come after it) and
  // the chunks after it, as many as `skip`.
  if (header) {
    if (piece.records.length > 0) header = false;
    continue;
  }
  if (skip > 0) {
    if (piece.ends) skip--;
    continue;
  }
  chunk.read += piece.records.length + piece.problems.length;
  // The piece's records joined once, not appended one by one: a chunk's string of 20,000 parts was kept whole
  // until sent.
  const raws: string[] = [];
  let rawsLength = chunk.raws.length;
  for (const r of piece.records) {
    const checked = checkRow(s, r.fields, r.line, r.raw);
    if ("row" in checked) {
      encoder.add(checked.row);
      raws.push(r.raw);
      rawsLength += r.raw.length;
      chunk.rawEnds[chunk.count] = rawsLength;
      chunk.lines[chunk.count++] = r.line;
    } else chunk.invalid.push(checked.reject);
  }
  chunk.raws += raws.join("");
  for (const p of piece.problems) {
    problems.push({
      line: p.line,
      raw: p.raw,
      recordId: null,
      reason: `${s.origin}:${p.line}: not valid CSV: ${p.problem}`,
    });
  }
  if (!piece.ends) continue;
  for (const p of problems) chunk.invalid.push(p);
  problems = [];
  const enc = encoder.take();
  chunk.enc = chunk.count > 0 ? enc : null;
  chunk.rawEnds = chunk.rawEnds.subarray(0, chunk.count);
  chunk.lines = chunk.lines.subarray(0, chunk.count);
  while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = null;
  credit--;
  port.postMessage(chunk, enc ? [enc.bytes.buffer as ArrayBuffer] : []);
  chunk = emptyChunk();
}
const cpu = process.threadCpuUsage();
port.postMessage({ kind: "end", cpuMicros: cpu.user + cpu.system } satisfies PrepareMessage);
