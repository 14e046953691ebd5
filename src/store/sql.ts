import { escapeLiteral } from "pg";
import { invalid } from "../core/errors.ts";
import { type Queryable, quoteIdent } from "./db.ts";

// The one SQL toolkit: statements with parameters (a tagged template), identifiers, literal values for SQL
// sent as text, and the unnest() helpers for set-based writes. Every capability builds its SQL with these.

/** A statement ready for Queryable.query: its text with $1..$n and their values. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** An identifier (table or column name) spliced into a statement, checked by quoteIdent. */
export class SqlIdentifier {
  readonly quoted: string;
  constructor(name: string) {
    this.quoted = quoteIdent(name);
  }
}

/** Marks a table or column name for sql`...`: it is quoted, never sent as a parameter. */
export function ident(name: string): SqlIdentifier {
  return new SqlIdentifier(name);
}

/** A piece of SQL built by sql`...`; it can be nested in another, its parameters renumbered. */
export class SqlFragment implements Statement {
  readonly #strings: readonly string[];
  readonly #parts: readonly unknown[];
  #compiled: Statement | undefined;

  constructor(strings: readonly string[], parts: readonly unknown[]) {
    this.#strings = strings;
    this.#parts = parts;
  }

  get text(): string {
    return this.#compile().text;
  }

  get values(): unknown[] {
    return this.#compile().values;
  }

  #compile(): Statement {
    if (!this.#compiled) {
      const values: unknown[] = [];
      this.#compiled = { text: this.appendTo(values), values };
    }
    return this.#compiled;
  }

  /** This fragment's text, its values pushed onto `values` (so numbering continues from there). */
  appendTo(values: unknown[]): string {
    let text = this.#strings[0];
    for (let i = 0; i < this.#parts.length; i++) {
      const part = this.#parts[i];
      if (part instanceof SqlIdentifier) text += part.quoted;
      else if (part instanceof SqlFragment) text += part.appendTo(values);
      else {
        values.push(part);
        text += `$${values.length}`;
      }
      text += this.#strings[i + 1];
    }
    return text;
  }
}

/**
 * sql`SELECT ... WHERE person_id = ${id}` gives { text: "SELECT ... WHERE person_id = $1", values: [id] }.
 * ${ident(name)} splices a quoted identifier; a nested sql`...` splices its text and parameters.
 */
export function sql(strings: TemplateStringsArray, ...parts: unknown[]): SqlFragment {
  return new SqlFragment(strings, parts);
}

/** sql`...` fragments joined by a separator, as one fragment. */
export function joinSql(fragments: readonly SqlFragment[], separator = ", "): SqlFragment {
  const strings = fragments.length === 0 ? [""] : ["", ...fragments.slice(1).map(() => separator), ""];
  return new SqlFragment(strings, fragments);
}

/** Runs a sql`...` statement. */
export function run<T extends Record<string, unknown> = Record<string, unknown>>(
  q: Queryable,
  statement: Statement,
): Promise<T[]> {
  return q.query<T>(statement.text, statement.values);
}

/**
 * Collects positional parameters while SQL text is built piece by piece (for statements assembled from many
 * optional conditions): p.add(value, "date") returns "$n::date".
 */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }
}

/**
 * Parameters written into the SQL as literals (values stays empty), for a statement Citus cannot plan with
 * parameters: an INSERT ... SELECT that it runs through the coordinator failed "could not create distributed
 * plan" at a region's size (3.6 million people), the same statement with parameters passing at 6,000.
 */
export class InlineParams extends SqlParams {
  override add(value: unknown, cast?: string): string {
    if (cast?.endsWith("[]")) return arrayLiteral(value as readonly unknown[], cast.slice(0, -2));
    return cast ? `(${literal(value, cast)})::${cast}` : literal(value, "text");
  }
}

// Literal values, for SQL sent as text: many writes in one round trip (a multi-statement exec has no
// parameters) and constants baked into an expression. Text is quoted by pg's escapeLiteral; a NUL cannot be
// stored in text at all.

