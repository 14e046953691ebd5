// oneplace metrics compute | show | enter | export | import | define

import { readFileSync } from "node:fs";
import { importEnteredValues, writeMetricValues } from "../../commissioning/metric-files.ts";
import { isIsoDate } from "../../core/dates.ts";
import { OnePlaceError } from "../../core/errors.ts";
import { financialYearOf, type Period, parsePeriod } from "../../core/periods.ts";
import { latestActivityDate } from "../../outcomes/availability.ts";
import {
  type AreaLevel,
  defineMetric,
  latestDefinitions,
  type MetricDefinitionInput,
} from "../../outcomes/definitions.ts";
import { computeMetrics, type MetricValue } from "../../outcomes/engine.ts";
import { enterValue } from "../../outcomes/entered.ts";
import { installMeasures } from "../../outcomes/measures/index.ts";
import { latestValues } from "../../outcomes/values.ts";
import type { Db } from "../../store/db.ts";
import { type Command, usageHint } from "../command.ts";
import { engineDescription, out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

function usage(message: string, command: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE, hint: usageHint(command) });
}

function periodsOf(value: unknown, command: string): Period[] {
  const ids = (value as string[] | undefined) ?? [];
  return ids.map((id) => {
    try {
      return parsePeriod(id);
    } catch (error) {
      throw usage((error as Error).message, command);
    }
  });
}

