// COPY ... FROM in PostgreSQL's binary format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4):
// each value already in the form the server stores, so the server parses nothing. On the embedded engine, whose
// PostgreSQL runs as WebAssembly on the loading thread, text COPY's parsing (the lines, their fields, then each
// date, timestamp and UUID) was most of a load's CPU; the bytes made here on the generating threads spare it.
// The values are those encodeCopyValue writes as text, so a row loads the same either way
// (test/store/copy-binary.test.ts loads rows both ways and compares them).
import type { SqlType } from "./catalogue/define.ts";
import type { CopyValue, NamedRow } from "./copy-format.ts";

/** What binary COPY needs of a table: its name and its columns in order with their types. */
export interface BinaryShape {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
}

/** The signature, flags (no OIDs) and header extension length (none) that begin every binary COPY stream. */
export const COPY_BINARY_HEADER: Uint8Array = Uint8Array.from([
  ...Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"),
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
]);

/** 2000-01-01, PostgreSQL's epoch for dates and timestamps, as days and milliseconds since 1970-01-01. */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MS = PG_EPOCH_DAYS * 86_400_000;

/** Each UTF-16 code unit's hex digit value, -1 for every unit that is not one. */
const HEX = new Int8Array(65_536).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** Where each of a canonical UUID's 16 bytes starts in its text. */
const UUID_HEX_AT = Uint8Array.from(
  { length: 16 },
  (_, k) => 2 * k + (k >= 4 ? 1 : 0) + (k >= 6 ? 1 : 0) + (k >= 8 ? 1 : 0) + (k >= 10 ? 1 : 0),
);

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

/** The "YYYY-MM-DD" at s[from..] as days since 1970-01-01, or NaN. */
function civilDays(s: string, from: number): number {
  if (s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45) return Number.NaN;
  return daysFromCivil(digits(s, from, 4), digits(s, from + 5, 2), digits(s, from + 8, 2));
}

/** "YYYY-MM-DD" as days since 2000-01-01. */
function dateDays(s: string): number {
  const days = s.length === 10 ? civilDays(s, 0) : Number.NaN;
  if (!Number.isFinite(days))
    throw new RangeError(`Not a date COPY can take in binary: ${JSON.stringify(s)}`);
  return days - PG_EPOCH_DAYS;
}

/**
 * An ISO 8601 instant ("2013-04-06T02:00:00Z", "2013-04-06T02:00:00.000Z" as toISOString writes it, or any form
 * Date.parse reads with a zone) in ms since 1970.
 */
function instantMs(s: string): number {
  const millis = s.length === 24 && s.charCodeAt(19) === 46;
  if ((s.length === 20 || millis) && s.charCodeAt(10) === 84 && s.charCodeAt(s.length - 1) === 90) {
    const ms =
      civilDays(s, 0) * 86_400_000 +
      (digits(s, 11, 2) * 3600 + digits(s, 14, 2) * 60 + digits(s, 17, 2)) * 1000 +
      (millis ? digits(s, 20, 3) : 0);
    if (Number.isFinite(ms) && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) return ms;
  }
  const ms = /(Z|[+-]\d\d(:?\d\d)?)$/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RangeError(`Not an instant COPY can take in binary: ${JSON.stringify(s)}`);
  return ms;
}

/** A decimal number as PostgreSQL's numeric stores it: base-10000 digits, the first one's weight, the scale. */
export function numericParts(text: string): {
  digits: number[];
  weight: number;
  negative: boolean;
  dscale: number;
} {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === ""))
    throw new RangeError(`Not a number COPY can take in binary: ${JSON.stringify(text)}`);
  const exponent = m[4] ? Number(m[4]) : 0;
  const fraction = m[3] ?? "";
  const dscale = Math.max(0, fraction.length - exponent);
  let all = m[2] + fraction;
  // Where the decimal point falls in `all`, counted in digits from its start.
  let point = m[2].length + exponent;
  const lead = /^0*/.exec(all)?.[0].length ?? 0;
  all = all.slice(lead);
  point -= lead;
  all = all.replace(/0+$/, "");
  if (all === "") return { digits: [], weight: 0, negative: false, dscale };
  const weight = Math.floor((point - 1) / 4);
  const padded = "0".repeat(4 * (weight + 1) - point) + all;
  const groups: number[] = [];
  for (let i = 0; i < padded.length; i += 4) groups.push(Number(padded.slice(i, i + 4).padEnd(4, "0")));
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop();
  return { digits: groups, weight, negative: m[1] === "-", dscale };
}

/** A column's type as a small number, so writing a value is a switch on an integer, not on the type's name. */
const KIND: Partial<Record<SqlType, number>> = {
  text: 1,
  uuid: 2,
  date: 3,
  timestamptz: 4,
  boolean: 5,
  smallint: 6,
  integer: 7,
  numeric: 8,
};

/** A shape's column names and kinds (0: not written yet), made once a shape: a catalogue table lives forever. */
interface Plan {
  names: readonly string[];
  kinds: Uint8Array;
}
const plans = new WeakMap<BinaryShape, Plan>();

