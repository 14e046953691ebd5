import { createHash } from "node:crypto";
import {
  CATALOGUE,
  type CanonicalName,
  type CopyValue,
  isTableName,
  type TableName,
} from "../../store/declarations.ts";
import { rowId } from "../ids.ts";
import { type EncodedLinked, LinkedEncoder } from "../linked-encoder.ts";
import type * as F from "./fields.ts";

// How a CSV layout is declared: once, as a table of its columns (name, type, required, description) each
// naming the catalogue columns it is stored in, against the catalogue's declaration of the table it writes.
// The loader checks cells and builds rows from it (layouts.ts), docs/formats/ is generated from it (docs.ts),
// and checkDeclaration says where a declaration and the catalogue disagree (run for every layout at start).

export interface ColumnDef {
  name: string;
  type: F.FieldType;
  required: boolean;
  description: string;
  /**
   * The catalogue columns the value is stored in, as `table.column`: person_id for the column naming whose row
   * it is (linked through the MPI, or found by NHS Number), source_record_id for the row's id in its source,
   * received_at for when it was extracted. Empty when it is only read by a derived column.
   */
  storedIn: readonly string[];
}

/** A canonical column computed from CSV columns (a row id another row is known by). */
export interface Derived {
  column: string;
  from: readonly string[];
  description: string;
  value(values: CsvValues, sourceSystem: string): CopyValue;
}

export type CsvValues = Record<string, string | number | boolean | null>;

/** A column as a layout declares it: `to` names where it is stored (default: the same-named column). */
export interface ColumnDecl {
  name: string;
  type: F.FieldType;
  required: boolean;
  description: string;
  to?: string | readonly string[];
}

const column =
  (required: boolean) =>
  (name: string, type: F.FieldType, description: string, to?: string | readonly string[]): ColumnDecl => ({
    name,
    type,
    required,
    description,
    to,
  });

/** A column every row must fill. */
export const need = column(true);
/** A column a row may leave empty (or a header leave out). */
export const may = column(false);

/**
 * How the rows find their person: as people through the MPI, linked through the source record their subject
 * column names (person_id), by NHS Number, or not at all (reference data).
 */
export type PersonVia = "people" | "linked" | "nhs-number" | "none";

export interface LayoutDecl {
  name: string;
  title: string;
  defaultSource: string;
  /** The catalogue table the rows are written to; a column may also name another table it fills. */
  table: TableName;
  person: PersonVia;
  columns: readonly ColumnDecl[];
  derived?: readonly Derived[];
}

/** A layout as declared, without how its rows find their person: its writer says that (writers.ts). */
export type Declaration<T extends TableName = TableName> = Omit<LayoutDecl, "person" | "table"> & {
  table: T;
};

/** A layout whose rows are written against the person their subject is linked to (writers.ts's linkedLayout). */
export type LinkedDeclaration = Declaration<CanonicalName> & {
  /** Record in ingest_row_subject which source record each row belongs to (so a merge moves it). */
  recordSubject: boolean;
};

/** A declaration with each column's storage resolved to `table.column`. */
export interface Declared extends Omit<LayoutDecl, "columns"> {
  columns: ColumnDef[];
  /** The column naming the row within its source: stored as source_record_id, else the table's key. */
  recordIdColumn: string;
  /** The column stored as person_id (the subject a row is about, or an NHS Number), if any. */
  personColumn: string | null;
}

function qualify(table: string, to: string): string {
  return to.includes(".") ? to : `${table}.${to}`;
}

function storedIn(table: string, c: ColumnDecl): string[] {
  if (c.to === undefined) return [`${table}.${c.name}`];
  return (typeof c.to === "string" ? [c.to] : c.to).map((t) => qualify(table, t));
}

export function resolve(decl: LayoutDecl): Declared {
  const columns = decl.columns.map((c) => ({
    name: c.name,
    type: c.type,
    required: c.required,
    description: c.description,
    storedIn: storedIn(decl.table, c),
  }));
  const into = (column: string) => columns.find((c) => c.storedIn.includes(`${decl.table}.${column}`));
  const key = CATALOGUE[decl.table].primaryKey;
  const recordId = into("source_record_id") ?? (key.length === 1 ? into(key[0]) : undefined);
  return {
    ...decl,
    columns,
    recordIdColumn: recordId?.name ?? "",
    personColumn: into("person_id")?.name ?? null,
  };
}

/** The row id column: the second of a primary key (person_id, <id>), given from provenance (ids.ts). */
export function rowIdColumn(table: TableName): string | null {
  const key = CATALOGUE[table].primaryKey as readonly string[];
  return key.length === 2 && key[0] === "person_id" ? key[1] : null;
}

/** Columns the writer gives when no CSV column is stored in them: the load's source, and its time. */
const GIVEN = new Set(["source_system", "received_at"]);

/**
 * Where a declaration and the catalogue disagree: a column stored in a table or column the catalogue lacks, a
 * column of the table no one fills that may not be null, an optional column stored in one that may not, a
 * column stored nowhere. Empty when they agree.
 */