function list(value: unknown): string[] {
  return ((value as string[] | undefined) ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

function dateOption(value: unknown, name: string, command: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !isIsoDate(value))
    throw usage(`--${name} must be a date written YYYY-MM-DD, not "${value}"`, command);
  return value;
}

function numberOption(value: unknown, name: string, command: string): number | null {
  if (value === undefined) return null;
  const n = Number(String(value).replaceAll(",", ""));
  if (!Number.isFinite(n)) throw usage(`--${name} must be a number, not "${value}"`, command);
  return n;
}

export function formatValue(v: Pick<MetricValue, "value">, decimals: number, unit: string): string {
  if (v.value === null) return "–";
  const n = v.value.toLocaleString("en-GB", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return unit === "%" ? `${n}%` : n;
}

const LEVELS = ["place", "locality", "practice"] as const;

export const metricsCompute: Command = {
  name: "metrics compute",
  summary:
    "Compute the metrics (BCF and the place's other measures) for periods, for the place, each locality and each practice, and store them.",
  usage: "oneplace metrics compute [--period P ...] [--metric ID ...] [--as-of DATE] [--json] [--quiet]",
  options: {
    period: {
      type: "string",
      multiple: true,
      valueName: "period",
      description:
        "2015/16, 2015-Q3, 2015-10 or 2015-04-01..2015-12-31 (repeat; default: the financial year of --as-of)",
    },
    metric: {
      type: "string",
      multiple: true,
      valueName: "id",
      description: "Only this metric (repeat; default: all)",
    },
    "as-of": {
      type: "string",
      valueName: "date",
      description: "Data cut-off (default: the latest activity in the data)",
    },
    json: { type: "boolean", description: "Print every value as JSON" },
    quiet: { type: "boolean", short: "q", description: "No progress messages" },
  },
  async run({ values }) {
    const asOfOption = dateOption(values["as-of"], "as-of", "metrics compute");
    const periodsAsked = periodsOf(values.period, "metrics compute");
    const metricIds = list(values.metric);
    return withDb(
      async (db) => {
        const asOf = asOfOption ?? (await latestActivityDate(db));
        if (!asOf) {
          throw new CliError("There is no activity data to compute metrics from.", {
            hint: "Load a place first, e.g. 'oneplace synth'.",
          });
        }
        const periods = periodsAsked.length ? periodsAsked : [financialYearOf(asOf)];
        const quiet = values.quiet || values.json;
        await installMeasures(db);
        try {
          await latestDefinitions(db, metricIds);
        } catch (error) {
          throw usage((error as Error).message, "metrics compute");
        }
        const result = await computeMetrics(db, {
          periods,
          metricIds,
          asOf,
          onMetric: (id, s) => {
            if (!quiet) process.stderr.write(`  ${id.padEnd(30)} ${s.toFixed(2)} s\n`);
          },
        });
        if (values.json) {
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
      { migrate: true },
    );
  },
};

async function areaNames(db: Db): Promise<Map<string, string>> {
  const rows = await db.query<{ org_code: string; name: string }>("SELECT org_code, name FROM organisation");
  return new Map(rows.map((r) => [r.org_code, r.name]));
}

export const metricsShow: Command = {
  name: "metrics show",
  summary: "Show stored metric values (the latest computed for each period and area), or the definitions.",
  usage:
    "oneplace metrics show [--period P ...] [--metric ID ...] [--area place|locality|practice|CODE] [--definitions] [--json]",
  options: {
    period: {
      type: "string",
      multiple: true,
      valueName: "period",
      description: "Only these periods (repeat)",
    },
    metric: { type: "string", multiple: true, valueName: "id", description: "Only this metric (repeat)" },
    area: {
      type: "string",
      valueName: "area",
      description: "place (default), locality, practice (all of them), or one locality or practice code",
    },
    definitions: { type: "boolean", description: "List the metric definitions with their rules instead" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ values }) {
    const metricIds = list(values.metric);
    return withDb(
      async (db) => {
        await installMeasures(db);
        if (values.definitions) {
          const defs = await latestDefinitions(db, metricIds);
          if (values.json) outJson(defs);
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
        const area = typeof values.area === "string" ? values.area : "place";
        const level = (LEVELS as readonly string[]).includes(area) ? (area as AreaLevel) : undefined;
        const rows = await latestValues(db, {
          metricIds,
          periodIds: periodsOf(values.period, "metrics show").map((p) => p.id),
          areaLevel: level,
          areaCode: level ? undefined : area,
        });
        if (values.json) {
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
      { migrate: true },
    );
  },
};

export const metricsEnter: Command = {
  name: "metrics enter",
  summary:
    "Enter a value from elsewhere (a published baseline, a survey result) with its source; it is checked against its numerator and denominator.",
  usage:
    "oneplace metrics enter --metric ID --period P --source TEXT (--value V | --numerator N --denominator D) [--printed TEXT] [--area CODE] [--json]",
  options: {
    metric: { type: "string", valueName: "id", description: "The metric" },
    period: { type: "string", valueName: "period", description: "The period the value is for" },
    value: { type: "string", valueName: "n", description: "The value as stated" },
    numerator: { type: "string", valueName: "n", description: "Its numerator" },
    denominator: { type: "string", valueName: "n", description: "Its denominator" },
    printed: {
      type: "string",
      valueName: "text",
      description: "The value as printed (its decimals set the rounding allowed)",
    },
    source: { type: "string", valueName: "text", description: "Where the figure comes from" },
    area: {
      type: "string",
      valueName: "code",
      description: "A locality or practice code (default: the place)",
    },
    json: { type: "boolean", description: "Print the stored entry as JSON" },
  },
  async run({ values }) {
    const cmd = "metrics enter";
    if (
      typeof values.metric !== "string" ||
      typeof values.period !== "string" ||
      typeof values.source !== "string"
    ) {
      throw usage("--metric, --period and --source are needed", cmd);
    }
    const [period] = periodsOf([values.period], cmd);
    const value = numberOption(values.value, "value", cmd);
    const numerator = numberOption(values.numerator, "numerator", cmd);
    const denominator = numberOption(values.denominator, "denominator", cmd);
    return withDb(
      async (db) => {
        await installMeasures(db);
        const area = typeof values.area === "string" ? values.area : "place";
        let areaLevel: AreaLevel = "place";
        if (area !== "place") {
          const [org] = await db.query<{ kind: string }>(
            "SELECT kind FROM organisation WHERE org_code = $1",
            [area],
          );
          if (!org || (org.kind !== "locality" && org.kind !== "practice"))
            throw usage(`${area} is not a locality or practice code`, cmd);
          areaLevel = org.kind as AreaLevel;
        }
        let entry: Awaited<ReturnType<typeof enterValue>>;
        try {
          entry = await enterValue(db, {
            metricId: values.metric as string,
            period,
            areaLevel,
            areaCode: area,
            value,
            numerator,
            denominator,
            valueAsPrinted: typeof values.printed === "string" ? values.printed : null,
            source: values.source as string,
          });
        } catch (error) {
          if (error instanceof OnePlaceError) throw usage(error.message, cmd);
          throw error;
        }
        if (values.json) outJson(entry);
        else {
          const check =
            entry.status === "mismatch"
              ? ` It does NOT match its numerator and denominator, which give ${entry.computed?.toFixed(1)}.`
              : entry.status === "consistent"
                ? " It matches its numerator and denominator."
                : "";
          out(
            `Entered ${entry.metricId} ${entry.periodId} = ${entry.value} (source: ${entry.source}).${check}`,
          );
        }
        return entry.status === "mismatch" ? 1 : 0;
      },
      { migrate: true },
    );
  },
};

export const metricsExport: Command = {
  name: "metrics export",
  summary:
    "Write stored metric values to a spreadsheet or a CSV file, one row per metric, period and area (xlsx or csv).",
  usage:
    "oneplace metrics export --out FILE.xlsx|FILE.csv [--period P ...] [--metric ID ...] [--area LEVEL|CODE]",
  options: {
    out: { type: "string", valueName: "file", description: "The file to write (.xlsx or .csv)" },
    period: {
      type: "string",
      multiple: true,
      valueName: "period",
      description: "Only these periods (repeat)",
    },
    metric: { type: "string", multiple: true, valueName: "id", description: "Only this metric (repeat)" },
    area: {
      type: "string",
      valueName: "area",
      description: "place, locality, practice or one code (default: all areas)",
    },
  },
  async run({ values }) {
    if (typeof values.out !== "string") throw usage("--out FILE is needed", "metrics export");
    if (!/\.(xlsx|csv)$/i.test(values.out)) throw usage("--out must end in .xlsx or .csv", "metrics export");
    return withDb(
      async (db) => {
        const area = typeof values.area === "string" ? values.area : undefined;
        const level = area && (LEVELS as readonly string[]).includes(area) ? (area as AreaLevel) : undefined;
        const rows = await latestValues(db, {
          metricIds: list(values.metric),
          periodIds: periodsOf(values.period, "metrics export").map((p) => p.id),
          areaLevel: level,
          areaCode: area && !level ? area : undefined,
        });
        const n = await writeMetricValues(values.out as string, rows, await areaNames(db));
        out(`Wrote ${n.toLocaleString("en-GB")} values to ${values.out}.`);
        return 0;
      },
      { migrate: true },
    );
  },
};

export const metricsImport: Command = {
  name: "metrics import",
  summary:
    "Import entered values (published baselines, survey results) from a spreadsheet or CSV; each is checked.",
  usage: "oneplace metrics import FILE.xlsx|FILE.csv [--json]",
  allowPositionals: true,
  options: { json: { type: "boolean", description: "Print the stored entries as JSON" } },
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw usage("Name one file to import", "metrics import");
    return withDb(
      async (db) => {
        await installMeasures(db);
        const entries = await importEnteredValues(db, positionals[0]);
        if (values.json) outJson(entries);
        else {
          const bad = entries.filter((e) => e.status === "mismatch");
          out(
            [
              `Entered ${entries.length} value(s) from ${positionals[0]}.`,
              ...bad.map(
                (e) =>
                  `  ${e.metricId} ${e.periodId}: stated ${e.value}, but its numerator and denominator give ${e.computed?.toFixed(1)}`,
              ),
            ].join("\n"),
          );
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const metricsDefine: Command = {
  name: "metrics define",
  summary:
    "Add or change a metric definition from a JSON file (a new version when it differs from the current one).",
  usage: "oneplace metrics define --file DEFINITION.json",
  options: {
    file: {
      type: "string",
      valueName: "file",
      description: "A definition as JSON (see src/outcomes/definitions.ts)",
    },
  },
  async run({ values }) {
    if (typeof values.file !== "string") throw usage("--file is needed", "metrics define");
    let input: MetricDefinitionInput;
    try {
      input = JSON.parse(readFileSync(values.file, "utf8")) as MetricDefinitionInput;
    } catch (error) {
      throw new CliError(`Cannot read ${values.file}: ${(error as Error).message}`);
    }
    return withDb(
      async (db) => {
        await installMeasures(db);
        try {
          const result = await defineMetric(db, input);
          out(
            result.added
              ? `Stored ${input.metricId} version ${result.version}.`
              : `${input.metricId} is unchanged (version ${result.version}).`,
          );
        } catch (error) {
          if (error instanceof OnePlaceError) throw usage(error.message, "metrics define");
          throw error;
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const METRICS_COMMANDS: readonly Command[] = [
  metricsCompute,
  metricsShow,
  metricsEnter,
  metricsExport,
  metricsImport,
  metricsDefine,
];
