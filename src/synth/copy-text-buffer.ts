import {
  type BinaryShape,
  CopyBinaryWriter,
  encodeNamedRow,
  type NamedRow,
  type TableShape,
} from "../store/index.ts";

// COPY text accumulated as UTF-8 bytes rather than as an array of line strings. Each encoded line can then die
// young, so the garbage collector has far less to do while hundreds of thousands of rows wait to be sent.

export class CopyTextBuffer {
  readonly shape: TableShape;
  #bytes: Buffer;
  #used = 0;
  #rows = 0;

  constructor(shape: TableShape, capacity: number) {
    this.shape = shape;
    this.#bytes = Buffer.allocUnsafeSlow(capacity);
  }

  get rows(): number {
    return this.#rows;
  }

  get byteLength(): number {
    return this.#used;
  }

  add(row: NamedRow): void {
    const line = encodeNamedRow(this.shape, row);
    // A UTF-8 character takes at most three bytes per UTF-16 code unit.
    if (this.#used + line.length * 3 > this.#bytes.length) this.#grow(line.length * 3);
    this.#used += this.#bytes.write(line, this.#used, "utf8");
    this.#rows++;
  }

  #grow(atLeast: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#bytes.length * 2, this.#used + atLeast));
    this.#bytes.copy(bigger, 0, 0, this.#used);
    this.#bytes = bigger;
  }

  /** Hands over the bytes written so far (a view the caller now owns) and starts a new buffer. */
  take(): { bytes: Uint8Array; rows: number } {
    const taken = {
      bytes: new Uint8Array(this.#bytes.buffer, this.#bytes.byteOffset, this.#used),
      rows: this.#rows,
    };
    this.#bytes = Buffer.allocUnsafeSlow(this.#bytes.length);
    this.#used = 0;
    this.#rows = 0;
    return taken;
  }
}

/** The same for binary COPY rows (store/copy-binary.ts): what the embedded engine loads without parsing. */
export class CopyBinaryBuffer {
  readonly shape: BinaryShape;
  #writer: CopyBinaryWriter;
  #rows = 0;

  constructor(shape: BinaryShape, capacity: number) {
    this.shape = shape;
    this.#writer = new CopyBinaryWriter(capacity);
  }

  get rows(): number {
    return this.#rows;
  }

  get byteLength(): number {
    return this.#writer.byteLength;
  }

  add(row: NamedRow): void {
    this.#writer.row(this.shape, row);
    this.#rows++;
  }

  take(): { bytes: Uint8Array; rows: number } {
    const taken = { bytes: this.#writer.take(), rows: this.#rows };
    this.#rows = 0;
    return taken;
  }
}