function planOf(shape: BinaryShape): Plan {
  let plan = plans.get(shape);
  if (!plan) {
    plan = {
      names: shape.columns.map((c) => c.name),
      kinds: Uint8Array.from(shape.columns, (c) => KIND[c.type] ?? 0),
    };
    plans.set(shape, plan);
  }
  return plan;
}

/**
 * Binary COPY rows written straight into a growing byte buffer (no header: the engine's copyFrom adds it to
 * each COPY). Values are as copy-format.ts takes them: strings, numbers, booleans, null or undefined.
 * Integers are written byte by byte: Buffer's writeInt32BE and the like check their arguments on every call,
 * and the generating threads write hundreds of millions of them for a Thurrock-sized place.
 */
export class CopyBinaryWriter {
  #buf: Buffer;
  #at = 0;
  // Each column's last value and where its bytes are in this buffer: a person's rows repeat their person_id,
  // rows made together share dates and times, and a table's rows repeat their codes, code system and term
  // (at Thurrock's size 88% to 100% of medication_issue's are the row before's), so most values are copied
  // rather than read again.
  #shape: BinaryShape | null = null;
  #last: CopyValue[] = [];
  #lastAt = new Int32Array(0);
  #lastSize = new Int32Array(0);
  /** A safe integer's base-10000 digits, least significant first (at most 4). */
  #groups = new Uint16Array(4);

  constructor(capacity = 1 << 16) {
    this.#buf = Buffer.allocUnsafeSlow(capacity);
  }

  get byteLength(): number {
    return this.#at;
  }

  /** One row in the shape's column order; a column the row leaves out is null. */
  row(shape: BinaryShape, row: NamedRow): void {
    const { names, kinds } = planOf(shape);
    if (shape !== this.#shape) this.#forget(shape);
    this.#room(2);
    this.#int16(names.length);
    for (let i = 0; i < names.length; i++) this.#value(kinds[i], row[names[i]], shape, i);
  }

  /** One row from values in the shape's column order (the COPY boundary's positional rows); past them, null. */
  values(shape: BinaryShape, values: readonly CopyValue[]): void {
    const { kinds } = planOf(shape);
    if (shape !== this.#shape) this.#forget(shape);
    this.#room(2);
    this.#int16(kinds.length);
    for (let i = 0; i < kinds.length; i++) this.#value(kinds[i], values[i], shape, i);
  }

  /** Hands over the bytes written so far (a view the caller now owns) and starts a new buffer. */
  take(): Uint8Array {
    const taken = new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#at);
    this.#buf = Buffer.allocUnsafeSlow(this.#buf.length);
    this.#at = 0;
    this.#last.fill(undefined);
    return taken;
  }

  #forget(shape: BinaryShape): void {
    this.#shape = shape;
    this.#last = new Array(shape.columns.length).fill(undefined);
    this.#lastAt = new Int32Array(shape.columns.length);
    this.#lastSize = new Int32Array(shape.columns.length);
  }

  /** The column's last value again (its bytes copied from where they were written), if v is that value. */
  #repeat(v: CopyValue, column: number): boolean {
    if (v !== this.#last[column]) return false;
    const size = this.#lastSize[column];
    this.#length(size);
    const b = this.#buf;
    const at = this.#at;
    const from = this.#lastAt[column];
    if (size > 32) b.copyWithin(at, from, from + size);
    else for (let k = 0; k < size; k++) b[at + k] = b[from + k];
    this.#at = at + size;
    return true;
  }

  /** Keeps the `size` bytes just written, at the end of the buffer, as the column's last value v. */
  #remember(v: CopyValue, column: number, size: number): void {
    this.#last[column] = v;
    this.#lastAt[column] = this.#at - size;
    this.#lastSize[column] = size;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(bigger, 0, 0, this.#at);
    this.#buf = bigger;
  }

