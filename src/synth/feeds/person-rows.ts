import type { CopyValue, NamedRow, TableShape } from "../../store/index.ts";

// One person's generated rows, named and grouped the way the feed writers read them.

export type Row = NamedRow;

/** A value as text, null staying null. */
export const text = (v: CopyValue): string | null => (v === null || v === undefined ? null : String(v));

/** An ISO instant a few seconds later, without milliseconds. */
export const plusSeconds = (iso: string, seconds: number): string =>
  new Date(new Date(iso).getTime() + seconds * 1000).toISOString().replace(".000Z", "Z");

export interface PersonRows {
  person: Row;
  nhsNumber: string | null;
  /** The person's rows by table, in the order generated. */
  tables: Map<string, Row[]>;
  /** The person's source records by source system. */
  records: Map<string, Row[]>;
}

function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = by.get(k);
    if (list) list.push(item);
    else by.set(k, [item]);
  }
  return by;
}

/** The rows of one person (the person row first), or null when there is no person row. */
export function personRows(rows: readonly (readonly [TableShape, NamedRow])[]): PersonRows | null {
  const tables = new Map<string, Row[]>();
  for (const [table, list] of groupBy(rows, ([shape]) => shape.name))
    tables.set(
      table,
      list.map(([, row]) => row),
    );
  const person = tables.get("person")?.[0];
  if (!person) return null;
  return {
    person,
    nhsNumber: text(person.nhs_number),
    tables,
    records: groupBy(tables.get("person_record") ?? [], (r) => String(r.source_system)),
  };
}

/** The person's rows of a table (none: an empty list). */
export function rowsOf(p: PersonRows, table: string): Row[] {
  return p.tables.get(table) ?? [];
}

/** Each spell's visit number (its source record id), by spell id. */
export function visitNumbers(p: PersonRows): Map<string, string> {
  return new Map(rowsOf(p, "hospital_spell").map((sp) => [String(sp.spell_id), String(sp.source_record_id)]));
}

/**
 * A row as a source's CSV extract gives it: every column under its own name, extracted_at when it was
 * received, and `own` for the columns the extract names or fills otherwise (its ids, say). The file keeps only
 * its layout's columns.
 */
export function extractRow(row: Row, own: Record<string, unknown>): Record<string, unknown> {
  return { ...row, extracted_at: row.received_at, ...own };
}
