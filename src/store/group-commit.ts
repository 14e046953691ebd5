// Group commit: callers that each need their own write committed before they go on (an audit row before a page
// is shown, an HL7 message before its ACK) queue here; whatever is waiting is written together, in the order
// asked, by one `write` (one transaction, one commit), and each caller's promise settles only after that
// commit. While a batch is being written the next one gathers by itself. A batch that fails is written again
// one item at a time, so one bad item fails only its own caller.

export interface GroupCommitOptions<T, R> {
  /** Writes a batch in one commit and returns each item's result, in the batch's order. */
  write(batch: T[]): Promise<R[]>;
  /** At most this many items in one batch; the rest wait for the next. */
  maxBatch: number;
  /**
   * How long an idle queue waits for more before it starts writing. 0 (the default) waits only for the
   * current turn of the event loop, so what is asked for in one turn goes together.
   */
  gatherMs?: number;
  /**
   * Says when waiting longer cannot gather more (e.g. every sender has something queued and waits for its
   * answer): checked as each item arrives during the wait (before the first batch and between batches), and
   * the batch starts at once when it returns true. Without it, only an idle queue waits.
   */
  ready?(): boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<T, R> {
  readonly #options: GroupCommitOptions<T, R>;
  #queue: Waiting<T, R>[] = [];
  #draining = false;
  #gathering: NodeJS.Timeout | null = null;
  /** Ends the wait between two batches (#gatherMore) early, once ready() says nothing more can come. */
  #wake: (() => void) | null = null;
  #idle: (() => void)[] = [];

  constructor(options: GroupCommitOptions<T, R>) {
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
      if (this.#wake && this.#options.ready?.()) {
        this.#wake();
        return;
      }
      if (this.#gathering && this.#options.ready?.()) {
        clearTimeout(this.#gathering);
        this.#gathering = null;
        void this.#drain();
        return;
      }
      if (this.#draining) return;
      this.#draining = true;
      const gatherMs = this.#options.gatherMs ?? 0;
      if (gatherMs > 0 && !this.#options.ready?.()) {
        this.#gathering = setTimeout(() => {
          this.#gathering = null;
          void this.#drain();
        }, gatherMs);
      } else setImmediate(() => void this.#drain());
    });
  }

  /** Resolves once nothing is queued or being written. */
  whenIdle(): Promise<void> {
    if (!this.#draining && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Between two batches, as before the first: what arrived while the last was written waits up to gatherMs for
   * more, unless ready() says nothing more can come (or a batch is full). Without it, senders that each wait
   * for their answer split into two halves whose batches take turns, each half the size it could be.
   */
  #gatherMore(): Promise<void> {
    const { gatherMs = 0, ready, maxBatch } = this.#options;
    if (gatherMs <= 0 || !ready || this.#queue.length >= maxBatch || ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, gatherMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }

  async #drain(): Promise<void> {
    try {
      let first = true;
      while (this.#queue.length > 0) {
        if (!first) await this.#gatherMore();
        first = false;
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        try {
          const results = await this.#options.write(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i]);
        } catch (error) {
          if (batch.length === 1) batch[0].reject(error);
          else {
            for (const b of batch) {
              await this.#options.write([b.item]).then(([r]) => b.resolve(r), b.reject);
            }
          }
        }
      }
    } finally {
      this.#draining = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
