import { parentPort, workerData } from "node:worker_threads";
import type { NamedRow, Table } from "../store/index.ts";
import type { SynthConfig } from "./config.ts";
import { CopyTextBuffer } from "./copy-text-buffer.ts";
import { generatePlace } from "./generate.ts";

// Runs in a worker thread for load.ts: generates the place and sends it to the loading thread as batches of
// COPY text, so that generating and loading use two cores. At most MAX_OUTSTANDING batches are unacknowledged
// at a time, which bounds memory however fast generation runs.

export interface WorkerInput {
  config: SynthConfig;
  batchRows: number;
}

export type WorkerMessage =
  | { type: "batch"; table: string; bytes: Uint8Array; rows: number }
  | { type: "progress"; peopleDone: number; peopleTotal: number; rowsByTable: Record<string, number> }
  | { type: "done" }
  | { type: "error"; message: string; stack: string | undefined };

const MAX_OUTSTANDING = 8;

/** A batch is sent at this many rows or bytes, whichever comes first. */
const BATCH_BYTES = 8 << 20;

async function run(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  const pending = new Map<string, CopyTextBuffer>();
  const generated: Record<string, number> = {};
  let outstanding = 0;
  let release: (() => void) | null = null;
  port.on("message", (message: string) => {
    if (message !== "ack") return;
    outstanding--;
    if (release && outstanding < MAX_OUTSTANDING) {
      const r = release;
      release = null;
      r();
    }
  });
  const send = (p: CopyTextBuffer): Promise<void> | undefined => {
    const { bytes, rows } = p.take();
    outstanding++;
    const message: WorkerMessage = {
      type: "batch",
      table: p.shape.name,
      bytes,
      rows,
    };
    port.postMessage(message, [bytes.buffer as ArrayBuffer]);
    return outstanding < MAX_OUTSTANDING ? undefined : new Promise<void>((resolve) => (release = resolve));
  };
  let referenceSent = false;
  const sink = {
    add(table: Table, row: NamedRow) {
      // Reference rows are sent before any person row: site and area rows refer to organisation rows.
      if (!referenceSent && table.personScoped) {
        referenceSent = true;
        for (const p of pending.values()) if (p.rows > 0) send(p);
      }
      let p = pending.get(table.name);
      if (!p) {
        p = new CopyTextBuffer(table, 1 << 20);
        pending.set(table.name, p);
      }
      p.add(row);
      generated[table.name] = (generated[table.name] ?? 0) + 1;
      return p.rows >= input.batchRows || p.byteLength >= BATCH_BYTES ? send(p) : undefined;
    },
  };
  await generatePlace(input.config, sink, (peopleDone, peopleTotal) =>
    port.postMessage({
      type: "progress",
      peopleDone,
      peopleTotal,
      rowsByTable: { ...generated },
    } satisfies WorkerMessage),
  );
  for (const p of pending.values()) {
    if (p.rows > 0) await send(p);
  }
  port.postMessage({ type: "done" } satisfies WorkerMessage);
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as WorkerInput).catch((error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ type: "error", message: e.message, stack: e.stack } satisfies WorkerMessage);
  });
}
