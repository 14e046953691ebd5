// Grouped statements: one prepared read asked by many concurrent callers with different parameters (the row of
// each request's read by id) answered by one statement per batch instead of one per caller. The batch's
// statement is the caller's own, run once for each caller's parameters in a LATERAL join over a JSON list of
// them, so each caller gets exactly the rows its own statement would have returned, in the same order. Built on
// read lanes (group commit with two batches in flight on PostgreSQL), as GroupedLookup is: a caller joins only a
// batch that has not started, so the statement that answers it runs after it asked and sees everything committed
// before then. Nothing is cached. What a caller does with its rows (the access decision, the audit row) stays
// its own.
//
// The callers' parameters travel as one JSON list (json_to_recordset), not as an array per parameter (unnest):
// the planner reads the length of an array given as a constant, so each custom plan of the unnest form was
// costed for its own batch and judged cheaper than the generic one (costed for 100 rows), and PostgreSQL planned
// the statement again for nearly every batch (658 custom plans to 2 generic in 660 batches of 8), which cost more
// than running it. It cannot see into the JSON, so the custom and generic plans cost the same and the generic
// plan is kept after the first five runs.
import type { Db, Queryable, Row } from "./db.ts";
import { isCitus } from "./layout.ts";
import { type PreparedStatement, preparedText } from "./prepared.ts";
import { ReadLanes, readLanesFor } from "./read-lanes.ts";

/** At most this many callers in one statement; the rest wait for the next. */
const MAX_CALLERS = 64;

const ORD = "grouped_ord";
const RN = "grouped_rn";
const ARGS = "grouped_args";

function isDb(db: Queryable): db is Db {
  return typeof (db as Partial<Db>).transaction === "function";
}

/**
 * The statement for a batch: the caller's statement once per record of a JSON list (its one parameter: each
 * caller's position and parameters as text, see callersJson), each parameter cast back to the type the statement
 * casts it to. Null when a parameter has no cast of its own (`$1` not followed by `::type`): in text it could not
 * be compared as the untyped original was.
 */
export function groupedText(sql: string, parameters: number): string | null {
  if (parameters === 0 || /\$\d+(?!\d|::)/.test(sql)) return null;
  const columns = Array.from({ length: parameters }, (_, i) => `p${i + 1} text`);
  const inner = sql.replace(/\$(\d+)(?=::)/g, (_, n: string) => `${ARGS}.p${n}`);
  return `SELECT ${ARGS}.${ORD}, q.*
  FROM json_to_recordset($1::json) AS ${ARGS}(${ORD} int, ${columns.join(", ")})
  CROSS JOIN LATERAL (SELECT one.*, row_number() OVER () AS ${RN} FROM (${inner}) one) q
  ORDER BY ${ARGS}.${ORD}, q.${RN}`;
}

/** The batch's one parameter: each caller's position (from 1) and parameters, as groupedText reads them. */
export function callersJson(calls: readonly { texts: readonly (string | null)[] }[]): string {
  let json = "[";
  for (let i = 0; i < calls.length; i++) {
    json += `${i > 0 ? "," : ""}{"${ORD}":${i + 1}`;
    const { texts } = calls[i];
    for (let k = 0; k < texts.length; k++) json += `,"p${k + 1}":${JSON.stringify(texts[k])}`;
    json += "}";
  }
  return `${json}]`;
}

/** A parameter as the text its cast reads, or undefined when it is not a scalar (an array: not grouped). */
function asText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    default:
      return value instanceof Date ? value.toISOString() : undefined;
  }
}

interface Call {
  values: readonly unknown[];
  texts: (string | null)[];
}

export class GroupedStatements {
  readonly #batchers = new WeakMap<Db, Map<string, ReadLanes<Call, Row[]>>>();
  readonly #texts = new Map<string, PreparedStatement | null>();
  /** Statements sent, and callers answered by them: what grouping saved (for tests and benches). */
  readonly counts = { statements: 0, callers: 0 };

  /**
   * The rows `statement` returns for `values`, read after this call was made. Concurrent calls of the same
   * statement on the same database go as one; inside a transaction, on Citus (which routes a statement to one
   * shard only when it names one person) or with an array parameter, the statement runs on its own at once.
   */
  query<T extends Row>(
    db: Queryable,
    statement: PreparedStatement,
    values: readonly unknown[],
  ): Promise<T[]> {
    const texts = values.map(asText);
    if (!isDb(db) || isCitus(db) || texts.some((t) => t === undefined)) return db.query<T>(statement, values);
    const grouped = this.#groupedOf(statement, values.length);
    if (!grouped) return db.query<T>(statement, values);
    let batchers = this.#batchers.get(db);
    if (!batchers) {
      batchers = new Map();
      this.#batchers.set(db, batchers);
    }
    let batcher = batchers.get(statement.name);
    if (!batcher) {
      batcher = new ReadLanes<Call, Row[]>({
        read: (calls) => this.#run(db, statement, grouped, calls),
        maxBatch: MAX_CALLERS,
        lanes: readLanesFor(db),
      });
      batchers.set(statement.name, batcher);
    }
    return batcher.submit({ values, texts: texts as (string | null)[] }) as Promise<T[]>;
  }

  #groupedOf(statement: PreparedStatement, parameters: number): PreparedStatement | null {
    const key = `${statement.name}/${parameters}`;
    let grouped = this.#texts.get(key);
    if (grouped === undefined) {
      const text = groupedText(statement.text, parameters);
      grouped = text === null ? null : preparedText("grouped", text);
      this.#texts.set(key, grouped);
    }
    return grouped;
  }

  async #run(
    db: Db,
    statement: PreparedStatement,
    grouped: PreparedStatement,
    calls: Call[],
  ): Promise<Row[][]> {
    this.counts.statements++;
    this.counts.callers += calls.length;
    // One caller waiting: its own statement, which the database plans for it alone.
    if (calls.length === 1) return [await db.query(statement, calls[0].values)];
    const rows = await db.query(grouped, [callersJson(calls)]);
    const answers: Row[][] = calls.map(() => []);
    for (const { [ORD]: ord, [RN]: _rn, ...row } of rows) answers[Number(ord) - 1].push(row);
    return answers;
  }
}
