import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import {
  copyStatement,
  DatabaseError,
  type Db,
  type PreparedStatement,
  type Queryable,
  type Row,
} from "./db.ts";
import { PglitePrepared } from "./pglite-prepared.ts";
import { typeParsers } from "./type-parsers.ts";

type PGliteLike = Pick<PGlite, "query" | "exec"> | Transaction;

function queryable(conn: PGliteLike, prepared: PglitePrepared, inTransaction: boolean): Queryable {
  return {
    async query<T extends Row = Row>(
      sql: string | PreparedStatement,
      params: readonly unknown[] = [],
    ): Promise<T[]> {
      if (typeof sql !== "string") return prepared.query<T>(sql, params, inTransaction);
      const result = await conn.query<T>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await conn.exec(sql);
    },
    async copyFrom(table: string, columns: readonly string[], chunks: readonly string[]): Promise<number> {
      if (chunks.length === 0) return 0;
      // One joined string makes a Blob several times faster than thousands of small parts.
      const blob = new Blob([chunks.join("")]);
      const result = await conn.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob });
      return result.affectedRows ?? 0;
    },
  };
}

export async function openPglite(dataDir: string): Promise<Db> {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (cause) {
    throw new DatabaseError(
      `Cannot create the embedded database directory ${dataDir}`,
      "Set ONEPLACE_HOME to a writable directory.",
      { cause, code: "store.embedded-directory" },
    );
  }
  // One process per data directory: refused here, before PGlite reads a byte of it.
  let lock: DataDirLock;
  try {
    lock = lockDataDir(dataDir);
  } catch (cause) {
    if (cause instanceof DatabaseError) throw cause;
    throw new DatabaseError(
      `Cannot take the lock on the embedded database in ${dataDir}: ${(cause as Error).message}`,
      "Make sure the directory is writable by this user (set ONEPLACE_HOME to one that is).",
      { cause, code: "store.embedded-lock" },
    );
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir, { parsers: typeParsers });
  } catch (cause) {
    lock.release();
    throw new DatabaseError(
      `Cannot open the embedded database in ${dataDir}: ${(cause as Error).message}`,
      "The disk may be full, or the directory is not an embedded OnePlace database.",
      { cause, code: "store.embedded-open" },
    );
  }
  // PGlite runs statements one at a time; a transaction holds that lock until it ends.
  const prepared = new PglitePrepared(pg);
  return {
    engine: "pglite",
    location: dataDir,
    ...queryable(pg, prepared, false),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return pg.transaction((tx) => fn(queryable(tx, prepared, true)));
    },
    async close() {
      try {
        if (!pg.closed) await pg.close();
      } finally {
        lock.release();
      }
    },
  };
}
