import type { Db } from "../../store/db.ts";
import { isPlaceEmpty } from "../../store/place-summary.ts";
import { calibrationReport, formatCalibrationReport } from "../../synth/calibration.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig, validateSynthConfig } from "../../synth/config.ts";
import { writeSyntheticPlace } from "../../synth/file-sink.ts";
import { loadSyntheticPlace, type SynthLoadResult } from "../../synth/load.ts";
import { type Command, intOption, rateOption, usageHint } from "../command.ts";
import { engineDescription, out, outJson, withDb } from "../context.ts";
import { CliError } from "../errors.ts";
import { createProgress } from "../progress.ts";

export const synthOptions = {
  people: {
    type: "string",
    valueName: "N",
    description: "Registered population to generate (100 to 2,000,000; default 165,996)",
  },
  seed: {
    type: "string",
    valueName: "text",
    description: 'Seed: the same seed gives the same place, byte for byte (default "thurrock")',
  },
  from: { type: "string", valueName: "date", description: "First day of history (default 2012-04-01)" },
  to: { type: "string", valueName: "date", description: "Last day of history (default 2016-03-31)" },
  "missing-nhs-number": {
    type: "string",
    valueName: "rate",
    description: "Share of social care records without an NHS Number (default 0.10)",
  },
  "mistyped-nhs-number": {
    type: "string",
    valueName: "rate",
    description: "Share of social care records with a mistyped NHS Number (default 0.05)",
  },
  "name-variants": {
    type: "string",
    valueName: "rate",
    description: "Share of social care records with a name spelled another way (default 0.05)",
  },
  duplicates: {
    type: "string",
    valueName: "rate",
    description: "Share of social care clients recorded twice (default 0.02)",
  },
  "hospital-missing-nhs-number": {
    type: "string",
    valueName: "rate",
    description: "Share of hospital records without an NHS Number (default 0.01)",
  },
} as const;

export function synthConfigFromArgs(values: Record<string, string | boolean | undefined>): SynthConfig {
  const d = DEFAULT_SYNTH_CONFIG;
  const config: SynthConfig = {
    seed: typeof values.seed === "string" ? values.seed : d.seed,
    people: intOption(values.people, "people", 100, 2_000_000) ?? d.people,
    historyStart: typeof values.from === "string" ? values.from : d.historyStart,
    historyEnd: typeof values.to === "string" ? values.to : d.historyEnd,
    faults: {
      socialCareMissingNhsNumber:
        rateOption(values["missing-nhs-number"], "missing-nhs-number") ?? d.faults.socialCareMissingNhsNumber,
      socialCareMistypedNhsNumber:
        rateOption(values["mistyped-nhs-number"], "mistyped-nhs-number") ??
        d.faults.socialCareMistypedNhsNumber,
      nameVariant: rateOption(values["name-variants"], "name-variants") ?? d.faults.nameVariant,
      duplicateSocialCareRecord:
        rateOption(values.duplicates, "duplicates") ?? d.faults.duplicateSocialCareRecord,
      hospitalMissingNhsNumber:
        rateOption(values["hospital-missing-nhs-number"], "hospital-missing-nhs-number") ??
        d.faults.hospitalMissingNhsNumber,
    },
  };
  try {
    validateSynthConfig(config);
  } catch (cause) {
    throw new CliError((cause as Error).message, { exitCode: 2, hint: usageHint("synth"), cause });
  }
  return config;
}

/** Generates the place into an empty database with a progress bar; shared by `synth` and `demo`. */
export async function generateInto(
  db: Db,
  config: SynthConfig,
  showProgress: boolean,
): Promise<SynthLoadResult> {
  if (!(await isPlaceEmpty(db))) {
    throw new CliError(`The ${engineDescription(db)} already holds a place.`, {
      hint: "Use an empty database: set ONEPLACE_HOME to a new directory, or DATABASE_URL to an empty database.",
    });
  }
  const progress = createProgress("Generating and loading", config.people, process.stderr, showProgress);
  const result = await loadSyntheticPlace(db, config, (p) => {
    let rows = 0;
    for (const n of p.rowsByTable.values()) rows += n;
    progress.update(p.peopleDone, `people, ${rows.toLocaleString("en-GB")} rows`, p.peopleTotal);
  });
  progress.finish("people");
  return result;
}

export function formatLoadResult(result: SynthLoadResult): string {
  const entries = Object.entries(result.rowsByTable).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const lines = entries.map(
    ([table, n]) =>
      `  ${table.padEnd(24)} ${n.toLocaleString("en-GB").padStart(11)} rows  ${Math.round(n / result.seconds)
        .toLocaleString("en-GB")
        .padStart(9)} rows/s`,
  );
  lines.push(
    `  ${"total".padEnd(24)} ${total.toLocaleString("en-GB").padStart(11)} rows  ${Math.round(
      total / result.seconds,
    )
      .toLocaleString("en-GB")
      .padStart(9)} rows/s in ${result.seconds.toFixed(1)} s`,
  );
  return lines.join("\n");
}

export const synth: Command = {
  name: "synth",
  summary:
    "Generate the synthetic place (default: Thurrock) and load it into the database, write it to files, or print its calibration report.",
  usage: "oneplace synth [--people N] [--seed S] [--from DATE] [--to DATE] [--report] [--out DIR] [--json]",
  options: {
    ...synthOptions,
    report: {
      type: "boolean",
      description: "Print the calibration report for the place in the database (generates nothing)",
    },
    out: {
      type: "string",
      valueName: "dir",
      description: "Write the place to tab-separated files in DIR instead of the database",
    },
    json: { type: "boolean", description: "Print results as JSON" },
    quiet: { type: "boolean", short: "q", description: "No progress bar" },
  },
  async run({ values }) {
    const config = synthConfigFromArgs(values);
    const showProgress = !values.quiet && !values.json;
    if (typeof values.out === "string") {
      const started = performance.now();
      const hashes = await writeSyntheticPlace(config, values.out);
      const seconds = (performance.now() - started) / 1000;
      if (values.json) outJson({ dir: values.out, seconds, sha256: hashes });
      else {
        out(`Wrote ${Object.keys(hashes).length} files to ${values.out} in ${seconds.toFixed(1)} s`);
        for (const [file, hash] of Object.entries(hashes)) out(`  ${hash}  ${file}`);
      }
      return 0;
    }
    return withDb(
      async (db) => {
        if (values.report) {
          if (await isPlaceEmpty(db)) {
            throw new CliError(`The ${engineDescription(db)} is empty: there is nothing to report on.`, {
              hint: "Run 'oneplace synth' first.",
            });
          }
          const rows = await calibrationReport(db, config);
          if (values.json) outJson(rows);
          else out(formatCalibrationReport(rows));
          return 0;
        }
        const result = await generateInto(db, config, showProgress);
        if (values.json) outJson(result);
        else {
          out(`Loaded the synthetic place into the ${engineDescription(db)}:`);
          out(formatLoadResult(result));
        }
        return 0;
      },
      { migrate: true },
    );
  },
};
