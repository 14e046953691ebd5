// oneplace metrics compute | show | enter | export | import | define
import { importEnteredValues, writeMetricValues } from "../../commissioning/index.ts";
import { financialYearOf, OnePlaceError, type Period, parsePeriod } from "../../core/index.ts";
import {
  type AreaLevel,
  areaLevelOf,
  areaNames,
  computeMetrics,
  defineMetric,
  enterValue,
  installMeasures,
  latestActivityDate,
  latestDefinitions,
  latestValues,
  type MetricDefinitionInput,
  type MetricValue,
} from "../../outcomes/index.ts";
import { date, defineCommand, flag, number, param, path, text } from "../command.ts";
import { engineDescription, out, outJson, readJsonFile } from "../context.ts";
import { unavailable, usageError } from "../errors.ts";
import { json, quiet } from "../options.ts";
import { defineReport } from "../report.ts";

/** Runs fn; bad input the capability reports (a OnePlaceError) is a usage error here, as it always was. */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof OnePlaceError) throw usageError((error as Error).message, { cause: error });
    throw error;
  }
}

const periodKind = (value: string): Period => {
  try {
    return parsePeriod(value);
  } catch (error) {
    throw usageError((error as Error).message);
  }
};

const periods = (description: string) => param("period", periodKind, description, { multiple: true });
const metricIds = text("Only this metric (repeat, or separate with commas; default: all)", {
  valueName: "id",
  multiple: true,
});
const listOf = (values: string[]) =>
  values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);

