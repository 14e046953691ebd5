// Read lanes: group commit (group-commit.ts) for reads, with more than one batch in flight. Group commit writes one
// batch at a time, which a write needs (the audit chain's batches lock its head one after another anyway) but a
// read does not: a caller who asks while the one batch is running waits for the rest of it and then for its own,
// about one and a half batches. Here a caller joins the batch gathering in this turn of the event loop if there
// is one, else starts one on a lane with nothing in flight, and waits behind a running batch only when every lane
// has one. As in group commit, a caller joins only a batch that has not started, so what it reads was committed
// before it asked; nothing is cached.
import type { Db } from "./db.ts";
import { GroupCommit } from "./group-commit.ts";

/**
 * Batches of one read in flight at once on a PostgreSQL server. One on PGlite, which runs one statement at a time
 * in this process: a second batch would only queue behind the first, split from it.
 */
export const READ_LANES = 2;

export function readLanesFor(db: Db): number {
  return db.engine === "pglite" ? 1 : READ_LANES;
}

interface Lane<T, R> {
  commit: GroupCommit<T, R>;
  running: boolean;
  /** When its running batch started, in batches started by these lanes: the lowest is likely to end first. */
  started: number;
}

export class ReadLanes<T, R> {
  readonly #lanes: Lane<T, R>[];
  #batches = 0;

  constructor(options: { read(batch: T[]): Promise<R[]>; maxBatch: number; lanes?: number }) {
    this.#lanes = Array.from({ length: options.lanes ?? READ_LANES }, () => {
      const lane: Lane<T, R> = {
        running: false,
        started: 0,
        commit: new GroupCommit<T, R>({
          maxBatch: options.maxBatch,
          write: async (batch) => {
            lane.running = true;
            lane.started = ++this.#batches;
            try {
              return await options.read(batch);
            } finally {
              lane.running = false;
            }
          },
        }),
      };
      return lane;
    });
  }

  /** Resolves with the item's answer, read by a batch that started after this call. */
  submit(item: T): Promise<R> {
    return this.#choose().commit.submit(item);
  }

  /**
   * The lane gathering a batch now, else an idle one; when every lane is running, the one callers already wait on
   * (so that they go together), else the one whose batch started first.
   */
  #choose(): Lane<T, R> {
    let idle: Lane<T, R> | undefined;
    let next = this.#lanes[0];
    for (const lane of this.#lanes) {
      if (!lane.running) {
        if (lane.commit.depth > 0) return lane;
        idle ??= lane;
      } else if (
        lane.commit.depth > next.commit.depth ||
        (lane.commit.depth === next.commit.depth && lane.started < next.started)
      )
        next = lane;
    }
    return idle ?? next;
  }
}
