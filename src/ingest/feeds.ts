import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { invalid } from "../core/errors.ts";
import type { Db } from "../store/index.ts";
import { loadCsvFile } from "./csv/load.ts";
import { loadFhirFile } from "./fhir/load.ts";
import { loadHl7File } from "./hl7/load-file.ts";
import { addCodeMappings, type MappingResult, mappingProblem } from "./hl7/remap.ts";
import { emptyCounts, type LoadCounts } from "./loads.ts";

// A feed directory: files from several sources with a manifest.json saying, in load order, what each file is.
// `oneplace ingest feeds <dir>` loads them in that order (people before what refers to them).

export interface FeedFile {
  file: string;
  format: "hl7" | "fhir" | "csv" | "code-map";
  source: string;
  layout?: string;
  org?: string;
}

export interface FeedManifest {
  description: string;
  files: FeedFile[];
}

export function readManifest(dir: string): FeedManifest {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as FeedManifest;
  if (!Array.isArray(manifest.files))
    throw invalid("ingest.feed-manifest", `${join(dir, "manifest.json")} has no "files" list`);
  return manifest;
}

/**
 * A code map CSV: source_system,map_name,source_code,target_code. Returns the mappings added or changed and
 * what was stored with those codes unmapped and is now corrected.
 */
export async function loadCodeMapFile(db: Db, path: string): Promise<MappingResult> {
  const rows = parse(readFileSync(path), {
    bom: true,
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  const checked = rows.map((r, i) => {
    const line = i + 2;
    for (const c of ["source_system", "map_name", "source_code", "target_code"]) {
      if (!r[c]) throw invalid("ingest.code-map", `${path}:${line}: ${c} is required`);
    }
    const mapping = {
      sourceSystem: r.source_system,
      mapName: r.map_name,
      sourceCode: r.source_code,
      targetCode: r.target_code,
    };
    const problem = mappingProblem(mapping);
    if (problem) throw invalid("ingest.code-map", `${path}:${line}: ${problem}`);
    return mapping;
  });
  return db.transaction((tx) => addCodeMappings(tx, checked));
}

export interface FeedFileResult {
  file: string;
  format: FeedFile["format"];
  source: string;
  counts: LoadCounts;
  seconds: number;
}

export async function loadFeedFile(db: Db, dir: string, f: FeedFile): Promise<FeedFileResult> {
  const path = join(dir, f.file);
  const started = performance.now();
  let counts: LoadCounts;
  if (f.format === "csv")
    counts = (await loadCsvFile(db, path, { layout: f.layout, source: f.source, org: f.org })).counts;
  else if (f.format === "fhir") counts = (await loadFhirFile(db, path, { source: f.source })).counts;
  else if (f.format === "hl7") counts = (await loadHl7File(db, path)).counts;
  else {
    const n = await loadCodeMapFile(db, path);
    counts = { ...emptyCounts(), loaded: n.changed };
  }
  return {
    file: f.file,
    format: f.format,
    source: f.source,
    counts,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Loads every file of a feed directory in manifest order. */
export async function loadFeeds(
  db: Db,
  dir: string,
  onFile?: (r: FeedFileResult) => void,
): Promise<FeedFileResult[]> {
  const manifest = readManifest(dir);
  const results: FeedFileResult[] = [];
  for (const f of manifest.files) {
    const r = await loadFeedFile(db, dir, f);
    results.push(r);
    onFile?.(r);
  }
  return results;
}
