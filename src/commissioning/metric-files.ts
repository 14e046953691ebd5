// Metric values as spreadsheets: computed values out (xlsx or CSV, one row per metric, period and area), and
// entered values in (published baselines, survey results), in the layout of docs/formats/metric-values.md.
import { readFileSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import { csvRecords, writeCsv } from "../core/csv.ts";
import { invalid } from "../core/errors.ts";
import { parsePeriod } from "../core/periods.ts";
import { suppressFigures } from "../governance/index.ts";
import type { AreaLevel, StoredValue } from "../outcomes/index.ts";
import { type EnteredValue, enterValue } from "../outcomes/index.ts";
import type { Db } from "../store/index.ts";
import { type Cell, PlanFormatError, type RawRow } from "./layout.ts";
import { readWorkbook, writeWorkbook } from "./xlsx.ts";

export const VALUE_COLUMNS = [
  "metric_id",
  "title",
  "period",
  "period_start",
  "period_end",
  "area_level",
  "area_code",
  "area_name",
  "numerator",
  "denominator",
  "value",
  "unit",
  "status",
  "definition_version",
  "as_of",
  "run_id",
  "computed_at",
  "note",
] as const;

export const ENTERED_COLUMNS = [
  "metric_id",
  "period",
  "area_level",
  "area_code",
  "value",
  "numerator",
  "denominator",
  "value_as_printed",
  "source",
] as const;

function fileKind(path: string): "xlsx" | "csv" {
  const ext = extname(path).toLowerCase();
  if (ext === ".xlsx") return "xlsx";
  if (ext === ".csv") return "csv";
  throw invalid("commissioning.metric-file", `${path}: metric values are written to an .xlsx or a .csv file`);
}

export async function writeMetricValues(
  path: string,
  values: readonly StoredValue[],
  areaNames: ReadonlyMap<string, string>,
): Promise<number> {
  // Exports leave the direct-care context: small numbers are withheld (governance's suppression rules).
  const rows: RawRow[] = suppressFigures(values).map((v) => ({
    metric_id: v.metricId,
    title: v.title,
    period: v.periodId,
    period_start: v.periodStart,
    period_end: v.periodEnd,
    area_level: v.areaLevel,
    area_code: v.areaCode,
    area_name: v.areaLevel === "place" ? "place" : (areaNames.get(v.areaCode) ?? v.areaCode),
    numerator: v.numerator,
    denominator: v.denominator,
    value: v.value === null ? null : Number(v.value.toFixed(Math.max(v.decimals, 2))),
    unit: v.unit,
    status: v.status,
    definition_version: v.version,
    as_of: v.asOf,
    run_id: v.runId,
    computed_at: v.computedAt,
    note: v.note,
  }));
  if (fileKind(path) === "xlsx") {
    writeFileSync(
      path,
      await writeWorkbook([
        {
          name: "Metric values",
          headers: VALUE_COLUMNS,
          rows,
          widths: { title: 50, note: 40, area_name: 30, run_id: 38 },
        },
      ]),
    );
  } else writeFileSync(path, writeCsv(VALUE_COLUMNS, rows));
  return rows.length;
}

const text = (v: Cell | undefined) => (v === null || v === undefined ? "" : String(v).trim());
const number = (v: Cell | undefined, where: string, problems: string[]): number | null => {
  const t = text(v).replaceAll(",", "").replace(/%$/, "");
  if (t === "") return null;
  const n = Number(t);
  if (!Number.isFinite(n)) problems.push(`${where}: "${t}" is not a number`);
  return Number.isFinite(n) ? n : null;
};

/** Reads entered values (published or survey figures) and stores each with its check; all or nothing. */
export async function importEnteredValues(db: Db, path: string): Promise<EnteredValue[]> {
  let rows: RawRow[];
  if (fileKind(path) === "xlsx") {
    const sheets = await readWorkbook(path);
    rows = sheets.get("entered values") ?? [...sheets.values()][0] ?? [];
  } else rows = csvRecords(readFileSync(path, "utf8"));
  const problems: string[] = [];
  const inputs = rows.map((r, i) => {
    const where = `row ${i + 2}`;
    const metricId = text(r.metric_id);
    if (!metricId) problems.push(`${where}: metric_id is required`);
    let period = null;
    try {
      period = parsePeriod(text(r.period));
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
    const source = text(r.source);
    if (!source) problems.push(`${where}: source is required (where the figure comes from)`);
    const level = (text(r.area_level) || "place") as AreaLevel;
    if (!["place", "locality", "practice"].includes(level))
      problems.push(`${where}: area_level is place, locality or practice`);
    return {
      metricId,
      period,
      areaLevel: level,
      areaCode: text(r.area_code) || "place",
      value: number(r.value, `${where} value`, problems),
      numerator: number(r.numerator, `${where} numerator`, problems),
      denominator: number(r.denominator, `${where} denominator`, problems),
      valueAsPrinted: text(r.value_as_printed) || null,
      source,
    };
  });
  if (problems.length) throw new PlanFormatError(problems);
  return db.transaction(async (tx) => {
    const out: EnteredValue[] = [];
    for (const input of inputs) {
      if (input.period) out.push(await enterValue(tx, { ...input, period: input.period }));
    }
    return out;
  });
}
