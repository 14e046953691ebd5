// Named prepared statements on PGlite, through its wire-protocol API: PGlite's `query` has no statement
// names, and sends Parse, Describe, Bind, Describe, Execute and Sync as six separate trips into WebAssembly,
// parsing and planning the text every time. Here a statement is parsed once (Parse with its name, then
// Describe for its parameter types) and each run is one trip: Bind by name, Describe, Execute, Sync.
//
// PGlite's execProtocol* methods take none of its locks, so a run takes the ones its `query` takes: the
// transaction lock as well as the query lock outside a transaction (a statement must never land inside
// another caller's open transaction), only the query lock inside one (its transaction holds the other).
import { type PGlite, parse, protocol } from "@electric-sql/pglite";
import type { PreparedStatement, Row } from "./db.ts";

const { serialize } = protocol;

/** SQLSTATE 26000: the server no longer knows the name (a DEALLOCATE ran): prepare it again. */
const UNKNOWN_STATEMENT = "26000";

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One PGlite instance's prepared statements: their names, each with its parameters' type ids. */
export class PglitePrepared {
  readonly #pg: PGlite;
  readonly #paramTypes = new Map<string, number[]>();

  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  /** Runs a prepared statement; `inTransaction` when called on a transaction this engine opened. */
  async query<T extends Row>(
    statement: PreparedStatement,
    params: readonly unknown[],
    inTransaction: boolean,
  ): Promise<T[]> {
    const pg = this.#pg;
    // Outside a transaction a failed run leaves nothing behind, so an unknown name may be prepared again.
    const run = () => pg.runExclusive(() => this.#run<T>(statement, params, !inTransaction));
    if (inTransaction) return run();
    return pg._runExclusiveTransaction(async () => {
      const rows = await run();
      await pg.syncToFs();
      return rows;
    });
  }

  async #run<T extends Row>(
    statement: PreparedStatement,
    params: readonly unknown[],
    retry: boolean,
  ): Promise<T[]> {
    const pg = this.#pg;
    let types = this.#paramTypes.get(statement.name);
    if (!types) {
      const described = await pg.execProtocolStream(
        concat([
          serialize.parse({ name: statement.name, text: statement.text }),
          serialize.describe({ type: "S", name: statement.name }),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
      types = parse.parseDescribeStatementResults(described);
      this.#paramTypes.set(statement.name, types);
    }
    const serializers = pg.serializers;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = serializers[(types as number[])[i]];
      return serializer ? serializer(value) : String(value);
    });
    let messages: Awaited<ReturnType<PGlite["execProtocolStream"]>>;
    try {
      messages = await pg.execProtocolStream(
        concat([
          serialize.bind({ statement: statement.name, values }),
          serialize.describe({ type: "P" }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
    } catch (error) {
      if (retry && (error as { code?: string }).code === UNKNOWN_STATEMENT) {
        this.#paramTypes.delete(statement.name);
        return this.#run(statement, params, false);
      }
      throw error;
    }
    const [result] = parse.parseResults(messages, pg.parsers);
    return (result?.rows ?? []) as T[];
  }
}
