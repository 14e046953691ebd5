import { deferWrite, type Queryable } from "./db.ts";
import { isCitus } from "./layout.ts";
import { type PreparedStatement, preparedText } from "./prepared.ts";
import { type ColumnSpec, toColumns, unnestSelect } from "./sql.ts";

// Many writes in one prepared statement. Each write is an INSERT (or UPDATE) of many rows whose values travel as
// one array per column ($1..$n, unnest() turning them back into rows), so its text depends only on its table
// and columns, never on the rows. A batch's writes go as data-modifying WITH parts of one statement: one round
// trip, and the statement is parsed once per connection and, once it has a generic plan, never planned again,
// where a script of INSERT ... VALUES text is parsed and planned every time. The parts share one snapshot: none
// may need to see another's rows, and no two may write the same row (statements that must see earlier writes
// go in a later runWrites).

/** One write: its text with its own $1..$n, and their values. */
export interface Write {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** Each INSERT's text, made once per table, columns, suffix and alias (and then the same string each time). */
const INSERT_TEXTS = new WeakMap<readonly ColumnSpec[], Map<string, string>>();

function insertText(table: string, columns: readonly ColumnSpec[], suffix: string, alias: string): string {
  let texts = INSERT_TEXTS.get(columns);
  if (!texts) {
    texts = new Map();
    INSERT_TEXTS.set(columns, texts);
  }
  const key = `${table}\u0000${alias}\u0000${suffix}`;
  let text = texts.get(key);
  if (text === undefined) {
    const names = columns.map((c) => c.name).join(", ");
    text =
      `INSERT INTO ${table}${alias ? ` AS ${alias}` : ""} (${names}) ${unnestSelect(columns)} ${suffix}`.trimEnd();
    texts.set(key, text);
  }
  return text;
}

/** INSERT rows (values in `columns` order) as one write; `suffix` is e.g. an ON CONFLICT clause. Null for no rows. */
export function insertWrite(
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
  alias = "",
): Write | null {
  if (rows.length === 0) return null;
  return { text: insertText(table, columns, suffix, alias), params: toColumns(rows, columns.length) };
}

const renumbered = (text: string, offset: number) =>
  offset === 0 ? text : text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);

/**
 * The statements made of writes, by the texts of their writes in order: a batch's is found by a look-up per
 * write (each text hashed once, as the same string comes back), not made and hashed afresh for every batch.
 */
interface Combined {
  statement?: PreparedStatement;
  /** Each write's count of parameters (which its text fixes, and the later writes' numbering depends on). */
  counts?: readonly number[];
  next: Map<string, Combined>;
}
const COMBINED: Combined = { next: new Map() };

function combined(list: readonly Write[]): PreparedStatement {
  let node = COMBINED;
  for (const w of list) {
    let next = node.next.get(w.text);
    if (!next) {
      next = { next: new Map() };
      node.next.set(w.text, next);
    }
    node = next;
  }
  const counts = node.counts;
  if (node.statement && counts?.every((n, i) => n === list[i].params.length)) return node.statement;
  let offset = 0;
  const parts = list.map((w, i) => {
    const text = renumbered(w.text, offset);
    offset += w.params.length;
    return `w${i} AS (${text})`;
  });
  const statement = preparedText("writes", `WITH ${parts.join(",\n")}\nSELECT 1`);
  if (!node.statement) {
    node.statement = statement;
    node.counts = list.map((w) => w.params.length);
  }
  return statement;
}

/**
 * Runs the writes given (nulls skipped) as one prepared statement, in its WITH parts; in a transaction on a
 * server it goes with the next statement (deferWrite), so a batch's writes travel with its COMMIT. On a Citus
 * cluster each goes on its own (the coordinator plans a modifying WITH part as a separate step anyway).
 */
export async function runWrites(q: Queryable, writes: readonly (Write | null)[]): Promise<void> {
  const list = writes.filter((w): w is Write => w !== null);
  if (list.length === 0) return;
  if (list.length === 1 || isCitus(q)) {
    for (const w of list) await deferWrite(q, preparedText("writes", w.text), w.params);
    return;
  }
  const params: unknown[] = [];
  for (const w of list) for (const p of w.params) params.push(p);
  await deferWrite(q, combined(list), params);
}
