import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { invalid } from "../../core/errors.ts";
import { dependencyRank } from "./document.ts";

// The files of a FHIR folder in the order to load them: a Bulk Data export's manifest.json lists its files
// with their resource type; any other folder is read for the first resource type in each file. Either way
// Organizations, then Practitioners and Patients, then the rest (clinical resources whose Patient comes later
// are held until it does, so the order only saves holding them).

const EXTENSIONS = [".ndjson", ".json", ".xml"];

interface BulkManifest {
  transactionTime?: string;
  output?: { type?: string; url?: string }[];
}

/** The first resource type named near the start of a file (a Bundle's first entry, not "Bundle"). */
function firstType(path: string): string | null {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString("utf8");
    for (const m of head.matchAll(/"resourceType"\s*:\s*"(\w+)"|<(\w+)\s+xmlns="http:\/\/hl7\.org\/fhir"/g)) {
      const t = m[1] ?? m[2];
      if (t !== "Bundle") return t;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

function bulkManifest(dir: string): BulkManifest | null {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) return null;
  const m = JSON.parse(readFileSync(path, "utf8")) as BulkManifest;
  return Array.isArray(m.output) ? m : null;
}

function ordered(files: { path: string; type: string | null }[]): string[] {
  return files
    .map((f, i) => ({ ...f, i, rank: dependencyRank(f.type) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((f) => f.path);
}

/** The FHIR files of a folder (or a Bulk Data export), in dependency order. */
export function fhirFolderFiles(dir: string): string[] {
  const manifest = bulkManifest(dir);
  if (manifest) {
    const files = (manifest.output ?? []).map((o) => {
      const name = basename(new URL(o.url ?? "", "file:///").pathname);
      const path = join(dir, name);
      if (!o.url || !existsSync(path))
        throw invalid(
          "ingest.bulk-manifest",
          `${join(dir, "manifest.json")} lists ${name || "a file"} which is not in ${dir}`,
        );
      return { path, type: o.type ?? firstType(path) };
    });
    return ordered(files);
  }
  const names = readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f).toLowerCase()) && f !== "manifest.json")
    .sort();
  return ordered(names.map((f) => ({ path: join(dir, f), type: firstType(join(dir, f)) })));
}

/** Files and folders named on the command line, as the files to load in order (folders in dependency order). */
export function fhirFilesIn(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) files.push(...fhirFolderFiles(p));
    else files.push(p);
  }
  return files;
}
