// Encoding for COPY ... FROM in PostgreSQL's text format: tab-separated, \N for null, backslash escapes.

export type CopyValue = string | number | boolean | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function encodeCopyValue(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot load a non-finite number: ${value}`);
    return String(value);
  }
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

/** One COPY line; `width` beyond the values given pads the row with nulls. */
export function encodeCopyRow(values: readonly CopyValue[], width = values.length): string {
  let line = "";
  for (let i = 0; i < width; i++) {
    if (i > 0) line += "\t";
    line += encodeCopyValue(values[i]);
  }
  return `${line}\n`;
}

/** What COPY needs of a table: its name and its columns in order. A catalogue Table is one. */
export interface TableShape {
  readonly name: string;
  readonly columnNames: readonly string[];
}

/** A row by column name: the shape's column order turns it into the positional COPY line. */
export type NamedRow = Readonly<Record<string, CopyValue>>;

/** One COPY line from a named row, in the shape's column order; a column the row leaves out is null. */
export function encodeNamedRow(shape: TableShape, row: NamedRow): string {
  const columns = shape.columnNames;
  let line = encodeCopyValue(row[columns[0]]);
  for (let i = 1; i < columns.length; i++) line += `\t${encodeCopyValue(row[columns[i]])}`;
  return `${line}\n`;
}
