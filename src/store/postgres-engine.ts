import { once } from "node:events";
import { createRequire } from "node:module";
import pg from "pg";
import { from as copyFromStream } from "pg-copy-streams";
import { COPY_BINARY_HEADER } from "./copy-binary.ts";
import {
  type CopyOptions,
  copyStatement,
  DatabaseError,
  type Db,
  type PreparedStatement,
  type Queryable,
  type Row,
} from "./db.ts";
import { typeParsers } from "./type-parsers.ts";

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    return typeParsers[oid] ?? pg.types.getTypeParser(oid, format);
  },
};

/** host:port/database, never the user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    throw new DatabaseError(
      "DATABASE_URL is not a valid URL",
      "Expected postgres://user@host:5432/database",
      {
        kind: "invalid",
        code: "store.database-url",
      },
    );
  }
}

function explainConnectError(location: string, cause: unknown): DatabaseError {
  const e = cause as { code?: string; message?: string };
  const reasons: Record<string, string> = {
    ECONNREFUSED: "nothing is listening there",
    ENOTFOUND: "the host name does not resolve",
    ETIMEDOUT: "the connection timed out",
    "28P01": "the password was refused",
    "28000": "the user is not allowed to connect",
    "3D000": "the database does not exist",
  };
  const why = (e.code && reasons[e.code]) ?? e.message ?? "unknown error";
  return new DatabaseError(
    `Cannot connect to PostgreSQL at ${location}: ${why}`,
    "Check DATABASE_URL, or unset it to use the embedded database.",
    { cause, code: "store.connect" },
  );
}

function queryable(client: pg.PoolClient | pg.Pool, citus: boolean): Queryable {
  return {
    citus,
    async query<T extends Row = Row>(
      sql: string | PreparedStatement,
      params: readonly unknown[] = [],
    ): Promise<T[]> {
      // A named statement is parsed once per pooled connection (pg remembers which), then bound by name.
      const config =
        typeof sql === "string"
          ? { text: sql, values: [...params], types }
          : { name: sql.name, text: sql.text, values: [...params], types };
      const result = await client.query<T>(config);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    async copyFrom(
      table: string,
      columns: readonly string[],
      chunks: readonly (string | Uint8Array)[],
      options?: CopyOptions,
    ): Promise<number> {
      if (chunks.length === 0) return 0;
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyFromStream(copyStatement(table, columns, "STDIN", options)));
        if (options?.format === "binary" && !stream.write(COPY_BINARY_HEADER)) await once(stream, "drain");
        for (const chunk of chunks) {
          if (!stream.write(chunk)) await once(stream, "drain");
        }
        stream.end();
        await once(stream, "finish");
        return stream.rowCount;
      };
      if (client instanceof pg.Pool) {
        const c = await client.connect();
        try {
          return await run(c);
        } finally {
          c.release();
        }
      }
      return run(client);
    },
  };
}

/** pg's own text form of a parameter (an array as an array literal, a Date with its offset), for EXECUTE. */
const prepareValue = (
  createRequire(import.meta.url)("pg/lib/utils.js") as { prepareValue(v: unknown): unknown }
).prepareValue;

/**
 * A string literal for any setting of standard_conforming_strings (E'...' when it holds a backslash): pg's
 * escapeLiteral does the same a character at a time, which is slow for a batch's payloads.
 */
const textLiteral = (v: string) =>
  v.includes("\\")
    ? ` E'${v.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`
    : `'${v.replaceAll("'", "''")}'`;

/**
 * An array of strings and nulls in PostgreSQL's array text form, as pg's prepareValue writes it (an element in
 * double quotes, its backslashes and double quotes escaped), in one pass; null when it holds anything else.
 * A batch's writes are columns of such arrays.
 */
