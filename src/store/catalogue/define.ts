// How a catalogue entry is written, and the JavaScript types of its rows derived from it.
//
// A column is its SQL type as the migration spells it, with "?" at the end when it may be null
// ("timestamptz?"). Columns are listed in the table's order: object keys keep the order they are written in.

export type SqlType =
  | "text"
  | "uuid"
  | "date"
  | "timestamptz"
  | "boolean"
  | "smallint"
  | "integer"
  | "bigint"
  | "real"
  | "double precision"
  | "numeric"
  | "jsonb"
  | "bytea"
  | "text[]"
  | "uuid[]"
  | "double precision[]";

export type ColumnType = SqlType | `${SqlType}?`;

export type ColumnTypes = Readonly<Record<string, ColumnType>>;

export interface Keys<C extends ColumnTypes> {
  readonly primaryKey: readonly (keyof C & string)[];
  readonly unique?: readonly (readonly (keyof C & string)[])[];
}

export interface TableDefinition<C extends ColumnTypes = ColumnTypes> extends Keys<C> {
  readonly columns: C;
}

/** One entry of the catalogue: the columns in order, then the keys, each naming only columns it has. */
export function table<const C extends ColumnTypes>(columns: C, keys: Keys<C>): TableDefinition<C> {
  return { columns, ...keys };
}

/**
 * A value as the Db returns it (see type-parsers.ts): dates stay ISO strings, bigint and numeric become
 * numbers, timestamptz becomes a Date, jsonb its parsed value.
 */
interface ReadTypes {
  text: string;
  uuid: string;
  date: string;
  timestamptz: Date;
  boolean: boolean;
  smallint: number;
  integer: number;
  bigint: number;
  real: number;
  "double precision": number;
  numeric: number;
  jsonb: unknown;
  bytea: Uint8Array;
  "text[]": string[];
  "uuid[]": string[];
  "double precision[]": number[];
}

/**
 * A value as it is written in COPY text (copy-format.ts): instants as ISO strings, jsonb and arrays as
 * their text forms.
 */
interface CopyTypes extends Record<SqlType, string | number | boolean> {
  text: string;
  uuid: string;
  date: string;
  timestamptz: string;
  boolean: boolean;
  smallint: number;
  integer: number;
  bigint: number;
  real: number;
  "double precision": number;
  numeric: number;
}

type Valued<T, Types> = T extends `${infer S extends SqlType}?`
  ? Types[S & keyof Types] | null
  : Types[T & keyof Types];

/** A row as the Db returns it from `SELECT *`: one named property per column. */
export type RowOf<C extends ColumnTypes> = { -readonly [K in keyof C]: Valued<C[K], ReadTypes> };

/** A row to write with COPY: every column, by name, with values copy-format.ts can encode. */
export type CopyRowOf<C extends ColumnTypes> = { -readonly [K in keyof C]: Valued<C[K], CopyTypes> };
