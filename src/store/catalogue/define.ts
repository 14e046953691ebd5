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
  | "integer[]"
  | "double precision[]";

export type ColumnType = SqlType | `${SqlType}?`;

export type ColumnTypes = Readonly<Record<string, ColumnType>>;

/**
 * Where a table lives on a Citus cluster (`oneplace db distribute`, src/store/layout.ts):
 * - "distributed": sharded on person_id and co-located with person; person_id must be in the primary key and
 *   in every unique key (the catalogue's personScoped), so a person's rows are on one node;
 * - "reference": small and read everywhere, a copy on every node (codes, organisations, definitions);
 * - "local": on the coordinator only (queues, sessions, the audit chain, anything keyed on something other
 *   than the person that is too large or too busy to copy to every node);
 * - "nhs-number": sharded on nhs_number in a co-location group of its own, so that a look-up by NHS Number
 *   goes to one shard (person_by_nhs_number, src/store/nhs-number-routes.ts); nhs_number must be in the
 *   primary key and in every unique key.
 * On one PostgreSQL server or PGlite the layout changes nothing.
 */
export type Layout = "distributed" | "reference" | "local" | "nhs-number";

export interface Keys<C extends ColumnTypes> {
  readonly primaryKey: readonly (keyof C & string)[];
  readonly unique?: readonly (readonly (keyof C & string)[])[];
  /** Where the table lives on a Citus cluster: every table says, so a new one cannot be forgotten. */
  readonly layout: Layout;
}

export interface TableDefinition<C extends ColumnTypes = ColumnTypes> extends Keys<C> {
  readonly columns: C;
}

/**
 * Where a canonical row came from: the sending system, its id for the row, when it arrived (catalogue.ts's
 * PROVENANCE_COLUMNS). Written last in the table, as `...PROVENANCE`.
 */
export const PROVENANCE = {
  source_system: "text",
  source_record_id: "text",
  received_at: "timestamptz",
} as const;

/** The unique key of a person's row by its provenance: one row a person, sending system and record. */
export const PROVENANCE_KEY = ["person_id", "source_system", "source_record_id"] as const;

/** One entry of the catalogue: the columns in order, then the keys, each naming only columns it has. */
export function table<const C extends ColumnTypes>(columns: C, keys: Keys<C>): TableDefinition<C> {
  return { columns, ...keys };
}

/** The scalar values both directions share: dates as ISO strings, bigint and numeric as numbers. */
interface ScalarTypes {
  text: string;
  uuid: string;
  date: string;
  boolean: boolean;
  smallint: number;
  integer: number;
  bigint: number;
  real: number;
  "double precision": number;
  numeric: number;
}

/** A value as the Db returns it (see type-parsers.ts): the scalars, timestamptz as a Date, jsonb parsed. */
interface ReadTypes extends ScalarTypes {
  timestamptz: Date;
  jsonb: unknown;
  bytea: Uint8Array;
  "text[]": string[];
  "uuid[]": string[];
  "integer[]": number[];
  "double precision[]": number[];
}

/**
 * A value as it is written in COPY text (copy-format.ts): the scalars, instants as ISO strings, jsonb and
 * arrays as their text forms.
 */
type CopyTypes = Record<SqlType, string | number | boolean> & ScalarTypes & { timestamptz: string };

type Valued<T, Types> = T extends `${infer S extends SqlType}?`
  ? Types[S & keyof Types] | null
  : Types[T & keyof Types];

/** A row as the Db returns it from `SELECT *`: one named property per column. */
export type RowOf<C extends ColumnTypes> = { -readonly [K in keyof C]: Valued<C[K], ReadTypes> };

/** A row to write with COPY: every column, by name, with values copy-format.ts can encode. */
export type CopyRowOf<C extends ColumnTypes> = { -readonly [K in keyof C]: Valued<C[K], CopyTypes> };
