import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { CsvLoadError, loadCsvFile } from "../../ingest/csv/load.ts";
import { loadCodeMapFile, loadFeeds } from "../../ingest/feeds.ts";
import { loadFhirFile } from "../../ingest/fhir/load.ts";
import { loadHl7File } from "../../ingest/hl7/load-file.ts";
import type { LoadCounts } from "../../ingest/loads.ts";
import { createLogger } from "../../platform/log.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { createProgress } from "../progress.ts";

// `oneplace ingest hl7|fhir|csv|feeds|codes`: load files (or every file in a folder) from a source.

const json = { type: "boolean", description: "Print the result as JSON" } as const;
const quiet = { type: "boolean", short: "q", description: "No progress bar" } as const;

function filesIn(paths: string[], extensions: readonly string[], command: string): string[] {
  if (paths.length === 0) {
    throw new CliError("Give a file or a folder.", { exitCode: EXIT_USAGE, hint: usageHint(command) });
  }
  const files: string[] = [];
  for (const p of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(p);
    } catch {
      throw new CliError(`No such file or folder: ${p}`, { exitCode: EXIT_USAGE });
    }
    if (stat.isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        if (extensions.includes(extname(f).toLowerCase())) files.push(join(p, f));
      }
    } else files.push(p);
  }
  if (files.length === 0) throw new CliError(`No ${extensions.join(" or ")} files in ${paths.join(", ")}`);
  return files;
}

function summary(file: string, c: LoadCounts, seconds: number): string {
  const rate = seconds > 0 ? Math.round(c.recordsRead / seconds).toLocaleString("en-GB") : "-";
  return `${file}: ${c.recordsRead} read, ${c.loaded} loaded, ${c.duplicates} already there, ${c.held} held, ${c.rejected} rejected (${seconds.toFixed(1)} s, ${rate}/s)`;
}

function finish(results: { file: string; counts: LoadCounts; seconds: number }[], asJson: boolean): number {
  if (asJson) outJson(results);
  else for (const r of results) out(summary(r.file, r.counts, r.seconds));
  const rejected = results.reduce((n, r) => n + r.counts.rejected, 0);
  if (!asJson && rejected > 0)
    out(`${rejected} rejected: see 'oneplace rejects list', fix, then 'oneplace rejects replay'.`);
  return 0;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CsvLoadError)
      throw new CliError(error.message, { hint: "See docs/formats/ for the layouts." });
    throw error;
  }
}

export const ingestHl7: Command = {
  name: "ingest hl7",
  summary: "Load HL7v2 ADT batch files (one message per MSH, or MLLP-framed), in order.",
  usage: "oneplace ingest hl7 <file|folder>... [--json]",
  allowPositionals: true,
  options: { json, quiet },
  async run({ values, positionals }) {
    const files = filesIn(positionals, [".hl7", ".txt", ".mllp"], "ingest hl7");
    const logger = createLogger();
    return withDb(
      async (db) => {
        const results = [];
        for (const file of files) {
          const progress = createProgress(
            `Loading ${file}`,
            1,
            process.stderr,
            !values.quiet && !values.json,
          );
          const r = await loadHl7File(db, file, {
            onProgress: (done, total) => progress.update(done, "messages", total),
            onInternalError: (e) =>
              logger.error(
                { err: { type: (e as Error)?.name, code: (e as { code?: string })?.code } },
                "hl7 message failed",
              ),
          });
          progress.finish("messages");
          results.push({ file, counts: r.counts, seconds: r.seconds, loadId: r.loadId });
        }
        return finish(results, values.json === true);
      },
      { migrate: true },
    );
  },
};

export const ingestFhir: Command = {
  name: "ingest fhir",
  summary: "Load FHIR R4 NDJSON (bulk export) or Bundle files from a source.",
  usage: "oneplace ingest fhir <file|folder>... --source <name> [--json]",
  allowPositionals: true,
  options: {
    source: {
      type: "string",
      valueName: "name",
      description: "The system the resources come from (e.g. community-ehr)",
    },
    json,
    quiet,
  },
  async run({ values, positionals }) {
    if (typeof values.source !== "string" || !values.source.trim()) {
      throw new CliError("--source is required: the system the resources come from.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("ingest fhir"),
      });
    }
    const files = filesIn(positionals, [".ndjson", ".json"], "ingest fhir");
    return withDb(
      async (db) => {
        const results = [];
        for (const file of files) {
          const progress = createProgress(
            `Loading ${file}`,
            0,
            process.stderr,
            !values.quiet && !values.json,
          );
          const r = await loadFhirFile(db, file, {
            source: String(values.source).trim(),
            onProgress: (n) => progress.update(n, "resources", n),
          });
          progress.finish("resources");
          results.push({ file, counts: r.counts, seconds: r.seconds, loadId: r.loadId });
        }
        return finish(results, values.json === true);
      },
      { migrate: true },
    );
  },
};

