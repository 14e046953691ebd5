// Reading and writing a plan as a workbook (.xlsx) or a directory of CSV files, in the layout of layout.ts.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { csvRecords, writeCsv } from "../core/csv.ts";
import { invalid, notFound } from "../core/errors.ts";
import {
  type Cell,
  PLAN_SHEET,
  PlanFormatError,
  planFromRaw,
  type RawPlan,
  rawFromPlan,
  SHEET_KEYS,
  SHEETS,
} from "./layout.ts";
import type { ActualSpend, BcfPlan } from "./plan.ts";
import { readWorkbook, type SheetData, writeWorkbook } from "./xlsx.ts";

export type PlanFileFormat = "xlsx" | "csv";

export function formatOf(path: string): PlanFileFormat {
  if (extname(path).toLowerCase() === ".xlsx") return "xlsx";
  if (existsSync(path) && statSync(path).isDirectory()) return "csv";
  if (!existsSync(path) && extname(path) === "") return "csv";
  throw invalid(
    "commissioning.plan-file",
    `${path}: a plan is an .xlsx workbook or a directory of CSV files`,
  );
}

function planFields(rows: readonly Record<string, Cell>[]): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const r of rows) {
    const key = r.field === null || r.field === undefined ? "" : String(r.field).trim().toLowerCase();
    if (key) out[key] = r.value ?? null;
  }
  return out;
}

export async function readPlanFile(path: string): Promise<BcfPlan> {
  if (!existsSync(path)) throw notFound("commissioning.no-file", `${path} does not exist`);
  const raw: RawPlan = { plan: {}, sheets: {} };
  if (formatOf(path) === "xlsx") {
    const sheets = await readWorkbook(path);
    const planRows = sheets.get(PLAN_SHEET.sheet.toLowerCase());
    if (!planRows) throw new PlanFormatError([`${path} has no sheet called ${PLAN_SHEET.sheet}`]);
    raw.plan = planFields(planRows);
    for (const key of SHEET_KEYS) raw.sheets[key] = sheets.get(SHEETS[key].sheet.toLowerCase());
  } else {
    const files = new Set(readdirSync(path));
    if (!files.has(PLAN_SHEET.file)) throw new PlanFormatError([`${path} has no ${PLAN_SHEET.file}`]);
    raw.plan = planFields(csvRecords(readFileSync(join(path, PLAN_SHEET.file), "utf8")));
    for (const key of SHEET_KEYS) {
      const file = SHEETS[key].file;
      if (files.has(file)) raw.sheets[key] = csvRecords(readFileSync(join(path, file), "utf8"));
    }
  }
  return planFromRaw(raw);
}

const PLAN_SHEET_HEADERS = ["field", "value"] as const;

function sheetsOf(plan: BcfPlan): SheetData[] {
  const raw = rawFromPlan(plan);
  const planRows = PLAN_SHEET.fields.map((f) => ({ field: f.key, value: raw.plan[f.key] ?? null }));
  return [
    {
      name: PLAN_SHEET.sheet,
      headers: PLAN_SHEET_HEADERS,
      rows: planRows,
      widths: { field: 16, value: 100 },
    },
    ...SHEET_KEYS.map((key) => {
      const spec = SHEETS[key];
      return {
        name: spec.sheet,
        headers: spec.columns.map((c) => c.header),
        rows: raw.sheets[key] ?? [],
        money: spec.columns.filter((c) => c.type === "amount").map((c) => c.header),
        widths: Object.fromEntries(
          spec.columns
            .filter((c) => c.type === "text")
            .map((c) => [c.header, c.header.endsWith("printed") ? 18 : 40]),
        ),
      };
    }),
  ];
}

/** Writes a plan to an .xlsx file or a CSV directory (created if need be); returns the files written. */
export async function writePlanFile(plan: BcfPlan, path: string): Promise<string[]> {
  const sheets = sheetsOf(plan);
  if (formatOf(path) === "xlsx") {
    writeFileSync(path, await writeWorkbook(sheets));
    return [path];
  }
  mkdirSync(path, { recursive: true });
  const written: string[] = [];
  const files = [PLAN_SHEET.file, ...SHEET_KEYS.map((k) => SHEETS[k].file)];
  sheets.forEach((sheet, i) => {
    const file = join(path, files[i]);
    writeFileSync(file, writeCsv(sheet.headers, sheet.rows));
    written.push(file);
  });
  return written;
}

/**
 * Actual spend on its own, for the monthly ledger: the Actual spend sheet of a workbook, a plan directory's
 * actual-spend.csv, or a single CSV file in that sheet's layout.
 */
export async function readActualsFile(path: string): Promise<ActualSpend[]> {
  if (!existsSync(path)) throw notFound("commissioning.no-file", `${path} does not exist`);
  const raw: RawPlan = { plan: { plan_id: "ledger", place: "-", title: "-" }, sheets: {} };
  const ext = extname(path).toLowerCase();
  if (ext === ".xlsx") {
    const sheets = await readWorkbook(path);
    const rows = sheets.get(SHEETS.actuals.sheet.toLowerCase());
    if (!rows) throw new PlanFormatError([`${path} has no sheet called ${SHEETS.actuals.sheet}`]);
    raw.sheets.actuals = rows;
  } else if (ext === ".csv") raw.sheets.actuals = csvRecords(readFileSync(path, "utf8"));
  else if (statSync(path).isDirectory()) {
    raw.sheets.actuals = csvRecords(readFileSync(join(path, SHEETS.actuals.file), "utf8"));
  } else
    throw invalid(
      "commissioning.plan-file",
      `${path}: actual spend is an .xlsx workbook, a .csv file or a plan directory`,
    );
  return planFromRaw(raw).actuals;
}
