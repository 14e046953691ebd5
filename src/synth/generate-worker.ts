import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { NamedRow, Table } from "../store/index.ts";
import type { SynthConfig } from "./config.ts";
import { createRegion } from "./context.ts";
import { CopyBinaryBuffer, CopyTextBuffer } from "./copy-text-buffer.ts";
import { generatePeople, generateReference, regionPeople } from "./generate.ts";

// Runs in a worker thread for parallel.ts: makes its share of the place's chunks as COPY text and sends each
// chunk whole. Chunk 0 is the reference data (worker 0's); chunk c > 0 holds the people of region-wide indexes
// [(c-1)*chunkPeople, c*chunkPeople), made by worker (c-1) % workers. At most maxOutstanding chunks are
// unacknowledged at a time, which bounds memory however fast the worker runs.

export interface GenerateWorkerInput {
  config: SynthConfig;
  worker: number;
  workers: number;
  chunkPeople: number;
  maxOutstanding: number;
  /** Run below the main thread's priority (a load into the embedded engine: see ParallelOptions). */
  yieldToMain?: boolean;
  /** COPY's text format (the default), or its binary format for a load into the embedded engine. */
  format?: "text" | "binary";
}

export interface ChunkPiece {
  table: string;
  bytes: Uint8Array;
  rows: number;
}

export type GenerateWorkerMessage =
  | { type: "chunk"; seq: number; people: number; pieces: ChunkPiece[] }
  | { type: "done" }
  | { type: "error"; message: string; stack: string | undefined };

/** The generating threads' nice value when they yield to the main thread (its CPU share about three to one). */
const WORKER_NICE = 5;

async function run(port: NonNullable<typeof parentPort>, input: GenerateWorkerInput): Promise<void> {
  const region = createRegion(input.config);
  const total = regionPeople(region);
  const chunks = Math.ceil(total / input.chunkPeople);
  let outstanding = 0;
  let release: (() => void) | null = null;
  port.on("message", (message: string) => {
    if (message !== "ack") return;
    outstanding--;
    if (release && outstanding < input.maxOutstanding) {
      const r = release;
      release = null;
      r();
    }
  });
  // One buffer a table, in the order tables first get a row (the order their pieces are sent in).
  const buffers = new Map<string, CopyTextBuffer | CopyBinaryBuffer>();
  const sink = {
    add(table: Table, row: NamedRow) {
      let b = buffers.get(table.name);
      if (!b) {
        b =
          input.format === "binary"
            ? new CopyBinaryBuffer(table, 64 << 10)
            : new CopyTextBuffer(table, 64 << 10);
        buffers.set(table.name, b);
      }
      b.add(row);
      return undefined;
    },
  };
  const send = async (seq: number, people: number): Promise<void> => {
    const pieces: ChunkPiece[] = [];
    for (const b of buffers.values()) {
      if (b.rows === 0) continue;
      const { bytes, rows } = b.take();
      pieces.push({ table: b.shape.name, bytes, rows });
    }
    outstanding++;
    port.postMessage({ type: "chunk", seq, people, pieces } satisfies GenerateWorkerMessage, [
      ...pieces.map((p) => p.bytes.buffer as ArrayBuffer),
    ]);
    if (outstanding >= input.maxOutstanding) await new Promise<void>((resolve) => (release = resolve));
  };
  if (input.worker === 0) {
    await generateReference(region, sink);
    await send(0, 0);
  }
  for (let c = 1 + input.worker; c <= chunks; c += input.workers) {
    const from = (c - 1) * input.chunkPeople;
    const to = Math.min(from + input.chunkPeople, total);
    await generatePeople(region, from, to, sink);
    await send(c, to - from);
  }
  port.postMessage({ type: "done" } satisfies GenerateWorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  // On Linux a thread has a priority of its own: 0 is this thread, not the process.
  if ((workerData as GenerateWorkerInput).yieldToMain) {
    try {
      setPriority(0, WORKER_NICE);
    } catch {}
  }
  run(port, workerData as GenerateWorkerInput).catch((error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: "error", message: e.message, stack: e.stack } satisfies GenerateWorkerMessage);
  });
}