export const ingestCsv: Command = {
  name: "ingest csv",
  summary:
    "Load CSV extracts in the documented layouts (docs/formats/); the layout is found from the header.",
  usage: "oneplace ingest csv <file|folder>... [--layout NAME] [--source NAME] [--org ODS] [--json]",
  allowPositionals: true,
  options: {
    layout: {
      type: "string",
      valueName: "name",
      description: "The layout (default: recognised from the header)",
    },
    source: {
      type: "string",
      valueName: "name",
      description: "The system the extract comes from (default: the layout's)",
    },
    org: {
      type: "string",
      valueName: "ods",
      description: "The source's organisation (needed once for social care client ids)",
    },
    "chunk-rows": { type: "string", valueName: "N", description: "Rows per transaction (default 5,000)" },
    verbose: {
      type: "boolean",
      description: "Print a line on stderr each time a chunk of rows is committed",
    },
    json,
    quiet,
  },
  async run({ values, positionals }) {
    const files = filesIn(positionals, [".csv"], "ingest csv");
    return withDb(
      (db) =>
        guarded(async () => {
          const results = [];
          for (const file of files) {
            const progress = createProgress(
              `Loading ${file}`,
              0,
              process.stderr,
              !values.quiet && !values.json,
            );
            const r = await loadCsvFile(db, file, {
              layout: typeof values.layout === "string" ? values.layout : undefined,
              source: typeof values.source === "string" ? values.source : undefined,
              org: typeof values.org === "string" ? values.org : undefined,
              chunkRows: intOption(values["chunk-rows"], "chunk-rows", 1, 1_000_000),
              onProgress: (n) => {
                progress.update(n, "rows", n);
                if (values.verbose) process.stderr.write(`committed ${n} rows\n`);
              },
            });
            progress.finish("rows");
            results.push({ file, layout: r.layout, counts: r.counts, seconds: r.seconds, loadId: r.loadId });
          }
          return finish(results, values.json === true);
        }),
      { migrate: true },
    );
  },
};

export const ingestFeeds: Command = {
  name: "ingest feeds",
  summary:
    "Load a feed folder (with its manifest.json) in the manifest's order, as 'oneplace feeds write' makes them.",
  usage: "oneplace ingest feeds <folder> [--json]",
  allowPositionals: true,
  options: { json },
  async run({ values, positionals }) {
    if (positionals.length !== 1)
      throw new CliError("Give one feed folder.", { exitCode: EXIT_USAGE, hint: usageHint("ingest feeds") });
    return withDb(
      (db) =>
        guarded(async () => {
          const results = await loadFeeds(db, positionals[0], (r) => {
            if (!values.json) out(summary(r.file, r.counts, r.seconds));
          });
          if (values.json) outJson(results);
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const ingestCodes: Command = {
  name: "ingest codes",
  summary:
    "Load code maps (source_system,map_name,source_code,target_code): a hospital's ward codes to ward kinds.",
  usage: "oneplace ingest codes <file>",
  allowPositionals: true,
  options: {},
  async run({ positionals }) {
    if (positionals.length !== 1)
      throw new CliError("Give one code map file.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("ingest codes"),
      });
    return withDb(
      async (db) => {
        let n: number;
        try {
          n = await loadCodeMapFile(db, positionals[0]);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
        out(
          `${n} mappings added or changed. Replay rejects that needed them with 'oneplace rejects replay --all'.`,
        );
        return 0;
      },
      { migrate: true },
    );
  },
};

export const INGEST_COMMANDS: readonly Command[] = [
  ingestHl7,
  ingestFhir,
  ingestCsv,
  ingestFeeds,
  ingestCodes,
];
