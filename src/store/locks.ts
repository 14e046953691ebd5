import { hash } from "node:crypto";
import { deferWrite, type Queryable } from "./db.ts";
import { prepared } from "./prepared.ts";

/**
 * Names hash into a fixed number of advisory locks, so a bulk load linking thousands of records holds at most
 * this many (PostgreSQL's lock table is small), while unrelated names rarely share one.
 */
export const LOCK_BUCKETS = 512;
const LOCK_BASE = 727_100_000;

/** The advisory lock key for a name (a number, passed as text and cast to bigint in SQL). */
export function lockKey(text: string): string {
  const bucket = Number.parseInt(hash("sha1", text, "hex").slice(0, 8), 16) % LOCK_BUCKETS;
  return String(LOCK_BASE + bucket);
}

const LOCK_KEYS = prepared(
  "store.lock-keys",
  "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) s",
);

/**
 * Takes transaction-scoped advisory locks on these names, in a fixed order so two transactions never wait
 * for each other in a circle.
 */
export async function lockNames(q: Queryable, names: Iterable<string>): Promise<void> {
  const keys = [...new Set([...names].map(lockKey))].sort();
  if (keys.length === 0) return;
  // Deferred: a transaction's BEGIN goes with it, and it goes with the statement after it (a batch's read), in
  // one round trip; prepared, so it is not parsed and planned again for every batch.
  await deferWrite(q, LOCK_KEYS, [keys]);
}
