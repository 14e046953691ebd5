// A register's counts (how many people meet the filters, by access signature), reused for a few seconds.
// Counting means reading the facts of every person on the register (15,000 for a practice, 50,000 for a
// locality), while a page needs the facts of only the people it shows; a user paging or sorting a register
// asks the same counts again and again. The counts name no one and decide nothing: the people a page shows
// are still read and decided afresh on every request. A change (a new objection, an ended relationship)
// shows in the counts at most COUNTS_FRESH_MS later; a page meanwhile is never wrong, only its totals.
export const COUNTS_FRESH_MS = 15_000;
const MAX_ENTRIES = 500;

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

// Per database (a process may hold several, as tests do), then per identity, register and filters.
const byDb = new WeakMap<object, Map<string, Entry<unknown>>>();

/** The counts for `key`, computed at most once per COUNTS_FRESH_MS however many requests ask. */
export function registerCounts<T>(
  db: object,
  key: unknown[],
  compute: () => Promise<T>,
  now = Date.now(),
): Promise<T> {
  let entries = byDb.get(db);
  if (!entries) {
    entries = new Map();
    byDb.set(db, entries);
  }
  const id = JSON.stringify(key);
  const hit = entries.get(id) as Entry<T> | undefined;
  if (hit && now - hit.at < COUNTS_FRESH_MS) return hit.value;
  if (entries.size >= MAX_ENTRIES) {
    for (const [k, e] of entries) if (now - e.at >= COUNTS_FRESH_MS) entries.delete(k);
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  }
  const value = compute();
  entries.set(id, { at: now, value });
  // A failed count is not kept: the next request counts again.
  value.catch(() => {
    if (entries.get(id)?.value === value) entries.delete(id);
  });
  return value;
}
