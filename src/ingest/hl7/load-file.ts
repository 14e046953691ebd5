import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Db } from "../../store/index.ts";
import { sha256 } from "../ids.ts";
import { addCounts, addToLoad, emptyCounts, finishLoad, type LoadCounts, startLoad } from "../loads.ts";
import { type PeopleTouched, peopleOf } from "../touched.ts";
import { applyHl7Batch } from "./many.ts";
import { splitMessages } from "./split.ts";

// `oneplace ingest hl7 <file>`: a batch file of ADT messages, applied in order, a chunk of messages per
// transaction (each message in its own savepoint, so one bad message is rejected alone). Killed part way, a
// re-run skips the messages already applied (by control id) and applies the rest.

export interface FileLoadResult {
  loadId: string;
  sourceSystem: string;
  counts: LoadCounts;
  /** Messages of ADT events OnePlace does not use: acknowledged and kept, counted in recordsRead and here. */
  unsupported: number;
  seconds: number;
  /** The people the messages applied were about (for a face to rescore). */
  personIds: string[];
}

const CHUNK = 250;

export async function loadHl7File(
  db: Db,
  path: string,
  options: {
    onProgress?: (done: number, total: number) => void;
    onInternalError?: (e: unknown) => void;
    /** Told the people each chunk applied, in its transaction and after its commit. */
    touched?: PeopleTouched;
  } = {},
): Promise<FileLoadResult> {
  const started = performance.now();
  const content = readFileSync(path);
  const messages = splitMessages(content);
  const origin = basename(path);
  const first = messages[0]?.split(/\r/)[0] ?? "";
  const sourceSystem = first.startsWith("MSH")
    ? (first.split(first[3])[2] ?? "").split("^")[0].toLowerCase() || "unknown"
    : "unknown";
  const loadId = await startLoad(db, {
    sourceSystem,
    format: "hl7",
    layout: "ADT",
    origin,
    fileSha256: sha256(content),
  });
  const total = emptyCounts();
  let unsupported = 0;
  const people = new Set<string>();
  const tables: Record<string, number> = {};
  try {
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      // Counted afresh in the transaction that commits (a batch that failed is run again, the long way).
      let c = emptyCounts();
      let chunkUnsupported = 0;
      let chunkPeople: string[] = [];
      await applyHl7Batch(
        db,
        chunk.map((raw) => ({ raw, ctx: { origin, loadId } })),
        options.onInternalError,
        async (tx, outcomes) => {
          c = emptyCounts();
          chunkUnsupported = 0;
          for (const out of outcomes) {
            c.recordsRead++;
            if (out.unsupported) chunkUnsupported++;
            else if (out.duplicate) c.duplicates++;
            else if (out.code !== "AA") c.rejected++;
            else if (out.held) c.held++;
            else c.loaded++;
          }
          await addToLoad(tx, loadId, c);
          const applied = peopleOf(outcomes);
          chunkPeople = applied;
          if (applied.length > 0) await options.touched?.inTransaction(tx, applied);
        },
      );
      for (const id of chunkPeople) people.add(id);
      if (chunkPeople.length > 0) options.touched?.committed(chunkPeople);
      addCounts(total, c);
      unsupported += chunkUnsupported;
      options.onProgress?.(Math.min(i + CHUNK, messages.length), messages.length);
    }
    tables.messages = total.loaded + total.held;
    await finishLoad(db, loadId, "succeeded", tables);
  } catch (error) {
    await finishLoad(db, loadId, "failed", tables, (error as Error).message).catch(() => {});
    throw error;
  }
  return {
    loadId,
    sourceSystem,
    counts: total,
    unsupported,
    seconds: (performance.now() - started) / 1000,
    personIds: [...people],
  };
}