export function formatValue(v: Pick<MetricValue, "value">, decimals: number, unit: string): string {
  if (v.value === null) return "–";
  const n = v.value.toLocaleString("en-GB", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return unit === "%" ? `${n}%` : n;
}

const LEVELS = ["place", "locality", "practice"] as const;

/** --area: a level (every area at it) or one locality or practice code. */
function areaFilter(area: string | undefined): { areaLevel?: AreaLevel; areaCode?: string } {
  if (area === undefined) return {};
  const level = (LEVELS as readonly string[]).includes(area) ? (area as AreaLevel) : undefined;
  return level ? { areaLevel: level } : { areaCode: area };
}

export const metricsCompute = defineCommand({
  name: "metrics compute",
  summary:
    "Compute the metrics (BCF and the place's other measures) for periods, for the place, each locality and each practice, and store them.",
  options: {
    period: periods(
      "2015/16, 2015-Q3, 2015-10 or 2015-04-01..2015-12-31 (repeat; default: the financial year of --as-of)",
    ),
    metric: metricIds,
    "as-of": date("Data cut-off (default: the latest activity in the data)"),
    json,
    quiet,
  },
  db: "migrated",
  async run({ options, db }) {
    const metricIds = listOf(options.metric);
    const periodsAsked = options.period;
    const asOfOption = options["as-of"];
    const asOf = asOfOption ?? (await latestActivityDate(db));
    if (!asOf) {
      throw unavailable("cli.no-activity", "There is no activity data to compute metrics from.", {
        hint: "Load a place first, e.g. 'oneplace synth'.",
      });
    }
    const periods = periodsAsked.length ? periodsAsked : [financialYearOf(asOf)];
    const quietly = options.quiet || options.json;
    await installMeasures(db);
    await asUsage(() => latestDefinitions(db, metricIds));
    const result = await computeMetrics(db, {
      periods,
      metricIds,
      asOf,
      onMetric: (id, s) => {
        if (!quietly) process.stderr.write(`  ${id.padEnd(30)} ${s.toFixed(2)} s\n`);
      },
    });
    if (options.json) {
      outJson(result);
      return 0;
    }
    const defs = new Map((await latestDefinitions(db)).map((d) => [d.metricId, d]));
    const counts = (level: AreaLevel) => result.values.filter((v) => v.areaLevel === level).length;
    const lines = [
      `Computed ${result.values.length.toLocaleString("en-GB")} values (place ${counts("place")}, localities ${counts("locality")}, practices ${counts("practice")}) for ${periods.map((p) => p.id).join(", ")}, data to ${result.asOf}, in ${result.seconds.toFixed(2)} s (${engineDescription(db)}). Run ${result.runId}.`,
      "",
      `${"metric".padEnd(30)} ${"period".padEnd(24)} ${"value".padStart(12)}  numerator / denominator`,
    ];
    for (const v of result.values.filter((x) => x.areaLevel === "place")) {
      const d = defs.get(v.metricId);
      lines.push(
        `${v.metricId.padEnd(30)} ${v.periodId.padEnd(24)} ${formatValue(v, d?.decimals ?? 1, d?.unit ?? "").padStart(12)}  ${v.numerator ?? "–"}${v.denominator !== null ? ` / ${v.denominator}` : ""}${v.status === "provisional" ? "  (provisional)" : ""}`,
      );
    }
    for (const u of result.unavailable) lines.push(`${u.metricId.padEnd(30)} not available: ${u.reason}`);
    if (result.entered.length)
      lines.push(`Entered, not computed: ${result.entered.join(", ")} ('oneplace metrics enter').`);
    out(lines.join("\n"));
    return 0;
  },
});

export const metricsShow = defineCommand({
  name: "metrics show",
  summary: "Show stored metric values (the latest computed for each period and area), or the definitions.",
  options: {
    period: periods("Only these periods (repeat)"),
    metric: metricIds,
    area: text("place (default), locality, practice (all of them), or one locality or practice code", {
      valueName: "area",
      default: "place",
    }),
    definitions: flag("List the metric definitions with their rules instead"),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    const metricIds = listOf(options.metric);
    await installMeasures(db);
    if (options.definitions) {
      const defs = await latestDefinitions(db, metricIds);
      if (options.json) outJson(defs);
      else {
        out(
          defs
            .map(
              (d) =>
                `${d.metricId} (version ${d.version}, ${d.kind}, ${d.periodType}, ${d.direction} is better, ${d.unit})\n  ${d.title}\n  Numerator: ${d.numeratorRules || "(entered)"}\n${d.denominatorRules ? `  Denominator: ${d.denominatorRules}\n` : ""}`,
            )
            .join("\n"),
        );
      }
      return 0;
    }
    const rows = await latestValues(db, {
      metricIds,
      periodIds: options.period.map((p) => p.id),
      ...areaFilter(options.area),
    });
    if (options.json) {
      outJson(rows);
      return 0;
    }
    if (rows.length === 0) {
      out("No stored values match. Compute them with 'oneplace metrics compute'.");
      return 0;
    }
    const names = await areaNames(db);
    out(
      [
        `${"metric".padEnd(30)} ${"period".padEnd(24)} ${"area".padEnd(34)} ${"value".padStart(12)}  numerator / denominator  status`,
        ...rows.map(
          (v) =>
            `${v.metricId.padEnd(30)} ${v.periodId.padEnd(24)} ${(v.areaLevel === "place" ? "place" : `${v.areaCode} ${names.get(v.areaCode) ?? ""}`).slice(0, 34).padEnd(34)} ${formatValue(v, v.decimals, v.unit).padStart(12)}  ${v.numerator ?? "–"}${v.denominator !== null ? ` / ${v.denominator}` : ""}  ${v.status}`,
        ),
      ].join("\n"),
    );
    return 0;
  },
});

export const metricsEnter = defineReport({
  name: "metrics enter",
  summary:
    "Enter a value from elsewhere (a published baseline, a survey result) with its source; it is checked against its numerator and denominator.",
  usage:
    "oneplace metrics enter --metric ID --period P --source TEXT (--value V | --numerator N --denominator D) [--printed TEXT] [--area CODE] [--json]",
  options: {
    metric: text("The metric", { valueName: "id", required: true }),
    period: param("period", periodKind, "The period the value is for", { required: true }),
    value: number("The value as stated"),
    numerator: number("Its numerator"),
    denominator: number("Its denominator"),
    printed: text("The value as printed (its decimals set the rounding allowed)"),
    source: text("Where the figure comes from", { required: true }),
    area: text("A locality or practice code (default: the place)", { valueName: "code", default: "place" }),
    json: flag("Print the stored entry as JSON"),
  },
  async load({ options, db }) {
    await installMeasures(db);
    const { area } = options;
    const areaLevel = await areaLevelOf(db, area);
    if (!areaLevel) throw usageError(`${area} is not a locality or practice code`);
    return asUsage(() =>
      enterValue(db, {
        metricId: options.metric,
        period: options.period,
        areaLevel,
        areaCode: area,
        value: options.value ?? null,
        numerator: options.numerator ?? null,
        denominator: options.denominator ?? null,
        valueAsPrinted: options.printed ?? null,
        source: options.source,
      }),
    );
  },
  show: (entry) => {
    const check =
      entry.status === "mismatch"
        ? ` It does NOT match its numerator and denominator, which give ${entry.computed?.toFixed(1)}.`
        : entry.status === "consistent"
          ? " It matches its numerator and denominator."
          : "";
    return `Entered ${entry.metricId} ${entry.periodId} = ${entry.value} (source: ${entry.source}).${check}`;
  },
  exitCode: (entry) => (entry.status === "mismatch" ? 1 : 0),
});

export const metricsExport = defineCommand({
  name: "metrics export",
  summary:
    "Write stored metric values to a spreadsheet or a CSV file, one row per metric, period and area (xlsx or csv).",
  options: {
    out: param(
      "file",
      (value, label) => {
        if (!/\.(xlsx|csv)$/i.test(value)) throw usageError(`${label} must end in .xlsx or .csv`);
        return value;
      },
      "The file to write (.xlsx or .csv)",
      { required: true },
    ),
    period: periods("Only these periods (repeat)"),
    metric: metricIds,
    area: text("place, locality, practice or one code (default: all areas)", { valueName: "area" }),
  },
  db: "migrated",
  async run({ options, db }) {
    const rows = await latestValues(db, {
      metricIds: listOf(options.metric),
      periodIds: options.period.map((p) => p.id),
      ...areaFilter(options.area),
    });
    const n = await writeMetricValues(options.out, rows, await areaNames(db));
    out(`Wrote ${n.toLocaleString("en-GB")} values to ${options.out}.`);
    return 0;
  },
});

export const metricsImport = defineReport({
  name: "metrics import",
  summary:
    "Import entered values (published baselines, survey results) from a spreadsheet or CSV; each is checked.",
  args: { file: path("The spreadsheet or CSV file", { valueName: "FILE.xlsx|FILE.csv", required: true }) },
  options: { json: flag("Print the stored entries as JSON") },
  async load({ args, db }) {
    await installMeasures(db);
    return importEnteredValues(db, args.file);
  },
  show: (entries, { args }) => [
    `Entered ${entries.length} value(s) from ${args.file}.`,
    ...entries
      .filter((e) => e.status === "mismatch")
      .map(
        (e) =>
          `  ${e.metricId} ${e.periodId}: stated ${e.value}, but its numerator and denominator give ${e.computed?.toFixed(1)}`,
      ),
  ],
});

export const metricsDefine = defineReport({
  name: "metrics define",
  summary:
    "Add or change a metric definition from a JSON file (a new version when it differs from the current one).",
  options: { file: path("A definition as JSON (see src/outcomes/definitions.ts)", { required: true }) },
  async load({ options, db }) {
    const input = readJsonFile(options.file) as MetricDefinitionInput;
    await installMeasures(db);
    return { metricId: input.metricId, ...(await asUsage(() => defineMetric(db, input))) };
  },
  show: ({ metricId, added, version }) =>
    added ? `Stored ${metricId} version ${version}.` : `${metricId} is unchanged (version ${version}).`,
});
