import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import {
  fhirFilesIn,
  type LoadCounts,
  loadCodeMapFile,
  loadCsvFile,
  loadFeeds,
  loadFhirFile,
  loadHl7File,
  type MappingResult,
} from "../../ingest/index.ts";
import type { Db } from "../../platform/index.ts";
import { createLogger } from "../../platform/index.ts";
import { defineCommand, flag, int, path, text } from "../command.ts";
import { out, outJson } from "../context.ts";
import { invalid, usageError } from "../errors.ts";
import { json, quiet } from "../options.ts";
import { createProgress, type Progress } from "../progress.ts";
import { defineReport } from "../report.ts";
import { queueingTouched, rescoreAfterLoad } from "../rescore.ts";

// `oneplace ingest hl7|fhir|csv|feeds|codes`: load files (or every file in a folder) from a source.

const filesOrFolders = {
  paths: path("Files, or folders of them", { valueName: "file|folder", multiple: true, required: true }),
};

function filesIn(paths: string[], extensions: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(p);
    } catch {
      throw usageError(`No such file or folder: ${p}`);
    }
    if (stat.isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        if (extensions.includes(extname(f).toLowerCase())) files.push(join(p, f));
      }
    } else files.push(p);
  }
  if (files.length === 0)
    throw invalid("cli.no-files", `No ${extensions.join(" or ")} files in ${paths.join(", ")}`);
  return files;
}

function summary(
  file: string,
  c: LoadCounts,
  seconds: number,
  unsupported?: number | Record<string, number>,
): string {
  const rate = seconds > 0 ? Math.round(c.recordsRead / seconds).toLocaleString("en-GB") : "-";
  let others = "";
  if (typeof unsupported === "number") others = `, ${unsupported} unsupported`;
  else if (c.unsupported) {
    const skipped = Object.entries(unsupported ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, n]) => `${t} ${n}`)
      .join(", ");
    others = `, ${c.unsupported} of types OnePlace does not load (${skipped})`;
  }
  return `${file}: ${c.recordsRead} read, ${c.loaded} loaded, ${c.duplicates} already there, ${c.held} held, ${c.rejected} rejected${others} (${seconds.toFixed(1)} s, ${rate}/s)`;
}

function _finish(results: { file: string; counts: LoadCounts; seconds: number }[], asJson: boolean): number {
  if (asJson) outJson(results);
  else for (const r of results) out(summary(r.file, r.counts, r.seconds));
  const rejected = results.reduce((n, r) => n + r.counts.rejected, 0);
  if (!asJson && rejected > 0)
    out(`${rejected} rejected: see 'oneplace rejects list', fix, then 'oneplace rejects replay'.`);
  return 0;
}

interface FileLoad {
  file: string;
  counts: LoadCounts;
  seconds: number;
  /** HL7: messages of events OnePlace does not use, acknowledged and counted; FHIR: resources by type. */
  unsupported?: number | Record<string, number>;
  released?: number;
}

/**
 * Loads each file in turn with a progress bar (unless --quiet or --json), prints what each did, then rescores
 * the people the files changed, once (printed unless --json).
 */
async function loadEach(
  db: Db,
  files: string[],
  options: { json: boolean; quiet: boolean },
  unit: string,
  load: (file: string, progress: Progress) => Promise<FileLoad>,
  rescore: { sinceLatestRun: boolean },
): Promise<number> {
  const results: FileLoad[] = [];
  for (const file of files) {
    const progress = createProgress(`Loading ${file}`, 0, process.stderr, !options.quiet && !options.json);
    results.push(await load(file, progress));
    progress.finish(unit);
  }
  if (options.json) outJson(results);
  else
    for (const r of results) {
      out(summary(r.file, r.counts, r.seconds, r.unsupported));
      if (r.released) out(`  ${r.released} held earlier released (their Patient is now known)`);
    }
  const rejected = results.reduce((n, r) => n + r.counts.rejected, 0);
  if (!options.json && rejected > 0)
    out(`${rejected} rejected: see 'oneplace rejects list', fix, then 'oneplace rejects replay'.`);
  const rescored = await rescoreAfterLoad(db, rescore);
  if (!options.json) out(rescored);
  return 0;
}

/** FHIR files: a folder's (or a Bulk Data export's) in dependency order. */
function fhirFiles(paths: string[]): string[] {
  for (const p of paths) {
    try {
      statSync(p);
    } catch {
      throw usageError(`No such file or folder: ${p}`);
    }
  }
  let files: string[];
  try {
    files = fhirFilesIn(paths);
  } catch (error) {
    throw invalid("cli.fhir-files", (error as Error).message, { cause: error });
  }
  if (files.length === 0)
    throw invalid("cli.no-files", `No .ndjson, .json or .xml files in ${paths.join(", ")}`);
  return files;
}

