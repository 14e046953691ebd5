import { invalid } from "../core/errors.ts";
import { encodeNamedRow, type NamedRow, type TableShape } from "./copy-format.ts";
import type { Queryable } from "./db.ts";

export interface BulkLoaderOptions {
  /** Rows buffered per table before they are sent with one COPY. */
  batchRows?: number;
  /** Called after each COPY with the table and the rows it loaded. */
  onFlush?: (table: string, rows: number) => void;
}

interface Buffer {
  shape: TableShape;
  lines: string[];
}

/**
 * Buffers rows per table and sends them with COPY. One COPY runs at a time on the connection; while it runs
 * the caller keeps producing rows, so generation and loading overlap on a PostgreSQL server. Call add()
 * and await the promise it returns only when it is not undefined (back-pressure), then finish().
 */
export class BulkLoader {
  readonly #conn: Queryable;
  readonly #batchRows: number;
  readonly #onFlush: ((table: string, rows: number) => void) | undefined;
  readonly #buffers = new Map<string, Buffer>();
  readonly #loaded = new Map<string, number>();
  readonly #copySeconds = new Map<string, number>();
  #inFlight: Promise<void> = Promise.resolve();
  /** One promise per batch sent and not yet loaded, oldest first. */
  readonly #pending: Promise<void>[] = [];
  #failure: unknown = null;

  constructor(conn: Queryable, options: BulkLoaderOptions = {}) {
    this.#conn = conn;
    this.#batchRows = options.batchRows ?? 50_000;
    this.#onFlush = options.onFlush;
  }

  /**
   * Adds one row by column name (a column it leaves out is null); returns a promise to await when the loader
   * wants the producer to wait.
   */
  add(shape: TableShape, row: NamedRow): Promise<void> | undefined {
    if (this.#failure) throw this.#failure;
    for (const column in row) {
      if (!shape.columnNames.includes(column))
        throw invalid("store.copy-column", `${shape.name} has no column ${column}`);
    }
    let buffer = this.#buffers.get(shape.name);
    if (!buffer) {
      buffer = { shape, lines: [] };
      this.#buffers.set(shape.name, buffer);
    }
    buffer.lines.push(encodeNamedRow(shape, row));
    if (buffer.lines.length < this.#batchRows) return undefined;
    this.#send(buffer);
    // Keep at most two batches waiting so memory stays bounded however fast rows are produced, but let
    // the producer go on as soon as the oldest of the excess is loaded rather than when all are.
    return this.#pending.length > 2 ? this.#pending[this.#pending.length - 3] : undefined;
  }

  #send(buffer: Buffer): void {
    const { shape } = buffer;
    const lines = buffer.lines;
    buffer.lines = [];
    const batch = this.#inFlight.then(async () => {
      try {
        if (this.#failure) return;
        const started = performance.now();
        const n = await this.#conn.copyFrom(shape.name, shape.columnNames, lines);
        const seconds = (performance.now() - started) / 1000;
        this.#loaded.set(shape.name, (this.#loaded.get(shape.name) ?? 0) + n);
        this.#copySeconds.set(shape.name, (this.#copySeconds.get(shape.name) ?? 0) + seconds);
        this.#onFlush?.(shape.name, n);
      } catch (error) {
        this.#failure = error;
      } finally {
        this.#pending.shift();
      }
    });
    this.#inFlight = batch;
    this.#pending.push(batch);
  }

  /** Seconds spent in COPY per table so far: rows / seconds is the engine's load rate for that table. */
  copySeconds(): Map<string, number> {
    return new Map(this.#copySeconds);
  }

  /** Sends what is left and waits for every COPY; throws the first failure. Returns rows loaded per table. */
  async finish(): Promise<Map<string, number>> {
    for (const buffer of this.#buffers.values()) {
      if (buffer.lines.length > 0) this.#send(buffer);
    }
    await this.#inFlight;
    if (this.#failure) throw this.#failure;
    return new Map(this.#loaded);
  }
}
