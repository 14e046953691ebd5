import { parentPort, workerData } from "node:worker_threads";
import type { CheckedLayout, CsvSession } from "./check.ts";
import { LINKED_DECLARATIONS } from "./declarations.ts";
import { linkedEncoder, resolve } from "./declare.ts";
import type { PreparedChunk } from "./prepare.ts";
import { checkReplayed, rowsOfBatch } from "./replay-check.ts";

// A replay's batches of rejects (reject-batches.ts) checked and encoded on a thread of their own, as a first load's
// parsing thread prepares its file's chunks (prepare.ts), so that the loading thread only looks up the people and
// streams the COPY: a batch's rows are a file's rows, each with its line and the reject it came from. It reads the
// layout's declaration alone, as the parsing thread does.

/** What the thread is started with: the file its batches came from (its session's organisation comes with each). */
export type ReplayPrepareInput = Pick<CsvSession, "sourceSystem" | "origin" | "header" | "headerLine"> & {
  layout: string;
};

/** A batch to prepare: its rows back to back, where each ends, their lines and their rejects. */
export interface ReplayPrepareRequest {
  id: number;
  /** The session's organisation (a practice's code, for rows that name none). */
  orgCode: string | null;
  rowsText: string;
  rowEnds: number[];
  lines: number[];
  memberIds: string[];
}

/** A batch prepared (`chunk`), or the rejects of rows that are no longer one CSV record (`unwritable`). */
export interface ReplayPrepared {
  id: number;
  chunk: PreparedChunk;
  unwritable: string[];
}

const input = workerData as ReplayPrepareInput;
const port = parentPort;
if (!port) throw new Error("replay-prepare.ts runs as a worker thread (replay-prepare-worker.ts)");
const decl = LINKED_DECLARATIONS.get(input.layout);
if (!decl) throw new Error(`CSV layout ${input.layout} has no encoded write`);
const layout = resolve({ ...decl, person: "linked" });
const s: CsvSession<CheckedLayout> = { ...input, layout, orgCode: null, sha: "replay", loadId: null };
const encoder = linkedEncoder(layout, decl, input.sourceSystem);

port.on("message", (batch: ReplayPrepareRequest) => {
  s.orgCode = batch.orgCode;
  const { chunk, unwritable } = checkReplayed(s, rowsOfBatch(batch), encoder);
  const prepared = chunk as PreparedChunk;
  const out: ReplayPrepared = { id: batch.id, chunk: prepared, unwritable };
  port.postMessage(out, prepared.enc ? [prepared.enc.bytes.buffer as ArrayBuffer] : []);
});
