import {
  type BinaryShape,
  CATALOGUE,
  type CanonicalName,
  CopyBinaryWriter,
  type CopyValue,
} from "../store/declarations.ts";

// Linked rows made ready for a blind write before their people are known (canonical.ts's copyEncodedBlind), apart
// from the writing so that the CSV parsing thread (csv/prepare.ts), which only encodes, imports neither the MPI
// nor the store's engines.

/** An activity row about a source record (its subject), before the person it belongs to is known. */
export interface SubjectRow {
  /** Where it came from (a file's line), to name it when its subject is not linked. */
  line: number;
  /** The source record the row is about (the subject system is the row's own source). */
  subjectId: string;
  /** The canonical row without its first column (person_id), in table order; columns left out are null. */
  values: readonly CopyValue[];
}

/**
 * The column of a canonical table that names the source record (of the row's own source system) the row is
 * about, in place of an ingest_row_subject row (src/mpi/moves.ts moves a row found either way).
 */
export const SUBJECT_IN_ROW = "subject_record_id";

/**
 * A chunk of linked rows made ready for a blind write before their people are known (on a thread of its own:
 * csv/prepare.ts): each row's columns after person_id in binary COPY form, back to back (LinkedEncoder).
 */
export interface EncodedLinked {
  table: CanonicalName;
  /** The rows given, repeats included (a repeat counts as unchanged). */
  given: number;
  bytes: Uint8Array;
  /** Where each kept row's bytes end in `bytes`. */
  ends: Int32Array;
  lines: Int32Array;
  subjectIds: string[];
  /** How they were encoded (declare.ts's encodingOf), so that rows kept encoded are only used as they were made. */
  encodedAs?: string;
  /** The received_at given to rows that named none. */
  receivedAt?: string;
}

/**
 * Linked rows encoded for copyEncodedBlind one at a time, as they are read (so none outlives its turn: a chunk's
 * rows held together were promoted by the garbage collector, a quarter of the parsing thread's time). `take`
 * gives null when they cannot be (a value binary COPY does not take as it is, or a table whose subjects are
 * recorded beside it rather than in the row): the caller then writes them as rows.
 */
export class LinkedEncoder {
  readonly #table: CanonicalName;
  readonly #shape: BinaryShape;
  /** A table whose subjects are recorded beside its rows: never encoded. */
  readonly #never: boolean;
  readonly #subjectAt: number;
  readonly #row: CopyValue[];
  #writer = new CopyBinaryWriter(1 << 20);
  #ends: number[] = [];
  #lines: number[] = [];
  #subjectIds: string[] = [];
  #ids: unknown[] = [];
  #failed: boolean;

  constructor(table: CanonicalName, recordSubject: boolean) {
    const t = CATALOGUE[table];
    this.#table = table;
    this.#subjectAt = recordSubject ? t.columns.findIndex((c) => c.name === SUBJECT_IN_ROW) : -1;
    this.#never = recordSubject && this.#subjectAt < 0;
    this.#failed = this.#never;
    this.#shape = { name: table, columns: CATALOGUE[table].columns.slice(1) };
    this.#row = new Array(this.#shape.columns.length);
  }

  add(r: SubjectRow): void {
    if (this.#failed) return;
    const row = this.#row;
    for (let c = 0; c < row.length; c++) row[c] = r.values[c];
    if (this.#subjectAt > 0) row[this.#subjectAt - 1] = r.subjectId;
    try {
      this.#writer.values(this.#shape, row);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#failed = true;
      return;
    }
    this.#ends.push(this.#writer.byteLength);
    this.#lines.push(r.line);
    this.#subjectIds.push(r.subjectId);
    this.#ids.push(r.values[0]);
  }

  /** The rows added since the last take; of rows repeating a row id, the last (as upsertLinked keeps it). */
  take(): EncodedLinked | null {
    const given = this.#ids.length;
    const bytes = this.#writer.take();
    const ends = Int32Array.from(this.#ends);
    const lines = Int32Array.from(this.#lines);
    const subjectIds = this.#subjectIds;
    const last = new Map<unknown, number>();
    for (let i = 0; i < given; i++) last.set(this.#ids[i], i);
    const failed = this.#failed;
    this.#ends = [];
    this.#lines = [];
    this.#subjectIds = [];
    this.#ids = [];
    this.#failed = this.#never;
    if (failed) return null;
    const all: EncodedLinked = { table: this.#table, given, bytes, ends, lines, subjectIds };
    return last.size < given
      ? pickEncoded(
          all,
          [...last.values()].sort((a, b) => a - b),
        )
      : all;
  }
}

/** Of encoded rows, those at these places (ascending), `given` as it was. */
export function pickEncoded(enc: EncodedLinked, keep: readonly number[]): EncodedLinked {
  const { bytes, ends } = enc;
  let size = 0;
  for (const i of keep) size += ends[i] - (i === 0 ? 0 : ends[i - 1]);
  const out = Buffer.allocUnsafeSlow(size);
  const keptEnds = new Int32Array(keep.length);
  let at = 0;
  keep.forEach((i, k) => {
    const from = i === 0 ? 0 : ends[i - 1];
    out.set(bytes.subarray(from, ends[i]), at);
    at += ends[i] - from;
    keptEnds[k] = at;
  });
  return {
    ...enc,
    bytes: out,
    ends: keptEnds,
    lines: Int32Array.from(keep, (i) => enc.lines[i]),
    subjectIds: keep.map((i) => enc.subjectIds[i]),
  };
}

/** A received_at as binary COPY writes it (its 8 bytes). */
function stampBytes(table: CanonicalName, at: string): Uint8Array {
  const writer = new CopyBinaryWriter(64);
  writer.values({ name: table, columns: [{ name: "received_at", type: "timestamptz" }] }, [at]);
  // A row of one column: its column count (2 bytes), the value's length (4), then the value (8).
  return writer.take().subarray(6, 14);
}

/**
 * Encoded rows whose received_at is the time their load stamped on rows that gave none (`from`) given `to`
 * instead, in place: a replay's rows are received when it writes them, as a first load's are.
 */
export function restamp(
  table: CanonicalName,
  bytes: Uint8Array,
  ends: Int32Array,
  from: string,
  to: string,
): void {
  const column = CATALOGUE[table].columns.findIndex((c) => c.name === "received_at") - 1;
  if (column < 0) return;
  const old = stampBytes(table, from);
  const now = stampBytes(table, to);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0, start = 0; i < ends.length; start = ends[i++]) {
    let at = start + 2;
    for (let c = 0; c < column; c++) at += 4 + Math.max(view.getInt32(at), 0);
    if (view.getInt32(at) !== 8) continue;
    at += 4;
    let same = true;
    for (let k = 0; k < 8 && same; k++) same = bytes[at + k] === old[k];
    if (same) bytes.set(now, at);
  }
}
