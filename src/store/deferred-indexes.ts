import { type Queryable, quoteIdent } from "./db.ts";

/**
 * Runs a bulk load into empty tables with their secondary indexes dropped, then builds them again, all in
 * the caller's transaction. Building an index once over loaded rows is several times cheaper than keeping it
 * up to date row by row (random UUID keys above all). Indexes that back a constraint (primary keys,
 * unique and exclusion constraints) stay, so the load is checked as it goes; a unique index that is not a
 * constraint is checked when it is built again, failing the transaction rather than letting a duplicate in.
 */
export async function withIndexesDeferred<T>(
  tx: Queryable,
  tables: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  const deferred = await tx.query<{ name: string; definition: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [tables],
  );
  for (const index of deferred) await tx.exec(`DROP INDEX ${quoteIdent(index.name)}`);
  const result = await load();
  for (const index of deferred) await tx.exec(index.definition);
  return result;
}
