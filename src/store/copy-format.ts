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

export function encodeCopyRow(values: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
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

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A function that turns a named row of the shape into one COPY line; a column the row leaves out is null.
 * It is generated per table so that each property read sees one kind of row: a single loop over the
 * column names reads rows of every table at one site, and costs the synthetic load several per cent.
 */
export function namedRowEncoder(shape: TableShape): (row: NamedRow) => string {
  const reads = shape.columnNames.map((name) => {
    if (!SAFE_NAME.test(name)) throw new RangeError(`Not a safe column name: "${name}"`);
    return `e(r.${name})`;
  });
  const body = `return ${reads.join(' + "\\t" + ')} + "\\n";`;
  const make = new Function("e", `return (r) => { ${body} };`) as (
    e: typeof encodeCopyValue,
  ) => (row: NamedRow) => string;
  return make(encodeCopyValue);
}

const encoders = new WeakMap<TableShape, (row: NamedRow) => string>();

/** One COPY line from a named row; a column the row leaves out is null. */
export function encodeNamedRow(shape: TableShape, row: NamedRow): string {
  let encode = encoders.get(shape);
  if (!encode) {
    encode = namedRowEncoder(shape);
    encoders.set(shape, encode);
  }
  return encode(row);
}
