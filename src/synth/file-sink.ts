import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { type SynthConfig, validateSynthConfig } from "./config.ts";
import { generateInParallel, type ParallelOptions } from "./parallel.ts";
import { ALL_SHAPES } from "./table-shapes.ts";

// Writes the place as one <table>.tsv per table in PostgreSQL's COPY text format (no header; columns in the
// catalogue's order, src/store/catalogue), ready for `COPY table (columns) FROM`. Same configuration, same bytes,
// however many threads generate them.

interface TableFile {
  stream: WriteStream;
  hash: Hash;
}

/** Returns the SHA-256 (hex) of each file, by table name. */
export async function writeSyntheticPlace(
  config: SynthConfig,
  dir: string,
  options: ParallelOptions = {},
): Promise<Record<string, string>> {
  validateSynthConfig(config);
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, TableFile>();
  for (const shape of ALL_SHAPES) {
    files.set(shape.name, {
      stream: createWriteStream(join(dir, `${shape.name}.tsv`)),
      hash: createHash("sha256"),
    });
  }
  try {
    for await (const chunk of generateInParallel(config, options)) {
      for (const piece of chunk.pieces) {
        const file = files.get(piece.table);
        if (!file) throw new Error(`No file for table ${piece.table}`);
        file.hash.update(piece.bytes);
        if (!file.stream.write(piece.bytes)) await once(file.stream, "drain");
      }
    }
    const hashes: Record<string, string> = {};
    for (const [table, file] of files) {
      file.stream.end();
      await once(file.stream, "finish");
      hashes[table] = file.hash.digest("hex");
    }
    return hashes;
  } finally {
    for (const file of files.values()) if (!file.stream.writableFinished) file.stream.destroy();
  }
}
