import { type Db, isPlaceEmpty } from "../../platform/index.ts";
import {
  type CareHistoryResult,
  type CareRelationshipsResult,
  calibrationReport,
  DEFAULT_SYNTH_CONFIG,
  formatCalibrationReport,
  loadCareHistory,
  loadCareRelationships,
  loadSyntheticPlace,
  MAX_PLACES,
  type SynthConfig,
  type SynthLoadResult,
  validateSynthConfig,
  writeSyntheticPlace,
} from "../../synth/index.ts";
import { date, defineCommand, flag, int, path, rate, text, type Values } from "../command.ts";
import { engineDescription, out, outJson, print } from "../context.ts";
import { conflict, unavailable, usageError } from "../errors.ts";
import { json, quiet } from "../options.ts";
import { createProgress } from "../progress.ts";

const d = DEFAULT_SYNTH_CONFIG;

export const synthOptions = {
  people: int("Registered population to generate (100 to 2,000,000; default 165,996)", {
    min: 100,
    max: 2_000_000,
    default: d.people,
  }),
  places: int(
    "Places to make at once, a region: each with its own organisations, areas and --people registered (1 to 24; default 1)",
    { min: 1, max: MAX_PLACES, default: 1 },
  ),
  seed: text('Seed: the same seed gives the same place, byte for byte (default "thurrock")', {
    default: d.seed,
  }),
  from: date("First day of history (default 2012-04-01)", { default: d.historyStart }),
  to: date("Last day of history (default 2016-03-31)", { default: d.historyEnd }),
  "missing-nhs-number": rate("Share of social care records without an NHS Number (default 0.10)", {
    default: d.faults.socialCareMissingNhsNumber,
  }),
  "mistyped-nhs-number": rate("Share of social care records with a mistyped NHS Number (default 0.05)", {
    default: d.faults.socialCareMistypedNhsNumber,
  }),
  "name-variants": rate("Share of social care records with a name spelled another way (default 0.05)", {
    default: d.faults.nameVariant,
  }),
  duplicates: rate("Share of social care clients recorded twice (default 0.02)", {
    default: d.faults.duplicateSocialCareRecord,
  }),
  "hospital-missing-nhs-number": rate("Share of hospital records without an NHS Number (default 0.01)", {
    default: d.faults.hospitalMissingNhsNumber,
  }),
};

/** How many threads generate people (synth and demo; the rows are the same however many). */
export const threadsOption = {
  threads: int("Threads generating people at once (1 to 16; default: the machine's cores, at most 8)", {
    min: 1,
    max: 16,
  }),
};

export function synthConfigOf(values: Values<typeof synthOptions>): SynthConfig {
  const config: SynthConfig = {
    seed: values.seed,
    people: values.people,
    places: values.places,
    historyStart: values.from,
    historyEnd: values.to,
    faults: {
      socialCareMissingNhsNumber: values["missing-nhs-number"],
      socialCareMistypedNhsNumber: values["mistyped-nhs-number"],
      nameVariant: values["name-variants"],
      duplicateSocialCareRecord: values.duplicates,
      hospitalMissingNhsNumber: values["hospital-missing-nhs-number"],
    },
  };
  try {
    validateSynthConfig(config);
  } catch (cause) {
    throw usageError((cause as Error).message, { cause });
  }
  return config;
}

/** Generates the place into an empty database with a progress bar; shared by `synth` and `demo`. */
export async function generateInto(
  db: Db,
  config: SynthConfig,
  showProgress: boolean,
  threads?: number,
  more: {
    /** Called once every row is made (the generating threads are done; the load's indexes are still to build). */
    onGenerated?: () => void;
  } = {},
): Promise<SynthLoadResult & { relationships: CareRelationshipsResult; careHistory: CareHistoryResult }> {
  if (!(await isPlaceEmpty(db))) {
    throw conflict("cli.place-not-empty", `The ${engineDescription(db)} already holds a place.`, {
      hint: "Use an empty database: set ONEPLACE_HOME to a new directory, or DATABASE_URL to an empty database.",
    });
  }
  const progress = createProgress("Generating and loading", config.people, process.stderr, showProgress);
  let generated = false;
  const result = await loadSyntheticPlace(
    db,
    config,
    (p) => {
      let rows = 0;
      for (const n of p.rowsByTable.values()) rows += n;
      progress.update(p.peopleDone, `people, ${rows.toLocaleString("en-GB")} rows`, p.peopleTotal);
      if (p.peopleDone === p.peopleTotal && !generated) {
        generated = true;
        more.onGenerated?.();
      }
    },
    { workers: threads },
  );
  progress.finish("people");
  const relationships = await loadCareRelationships(db);
  const careHistory = await loadCareHistory(db);
  return { ...result, relationships, careHistory };
}

