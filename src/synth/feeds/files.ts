import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";

// Buffered text files for the feed writer: CSV with quoting (and, for files from Windows systems, a BOM and
// CRLF line ends), NDJSON, and HL7 batch files.

const FLUSH_CHARS = 1 << 20;

export class TextFile {
  readonly #stream: WriteStream;
  #pending = "";
  lines = 0;

  constructor(dir: string, file: string, preamble = "") {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    this.#stream = createWriteStream(path);
    this.#pending = preamble;
  }

  write(text: string): Promise<void> | undefined {
    this.#pending += text;
    this.lines++;
    if (this.#pending.length < FLUSH_CHARS) return undefined;
    return this.flush();
  }

  flush(): Promise<void> | undefined {
    const text = this.#pending;
    this.#pending = "";
    if (text.length === 0) return undefined;
    return this.#stream.write(text) ? undefined : once(this.#stream, "drain").then(() => undefined);
  }

  async close(): Promise<void> {
    const w = this.flush();
    if (w) await w;
    this.#stream.end();
    await once(this.#stream, "finish");
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

export class CsvFile {
  readonly #file: TextFile;
  readonly #eol: string;
  readonly columns: readonly string[];

  constructor(dir: string, file: string, columns: readonly string[], windows = false) {
    this.#eol = windows ? "\r\n" : "\n";
    this.columns = columns;
    this.#file = new TextFile(dir, file, `${windows ? "\uFEFF" : ""}${columns.join(",")}${this.#eol}`);
  }

  get rows(): number {
    return this.#file.lines;
  }

  row(values: Record<string, unknown>): Promise<void> | undefined {
    return this.#file.write(`${this.columns.map((c) => csvCell(values[c])).join(",")}${this.#eol}`);
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

export class NdjsonFile {
  readonly #file: TextFile;

  constructor(dir: string, file: string) {
    this.#file = new TextFile(dir, file);
  }

  get rows(): number {
    return this.#file.lines;
  }

  write(resource: unknown): Promise<void> | undefined {
    return this.#file.write(`${JSON.stringify(resource)}\n`);
  }

  /** A line that is not a whole resource (a truncated write). */
  writeRaw(text: string): Promise<void> | undefined {
    return this.#file.write(`${text}\n`);
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}
