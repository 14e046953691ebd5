import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { NamedRow, Table } from "../store/index.ts";
import { type SynthConfig, validateSynthConfig } from "./config.ts";
import { CopyTextBuffer } from "./copy-text-buffer.ts";
import { generatePlace } from "./generate.ts";
import { ALL_SHAPES } from "./table-shapes.ts";

// Writes the place as one <table>.tsv per table in PostgreSQL's COPY text format (no header; columns in the
// catalogue's order, src/store/catalogue), ready for `COPY table (columns) FROM`. Same configuration, same bytes.

const FLUSH_BYTES = 1 << 20;

interface TableFile {
  stream: WriteStream;
  hash: Hash;
  buffer: CopyTextBuffer;
}

/** Returns the SHA-256 (hex) of each file, by table name. */
export async function writeSyntheticPlace(config: SynthConfig, dir: string): Promise<Record<string, string>> {
  validateSynthConfig(config);
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, TableFile>();
  for (const shape of ALL_SHAPES) {
    files.set(shape.name, {
      stream: createWriteStream(join(dir, `${shape.name}.tsv`)),
      hash: createHash("sha256"),
      buffer: new CopyTextBuffer(shape, FLUSH_BYTES + (64 << 10)),
    });
  }
  const write = (file: TableFile): Promise<void> | undefined => {
    const { bytes } = file.buffer.take();
    file.hash.update(bytes);
    return file.stream.write(bytes) ? undefined : once(file.stream, "drain").then(() => undefined);
  };
  const sink = {
    add(table: Table, row: NamedRow) {
      const file = files.get(table.name);
      if (!file) throw new Error(`No file for table ${table.name}`);
      file.buffer.add(row);
      return file.buffer.byteLength >= FLUSH_BYTES ? write(file) : undefined;
    },
  };
  try {
    await generatePlace(config, sink);
    const hashes: Record<string, string> = {};
    for (const [table, file] of files) {
      if (file.buffer.rows > 0) await write(file);
      file.stream.end();
      await once(file.stream, "finish");
      hashes[table] = file.hash.digest("hex");
    }
    return hashes;
  } finally {
    for (const file of files.values()) if (!file.stream.writableFinished) file.stream.destroy();
  }
}
