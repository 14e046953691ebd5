import { type Queryable, quoteIdent } from "./db.ts";

const NEXT = "__next";
/** PostgreSQL's identifier limit (NAMEDATALEN - 1): a longer name would be cut short, and the swap lost. */
const MAX_IDENTIFIER = 63;

type IndexDefinition = {
  name: string;
  /** The constraint the index backs (a primary key or unique constraint), or null for a plain index. */
  constraintName: string | null;
  /** p (primary key) or u (unique) for a constraint's index (an exclusion constraint cannot be swapped). */
  constraintType: string | null;
  indexDefinition: string;
};

/** A table's new contents being built beside it: fill `target`, then `swap()` it in. */
export interface TableReplacement {
  /** The new table to insert into (and to read from, until the swap). */
  readonly target: string;
  /** Builds the table's indexes on the new table (once, after its rows are in) and analyses it. */
  index(): Promise<void>;
  /** Puts the new table in the old one's place, under its name and its indexes' names. */
  swap(): Promise<void>;
}

/**
 * Replaces everything in a table without blocking its readers: a new table of the same shape is filled
 * and indexed beside the old one, then swapped in for it within the caller's transaction. Readers see the
 * old rows until the transaction commits and the new ones after; the table is locked from the swap to the
 * commit, not while it is filled (TRUNCATE would lock it from the start). Indexes are built once, after the
 * rows are in, under their original names. The table must have no foreign keys pointing at it, no views over
 * it and no triggers: the swap does not carry them over.
 */
export async function beginTableReplacement(tx: Queryable, table: string): Promise<TableReplacement> {
  const next = `${table}${NEXT}`;
  if (Buffer.byteLength(next) > MAX_IDENTIFIER)
    throw new Error(`The table name ${table} is too long to swap`);
  const indexes = await tx.query<IndexDefinition>(
    `SELECT c.relname AS "name", k.conname AS "constraintName",
            k.contype::text AS "constraintType",
            pg_get_indexdef(i.indexrelid) AS "indexDefinition"
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
      WHERE i.indrelid = to_regclass($1)
      ORDER BY c.relname`,
    [table],
  );
  const tooLong = indexes.find((i) => Buffer.byteLength(i.name + NEXT) > MAX_IDENTIFIER);
  if (tooLong) throw new Error(`The index name ${tooLong.name} is too long to swap`);
  const unsupported = indexes.find((i) => i.constraintType && !["p", "u"].includes(i.constraintType));
  if (unsupported)
    throw new Error(`The constraint ${unsupported.constraintName} cannot be carried over a swap`);
  await tx.exec(`DROP TABLE IF EXISTS ${quoteIdent(next)}`);
  await tx.exec(
    `CREATE TABLE ${quoteIdent(next)} (LIKE ${quoteIdent(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS INCLUDING STATISTICS)`,
  );
  await layOutLike(tx, next, table);
  let indexed = false;
  const index = async () => {
    if (indexed) return;
    indexed = true;
    // Every index, a constraint's too, is built as a plain index under a temporary name; a constraint is
    // attached to its index at the swap (renaming a constraint is what a distributed engine cannot do).
    for (const index of indexes) await tx.exec(indexOnNext(index, next));
    await tx.exec(`ANALYZE ${quoteIdent(next)}`);
  };
  const swap = async () => {
    await index();
    await tx.exec(`DROP TABLE ${quoteIdent(table)}`);
    await tx.exec(`ALTER TABLE ${quoteIdent(next)} RENAME TO ${quoteIdent(table)}`);
    for (const index of indexes) {
      await tx.exec(`ALTER INDEX ${quoteIdent(index.name + NEXT)} RENAME TO ${quoteIdent(index.name)}`);
      if (index.constraintName) {
        const kind = index.constraintType === "p" ? "PRIMARY KEY" : "UNIQUE";
        await tx.exec(
          `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(index.constraintName)} ${kind} USING INDEX ${quoteIdent(index.name)}`,
        );
      }
    }
  };
  return { target: next, index, swap };
}

/**
 * On a Citus coordinator, gives the new table the old one's layout (distributed and co-located with it, or
 * a reference table), so the swap leaves the table laid out as declared. Elsewhere it does nothing.
 */
async function layOutLike(tx: Queryable, next: string, table: string): Promise<void> {
  const [citus] = await tx.query<{ present: boolean }>(
    "SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS present",
  );
  if (!citus?.present) return;
  const [layout] = await tx.query<{ method: string; column: string | null }>(
    `SELECT partmethod AS method, column_to_column_name(logicalrelid, partkey) AS column
       FROM pg_dist_partition WHERE logicalrelid = to_regclass($1)`,
    [table],
  );
  if (!layout) return;
  if (layout.method === "h" && layout.column) {
    await tx.query("SELECT create_distributed_table($1, $2, colocate_with => $3)", [
      next,
      layout.column,
      table,
    ]);
  } else if (layout.method === "n") {
    await tx.query("SELECT create_reference_table($1)", [next]);
  }
}

/** Replaces a table's contents in one go: `fill` inserts into the table it is given, which is then swapped in. */
export async function replaceTableContents<T>(
  tx: Queryable,
  table: string,
  fill: (target: string) => Promise<T>,
): Promise<T> {
  const replacement = await beginTableReplacement(tx, table);
  const result = await fill(replacement.target);
  await replacement.swap();
  return result;
}

/** The index's own definition, renamed and pointed at the new table. */
function indexOnNext(index: IndexDefinition, next: string): string {
  const match = /^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( USING .*)$/s.exec(
    index.indexDefinition,
  );
  if (!match) throw new Error(`Cannot read the definition of index ${index.name}: ${index.indexDefinition}`);
  return `${match[1]}${quoteIdent(index.name + NEXT)}${match[3]}${quoteIdent(next)}${match[5]}`;
}
