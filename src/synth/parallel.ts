import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { SynthConfig } from "./config.ts";
import { regionPeopleOf } from "./context.ts";
import type { ChunkPiece, GenerateWorkerInput, GenerateWorkerMessage } from "./generate-worker.ts";

// The place made on several worker threads at once. The people are cut into chunks of consecutive indexes,
// dealt round-robin to the workers; each person has their own random streams, so a chunk's rows do not depend
// on who makes it. The chunks are handed on in index order, so each table receives exactly the bytes, in the
// order, that generatePlace() gives a single sink.

export interface GeneratedChunk {
  /** 0 for the reference data, then 1, 2, ... for the people in index order. */
  seq: number;
  /** People in this chunk (0 for the reference data). */
  people: number;
  /** COPY text for each table the chunk has rows in, in the order its tables first got a row. */
  pieces: ChunkPiece[];
}

export interface ParallelOptions {
  /** Generating threads (default: the cores Node may use, at most 8). */
  workers?: number;
  /** People a chunk (default 500). */
  chunkPeople?: number;
  /**
   * The chunks' COPY format: text (default; the bytes every sink gets) or binary (the same rows; a load's
   * default on the embedded engine).
   */
  format?: "text" | "binary";
  /**
   * The threads run at a lower priority than the main thread (a load into the embedded engine, whose database
   * runs on the main thread: its work bounds the load, and threads of equal priority would take its core from it
   * on a machine with fewer cores than threads).
   */
  yieldToMain?: boolean;
}

const MAX_OUTSTANDING = 4;
/** Each worker's heap: bounded, so it collects garbage early instead of growing towards the machine's memory. */
const WORKER_HEAP_MB = 768;

export function defaultGenerationWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * The people in the history (everyone the chunks will hold): known before generating, for progress.
 */
export function peopleToGenerate(config: SynthConfig): number {
  return regionPeopleOf(config);
}

/**
 * The place's rows as chunks of COPY text, in order, made by `workers` threads. Stops the threads when the
 * caller stops iterating (or a thread fails, which is thrown here).
 */
export async function* generateInParallel(
  config: SynthConfig,
  options: ParallelOptions = {},
): AsyncGenerator<GeneratedChunk> {
  const chunkPeople = options.chunkPeople ?? 500;
  const total = peopleToGenerate(config);
  const chunks = Math.ceil(total / chunkPeople);
  const workerCount = Math.max(
    1,
    Math.min(options.workers ?? defaultGenerationWorkers(), Math.max(chunks, 1)),
  );
  const arrived = new Map<number, GeneratedChunk>();
  let finished = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const workers: Worker[] = [];
  for (let w = 0; w < workerCount; w++) {
    const input: GenerateWorkerInput = {
      config,
      worker: w,
      workers: workerCount,
      chunkPeople,
      maxOutstanding: MAX_OUTSTANDING,
      yieldToMain: options.yieldToMain,
      format: options.format ?? "text",
    };
    const worker = new Worker(new URL("./generate-worker.ts", import.meta.url), {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let done = false;
    worker.on("message", (message: GenerateWorkerMessage) => {
      if (message.type === "chunk") arrived.set(message.seq, message);
      else if (message.type === "done") {
        done = true;
        finished++;
      } else {
        failure ??= Object.assign(new Error(message.message), message.stack ? { stack: message.stack } : {});
      }
      notify();
    });
    worker.on("error", (error) => {
      failure ??= error;
      notify();
    });
    worker.on("exit", (code) => {
      if (!done) failure ??= new Error(`A generating thread stopped unexpectedly (exit code ${code})`);
      notify();
    });
    workers.push(worker);
  }
  try {
    for (let seq = 0; seq <= chunks; seq++) {
      for (;;) {
        if (failure) throw failure;
        const chunk = arrived.get(seq);
        if (chunk) {
          arrived.delete(seq);
          // Chunk 0 is worker 0's; chunk c > 0 is worker (c-1) % workerCount's.
          workers[seq === 0 ? 0 : (seq - 1) % workerCount].postMessage("ack");
          yield chunk;
          break;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    while (finished < workerCount) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
