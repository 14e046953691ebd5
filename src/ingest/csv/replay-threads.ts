import { Worker } from "node:worker_threads";
import type { BatchRows, WholeBatch } from "../reject-batches.ts";
import type { CsvSession } from "./check.ts";
import { LINKED_DECLARATIONS } from "./declarations.ts";
import { parseCsvText } from "./reader.ts";
import { encodedAsNow } from "./replay-encoded.ts";
import type { ReplayPrepared, ReplayPrepareInput, ReplayPrepareRequest } from "./replay-prepare.ts";

// A replay's batches prepared on threads of their own (replay-prepare.ts), one a file, as a first load's file is
// parsed on one (load.ts's preparedChunks): the loading thread then only looks up the people and streams the COPY.

interface Thread {
  worker: Worker;
  waiting: Map<number, { resolve(p: ReplayPrepared): void; reject(e: Error): void }>;
}

/** Whether a file's batches can be prepared on a thread: rows written blind, encoded, of a linked layout. */
export function preparedOnThread(s: CsvSession, citus: boolean): boolean {
  return (
    s.write === "blind" &&
    s.layout.applyEncoded !== undefined &&
    !citus &&
    LINKED_DECLARATIONS.has(s.layout.name)
  );
}

export class BatchThreads {
  readonly #threads = new Map<string, Thread>();
  #next = 0;

  /**
   * The thread of a file whose batches may be prepared on one, started before its session is made (what it is
   * started with is the batch's file; its session's organisation comes with each batch), unless the batch was
   * kept encoded as it would be encoded now.
   */
  warm(key: string, batch: WholeBatch): void {
    if (this.#threads.has(key) || !LINKED_DECLARATIONS.has(batch.layout)) return;
    // A batch kept encoded as its layout encodes rows now needs no thread (replay-encoded.ts).
    if (encodedAsNow(batch.layout, batch.encodedAs)) return;
    const header = parseCsvText(batch.context, 1, true).records[0];
    if (!header) return;
    this.#start(key, {
      layout: batch.layout,
      sourceSystem: batch.sourceSystem,
      origin: batch.origin,
      header: header.fields.map((h) => h.trim()),
      headerLine: batch.context,
    });
  }

  /** A batch of the file `key` (its session `s`) checked and encoded on the file's thread. */
  prepare(key: string, s: CsvSession, rows: BatchRows): Promise<ReplayPrepared> {
    const thread =
      this.#threads.get(key) ??
      this.#start(key, {
        layout: s.layout.name,
        sourceSystem: s.sourceSystem,
        origin: s.origin,
        header: s.header,
        headerLine: s.headerLine,
      });
    const id = this.#next++;
    return new Promise<ReplayPrepared>((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage({ id, orgCode: s.orgCode, ...rows } satisfies ReplayPrepareRequest);
    });
  }

  #start(key: string, input: ReplayPrepareInput): Thread {
    const worker = new Worker(new URL("./replay-prepare-worker.ts", import.meta.url), { workerData: input });
    const thread: Thread = { worker, waiting: new Map() };
    const failAll = (error: Error) => {
      for (const w of thread.waiting.values()) w.reject(error);
      thread.waiting.clear();
      this.#threads.delete(key);
    };
    worker.on("message", (p: ReplayPrepared) => {
      const w = thread.waiting.get(p.id);
      thread.waiting.delete(p.id);
      w?.resolve(p);
    });
    worker.on("error", failAll);
    worker.on("exit", (code) =>
      failAll(new Error(`a replay's preparing thread stopped (exit code ${code})`)),
    );
    this.#threads.set(key, thread);
    return thread;
  }

  /** Every thread stopped. */
  async close(): Promise<void> {
    const threads = [...this.#threads.values()];
    this.#threads.clear();
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}
