import { CANONICAL_TABLES } from "./catalogue.ts";
import type { Queryable } from "./db.ts";
import { quoteIdent } from "./db.ts";

// Fresh planner statistics after a bulk load. PostgreSQL's autovacuum analyses a grown table within a minute or
// so, the embedded engine never does: a place loaded through ingest would otherwise be planned with the
// statistics of its first, small load (or none) for ever.

/** The tables a load writes in bulk: people and their records. */
export const BULK_LOADED_TABLES: readonly string[] = ["person", "person_record", ...CANONICAL_TABLES];

/**
 * Analyses each of the tables that was never analysed or has grown by more than a fifth (in pages on disk)
 * since it was last analysed or vacuumed; returns their names. A table that has not grown costs one catalogue
 * read. On a Citus coordinator, whose tables' rows live on the workers (their autovacuum keeps the shards
 * analysed), only the tables never analysed.
 */
export async function analyzeGrownTables(
  db: Queryable,
  tables: readonly string[] = BULK_LOADED_TABLES,
): Promise<string[]> {
  const grown = await db.query<{ relname: string }>(
    `SELECT relname FROM pg_class
      WHERE oid IN (SELECT to_regclass(t) FROM unnest($1::text[]) t) AND relkind = 'r'
        AND (reltuples < 0${
          db.citus
            ? ""
            : " OR pg_relation_size(oid) / current_setting('block_size')::int > relpages * 1.2 + 8"
        })
      ORDER BY relname`,
    [tables],
  );
  for (const { relname } of grown) await db.exec(`ANALYZE ${quoteIdent(relname)}`);
  return grown.map((r) => r.relname);
}
