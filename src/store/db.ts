// One interface over two engines: PGlite (embedded, default) and a PostgreSQL server (DATABASE_URL).
import { type ErrorKind, OnePlaceError } from "../core/errors.ts";

export type EngineName = "pglite" | "postgres";

export type Row = Record<string, unknown>;

/** A statement run by name on each connection (made by prepared.ts's prepared(), never by hand). */
export interface PreparedStatement {
  /** The name the server knows it by on each connection. */
  readonly name: string;
  readonly text: string;
}

export interface Queryable {
  /**
   * Runs one parameterised statement ($1, $2 ...) and returns its rows: its text, or a prepared statement
   * (prepared.ts) for SQL that never changes and runs on every request.
   */
  query<T extends Row = Row>(sql: string | PreparedStatement, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one or more statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * In a transaction on a server, queues a write whose result nobody reads, to go with the next statement in
   * one round trip (a prepared statement as `EXECUTE`, text as it is); the transaction's next statement, or
   * its COMMIT, sends it first. An error it raises surfaces there. Optional: call deferWrite(q, ...).
   */
  defer?(sql: string | PreparedStatement, params?: readonly unknown[]): Promise<void>;
  /**
   * Bulk-loads rows with COPY ... FROM in PostgreSQL's text format. `chunks` are already-encoded lines
   * (see copy-format.ts), each ending in a newline, as text or UTF-8 bytes (CopyWriter); or, with
   * `format: "binary"`, binary rows (CopyBinaryWriter). Returns the number of rows loaded.
   */
  copyFrom(
    table: string,
    columns: readonly string[],
    chunks: readonly (string | Uint8Array)[],
    options?: CopyOptions,
  ): Promise<number>;
  /**
   * True on a Citus cluster's database (the citus extension was in it when it was opened), on the handle and on
   * its transactions: for the few statements that take another form there (store/layout.ts, `onCitus`).
   */
  readonly citus?: boolean;
}

/** A write with no result to read: deferred to go with the next statement where the engine can (defer), or run now. */
export async function deferWrite(
  q: Queryable,
  sql: string | PreparedStatement,
  params: readonly unknown[] = [],
): Promise<void> {
  if (q.defer) await q.defer(sql, params);
  else if (typeof sql === "string" && params.length === 0) await q.exec(sql);
  else await q.query(sql, params);
}

export interface Db extends Queryable {
  readonly engine: EngineName;
  /** Where the data lives, without credentials: a directory for PGlite, host/database for a server. */
  readonly location: string;
  /** Runs fn in one transaction on one connection: all of it commits, or none of it does. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A database error a person can act on, never carrying credentials. */
export class DatabaseError extends OnePlaceError {
  override readonly name = "DatabaseError";
  /** Unavailable (store.database) unless the thrower says what else it is. */
  constructor(
    message: string,
    hint?: string,
    options: { cause?: unknown; kind?: ErrorKind; code?: string } = {},
  ) {
    super(options.kind ?? "unavailable", options.code ?? "store.database", message, {
      hint,
      cause: options.cause,
    });
  }
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new DatabaseError(`Not a safe SQL identifier: "${name}"`, undefined, {
      kind: "invalid",
      code: "store.identifier",
    });
  return `"${name}"`;
}

export interface CopyOptions {
  /**
   * COPY ... WITH (FREEZE): the rows are written already frozen and their pages marked all-visible, so no later
   * read rewrites every page to set its hint bits, and index-only scans work at once. Only for a table created
   * or truncated earlier in the same transaction (PostgreSQL refuses it otherwise); other sessions would see
   * the rows before the transaction commits, so only where none can look (a load into new, empty tables).
   */
  freeze?: boolean;
  /**
   * "binary": the chunks are rows in PostgreSQL's binary COPY format (copy-binary.ts) without the header,
   * which copyFrom adds. Default "text".
   */
  format?: "text" | "binary";
}

export function copyStatement(
  table: string,
  columns: readonly string[],
  source: string,
  options: CopyOptions = {},
): string {
  const settings = [
    ...(options.format === "binary" ? ["FORMAT binary"] : []),
    ...(options.freeze ? ["FREEZE"] : []),
  ];
  return `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM ${source}${settings.length > 0 ? ` WITH (${settings.join(", ")})` : ""}`;
}