  /** Big-endian 16 and 32 bits at the end, with room already made (any sign: the low bits are written). */
  #int16(n: number): void {
    const b = this.#buf;
    const at = this.#at;
    b[at] = n >>> 8;
    b[at + 1] = n;
    this.#at = at + 2;
  }

  #int32(n: number): void {
    const b = this.#buf;
    const at = this.#at;
    b[at] = n >>> 24;
    b[at + 1] = n >>> 16;
    b[at + 2] = n >>> 8;
    b[at + 3] = n;
    this.#at = at + 4;
  }

  /** A value's length word (-1 for null), with room for the value after it. */
  #length(n: number): void {
    this.#room(4 + Math.max(n, 0));
    this.#int32(n);
  }

  #value(kind: number, v: CopyValue, shape: BinaryShape, column: number): void {
    if (v === null || v === undefined) {
      this.#length(-1);
      return;
    }
    switch (kind) {
      case 1: {
        if (this.#repeat(v, column)) return;
        const s = typeof v === "string" ? v : typeof v === "boolean" ? (v ? "t" : "f") : String(v);
        this.#room(4 + s.length * 3);
        const b = this.#buf;
        const start = this.#at + 4;
        // Plain ASCII (nearly every value) byte by byte: a call into Buffer.write per value costs more.
        let at = start;
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) {
            at = start + b.write(s, start, "utf8");
            break;
          }
          b[at++] = c;
        }
        this.#int32(at - start);
        this.#at = at;
        this.#remember(v, column, at - start);
        return;
      }
      case 2: {
        if (this.#repeat(v, column)) return;
        const s = String(v);
        this.#length(16);
        if (s.length === 36 && this.#canonicalUuid(s)) {
          this.#remember(v, column, 16);
          return;
        }
        const b = this.#buf;
        const begin = this.#at;
        let at = begin;
        let high = -1;
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c === 45 && (i === 8 || i === 13 || i === 18 || i === 23)) continue;
          const h = HEX[c];
          if (h < 0 || at - begin >= 16) this.#refuse(v, shape, column);
          if (high < 0) high = h;
          else {
            b[at++] = (high << 4) | h;
            high = -1;
          }
        }
        if (at - begin !== 16 || high >= 0) this.#refuse(v, shape, column);
        this.#at = at;
        this.#remember(v, column, 16);
        return;
      }
      case 3: {
        if (this.#repeat(v, column)) return;
        if (typeof v !== "string") this.#refuse(v, shape, column);
        const days = dateDays(v);
        this.#length(4);
        this.#int32(days);
        this.#remember(v, column, 4);
        return;
      }
      case 4: {
        if (this.#repeat(v, column)) return;
        if (typeof v !== "string") this.#refuse(v, shape, column);
        const micros = (instantMs(v) - PG_EPOCH_MS) * 1000;
        // An int64 as two 32-bit halves: microseconds since 2000 stay well inside a double's exact integers.
        const high = Math.floor(micros / 2 ** 32);
        this.#length(8);
        this.#int32(high);
        this.#int32(micros - high * 2 ** 32);
        this.#remember(v, column, 8);
        return;
      }
      case 5: {
        if (typeof v !== "boolean") this.#refuse(v, shape, column);
        this.#length(1);
        this.#buf[this.#at++] = v ? 1 : 0;
        return;
      }
      case 6:
      case 7: {
        const n = typeof v === "number" ? v : Number(v);
        const size = kind === 6 ? 2 : 4;
        if (!Number.isInteger(n) || Math.abs(n) >= 2 ** (size * 8 - 1)) this.#refuse(v, shape, column);
        this.#length(size);
        if (size === 2) this.#int16(n);
        else this.#int32(n);
        return;
      }
      case 8: {
        if (typeof v === "number" && !Number.isFinite(v))
          throw new RangeError(`Cannot load a non-finite number: ${v}`);
        if (typeof v === "number" && Number.isSafeInteger(v)) {
          this.#integerNumeric(v);
          return;
        }
        const p = numericParts(String(v));
        this.#length(8 + 2 * p.digits.length);
        this.#int16(p.digits.length);
        this.#int16(p.weight);
        this.#int16(p.negative ? 0x4000 : 0);
        this.#int16(p.dscale);
        for (const d of p.digits) this.#int16(d);
        return;
      }
      default:
        throw new RangeError(
          `${shape.name}.${shape.columns[column].name}: binary COPY of ${shape.columns[column].type} columns is not written yet`,
        );
    }
  }

  /** A whole number as numeric (as numericParts has it), its base-10000 digits found without arrays. */
  #integerNumeric(v: number): void {
    const groups = this.#groups;
    let n = 0;
    for (let a = Math.abs(v); a > 0; a = Math.floor(a / 10_000)) groups[n++] = a % 10_000;
    // groups[0] is the least significant; trailing zero groups (e.g. 10000's) are left off, weight kept.
    let low = 0;
    while (low < n && groups[low] === 0) low++;
    this.#length(8 + 2 * (n - low));
    this.#int16(n - low);
    this.#int16(n === 0 ? 0 : n - 1);
    this.#int16(v < 0 ? 0x4000 : 0);
    this.#int16(0);
    for (let i = n - 1; i >= low; i--) this.#int16(groups[i]);
  }

  /**
   * A UUID in its usual 36-character form (dashes at 8, 13, 18, 23) as 16 bytes, with room made; false
   * (nothing written) for any other string, which the general loop then reads or refuses.
   */
  #canonicalUuid(s: string): boolean {
    if (
      s.charCodeAt(8) !== 45 ||
      s.charCodeAt(13) !== 45 ||
      s.charCodeAt(18) !== 45 ||
      s.charCodeAt(23) !== 45
    )
      return false;
    const b = this.#buf;
    const at = this.#at;
    for (let k = 0; k < 16; k++) {
      const i = UUID_HEX_AT[k];
      const high = HEX[s.charCodeAt(i)];
      const low = HEX[s.charCodeAt(i + 1)];
      if ((high | low) < 0) return false;
      b[at + k] = (high << 4) | low;
    }
    this.#at = at + 16;
    return true;
  }

  #refuse(v: CopyValue, shape: BinaryShape, column: number): never {
    throw new RangeError(
      `${shape.name}.${shape.columns[column].name}: ${JSON.stringify(v)} is not a ${shape.columns[column].type} binary COPY can take`,
    );
  }
}
