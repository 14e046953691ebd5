// The plan's spreadsheet layout: one sheet (or CSV file) per part, a header row, one row per item. The same
// specification reads and writes xlsx and CSV and is what docs/formats/bcf-plan.md documents.
import { isIsoDate } from "../core/dates.ts";
import { OnePlaceError } from "../core/errors.ts";
import { parsePeriod } from "../core/periods.ts";
import { parseAmount } from "./amounts.ts";
import type {
  ActualSpend,
  Allocation,
  BcfPlan,
  Contribution,
  PaymentTranche,
  PlanHeader,
  PlanMetric,
  Risk,
  Scheme,
  SchemeYear,
  StatedTotal,
} from "./plan.ts";

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
  type: ColumnType;
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

const FY: Column = {
  header: "financial_year",
  type: "financial-year",
  required: true,
  description: "e.g. 2014/15",
};
const NOTE: Column = { header: "note", type: "text", description: "anything worth keeping with the row" };

export const SHEETS = {
  allocation: {
    sheet: "Allocation",
    file: "allocation.csv",
    description: "The minimum the pooled budget must hold and the total proposed, per financial year.",
    columns: [
      FY,
      {
        header: "minimum",
        type: "amount",
        description: "minimum required value of the pooled budget (pounds)",
      },
      {
        header: "proposed_total",
        type: "amount",
        description: "total proposed value of the pooled budget (pounds)",
      },
      { header: "minimum_as_printed", type: "text", description: "the minimum as the plan printed it" },
      { header: "proposed_total_as_printed", type: "text", description: "the proposed total as printed" },
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
        type: "text",
        required: true,
        values: ["council", "ccg", "grant", "other"],
        description: "council, ccg, grant or other",
      },
      { header: "organisation", type: "text", description: "who contributes" },
      { header: "description", type: "text", description: "what the contribution is" },
      { header: "amount", type: "amount", description: "pounds; blank when not stated" },
      {
        header: "status",
        type: "text",
        values: ["confirmed", "tbc"],
        description: "confirmed (default) or tbc",
      },
      { header: "as_printed", type: "text", description: "the amount as printed" },
      NOTE,
    ],
  },
  schemes: {
    sheet: "Schemes",
    file: "schemes.csv",
    description: "The schemes the pooled budget pays for.",
    columns: [
      { header: "scheme_id", type: "text", required: true, description: "short unique id, e.g. BCF01" },
      { header: "theme", type: "text", description: "the plan's heading the scheme sits under" },
      { header: "name", type: "text", required: true, description: "scheme name" },
      {
        header: "scheme_type",
        type: "text",
        description: "e.g. reablement, integrated care teams, assistive technology",
      },
      { header: "description", type: "text", description: "what it does" },
      { header: "lead_provider", type: "text", description: "who delivers it" },
      {
        header: "investment",
        type: "text",
        required: true,
        values: ["recurrent", "non-recurrent", "nil"],
        description: "recurrent, non-recurrent or nil",
      },
      { header: "expected_benefits", type: "text", description: "what it should achieve" },
      { header: "metrics", type: "list", description: "metric ids it should move, separated by ;" },
      NOTE,
    ],
  },
  schemeYears: {
    sheet: "Scheme years",
    file: "scheme-years.csv",
    description: "Planned minimum, maximum and planned spend per scheme and year.",
    columns: [
      { header: "scheme_id", type: "text", required: true, description: "a scheme_id from Schemes" },
      FY,
      { header: "planned_min", type: "amount", description: "pounds" },
      { header: "planned_max", type: "amount", description: "pounds" },
      { header: "planned_spend", type: "amount", description: "pounds" },
      { header: "min_as_printed", type: "text", description: "as printed" },
      { header: "max_as_printed", type: "text", description: "as printed" },
      { header: "spend_as_printed", type: "text", description: "as printed" },
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
        type: "text",
        required: true,
        description: "a OnePlace metric id (oneplace metrics show --definitions)",
      },
      {
        header: "role",
        type: "text",
        required: true,
        values: ["baseline", "target", "trajectory"],
        description: "baseline, target or trajectory",
      },
      {
        header: "period",
        type: "period",
        required: true,
        description: "2014/15, 2015-Q3, 2015-03 or 2014-04-01..2014-12-31",
      },
      { header: "value", type: "number", description: "the value as stated (a rate, %, or count)" },
      { header: "numerator", type: "number", description: "its numerator, when stated" },
      { header: "denominator", type: "number", description: "its denominator, when stated" },
      {
        header: "value_as_printed",
        type: "text",
        description: "the value as printed (its decimals set the rounding allowed)",
      },
      {
        header: "tolerance",
        type: "number",
        description: "amber tolerance as a share of the target (default 0.05)",
      },
      { header: "payment", type: "text", description: "the tranche_id of the payment this target underpins" },
      {
        header: "payment_share",
        type: "number",
        description: "the share of that tranche riding on it (default: equal shares)",
      },
      { header: "source", type: "text", description: "where in the plan it comes from" },
      NOTE,
    ],
  },
  payments: {
    sheet: "Payments",
    file: "payments.csv",
    description: "Performance payment tranches.",
    columns: [
      { header: "tranche_id", type: "text", required: true, description: "short id, e.g. oct-2015" },
      { header: "payment_date", type: "date", required: true, description: "YYYY-MM-DD" },
      { header: "amount", type: "amount", description: "pounds; blank when not stated" },
      { header: "amount_as_printed", type: "text", description: "as printed" },
      { header: "description", type: "text", description: "what releases it" },
      NOTE,
    ],
  },
  risks: {
    sheet: "Risks",
    file: "risks.csv",
    description: "The risk register.",
    columns: [
      { header: "risk_no", type: "int", required: true, description: "number" },
      { header: "category", type: "text", description: "e.g. strategic, operational, implementation" },
      { header: "risk", type: "text", required: true, description: "the risk" },
      { header: "consequence", type: "text", description: "what happens if it occurs" },
      { header: "probability", type: "int", description: "1 (low) to 3 (high)" },
      { header: "impact", type: "int", description: "1 (low) to 3 (high)" },
      { header: "controls", type: "text", description: "mitigation" },
      { header: "owner", type: "text", description: "who owns it" },
      { header: "status", type: "text", description: "open, closed, ..." },
      { header: "review_date", type: "date", description: "YYYY-MM-DD" },
    ],
  },
  statedTotals: {
    sheet: "Stated totals",
    file: "stated-totals.csv",
    description: "Totals the plan prints, to be checked against the rows they total.",
    columns: [
      {
        header: "subject",
        type: "text",
        required: true,
        values: ["scheme-min", "scheme-max", "scheme-spend", "contributions"],
        description: "scheme-min, scheme-max, scheme-spend or contributions",
      },
      FY,
      { header: "amount", type: "amount", description: "pounds" },
      { header: "as_printed", type: "text", description: "as printed" },
      NOTE,
    ],
  },
  actuals: {
    sheet: "Actual spend",
    file: "actual-spend.csv",
    description: "Actual spend per scheme and month (a ledger per plan, replaced month by month on import).",
    columns: [
      { header: "scheme_id", type: "text", required: true, description: "a scheme_id" },
      { header: "month", type: "month", required: true, description: "YYYY-MM" },
      { header: "amount", type: "amount", required: true, description: "pounds" },
      { header: "source", type: "text", description: "e.g. ledger extract name" },
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
    else if (v) {
      try {
        parsePeriod(v);
      } catch (e) {
        this.problems.push(`${this.where(header)}: ${(e as Error).message}`);
      }
    }
    return v;
  }

  period(header: string): string {
    const v = this.text(header);
    if (v) {
      try {
        parsePeriod(v);
      } catch (e) {
        this.problems.push(`${this.where(header)}: ${(e as Error).message}`);
      }
    }
    return v;
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

function readSheet<T>(
  spec: SheetSpec,
  rows: readonly RawRow[] | undefined,
  problems: string[],
  read: (r: RowReader) => T,
): T[] {
  if (!rows) return [];
  const out: T[] = [];
  rows.forEach((row, i) => {
    if (Object.values(row).every((v) => v === null || String(v).trim() === "")) return;
    const reader = new RowReader(spec, row, i + 2);
    out.push(read(reader));
    problems.push(...reader.problems);
  });
  return out;
}

export interface RawPlan {
  plan: Record<string, Cell>;
  sheets: Partial<Record<SheetKey, RawRow[]>>;
}

/** The typed plan from raw sheets; throws PlanFormatError listing every problem. */
export function planFromRaw(raw: RawPlan): BcfPlan {
  const problems: string[] = [];
  const field = (key: string) => {
    const v = raw.plan[key];
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
  const header: PlanHeader = {
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
  const s = raw.sheets;
  const allocations = readSheet<Allocation>(SHEETS.allocation, s.allocation, problems, (r) => ({
    financialYear: r.financialYear("financial_year"),
    minimum: r.amount("minimum"),
    proposedTotal: r.amount("proposed_total"),
    minimumAsPrinted: r.nullableText("minimum_as_printed"),
    proposedTotalAsPrinted: r.nullableText("proposed_total_as_printed"),
    note: r.text("note"),
  }));
  const contributions = readSheet<Contribution>(SHEETS.contributions, s.contributions, problems, (r) => ({
    financialYear: r.financialYear("financial_year"),
    partner: r.text("partner") as Contribution["partner"],
    organisation: r.text("organisation"),
    description: r.text("description"),
    amount: r.amount("amount"),
    status: (r.text("status") || "confirmed") as Contribution["status"],
    asPrinted: r.nullableText("as_printed"),
    note: r.text("note"),
  }));
  const schemes = readSheet<Scheme>(SHEETS.schemes, s.schemes, problems, (r) => ({
    schemeId: r.text("scheme_id"),
    theme: r.text("theme"),
    name: r.text("name"),
    schemeType: r.text("scheme_type"),
    description: r.text("description"),
    leadProvider: r.text("lead_provider"),
    investment: r.text("investment") as Scheme["investment"],
    expectedBenefits: r.text("expected_benefits"),
    metricIds: r.list("metrics"),
    note: r.text("note"),
  }));
  const schemeYears = readSheet<SchemeYear>(SHEETS.schemeYears, s.schemeYears, problems, (r) => ({
    schemeId: r.text("scheme_id"),
    financialYear: r.financialYear("financial_year"),
    plannedMin: r.amount("planned_min"),
    plannedMax: r.amount("planned_max"),
    plannedSpend: r.amount("planned_spend"),
    minAsPrinted: r.nullableText("min_as_printed"),
    maxAsPrinted: r.nullableText("max_as_printed"),
    spendAsPrinted: r.nullableText("spend_as_printed"),
    note: r.text("note"),
  }));
  const metrics = readSheet<PlanMetric>(SHEETS.metrics, s.metrics, problems, (r) => ({
    metricId: r.text("metric_id"),
    role: r.text("role") as PlanMetric["role"],
    period: r.period("period"),
    value: r.number("value"),
    numerator: r.number("numerator"),
    denominator: r.number("denominator"),
    valueAsPrinted: r.nullableText("value_as_printed"),
    tolerance: r.number("tolerance"),
    payment: r.nullableText("payment"),
    paymentShare: r.number("payment_share"),
    source: r.text("source"),
    note: r.text("note"),
  }));
  const payments = readSheet<PaymentTranche>(SHEETS.payments, s.payments, problems, (r) => ({
    trancheId: r.text("tranche_id"),
    paymentDate: r.date("payment_date") ?? "",
    amount: r.amount("amount"),
    amountAsPrinted: r.nullableText("amount_as_printed"),
    description: r.text("description"),
    note: r.text("note"),
  }));
  const risks = readSheet<Risk>(SHEETS.risks, s.risks, problems, (r) => ({
    riskNo: r.int("risk_no") ?? 0,
    category: r.text("category"),
    risk: r.text("risk"),
    consequence: r.text("consequence"),
    probability: r.int("probability"),
    impact: r.int("impact"),
    controls: r.text("controls"),
    owner: r.text("owner"),
    status: r.text("status"),
    reviewDate: r.date("review_date"),
  }));
  const statedTotals = readSheet<StatedTotal>(SHEETS.statedTotals, s.statedTotals, problems, (r) => ({
    subject: r.text("subject") as StatedTotal["subject"],
    financialYear: r.financialYear("financial_year"),
    amount: r.amount("amount"),
    asPrinted: r.nullableText("as_printed"),
    note: r.text("note"),
  }));
  const actuals = readSheet<ActualSpend>(SHEETS.actuals, s.actuals, problems, (r) => ({
    schemeId: r.text("scheme_id"),
    month: r.month("month"),
    amount: r.amount("amount") ?? 0,
    source: r.text("source"),
    note: r.text("note"),
  }));
  const duplicates = (label: string, keys: string[]) => {
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k)) problems.push(`${label}: ${k} appears twice`);
      seen.add(k);
    }
  };
  duplicates(
    "Schemes",
    schemes.map((x) => x.schemeId),
  );
  duplicates(
    "Scheme years",
    schemeYears.map((x) => `${x.schemeId} ${x.financialYear}`),
  );
  duplicates(
    "Payments",
    payments.map((x) => x.trancheId),
  );
  duplicates(
    "Risks",
    risks.map((x) => String(x.riskNo)),
  );
  duplicates(
    "Metrics",
    metrics.map((x) => `${x.metricId} ${x.role} ${x.period}`),
  );
  duplicates(
    "Actual spend",
    actuals.map((x) => `${x.schemeId} ${x.month}`),
  );
  duplicates(
    "Allocation",
    allocations.map((x) => x.financialYear),
  );
  if (problems.length > 0) throw new PlanFormatError(problems);
  return {
    header,
    allocations,
    contributions,
    schemes,
    schemeYears,
    metrics,
    payments,
    risks,
    statedTotals,
    actuals,
  };
}

/** Raw sheets from a typed plan, for writing. */
export function rawFromPlan(plan: BcfPlan): RawPlan {
  const h = plan.header;
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
    sheets: {
      allocation: plan.allocations.map((a) => ({
        financial_year: a.financialYear,
        minimum: a.minimum,
        proposed_total: a.proposedTotal,
        minimum_as_printed: a.minimumAsPrinted,
        proposed_total_as_printed: a.proposedTotalAsPrinted,
        note: a.note,
      })),
      contributions: plan.contributions.map((c) => ({
        financial_year: c.financialYear,
        partner: c.partner,
        organisation: c.organisation,
        description: c.description,
        amount: c.amount,
        status: c.status,
        as_printed: c.asPrinted,
        note: c.note,
      })),
      schemes: plan.schemes.map((x) => ({
        scheme_id: x.schemeId,
        theme: x.theme,
        name: x.name,
        scheme_type: x.schemeType,
        description: x.description,
        lead_provider: x.leadProvider,
        investment: x.investment,
        expected_benefits: x.expectedBenefits,
        metrics: x.metricIds.join("; "),
        note: x.note,
      })),
      schemeYears: plan.schemeYears.map((y) => ({
        scheme_id: y.schemeId,
        financial_year: y.financialYear,
        planned_min: y.plannedMin,
        planned_max: y.plannedMax,
        planned_spend: y.plannedSpend,
        min_as_printed: y.minAsPrinted,
        max_as_printed: y.maxAsPrinted,
        spend_as_printed: y.spendAsPrinted,
        note: y.note,
      })),
      metrics: plan.metrics.map((m) => ({
        metric_id: m.metricId,
        role: m.role,
        period: m.period,
        value: m.value,
        numerator: m.numerator,
        denominator: m.denominator,
        value_as_printed: m.valueAsPrinted,
        tolerance: m.tolerance,
        payment: m.payment,
        payment_share: m.paymentShare,
        source: m.source,
        note: m.note,
      })),
      payments: plan.payments.map((p) => ({
        tranche_id: p.trancheId,
        payment_date: p.paymentDate,
        amount: p.amount,
        amount_as_printed: p.amountAsPrinted,
        description: p.description,
        note: p.note,
      })),
      risks: plan.risks.map((r) => ({
        risk_no: r.riskNo,
        category: r.category,
        risk: r.risk,
        consequence: r.consequence,
        probability: r.probability,
        impact: r.impact,
        controls: r.controls,
        owner: r.owner,
        status: r.status,
        review_date: r.reviewDate,
      })),
      statedTotals: plan.statedTotals.map((t) => ({
        subject: t.subject,
        financial_year: t.financialYear,
        amount: t.amount,
        as_printed: t.asPrinted,
        note: t.note,
      })),
      actuals: plan.actuals.map((a) => ({
        scheme_id: a.schemeId,
        month: a.month,
        amount: a.amount,
        source: a.source,
        note: a.note,
      })),
    },
  };
}

export const SHEET_KEYS = Object.keys(SHEETS) as SheetKey[];
export type { SheetKey };