export const ingestHl7 = defineCommand({
  name: "ingest hl7",
  summary: "Load HL7v2 ADT batch files (one message per MSH, or MLLP-framed), in order.",
  args: filesOrFolders,
  options: { json, quiet },
  db: "migrated",
  async run({ options, args, db }) {
    const logger = createLogger();
    const touched = queueingTouched();
    return loadEach(
      db,
      filesIn(args.paths, [".hl7", ".txt", ".mllp"]),
      options,
      "messages",
      async (file, progress) => {
        const r = await loadHl7File(db, file, {
          touched,
          onProgress: (done, total) => progress.update(done, "messages", total),
          onInternalError: (e) =>
            logger.error(
              { err: { type: (e as Error)?.name, code: (e as { code?: string })?.code } },
              "hl7 message failed",
            ),
        });
        return {
          file,
          counts: r.counts,
          unsupported: r.unsupported,
          seconds: r.seconds,
          loadId: r.loadId,
        };
      },
      { sinceLatestRun: false },
    );
  },
});

export const ingestFhir = defineCommand({
  name: "ingest fhir",
  summary:
    "Load FHIR R4 from a source: NDJSON, Bundles of any type or single resources, as JSON or XML; a folder or a Bulk Data export (manifest.json) in dependency order.",
  args: filesOrFolders,
  options: {
    source: text("The system the resources come from (e.g. community-ehr)", {
      valueName: "name",
      required: true,
    }),
    json,
    quiet,
  },
  db: "migrated",
  async run({ options, args, db }) {
    // Each chunk queues the people it changed, in its transaction, as HL7 does: only they are rescored.
    const touched = queueingTouched();
    return loadEach(
      db,
      fhirFiles(args.paths),
      options,
      "resources",
      async (file, progress) => {
        const r = await loadFhirFile(db, file, {
          source: options.source,
          onProgress: (n) => progress.update(n, "resources", n),
          touched,
        });
        return {
          file,
          counts: r.counts,
          seconds: r.seconds,
          loadId: r.loadId,
          unsupported: r.unsupported,
          released: r.released,
        };
      },
      { sinceLatestRun: false },
    );
  },
});

export const ingestCsv = defineCommand({
  name: "ingest csv",
  summary:
    "Load CSV extracts in the documented layouts (docs/formats/); the layout is found from the header.",
  args: filesOrFolders,
  options: {
    layout: text("The layout (default: recognised from the header)", { valueName: "name" }),
    source: text("The system the extract comes from (default: the layout's)", { valueName: "name" }),
    org: text("The source's organisation (needed once for social care client ids)", { valueName: "ods" }),
    "chunk-rows": int("Rows per transaction (default 5,000)", { min: 1, max: 1_000_000 }),
    verbose: flag("Print a line on stderr each time a chunk of rows is committed"),
    json,
    quiet,
  },
  db: "migrated",
  async run({ options, args, db }) {
    return loadEach(
      db,
      filesIn(args.paths, [".csv"]),
      options,
      "rows",
      async (file, progress) => {
        const r = await loadCsvFile(db, file, {
          layout: options.layout,
          source: options.source,
          org: options.org,
          chunkRows: options["chunk-rows"],
          onProgress: (n) => {
            progress.update(n, "rows", n);
            if (options.verbose) process.stderr.write(`committed ${n} rows\n`);
          },
        });
        return { file, layout: r.layout, counts: r.counts, seconds: r.seconds, loadId: r.loadId };
      },
      { sinceLatestRun: true },
    );
  },
});

export const ingestFeeds = defineCommand({
  name: "ingest feeds",
  summary:
    "Load a feed folder (with its manifest.json) in the manifest's order, as 'oneplace feeds write' makes them.",
  args: { folder: path("The feed folder", { valueName: "folder", required: true }) },
  options: { json },
  db: "migrated",
  async run({ options, args, db }) {
    const results = await loadFeeds(db, args.folder, (r) => {
      if (!options.json) out(summary(r.file, r.counts, r.seconds));
    });
    if (options.json) outJson(results);
    const rescored = await rescoreAfterLoad(db, { sinceLatestRun: true });
    if (!options.json) out(rescored);
    return 0;
  },
});

export const ingestCodes = defineReport({
  name: "ingest codes",
  summary:
    "Load code maps (source_system,map_name,source_code,target_code): a source's local codes for any coded field; what was stored unmapped is corrected.",
  args: { file: path("The code map file", { required: true }) },
  options: {},
  load: ({ args, db }) => loadCodeMap(db, args.file),
  show: (r) =>
    `${r.changed} mappings added or changed; ${r.eventsCorrected} stored events corrected, ${r.visitsRewritten} visits rewritten, ${r.recordsCorrected} FHIR records corrected. Replay rejects that needed them with 'oneplace rejects replay --all'.`,
});

/** Every problem with a code map file is the person's to fix (its layout, a missing column, a bad row). */
async function loadCodeMap(db: Db, file: string): Promise<MappingResult> {
  try {
    return await loadCodeMapFile(db, file);
  } catch (error) {
    throw invalid("cli.code-map", (error as Error).message, { cause: error });
  }
}
