// Grouped look-ups: the same small read asked by many concurrent callers (the credential behind each request's
// bearer token) answered by one statement per batch instead of one per caller. Built on read lanes (group commit
// with two batches in flight on PostgreSQL, read-lanes.ts): a caller joins only a batch that has not started, so
// the statement that answers it runs after it asked, and sees
// everything committed before then (a token revoked a moment ago is refused; nothing is cached).
import type { Db, Queryable } from "./db.ts";
import { ReadLanes, readLanesFor } from "./read-lanes.ts";

/** At most this many keys in one statement; the rest wait for the next. */
const MAX_KEYS = 500;

function isDb(db: Queryable): db is Db {
  return typeof (db as Partial<Db>).transaction === "function";
}

export class GroupedLookup<K, V> {
  readonly #lookup: (db: Queryable, keys: K[]) => Promise<Map<K, V>>;
  readonly #batchers = new WeakMap<Db, ReadLanes<K, V | undefined>>();

  /** `lookup` answers a batch of distinct keys in one statement; a key it leaves out has no answer. */
  constructor(lookup: (db: Queryable, keys: K[]) => Promise<Map<K, V>>) {
    this.#lookup = lookup;
  }

  /** The answer for `key`, read after this call was made; inside a transaction, read there at once. */
  get(db: Queryable, key: K): Promise<V | undefined> {
    if (!isDb(db)) return this.#lookup(db, [key]).then((found) => found.get(key));
    let batcher = this.#batchers.get(db);
    if (!batcher) {
      batcher = new ReadLanes<K, V | undefined>({
        read: async (keys) => {
          const found = await this.#lookup(db, [...new Set(keys)]);
          return keys.map((k) => found.get(k));
        },
        maxBatch: MAX_KEYS,
        lanes: readLanesFor(db),
      });
      this.#batchers.set(db, batcher);
    }
    return batcher.submit(key);
  }
}
