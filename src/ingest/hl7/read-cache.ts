// What the MLLP listener knows of the rows its ADT batches read (hl7/many.ts's batch read), so that a batch about
// patients and visits it has written before is decided without reading them first: one round trip (its locks,
// a check, its writes, a read back of what it wrote, and the COMMIT) in place of two. The rows are PostgreSQL's
// own, read back with each batch's COMMIT, never made here; the check (ingest_batch_read_unchanged, run after
// the batch's locks and before its writes) fails the transaction when the rows the batch would have read are
// not the ones it was decided on (another process or a reviewer wrote since, a message sent twice), and the
// batch is then applied again after a read. So a stale entry costs a failed attempt, never a wrong write.

/** A row of the batch read: its kind, its data as PostgreSQL wrote it (JSON text), the md5 the check compares. */
export type ReadRow = {
  kind: string;
  data: string;
  h: string;
};

/** The entries kept at most (the oldest go first): a busy feed's open visits and their patients. */
const MAX_ENTRIES = 100_000;

export const codeEntry = (source: string, map: string, code: string) =>
  `code\u0000${source}\u0000${map}\u0000${code}`;
export const visitEntry = (source: string, visit: string) => `event\u0000${source}\u0000${visit}`;
export const linkEntry = (source: string, record: string) => `link\u0000${source}\u0000${record}`;
export const deletedEntry = (source: string, record: string) => `deleted\u0000${source}\u0000${record}`;

/** The entry a row of the batch read belongs to (none for the rows the cache does not keep). */
export function entryOf(row: ReadRow): string | null {
  const d = JSON.parse(row.data) as Record<string, unknown>;
  const s = String(d.s);
  if (row.kind === "code") return codeEntry(s, String(d.m), String(d.c));
  if (row.kind === "event") return visitEntry(s, String(d.v));
  if (row.kind === "link") return linkEntry(String(d.source_system), String(d.source_record_id));
  if (row.kind === "deleted") return deletedEntry(s, String(d.r));
  return null;
}

/** One listener's rows by entry (code, visit, link, deletion): each entry's rows as of the last batch that read it back. */
export class BatchReadCache {
  readonly #entries = new Map<string, ReadRow[]>();

  /** The rows of an entry (none when it has none), or undefined when it is not known. */
  get(entry: string): readonly ReadRow[] | undefined {
    return this.#entries.get(entry);
  }

  /**
   * After a batch committed: its entries' rows as they were before its writes (read, or known), with the visit
   * events it wrote, less the entries it changed otherwise (forgotten).
   */
  learn(
    before: ReadonlyMap<string, ReadRow[]>,
    written: readonly ReadRow[],
    forget: readonly string[],
  ): void {
    const fresh = new Map(before);
    for (const row of written) {
      const entry = entryOf(row);
      if (entry !== null) fresh.get(entry)?.push(row);
    }
    for (const [entry, list] of fresh) {
      this.#entries.delete(entry);
      this.#entries.set(entry, list);
    }
    this.forget(forget);
    for (const entry of this.#entries.keys()) {
      if (this.#entries.size <= MAX_ENTRIES) break;
      this.#entries.delete(entry);
    }
  }

  /** Entries a batch changed in ways not followed here (or found stale): no longer known. */
  forget(entries: readonly string[]): void {
    for (const e of entries) this.#entries.delete(e);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The error the check raises when the rows a batch was decided on have changed (the migration's OPB01). */
export const isStaleBatchRead = (error: unknown): boolean => (error as { code?: string })?.code === "OPB01";
