import { type Queryable, quoteIdent } from "./db.ts";

export interface DeferOptions {
  /**
   * Defer the primary keys and unique constraints too (those no foreign key depends on): each is added again
   * after the load, which builds its index from sorted rows and checks every row then, failing the
   * transaction on a duplicate. Keeping a key on random UUIDs up to date row by row is the dearest part of a
   * load once the key outgrows the buffer cache (each row a page read and written back).
   */
  constraints?: boolean;
}

type Deferred = {
  table_name: string;
  name: string;
  /** CREATE INDEX ..., or a constraint's definition (PRIMARY KEY (...)). */
  definition: string;
  is_constraint: boolean;
};

/**
 * Runs a bulk load into empty tables with their secondary indexes dropped, then builds them again, all in
 * the caller's transaction. Building an index once over loaded rows is several times cheaper than keeping it
 * up to date row by row (random UUID keys above all). Indexes that back a constraint (primary keys,
 * unique and exclusion constraints) stay unless `constraints` says otherwise, so the load is checked as it
 * goes; a unique index that is not a constraint is checked when it is built again, failing the transaction
 * rather than letting a duplicate in.
 */
export async function withIndexesDeferred<T>(
  tx: Queryable,
  tables: readonly string[],
  load: () => Promise<T>,
  options: DeferOptions = {},
): Promise<T> {
  const deferred = await tx.query<Deferred>(
    `SELECT t.relname AS table_name, c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
            false AS is_constraint
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
     UNION ALL
     SELECT t.relname, k.conname, pg_get_constraintdef(k.oid), true
       FROM pg_constraint k
       JOIN pg_class t ON t.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE $2::boolean AND n.nspname = current_schema() AND t.relname = ANY($1::text[]) AND k.contype IN ('p', 'u')
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid)
      ORDER BY 4, 2`,
    [tables, options.constraints === true],
  );
  for (const d of deferred)
    await tx.exec(
      d.is_constraint
        ? `ALTER TABLE ${quoteIdent(d.table_name)} DROP CONSTRAINT ${quoteIdent(d.name)}`
        : `DROP INDEX ${quoteIdent(d.name)}`,
    );
  const result = await load();
  for (const d of deferred)
    await tx.exec(
      d.is_constraint
        ? `ALTER TABLE ${quoteIdent(d.table_name)} ADD CONSTRAINT ${quoteIdent(d.name)} ${d.definition}`
        : d.definition,
    );
  return result;
}

/**
 * Truncates those of the tables that are empty and that no foreign key refers to, in the caller's
 * transaction: each gets new files, so at wal_level minimal (the embedded engine's) what the transaction then
 * loads into them, and the indexes it builds on them, are written once to the files and never to the WAL.
 * Returns the tables truncated.
 */
export async function truncateEmptyTables(tx: Queryable, tables: readonly string[]): Promise<string[]> {
  const candidates = await tx.query<{ table_name: string }>(
    `SELECT t.relname AS table_name FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relkind = 'r' AND t.relname = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = t.oid)
      ORDER BY t.relname`,
    [tables],
  );
  const empty: string[] = [];
  for (const { table_name } of candidates) {
    const [row] = await tx.query(`SELECT 1 FROM ${quoteIdent(table_name)} LIMIT 1`);
    if (!row) empty.push(table_name);
  }
  if (empty.length > 0) await tx.exec(`TRUNCATE ${empty.map(quoteIdent).join(", ")}`);
  return empty;
}