export function checkDeclaration(decl: LayoutDecl): string[] {
  const d = resolve(decl);
  const problems: string[] = [];
  const filled = new Set<string>();
  for (const c of d.columns) {
    for (const target of c.storedIn) {
      const [table, column] = target.split(".");
      const t = isTableName(table) ? CATALOGUE[table] : undefined;
      const col = t?.columns.find((x) => x.name === column);
      if (!col) {
        problems.push(`${d.name}: ${c.name} is stored in ${target}, which the catalogue does not have`);
        continue;
      }
      filled.add(target);
      const defaulted = column === "received_at" || (column === "person_id" && d.person !== "none");
      if (!c.required && !col.nullable && !defaulted)
        problems.push(`${d.name}: ${c.name} is optional but ${target} may not be null`);
    }
    const read = (d.derived ?? []).some((x) => x.from.includes(c.name));
    if (c.storedIn.length === 0 && !read) problems.push(`${d.name}: ${c.name} is stored nowhere`);
  }
  for (const x of d.derived ?? []) {
    filled.add(`${d.table}.${x.column}`);
    for (const f of x.from)
      if (!d.columns.some((c) => c.name === f))
        problems.push(`${d.name}: ${x.column} is derived from ${f}, which is not a column`);
  }
  // The tables the layout writes rows of itself (people are written by the MPI, which fills the rest).
  const written = new Set([d.table]);
  if (d.person === "none") for (const t of filled) written.add(t.split(".")[0] as TableName);
  for (const table of written) {
    if (!isTableName(table)) continue;
    const id = table === d.table ? rowIdColumn(table) : null;
    for (const col of CATALOGUE[table].columns) {
      const target = `${table}.${col.name}`;
      if (filled.has(target) || col.nullable || col.name === id || GIVEN.has(col.name)) continue;
      if (col.name === "person_id" && d.person !== "none") continue;
      problems.push(`${d.name}: nothing fills ${target}, which may not be null`);
    }
  }
  if (!d.recordIdColumn) problems.push(`${d.name}: no column is stored as ${d.table}.source_record_id`);
  if (d.person !== "none" && !d.personColumn && d.person !== "people")
    problems.push(`${d.name}: no column is stored as ${d.table}.person_id`);
  return problems;
}

export type RowInput = { values: CsvValues };

/**
 * The positional row of a catalogue table from a checked CSV row, in the catalogue's column order from `from`
 * (person_id, first, is left out where the person is found later): each column from the CSV column stored in
 * it, the row id from provenance, source_system from the load, received_at from the extraction time or the
 * load's, a derived column from its function, and null for the rest.
 */
export function rowBuilder(
  d: Declared,
  table: TableName,
  from: number,
): (r: RowInput, sourceSystem: string, loadTime: string) => CopyValue[] {
  const id = table === d.table ? rowIdColumn(table) : null;
  type Slot = (v: CsvValues, sourceSystem: string, loadTime: string) => CopyValue;
  const record = d.recordIdColumn;
  const slots: Slot[] = CATALOGUE[table].columns.slice(from).map((col): Slot => {
    const source = d.columns.find((c) => c.storedIn.includes(`${table}.${col.name}`));
    const derived = table === d.table ? d.derived?.find((x) => x.column === col.name) : undefined;
    if (col.name === id) return (v, s) => rowId(table, s, String(v[record]));
    if (derived) return (v, s) => derived.value(v, s);
    if (source && col.name === "received_at") {
      const name = source.name;
      return (v, _s, at) => (v[name] === null || v[name] === undefined ? at : String(v[name]));
    }
    if (source && col.name === "source_record_id") {
      const name = source.name;
      return (v) => String(v[name]);
    }
    if (source) {
      const name = source.name;
      return (v) => v[name] ?? null;
    }
    if (col.name === "source_system") return (_v, s) => s;
    if (col.name === "received_at") return (_v, _s, at) => at;
    return () => null;
  });
  const width = slots.length;
  return (r, sourceSystem, loadTime) => {
    const out: CopyValue[] = new Array(width);
    for (let i = 0; i < width; i++) out[i] = slots[i](r.values, sourceSystem, loadTime);
    return out;
  };
}

/**
 * A linked layout's checked rows encoded one by one for a blind write (LinkedEncoder), as the parsing thread
 * (prepare.ts) and the loading thread (writers.ts) both make them.
 */
export function linkedEncoder(
  d: Declared,
  decl: LinkedDeclaration,
  sourceSystem: string,
): { add(row: RowInput & { line: number }): void; take(): EncodedLinked | null } {
  const build = rowBuilder(d, decl.table, 1);
  const subjectColumn = d.personColumn as string;
  const encoder = new LinkedEncoder(decl.table, decl.recordSubject);
  const at = new Date().toISOString();
  const encodedAs = encodingOf(decl);
  return {
    add: (r) =>
      encoder.add({
        line: r.line,
        subjectId: String(r.values[subjectColumn]),
        values: build(r, sourceSystem, at),
      }),
    take: () => {
      const enc = encoder.take();
      return enc && { ...enc, encodedAs, receivedAt: at };
    },
  };
}

/** The version of how a checked row becomes bytes (rowBuilder, LinkedEncoder): raise it when either changes. */
const ROW_ENCODING = 1;
const encodings = new WeakMap<LinkedDeclaration, string>();

/**
 * A fingerprint of how a layout's rows are encoded: the table's columns, the declaration (each column's type by
 * what it accepts, where it is stored, derived columns by their code) and ROW_ENCODING. Rows kept encoded under
 * another (reject-batches.ts) are checked again from their text.
 */
export function encodingOf(decl: LinkedDeclaration): string {
  let fingerprint = encodings.get(decl);
  if (!fingerprint) {
    const described = JSON.stringify(
      { ROW_ENCODING, columns: CATALOGUE[decl.table].columns, decl },
      (_key, value) =>
        typeof value === "function"
          ? String(value)
          : value && typeof value === "object" && typeof value.parse === "function"
            ? value.describe
            : value,
    );
    fingerprint = createHash("sha256").update(described).digest("hex").slice(0, 32);
    encodings.set(decl, fingerprint);
  }
  return fingerprint;
}
