import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { COPY_BINARY_HEADER } from "./copy-binary.ts";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.ts";
import {
  type CopyOptions,
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
    async copyFrom(
      table: string,
      columns: readonly string[],
      chunks: readonly (string | Uint8Array)[],
      options?: CopyOptions,
    ): Promise<number> {
      if (chunks.length === 0) return 0;
      // One joined string makes a Blob several times faster than thousands of small parts.
      const rows = chunks.every((c) => typeof c === "string") ? [chunks.join("")] : chunks;
      const parts = options?.format === "binary" ? [COPY_BINARY_HEADER, ...rows] : rows;
      const blob = new Blob(parts as (string | Uint8Array<ArrayBuffer>)[]);
      const result = await conn.query(copyStatement(table, columns, "'/dev/blob'", options), [], { blob });
      return result.affectedRows ?? 0;
    },
  };
}

/**
 * PostgreSQL's memory settings inside the embedded engine. Its heap is a WebAssembly memory, which grows to the
 * most the engine ever held at once and never gives a page back, so what a setting lets one statement take is
 * kept for the life of the process: the settings below bound that peak (measurements: docs/scale.md).
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  // The buffer cache is resident from the start (PostgreSQL's default 128MB: 217 MiB of WebAssembly at open,
  // 95 MiB with 16MB). Pages it does not hold are read from the operating system's cache.
  shared_buffers: "32MB",
  // Nothing reads the WAL but crash recovery (no replicas, no archive): at minimal, a table made or truncated in
  // a transaction, and an index built in one, are written to their files alone (a bulk load writes half as much).
  wal_level: "minimal",
  max_wal_senders: "0",
};

/** The engine's start-up parameters: PGlite's own, then each setting as `-c name=value`. */
export function pgliteStartParams(settings: Readonly<Record<string, string>> = PGLITE_SETTINGS): string[] {
  const params = [...PGlite.defaultStartParams];
  for (const [name, value] of Object.entries(settings)) {
    if (!/^[a-z_.]+$/.test(name) || !/^[A-Za-z0-9_.-]+$/.test(value))
      throw new DatabaseError(`Not a setting the embedded engine can take: ${name}=${value}`, undefined, {
        kind: "invalid",
        code: "store.embedded-setting",
      });
    params.push("-c", `${name}=${value}`);
  }
  return params;
}

export interface PgliteOptions {
  /** PostgreSQL settings for this instance, in place of PGLITE_SETTINGS. */
  settings?: Readonly<Record<string, string>>;
}

export async function openPglite(dataDir: string, options: PgliteOptions = {}): Promise<Db> {
  const startParams = pgliteStartParams(options.settings);
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
    pg = await PGlite.create(dataDir, {
      parsers: typeParsers,
      startParams,
    });
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