/** The MDT meetings, plans and referrals the care history step added, in one line. */
export function formatCareHistory(r: CareHistoryResult): string {
  const n = (v: number) => v.toLocaleString("en-GB");
  return `Care coordination history: ${n(r.meetings)} MDT meetings, ${n(r.agendaItems)} people discussed, ${n(r.actions)} actions, ${n(r.plans)} joint plans (${n(r.planVersions)} versions), ${n(r.referrals)} referrals from MDTs, ${n(r.reablementFollowUps)} reablement 91-day follow-ups.`;
}

/** The teams and care relationships the load added, in one line. */
export function formatRelationships(r: CareRelationshipsResult): string {
  const n = (v: number) => v.toLocaleString("en-GB");
  return `Teams and care relationships: ${n(r.teams)} teams, ${n(r.staff)} staff, ${n(r.careTeamMembers)} care-team memberships, ${n(r.referrals)} referrals, ${n(r.caseloadEntries)} caseload entries.`;
}

export function formatLoadResult(result: SynthLoadResult): string {
  const entries = Object.entries(result.rowsByTable).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const row = (label: string, n: number) =>
    `  ${label.padEnd(24)} ${n.toLocaleString("en-GB").padStart(11)} rows  ${Math.round(n / result.seconds)
      .toLocaleString("en-GB")
      .padStart(9)} rows/s`;
  const lines = entries.map(([table, n]) => row(table, n));
  lines.push(`${row("total", total)} in ${result.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

async function writeFiles(
  config: SynthConfig,
  dir: string,
  asJson: boolean,
  threads?: number,
): Promise<number> {
  const started = performance.now();
  const hashes = await writeSyntheticPlace(config, dir, { workers: threads });
  const seconds = (performance.now() - started) / 1000;
  if (asJson) outJson({ dir, seconds, sha256: hashes });
  else {
    out(`Wrote ${Object.keys(hashes).length} files to ${dir} in ${seconds.toFixed(1)} s`);
    for (const [file, hash] of Object.entries(hashes)) out(`  ${hash}  ${file}`);
  }
  return 0;
}

export const synth = defineCommand({
  name: "synth",
  summary:
    "Generate the synthetic place (default: Thurrock) and load it into the database, write it to files, or print its calibration report.",
  options: {
    ...synthOptions,
    ...threadsOption,
    report: flag("Print the calibration report for the place in the database (generates nothing)"),
    out: path("Write the place to tab-separated files in DIR instead of the database", { valueName: "dir" }),
    json,
    quiet,
  },
  db: "depends",
  dbFor: (options) => (options.out === undefined ? "migrated" : "none"),
  async run({ options, db }) {
    const config = synthConfigOf(options);
    if (options.out !== undefined || !db)
      return writeFiles(config, options.out ?? ".", options.json, options.threads);
    if (options.report) {
      if (await isPlaceEmpty(db)) {
        throw unavailable(
          "cli.place-empty",
          `The ${engineDescription(db)} is empty: there is nothing to report on.`,
          {
            hint: "Run 'oneplace synth' first.",
          },
        );
      }
      const rows = await calibrationReport(db, config);
      return print(options.json, rows, formatCalibrationReport(rows));
    }
    const result = await generateInto(db, config, !options.quiet && !options.json, options.threads);
    if (options.json) outJson(result);
    else {
      out(`Loaded the synthetic place into the ${engineDescription(db)}:`);
      out(formatLoadResult(result));
      out(formatRelationships(result.relationships));
      out(formatCareHistory(result.careHistory));
    }
    return 0;
  },
});
