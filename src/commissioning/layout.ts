// The plan's spreadsheet layout: one sheet (or CSV file) per part, a header row, one row per item. The same
// specification reads and writes xlsx and CSV and is what docs/formats/bcf-plan.md documents.
import { isIsoDate } from "../core/dates.ts";
import { OnePlaceError } from "../core/errors.ts";
import { parsePeriod } from "../core/periods.ts";
import { parseAmount } from "./amounts.ts";
import type { BcfPlan, PlanHeader } from "./plan.ts";

export type Cell = string | number | null;
export type RawRow = Record<string, Cell>;

export class PlanFormatError extends OnePlaceError {
  override readonly name = "PlanFormatError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      "invalid",
      "commissioning.plan-format",
      `The plan cannot be read: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

type ColumnType =
  | "text"
  | "amount"
  | "number"
  | "int"
  | "date"
  | "month"
  | "period"
  | "financial-year"
  | "list";

export interface Column {
  header: string;
  /** The plan's field the column reads into and is written from. */
  field: string;
  type: ColumnType;
  /** A text column read as null when blank (otherwise as ""). */
  nullable?: boolean;
  /** What a blank cell reads as (otherwise null, or "" for text). */
  orElse?: string | number;
  required?: boolean;
  values?: readonly string[];
  description: string;
}

export interface SheetSpec {
  sheet: string;
  file: string;
  description: string;
  columns: readonly Column[];
}

const FY = {
  header: "financial_year",
  field: "financialYear",
  type: "financial-year",
  required: true,
  description: "e.g. 2014/15",
} as const satisfies Column;
const NOTE = {
  header: "note",
  field: "note",
  type: "text",
  description: "anything worth keeping with the row",
} as const satisfies Column;

export const SHEETS = {
  allocation: {
    sheet: "Allocation",
    file: "allocation.csv",
    description: "The minimum the pooled budget must hold and the total proposed, per financial year.",
    columns: [
      FY,
      {
        header: "minimum",
        field: "minimum",
        type: "amount",
        description: "minimum required value of the pooled budget (pounds)",
      },
      {
        header: "proposed_total",
        field: "proposedTotal",
        type: "amount",
        description: "total proposed value of the pooled budget (pounds)",
      },
      {
        header: "minimum_as_printed",
        field: "minimumAsPrinted",
        nullable: true,
        type: "text",
        description: "the minimum as the plan printed it",
      },
      {
        header: "proposed_total_as_printed",
        field: "proposedTotalAsPrinted",
        nullable: true,
        type: "text",
        description: "the proposed total as printed",
      },
      NOTE,
    ],
  },
  contributions: {
    sheet: "Contributions",
    file: "contributions.csv",
    description: "Partner contributions to the pooled budget.",
    columns: [
      FY,
      {
        header: "partner",
        field: "partner",
        type: "text",
        required: true,
        values: ["council", "ccg", "grant", "other"],
        description: "council, ccg, grant or other",
      },
      { header: "organisation", field: "organisation", type: "text", description: "who contributes" },
      { header: "description", field: "description", type: "text", description: "what the contribution is" },
      { header: "amount", field: "amount", type: "amount", description: "pounds; blank when not stated" },
      {
        header: "status",
        field: "status",
        orElse: "confirmed",
        type: "text",
        values: ["confirmed", "tbc"],
        description: "confirmed (default) or tbc",
      },
      {
        header: "as_printed",
        field: "asPrinted",
        nullable: true,
        type: "text",
        description: "the amount as printed",
      },
      NOTE,
    ],
  },
  schemes: {
    sheet: "Schemes",
    file: "schemes.csv",
    description: "The schemes the pooled budget pays for.",
    columns: [
      {
        header: "scheme_id",
        field: "schemeId",
        type: "text",
        required: true,
        description: "short unique id, e.g. BCF01",
      },
      {
        header: "theme",
        field: "theme",
        type: "text",
        description: "the plan's heading the scheme sits under",
      },
      { header: "name", field: "name", type: "text", required: true, description: "scheme name" },
      {
        header: "scheme_type",
        field: "schemeType",
        type: "text",
        description: "e.g. reablement, integrated care teams, assistive technology",
      },
      { header: "description", field: "description", type: "text", description: "what it does" },
      { header: "lead_provider", field: "leadProvider", type: "text", description: "who delivers it" },
      {
        header: "investment",
        field: "investment",
        type: "text",
        required: true,
        values: ["recurrent", "non-recurrent", "nil"],
        description: "recurrent, non-recurrent or nil",
      },
      {
        header: "expected_benefits",
        field: "expectedBenefits",
        type: "text",
        description: "what it should achieve",
      },
      {
        header: "metrics",
        field: "metricIds",
        type: "list",
        description: "metric ids it should move, separated by ;",
      },
      NOTE,
    ],
  },
  schemeYears: {
    sheet: "Scheme years",
    file: "scheme-years.csv",
    description: "Planned minimum, maximum and planned spend per scheme and year.",
    columns: [
      {
        header: "scheme_id",
        field: "schemeId",
        type: "text",
        required: true,
        description: "a scheme_id from Schemes",
      },
      FY,
      { header: "planned_min", field: "plannedMin", type: "amount", description: "pounds" },
      { header: "planned_max", field: "plannedMax", type: "amount", description: "pounds" },
      { header: "planned_spend", field: "plannedSpend", type: "amount", description: "pounds" },
      {
        header: "min_as_printed",
        field: "minAsPrinted",
        nullable: true,
        type: "text",
        description: "as printed",
      },
      {
        header: "max_as_printed",
        field: "maxAsPrinted",
        nullable: true,
        type: "text",
        description: "as printed",
      },
      {
        header: "spend_as_printed",
        field: "spendAsPrinted",
        nullable: true,
        type: "text",
        description: "as printed",
      },
      NOTE,
    ],
  },
  metrics: {
    sheet: "Metrics",
    file: "metrics.csv",
    description:
      "Baselines, targets and trajectory points for the metrics, with the payment each target underpins.",
    columns: [
      {
        header: "metric_id",
        field: "metricId",
        type: "text",
        required: true,
        description: "a OnePlace metric id (oneplace metrics show --definitions)",
      },
      {
        header: "role",
        field: "role",
        type: "text",
        required: true,
        values: ["baseline", "target", "trajectory"],
        description: "baseline, target or trajectory",
      },
      {
        header: "period",
        field: "period",
        type: "period",
        required: true,
        description: "2014/15, 2015-Q3, 2015-03 or 2014-04-01..2014-12-31",
      },
      {
        header: "value",
        field: "value",
        type: "number",
        description: "the value as stated (a rate, %, or count)",
      },
      { header: "numerator", field: "numerator", type: "number", description: "its numerator, when stated" },
      {
        header: "denominator",
        field: "denominator",
        type: "number",
        description: "its denominator, when stated",
      },
      {
        header: "value_as_printed",
        field: "valueAsPrinted",
        nullable: true,
        type: "text",
        description: "the value as printed (its decimals set the rounding allowed)",
      },
      {
        header: "tolerance",
        field: "tolerance",
        type: "number",
        description: "amber tolerance as a share of the target (default 0.05)",
      },
      {
        header: "payment",
        field: "payment",
        nullable: true,
        type: "text",
        description: "the tranche_id of the payment this target underpins",
      },
      {
        header: "payment_share",
        field: "paymentShare",
        type: "number",
        description: "the share of that tranche riding on it (default: equal shares)",
      },
      { header: "source", field: "source", type: "text", description: "where in the plan it comes from" },
      NOTE,
    ],
  },
  payments: {
    sheet: "Payments",
    file: "payments.csv",
    description: "Performance payment tranches.",
    columns: [
      {
        header: "tranche_id",
        field: "trancheId",
        type: "text",
        required: true,
        description: "short id, e.g. oct-2015",
      },
      {
        header: "payment_date",
        field: "paymentDate",
        orElse: "",
        type: "date",
        required: true,
        description: "YYYY-MM-DD",
      },
      { header: "amount", field: "amount", type: "amount", description: "pounds; blank when not stated" },
      {
        header: "amount_as_printed",
        field: "amountAsPrinted",
        nullable: true,
        type: "text",
        description: "as printed",
      },
      { header: "description", field: "description", type: "text", description: "what releases it" },
      NOTE,
    ],
  },
  risks: {
    sheet: "Risks",
    file: "risks.csv",
    description: "The risk register.",
    columns: [
      { header: "risk_no", field: "riskNo", orElse: 0, type: "int", required: true, description: "number" },
      {
        header: "category",
        field: "category",
        type: "text",
        description: "e.g. strategic, operational, implementation",
      },
      { header: "risk", field: "risk", type: "text", required: true, description: "the risk" },
      { header: "consequence", field: "consequence", type: "text", description: "what happens if it occurs" },
      { header: "probability", field: "probability", type: "int", description: "1 (low) to 3 (high)" },
      { header: "impact", field: "impact", type: "int", description: "1 (low) to 3 (high)" },
      { header: "controls", field: "controls", type: "text", description: "mitigation" },
      { header: "owner", field: "owner", type: "text", description: "who owns it" },
      { header: "status", field: "status", type: "text", description: "open, closed, ..." },
      { header: "review_date", field: "reviewDate", type: "date", description: "YYYY-MM-DD" },
    ],
  },
  statedTotals: {
    sheet: "Stated totals",
    file: "stated-totals.csv",
    description: "Totals the plan prints, to be checked against the rows they total.",
    columns: [
      {
        header: "subject",
        field: "subject",
        type: "text",
        required: true,
        values: ["scheme-min", "scheme-max", "scheme-spend", "contributions"],
        description: "scheme-min, scheme-max, scheme-spend or contributions",
      },
      FY,
      { header: "amount", field: "amount", type: "amount", description: "pounds" },
      { header: "as_printed", field: "asPrinted", nullable: true, type: "text", description: "as printed" },
      NOTE,
    ],
  },
  actuals: {
    sheet: "Actual spend",
    file: "actual-spend.csv",
    description: "Actual spend per scheme and month (a ledger per plan, replaced month by month on import).",
    columns: [
      { header: "scheme_id", field: "schemeId", type: "text", required: true, description: "a scheme_id" },
      { header: "month", field: "month", type: "month", required: true, description: "YYYY-MM" },
      { header: "amount", field: "amount", orElse: 0, type: "amount", required: true, description: "pounds" },
      { header: "source", field: "source", type: "text", description: "e.g. ledger extract name" },
      NOTE,
    ],
  },
} as const satisfies Record<string, SheetSpec>;

export const PLAN_SHEET = {
  sheet: "Plan",
  file: "plan.csv",
  description: "One row per field: field, value.",
  fields: [
    { key: "plan_id", required: true, description: "lower-case id, e.g. thurrock-2014" },
    { key: "place", required: true, description: "the place" },
    { key: "title", required: true, description: "the plan's title" },
    { key: "version_label", required: false, description: "the plan's own version, e.g. 0.6 draft" },
    { key: "status", required: false, description: "draft, submitted or approved" },
    { key: "council", required: false, description: "local authority" },
    { key: "ccg", required: false, description: "clinical commissioning group" },
    { key: "hwb_date", required: false, description: "date agreed at the Health and Wellbeing Board" },
    { key: "submitted_on", required: false, description: "date submitted" },
    { key: "source", required: false, description: "the document the plan was typed from" },
    { key: "notes", required: false, description: "notes on how it was typed in" },
  ],
} as const;

type SheetKey = keyof typeof SHEETS;

/** Reads typed cells from raw rows, collecting every problem rather than stopping at the first. */
class RowReader {
  readonly problems: string[] = [];
  readonly sheet: SheetSpec;
  readonly row: RawRow;
  readonly line: number;
  constructor(sheet: SheetSpec, row: RawRow, line: number) {
    this.sheet = sheet;
    this.row = row;
    this.line = line;
  }

  private where(header: string): string {
    return `${this.sheet.sheet} row ${this.line}, ${header}`;
  }

  raw(header: string): Cell {
    const v = this.row[header];
    return typeof v === "string" ? (v.trim() === "" ? null : v.trim()) : (v ?? null);
  }

  text(header: string): string {
    const column = this.sheet.columns.find((c) => c.header === header);
    const v = this.raw(header);
    if (v === null && column?.required) this.problems.push(`${this.where(header)}: required`);
    const text = v === null ? "" : String(v);
    if (text && column?.values && !column.values.includes(text.toLowerCase())) {
      this.problems.push(`${this.where(header)}: "${text}" is not one of ${column.values.join(", ")}`);
    }
    return column?.values ? text.toLowerCase() : text;
  }

  nullableText(header: string): string | null {
    const v = this.raw(header);
    return v === null ? null : String(v);
  }

  number(header: string): number | null {
    const v = this.raw(header);
    if (v === null) return null;
    const n = typeof v === "number" ? v : Number(String(v).replaceAll(",", "").replace(/%$/, ""));
    if (!Number.isFinite(n)) {
      this.problems.push(`${this.where(header)}: "${v}" is not a number`);
      return null;
    }
    return n;
  }

  int(header: string): number | null {
    const n = this.number(header);
    if (n !== null && !Number.isInteger(n))
      this.problems.push(`${this.where(header)}: ${n} is not a whole number`);
    return n;
  }

  amount(header: string): number | null {
    const v = this.raw(header);
    if (v === null) return null;
    const parsed = parseAmount(v);
    if (parsed.amount === null && typeof v === "string" && !/^tbc$/i.test(v)) {
      this.problems.push(`${this.where(header)}: "${v}" is not an amount in pounds`);
    }
    return parsed.amount;
  }

  date(header: string): string | null {
    const v = this.raw(header);
    if (v === null) return null;
    const text = String(v).slice(0, 10);
    if (!isIsoDate(text))
      this.problems.push(`${this.where(header)}: "${v}" is not a date written YYYY-MM-DD`);
    return text;
  }

  financialYear(header: string): string {
    const v = this.text(header);
    if (v && !/^\d{4}\/\d{2}$/.test(v))
      this.problems.push(`${this.where(header)}: "${v}" is not a financial year like 2014/15`);
    else this.checkPeriod(header, v);
    return v;
  }

  period(header: string): string {
    const v = this.text(header);
    this.checkPeriod(header, v);
    return v;
  }

  private checkPeriod(header: string, v: string): void {
    if (!v) return;
    try {
      parsePeriod(v);
    } catch (e) {
      this.problems.push(`${this.where(header)}: ${(e as Error).message}`);
    }
  }

  month(header: string): string {
    const v = this.text(header);
    if (v && !/^\d{4}-(0[1-9]|1[0-2])$/.test(v))
      this.problems.push(`${this.where(header)}: "${v}" is not a month YYYY-MM`);
    return v;
  }

  list(header: string): string[] {
    const v = this.raw(header);
    return v === null
      ? []
      : String(v)
          .split(/[;,]/)
          .map((s) => s.trim())
          .filter(Boolean);
  }
}

/** A cell read as its column's type says (every problem noted in the reader). */
function readCell(r: RowReader, c: Column): unknown {
  const h = c.header;
  const readers: Record<ColumnType, () => unknown> = {
    text: () => (c.nullable ? r.nullableText(h) : r.text(h)),
    amount: () => r.amount(h),
    number: () => r.number(h),
    int: () => r.int(h),
    date: () => r.date(h),
    month: () => r.month(h),
    period: () => r.period(h),
    "financial-year": () => r.financialYear(h),
    list: () => r.list(h),
  };
  const v = readers[c.type]();
  return c.orElse !== undefined && (v === null || v === "") ? c.orElse : v;
}

/** A sheet's rows as the plan's items, field by field as its columns say; blank rows are skipped. */
function readSheet(spec: SheetSpec, rows: readonly RawRow[] | undefined, problems: string[]): unknown[] {
  if (!rows) return [];
  const out: unknown[] = [];
  rows.forEach((row, i) => {
    if (Object.values(row).every((v) => v === null || String(v).trim() === "")) return;
    const reader = new RowReader(spec, row, i + 2);
    out.push(Object.fromEntries(spec.columns.map((c) => [c.field, readCell(reader, c)])));
    problems.push(...reader.problems);
  });
  return out;
}

export interface RawPlan {
  plan: Record<string, Cell>;
  sheets: Partial<Record<SheetKey, RawRow[]>>;
}

/** The part of the plan each sheet holds. */
const PART_OF_SHEET = {
  allocation: "allocations",
  contributions: "contributions",
  schemes: "schemes",
  schemeYears: "schemeYears",
  metrics: "metrics",
  payments: "payments",
  risks: "risks",
  statedTotals: "statedTotals",
  actuals: "actuals",
} as const satisfies Record<SheetKey, Exclude<keyof BcfPlan, "header">>;

type Parts = Omit<BcfPlan, "header">;
type ItemOf<K extends SheetKey> = Parts[(typeof PART_OF_SHEET)[K]][number];

// Every field of every part has its column, and every column names a field of its part.
type FieldOf<K extends SheetKey> = (typeof SHEETS)[K]["columns"][number]["field"];
type Covered<K extends SheetKey> = [
  Exclude<keyof ItemOf<K>, FieldOf<K>>,
  Exclude<FieldOf<K>, keyof ItemOf<K>>,
];
const _columnsCoverParts: { [K in SheetKey]: Covered<K> extends [never, never] ? true : Covered<K> } = {
  allocation: true,
  contributions: true,
  schemes: true,
  schemeYears: true,
  metrics: true,
  payments: true,
  risks: true,
  statedTotals: true,
  actuals: true,
};

/** The sheets whose rows must be unique, in the order their repeats are reported, and each row's key. */
const UNIQUE_KEYS: { [K in SheetKey]?: (item: ItemOf<K>) => string } = {
  schemes: (x) => x.schemeId,
  schemeYears: (x) => `${x.schemeId} ${x.financialYear}`,
  payments: (x) => x.trancheId,
  risks: (x) => String(x.riskNo),
  metrics: (x) => `${x.metricId} ${x.role} ${x.period}`,
  actuals: (x) => `${x.schemeId} ${x.month}`,
  allocation: (x) => x.financialYear,
};

function repeatedKeys(parts: Parts, problems: string[]): void {
  for (const key of Object.keys(UNIQUE_KEYS) as SheetKey[]) {
    const keyOf = UNIQUE_KEYS[key] as (item: unknown) => string;
    const seen = new Set<string>();
    for (const k of (parts[PART_OF_SHEET[key]] as unknown[]).map(keyOf)) {
      if (seen.has(k)) problems.push(`${SHEETS[key].sheet}: ${k} appears twice`);
      seen.add(k);
    }
  }
}

function headerFromRaw(plan: RawPlan["plan"], problems: string[]): PlanHeader {
  const field = (key: string) => {
    const v = plan[key];
    return v === null || v === undefined ? "" : String(v).trim();
  };
  for (const f of PLAN_SHEET.fields)
    if (f.required && !field(f.key)) problems.push(`Plan: ${f.key} is required`);
  const planId = field("plan_id");
  if (planId && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(planId)) {
    problems.push(`Plan: plan_id "${planId}" must be lower-case letters and digits joined by '-'`);
  }
  const status = (field("status") || "draft").toLowerCase();
  if (!["draft", "submitted", "approved"].includes(status))
    problems.push(`Plan: status "${status}" is not draft, submitted or approved`);
  const optionalDate = (key: string) => {
    const v = field(key).slice(0, 10);
    if (!v) return null;
    if (!isIsoDate(v)) problems.push(`Plan: ${key} "${field(key)}" is not a date written YYYY-MM-DD`);
    return v;
  };
  return {
    planId,
    place: field("place"),
    title: field("title"),
    versionLabel: field("version_label"),
    status: status as PlanHeader["status"],
    council: field("council"),
    ccg: field("ccg"),
    hwbDate: optionalDate("hwb_date"),
    submittedOn: optionalDate("submitted_on"),
    source: field("source"),
    notes: field("notes"),
  };
}

/** The typed plan from raw sheets; throws PlanFormatError listing every problem. */
export function planFromRaw(raw: RawPlan): BcfPlan {
  const problems: string[] = [];
  const header = headerFromRaw(raw.plan, problems);
  const parts = Object.fromEntries(
    SHEET_KEYS.map((key) => [PART_OF_SHEET[key], readSheet(SHEETS[key], raw.sheets[key], problems)]),
  ) as unknown as Parts;
  repeatedKeys(parts, problems);
  if (problems.length > 0) throw new PlanFormatError(problems);
  return { header, ...parts };
}

/** Raw sheets from a typed plan, for writing. */
export function rawFromPlan(plan: BcfPlan): RawPlan {
  const h = plan.header;
  const rawRow = (spec: SheetSpec, item: object): RawRow =>
    Object.fromEntries(
      spec.columns.map((c) => {
        const v = (item as Record<string, unknown>)[c.field];
        return [c.header, (c.type === "list" ? (v as string[]).join("; ") : v) as Cell];
      }),
    );
  return {
    plan: {
      plan_id: h.planId,
      place: h.place,
      title: h.title,
      version_label: h.versionLabel,
      status: h.status,
      council: h.council,
      ccg: h.ccg,
      hwb_date: h.hwbDate,
      submitted_on: h.submittedOn,
      source: h.source,
      notes: h.notes,
    },
    sheets: Object.fromEntries(
      SHEET_KEYS.map((key) => [
        key,
        (plan[PART_OF_SHEET[key]] as object[]).map((item) => rawRow(SHEETS[key], item)),
      ]),
    ),
  };
}

export const SHEET_KEYS = Object.keys(SHEETS) as SheetKey[];
export type { SheetKey };
