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

/**
 * COPY text written straight into a growing byte buffer, value by value: no string per line and none per
 * separator, so a chunk of tens of thousands of rows leaves almost nothing for the garbage collector (building
 * each line by concatenation cost three times the CPU, most of it collecting the pieces).
 */
export class CopyWriter {
  #buf = Buffer.allocUnsafe(1 << 16);
  #at = 0;
  #fieldStart = true;

  /** One value of the current line. */
  value(v: CopyValue): this {
    if (typeof v === "string") {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; 1 more for the separator.
      this.#room(v.length * 3 + 1);
      if (!this.#fieldStart) this.#buf[this.#at++] = 0x09;
      this.#fieldStart = false;
      // Plain ASCII (nearly every value) is copied byte by byte here: a call into Buffer.write per value cost
      // more than the rest of the encoding. Anything else (escapes, other characters) goes the general way.
      const buf = this.#buf;
      const start = this.#at;
      let at = start;
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80 || c === 0x5c || c === 0x09 || c === 0x0a || c === 0x0d) {
          this.#at = start + buf.write(encodeCopyValue(v), start);
          return this;
        }
        buf[at++] = c;
      }
      this.#at = at;
      return this;
    }
    const text = encodeCopyValue(v);
    this.#room(text.length + 1);
    if (!this.#fieldStart) this.#buf[this.#at++] = 0x09;
    this.#fieldStart = false;
    for (let i = 0; i < text.length; i++) this.#buf[this.#at++] = text.charCodeAt(i);
    return this;
  }

  /** Values of the current line, `width` in all (nulls after those given). */
  values(values: readonly CopyValue[], width = values.length): this {
    for (let i = 0; i < width; i++) this.value(values[i]);
    return this;
  }

  /** Ends the current line. */
  end(): this {
    this.#room(1);
    this.#buf[this.#at++] = 0x0a;
    this.#fieldStart = true;
    return this;
  }

  get bytes(): number {
    return this.#at;
  }

  /** What has been written (a view of the buffer: write no more once taken). */
  take(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
  }
}