export function stringArrayText(values: readonly unknown[]): string | null {
  let text = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ",";
    if (v === null || v === undefined) text += "NULL";
    else if (typeof v !== "string") return null;
    else if (v.includes("\\") || v.includes('"'))
      text += `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    else text += `"${v}"`;
  }
  return `${text}}`;
}

/** EXECUTE of a statement prepared on this connection, its parameters as literals; null when one cannot be. */
function executeText(statement: PreparedStatement, params: readonly unknown[]): string | null {
  const values: string[] = [];
  for (const p of params) {
    const v =
      p === null || p === undefined
        ? null
        : ((Array.isArray(p) ? stringArrayText(p) : null) ?? prepareValue(p));
    if (v === null || v === undefined) values.push("NULL");
    else if (typeof v === "string") values.push(textLiteral(v));
    else return null; // bytes travel as parameters only
  }
  return `EXECUTE "${statement.name}"${values.length > 0 ? `(${values.join(", ")})` : ""}`;
}

/**
 * A transaction's statements, with round trips saved. BEGIN goes with the first statement when that is text
 * (a batch's lock, see locks.ts). Writes nobody reads the result of (`defer`) wait and go with the next
 * statement, or the COMMIT, in one round trip: a prepared
 * statement already parsed on this connection goes as `EXECUTE name(literals)` (no parse, no plan: its
 * cached plan), so a batch's lock goes with its read, and its writes with its COMMIT. Once the transaction has
 * committed, any further statement is an error, never a statement run outside the transaction.
 * Not on Citus: it sends a DDL statement's whole query string on to the workers, and a worker refuses a string
 * of several commands there ("cannot insert multiple commands into a prepared statement").
 */
function transactionQueryable(client: pg.PoolClient, citus: boolean) {
  const inner = queryable(client, citus);
  let state: "idle" | "open" | "committed" = "idle";
  let pending = "";
  const parsed = (name: string) =>
    (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection
      ?.parsedStatements?.[name] !== undefined;
  const withBegin = (sql: string) => {
    if (state === "committed") throw new Error("a statement after the transaction committed");
    const text = `${state === "idle" ? "BEGIN;\n" : ""}${pending}${sql}`;
    state = "open";
    pending = "";
    return text;
  };
  const open = async () => {
    if (state === "committed") throw new Error("a statement after the transaction committed");
    if (state === "idle" || pending) await client.query(withBegin(""));
  };
  /** The rows of a text's last statement (a text of several gives pg's results one per statement). */
  const lastRows = <T extends Row>(result: pg.QueryResult<T> | pg.QueryResult<T>[]) =>
    (Array.isArray(result) ? result[result.length - 1] : result).rows;
  const tx: Queryable = {
    citus,
    async query<T extends Row = Row>(sql: string | PreparedStatement, params: readonly unknown[] = []) {
      const text = !citus && typeof sql !== "string" && parsed(sql.name) ? executeText(sql, params) : null;
      if (text !== null) {
        const result = await client.query<T>({ text: withBegin(text), types });
        return lastRows<T>(result as unknown as pg.QueryResult<T> | pg.QueryResult<T>[]);
      }
      await open();
      return inner.query<T>(sql, params);
    },
    async exec(sql) {
      if (citus) {
        await open();
        await client.query(sql);
      } else await client.query(withBegin(sql));
    },
    async defer(sql, params = []) {
      if (state === "committed") throw new Error("a statement after the transaction committed");
      const text = citus
        ? null
        : typeof sql === "string"
          ? params.length === 0
            ? sql
            : null
          : parsed(sql.name)
            ? executeText(sql, params)
            : null;
      if (text === null) {
        await tx.query(sql, params);
        return;
      }
      pending += `${text};\n`;
    },
    async copyFrom(table, columns, chunks, options) {
      await open();
      return inner.copyFrom(table, columns, chunks, options);
    },
  };
  return {
    queryable: tx,
    async commit() {
      if (pending) await client.query(`${withBegin("")}COMMIT`);
      else if (state === "open") await client.query("COMMIT");
      state = "committed";
    },
  };
}

/** Connections to the server at most, unless ONEPLACE_DB_POOL says otherwise. */
export const DEFAULT_POOL_SIZE = 8;

/**
 * `poolSize`: connections at most. Each request holds one only while a statement runs, and concurrent audit rows
 * and token look-ups share one statement (group commit), so a few per core of the database server suffice:
 * more only add backends competing for the same cores (bench/fhir-api.ts measures it).
 */
export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Db> {
  const location = describeUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process.
  pool.on("error", () => {});
  let citus = false;
  try {
    const c = await pool.connect();
    try {
      citus = (await c.query("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).rowCount === 1;
    } finally {
      c.release();
    }
  } catch (cause) {
    await pool.end().catch(() => {});
    throw explainConnectError(location, cause);
  }
  return {
    engine: "postgres",
    location,
    ...queryable(pool, citus),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      const tx = transactionQueryable(client, citus);
      try {
        const result = await fn(tx.queryable);
        await tx.commit();
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
