// A group commit whose batches overlap (the MLLP listener's lanes on a server): the next batch begins (parses,
// takes its locks, reads) while the one before it still writes and commits, and waits for that one to commit
// before it writes anything itself. So batches commit in the order they were taken, at most two are in flight,
// and a caller's promise settles only after its own batch committed, as with GroupCommit (group-commit.ts).
//
// The writer says when the next batch may begin (`turn.next()`: once it holds every lock it will take, so
// batches take their locks in order and a later one waiting for a lock always waits for an earlier one) and
// waits for the one before it (`turn.previous()`) before its first write: until then it may only lock and
// read, so an earlier batch never waits for a later one. Nothing waits between batches: whatever arrived while
// the one before was being read goes next.
//
// A batch that fails (`turn.failed()` before the writer tries it another way, or a write that throws) makes the
// one after it roll back (`previous()` throws PreviousBatchFailed) and be written again once the failed one is
// done, so no later batch commits ahead of an earlier one's retry. A batch whose write throws is written
// again one item at a time, so one bad item fails only its own caller.

export class PreviousBatchFailed extends Error {
  override readonly name = "PreviousBatchFailed";
  constructor() {
    super("the batch before this one failed: this one is written again after it");
  }
}

/** What a writer is told about its batch's place in the pipeline. */
export interface Turn {
  /** Resolves once the batch before this one has committed; throws PreviousBatchFailed if it failed. */
  previous(): Promise<void>;
  /** The next batch may begin (takes effect once the batch before this one has committed). */
  next(): void;
  /** This batch's first try failed and the writer tries it another way: the batch after it must not wait. */
  failed(): void;
}

export interface PipelinedCommitOptions<T, R> {
  /** Writes a batch in one commit and returns each item's result, in the batch's order. */
  write(batch: T[], turn: Turn): Promise<R[]>;
  /** At most this many items in one batch; the rest wait for the next. */
  maxBatch: number;
  /**
   * Says when waiting cannot gather more (e.g. every sender waits for an answer). Without it a batch takes what
   * is queued when it may begin; with it, it waits for ready() up to gatherMs (while the batch before it is
   * still at work, so the wait costs nothing unless that one is done).
   */
  ready?(): boolean;
  gatherMs?: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface Flight {
  /** True once the batch committed at its first try; false once it failed. */
  committed: Promise<boolean>;
  /** The next batch may begin. */
  nextMayBegin: Promise<void>;
  /** Every item of the batch answered. */
  done: Promise<void>;
  finished: boolean;
}

const ALONE: Turn = { previous: async () => {}, next() {}, failed() {} };

export class PipelinedCommit<T, R> {
  readonly #options: PipelinedCommitOptions<T, R>;
  #queue: Waiting<T, R>[] = [];
  #running = false;
  /** Wakes the run loop when an item arrives while it waits with nothing queued. */
  #arrived: (() => void) | null = null;
  /** Ends a gathering wait early, once ready() says nothing more can come. */
  #wake: (() => void) | null = null;
  #idle: (() => void)[] = [];

  constructor(options: PipelinedCommitOptions<T, R>) {
    this.#options = options;
  }

  /** Items waiting for a batch. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Resolves with the item's result once the batch holding it has committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#arrived) this.#arrived();
      else if (this.#wake) {
        if (this.#options.ready?.() || this.#queue.length >= this.#options.maxBatch) this.#wake();
      } else if (!this.#running) {
        this.#running = true;
        // What is asked for in this turn of the event loop goes together.
        setImmediate(() => void this.#run());
      }
    });
  }

  /** Resolves once nothing is queued or being written. */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #run(): Promise<void> {
    let previous: Flight | null = null;
    try {
      for (;;) {
        if (this.#queue.length === 0) {
          if (!previous) break;
          const last: Flight = previous;
          const arrived = await Promise.race([
            new Promise<boolean>((resolve) => {
              this.#arrived = () => resolve(true);
            }),
            last.done.then(() => false),
          ]);
          this.#arrived = null;
          if (!arrived) previous = null;
          else await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        await this.#gather();
        const flight = this.#fly(this.#queue.splice(0, this.#options.maxBatch), previous);
        await flight.nextMayBegin;
        previous = flight;
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Waits for ready() (or a full batch), up to gatherMs. */
  #gather(): Promise<void> {
    const { ready, gatherMs = 0, maxBatch } = this.#options;
    if (!ready || gatherMs <= 0 || this.#queue.length >= maxBatch || ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), gatherMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  #fly(batch: Waiting<T, R>[], before: Flight | null): Flight {
    let mayBegin: () => void = () => {};
    const nextMayBegin = new Promise<void>((resolve) => {
      mayBegin = resolve;
    });
    let settle: (ok: boolean) => void = () => {};
    const committed = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const turn = (prior: Promise<boolean>): Turn => ({
      async previous() {
        if (!(await prior)) throw new PreviousBatchFailed();
      },
      next() {
        void prior.then((ok) => ok && mayBegin());
      },
      failed() {
        settle(false);
      },
    });
    const items = batch.map((b) => b.item);
    // A batch before that has finished (even by failing and being retried) is no longer anything to wait for.
    const beforeCommitted = before && !before.finished ? before.committed : Promise.resolve(true);
    const flight: Flight = { committed, nextMayBegin, done: Promise.resolve(), finished: false };
    flight.done = (async () => {
      try {
        let results: R[];
        try {
          results = await this.#options.write(items, turn(beforeCommitted));
        } catch (error) {
          if (await beforeCommitted) throw error;
          // Rolled back because the batch before failed: again, once that one is done.
          await before?.done;
          results = await this.#options.write(items, turn(Promise.resolve(true)));
        }
        settle(true);
        for (const [i, b] of batch.entries()) b.resolve(results[i]);
      } catch (error) {
        settle(false);
        if (batch.length === 1) batch[0].reject(error);
        else {
          for (const b of batch)
            await this.#options.write([b.item], ALONE).then(([r]) => b.resolve(r), b.reject);
        }
      } finally {
        flight.finished = true;
        mayBegin();
      }
    })();
    return flight;
  }
}