const NUMERIC_TYPES = new Set(["numeric", "smallint", "integer", "int", "bigint", "float8"]);

/** A text literal: '...' (or E'...' when it holds a backslash). */
export function textLiteral(text: string): string {
  if (text.includes("\u0000")) throw invalid("store.sql-nul", "text cannot contain a NUL character");
  return escapeLiteral(text).trimStart();
}

/** A finite number as a float8 literal, for coefficients baked into an expression. */
export function float8(x: number): string {
  if (!Number.isFinite(x)) throw invalid("store.sql-number", `Not a finite number: ${x}`);
  return `(${x.toString()})::float8`;
}

/** A value as a literal of the column's type (NULL for null or undefined). */
export function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return "NULL";
  if (type === "boolean") return value ? "true" : "false";
  if (NUMERIC_TYPES.has(type)) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw invalid("store.sql-number", `not a finite number for a ${type} column`);
    return String(n);
  }
  const quoted = textLiteral(value instanceof Date ? value.toISOString() : String(value));
  return type === "text" ? quoted : `${quoted}::${type}`;
}

/** An array literal of one element type: ARRAY['a','b']::text[]. */
export function arrayLiteral(values: readonly unknown[], type: string): string {
  return `ARRAY[${values.map((v) => literal(v, "text")).join(",")}]::${type}[]`;
}

// Set-based writes: one statement for many rows, each column passed as one array and unnest() turning the
// arrays back into rows. Both engines accept JavaScript arrays as array parameters.

export interface ColumnSpec {
  name: string;
  /** PostgreSQL type of the column (text, uuid, date, timestamptz, numeric, boolean, jsonb ...). */
  type: string;
}

/** Columns from "name type, name type, ...". */
export function cols(spec: string): ColumnSpec[] {
  return spec
    .trim()
    .split(/\s*,\s*/)
    .map((pair) => {
      const [name, type] = pair.split(/\s+/);
      return { name, type };
    });
}

function arrayType(type: string): string {
  // jsonb arrays travel as text[] and are cast per element.
  return type === "jsonb" ? "text[]" : `${type}[]`;
}

/** SELECT list turning $first..$n arrays into typed columns, for INSERT ... SELECT. */
export function unnestSelect(columns: readonly ColumnSpec[], firstParam = 1): string {
  const args = columns.map((c, i) => `$${firstParam + i}::${arrayType(c.type)}`).join(", ");
  const names = columns.map((c) => c.name).join(", ");
  const casts = columns.map((c) => (c.type === "jsonb" ? `u.${c.name}::jsonb` : `u.${c.name}`)).join(", ");
  return `SELECT ${casts} FROM unnest(${args}) AS u(${names})`;
}

/** Rows (arrays of values in column order) to one array per column. */
export function toColumns(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < width; c++) columns[c][r] = row[c] ?? null;
  }
  return columns;
}

function columnList(columns: readonly ColumnSpec[]): string {
  return columns.map((c) => c.name).join(", ");
}

/** INSERT many rows in one statement; `suffix` is e.g. "ON CONFLICT DO NOTHING". Returns rows it returned. */
export async function insertMany<T extends Record<string, unknown> = Record<string, unknown>>(
  q: Queryable,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<T[]> {
  if (rows.length === 0) return [];
  const text = `INSERT INTO ${table} (${columnList(columns)}) ${unnestSelect(columns)} ${suffix}`;
  return q.query<T>(text, toColumns(rows, columns.length));
}

/** Rows as a VALUES list of literals. */
export function valuesList(columns: readonly ColumnSpec[], rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => `(${columns.map((c, i) => literal(row[i], c.type)).join(", ")})`).join(",\n");
}

/** INSERT ... VALUES ... as text, to send with other writes in one exec ("" when there are no rows). */
export function insertText(
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): string {
  if (rows.length === 0) return "";
  return `INSERT INTO ${table} (${columnList(columns)}) VALUES\n${valuesList(columns, rows)}\n${suffix};\n`;
}
