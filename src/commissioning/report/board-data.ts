// Everything the quarterly Health and Wellbeing Board report shows, gathered in one pass: the metrics
// against the plan's trajectory with RAG (computed in one run for the quarter and the quarters before it),
// the plan's own figures beside OnePlace's, spend against plan, the performance payment at risk, the top
// risks and the validation findings.
import { addDays, addMonths, daysInMonth } from "../../core/dates.ts";
import {
  financialQuarterLabel,
  financialYearOf,
  type Period,
  quarter,
  quartersIn,
  rollingWindow,
} from "../../core/periods.ts";
import {
  assess,
  type ComputeRequest,
  computeMetrics,
  effectiveValue,
  enteredValues,
  installMeasures,
  latestActivityDate,
  latestDefinitions,
  type MetricDefinition,
  type MetricValue,
  type Rag,
  rag,
  type StoredEnteredValue,
  type Target,
  trajectoryAt,
  trajectoryPoints,
} from "../../outcomes/index.ts";
import type { Db } from "../../store/index.ts";
import type { BcfPlan, Risk } from "../plan.ts";
import { loadPlan, NoPlanError, targetsOf } from "../plan-store.ts";
import { type PlanFigure, planFiguresFrom, planValueRequests } from "../plan-values.ts";
import { type Finding, metricFactsOf, validatePlan } from "../validate.ts";

export const BOARD_METRICS = [
  "ascof-2a2",
  "ascof-2b1",
  "ascof-2b2",
  "dtoc",
  "nel",
  "local",
  "experience",
  "experience-carers",
  "experience-scrqol",
] as const;
export const OTHER_MEASURES = [
  "high-risk-share",
  "high-risk-joint-plan",
  "high-risk-lead-professional",
  "dementia-joint-plan",
  "telecare-installations",
  "telecare-in-packages",
  "hiu-activity-change",
  "no-unknown-patients",
] as const;

export interface BoardOptions {
  /** A calendar quarter as core/periods reads it: 2015-Q3 is July to September 2015 (Q2 2015/16). */
  quarter: string;
  planId?: string;
  version?: number;
  narrative?: string | null;
  asOf?: string;
  /** Quarters of history in each chart (default 8). */
  seriesQuarters?: number;
  place?: string;
}

export interface SeriesPoint {
  label: string;
  start: string;
  end: string;
  value: number | null;
  target: number | null;
  status: string | null;
}

export interface BoardMetric {
  metricId: string;
  version: number | null;
  title: string;
  shortTitle: string;
  unit: string;
  decimals: number;
  direction: "higher" | "lower";
  windowKind: "rolling-12" | "quarter" | "snapshot" | "entered";
  windowLabel: string;
  windowStart: string | null;
  windowEnd: string | null;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  numeratorLabel: string;
  denominatorLabel: string;
  status: string | null;
  note: string | null;
  breakdown: MetricValue["breakdown"];
  target: number | null;
  targetBasis: string;
  rag: Rag | null;
  series: SeriesPoint[];
  localities: {
    code: string;
    name: string;
    value: number | null;
    numerator: number | null;
    denominator: number | null;
  }[];
  available: boolean;
  reason: string | null;
}

export interface SchemeSpend {
  schemeId: string;
  name: string;
  plannedMin: number | null;
  plannedMax: number | null;
  plannedSpend: number | null;
  actualToDate: number | null;
  expectedToDate: number | null;
}

export interface SpendSection {
  financialYear: string;
  monthsElapsed: number;
  through: string;
  allocation: { minimum: number | null; proposedTotal: number | null } | null;
  contributions: {
    partner: string;
    organisation: string;
    description: string;
    amount: number | null;
    status: string;
  }[];
  contributionsTotal: number;
  schemes: SchemeSpend[];
  totals: { plannedMin: number; plannedMax: number; plannedSpend: number; actualToDate: number };
  hasActuals: boolean;
}

export interface PaymentTarget {
  metricId: string;
  title: string;
  period: string;
  target: number | null;
  value: number | null;
  decimals: number;
  rag: Rag | null;
  status: "met" | "not met" | "not yet known" | "no target value" | "no value entered" | "not computed";
  share: number;
}

export interface PaymentRow {
  trancheId: string;
  paymentDate: string;
  description: string;
  amount: number | null;
  targets: PaymentTarget[];
  atRisk: number | null;
  uncertain: number | null;
  decided: boolean;
}

export interface BoardData {
  place: string;
  quarter: { id: string; label: string; start: string; end: string };
  asOf: string | null;
  generatedAt: string;
  plan: { planId: string; version: number; title: string; versionLabel: string; status: string } | null;
  planNote: string | null;
  metrics: BoardMetric[];
  otherMeasures: BoardMetric[];
  planFigures: PlanFigure[];
  spend: SpendSection | null;
  payments: PaymentRow[];
  risks: { top: (Risk & { score: number | null })[]; total: number; withoutOwner: number; notScored: number };
  findings: Finding[];
  narrative: string | null;
  summary: {
    green: number;
    amber: number;
    red: number;
    noTarget: number;
    unavailable: number;
    errors: number;
    warnings: number;
    atRisk: number | null;
    uncertain: number | null;
    paymentNote: string;
  };
  definitions: {
    metricId: string;
    version: number;
    title: string;
    numeratorRules: string;
    denominatorRules: string;
  }[];
  runId: string | null;
}

function monthEndOnOrBefore(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  if (d === daysInMonth(y, m)) return iso;
  return addDays(`${iso.slice(0, 7)}-01`, -1);
}

function shortDate(iso: string): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${months[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

function windowLabel(p: Pick<Period, "start" | "end">): string {
  return `${shortDate(p.start)} to ${shortDate(p.end)}`;
}

interface MetricPlan {
  def: MetricDefinition;
  kind: BoardMetric["windowKind"];
  report: Period | null;
  series: Period[];
}

/** The periods a metric is shown for: the report window and the windows of the quarters before it. */
function planMetric(
  def: MetricDefinition,
  defs: readonly MetricDefinition[],
  q: Period,
  asOf: string,
  dataStart: string,
  quarters: number,
): MetricPlan {
  if (def.kind === "entered") return { def, kind: "entered", report: null, series: [] };
  if (def.periodType === "snapshot") return { def, kind: "snapshot", report: null, series: [] };
  const history = quartersIn({
    kind: "custom",
    id: "h",
    start: addMonths(q.start, -3 * (quarters - 1)),
    end: q.end,
  });
  if (def.periodType === "financial-year") {
    const lag = def.fyWindow
      ? Math.max(...defs.filter((d) => d.fyWindow === def.fyWindow).map((d) => d.followUpDays))
      : def.followUpDays;
    const windows = history
      .map((h) => {
        const end = monthEndOnOrBefore(addDays(h.end < asOf ? h.end : asOf, -lag));
        return rollingWindow(end, 12);
      })
      .filter((w) => w.start >= dataStart);
    const unique = [...new Map(windows.map((w) => [w.id, w])).values()];
    return { def, kind: "rolling-12", report: unique.at(-1) ?? null, series: unique };
  }
  const series = history.filter((h) => h.end >= dataStart);
  return { def, kind: "quarter", report: q, series };
}

function pick(
  values: readonly MetricValue[],
  metricId: string,
  periodId: string,
  level = "place",
  code = "place",
) {
  return values.find(
    (v) => v.metricId === metricId && v.periodId === periodId && v.areaLevel === level && v.areaCode === code,
  );
}

function boardMetric(
  mp: MetricPlan,
  values: readonly MetricValue[],
  entered: readonly StoredEnteredValue[],
  targets: readonly Target[],
  localityNames: ReadonlyMap<string, string>,
  unavailable: ReadonlyMap<string, string>,
  asOf: string,
): BoardMetric {
  const { def } = mp;
  const base = {
    metricId: def.metricId,
    version: def.version,
    title: def.title,
    shortTitle: def.shortTitle,
    unit: def.unit,
    decimals: def.decimals,
    direction: def.direction,
    numeratorLabel: def.numeratorLabel,
    denominatorLabel: def.denominatorLabel,
    windowKind: mp.kind,
  };
  const points = trajectoryPoints(targets, def);
  if (unavailable.has(def.metricId)) {
    return {
      ...base,
      windowLabel: "",
      windowStart: null,
      windowEnd: null,
      value: null,
      numerator: null,
      denominator: null,
      status: null,
      note: null,
      breakdown: null,
      target: null,
      targetBasis: "none",
      rag: null,
      series: [],
      localities: [],
      available: false,
      reason: unavailable.get(def.metricId) ?? null,
    };
  }
  let current: MetricValue | undefined;
  let label = "";
  if (mp.kind === "entered") {
    const latest = entered
      .filter((e) => e.metricId === def.metricId && e.areaLevel === "place" && e.periodEnd <= asOf)
      .sort((a, b) => a.periodEnd.localeCompare(b.periodEnd))
      .at(-1);
    const a = assess(latest?.value ?? null, latest?.periodEnd ?? asOf, targets, def);
    return {
      ...base,
      windowLabel: latest ? `${latest.periodId} (entered: ${latest.source})` : "no value entered",
      windowStart: latest?.periodStart ?? null,
      windowEnd: latest?.periodEnd ?? null,
      value: latest?.value ?? null,
      numerator: latest?.numerator ?? null,
      denominator: latest?.denominator ?? null,
      status: latest ? "entered" : null,
      note: latest ? null : "Survey-based: enter the value with 'oneplace metrics enter'.",
      breakdown: null,
      target: a.target,
      targetBasis: a.basis,
      rag: a.rag,
      series: [],
      localities: [],
      available: true,
      reason: null,
    };
  }
  if (mp.kind === "snapshot") {
    current = values.find((v) => v.metricId === def.metricId && v.areaLevel === "place");
    label = current ? `as at ${current.periodEnd} (latest stratification)` : "";
  } else if (mp.report) {
    current = pick(values, def.metricId, mp.report.id);
    label = windowLabel(mp.report);
  }
  const end = current?.periodEnd ?? mp.report?.end ?? asOf;
  const a = assess(current?.value ?? null, end, targets, def);
  const series: SeriesPoint[] = mp.series.map((p) => {
    const v = pick(values, def.metricId, p.id);
    return {
      label: mp.kind === "quarter" ? financialQuarterLabel(p.id) : `to ${shortDate(p.end)}`,
      start: p.start,
      end: p.end,
      value: v?.value ?? null,
      target: trajectoryAt(points, p.end),
      status: v?.status ?? null,
    };
  });
  const localities = values
    .filter(
      (v) =>
        v.metricId === def.metricId &&
        v.areaLevel === "locality" &&
        (mp.kind === "snapshot" ? v.periodId === current?.periodId : v.periodId === mp.report?.id),
    )
    .map((v) => ({
      code: v.areaCode,
      name: localityNames.get(v.areaCode) ?? v.areaCode,
      value: v.value,
      numerator: v.numerator,
      denominator: v.denominator,
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
  return {
    ...base,
    windowLabel: label,
    windowStart: current?.periodStart ?? mp.report?.start ?? null,
    windowEnd: current?.periodEnd ?? mp.report?.end ?? null,
    value: current?.value ?? null,
    numerator: current?.numerator ?? null,
    denominator: current?.denominator ?? null,
    status: current?.status ?? null,
    note: current?.note ?? null,
    breakdown: current?.breakdown ?? null,
    target: a.target,
    targetBasis: a.basis,
    rag: a.rag,
    series,
    localities,
    available: true,
    reason: null,
  };
}

function spendSection(plan: BcfPlan, q: Period): SpendSection {
  const fy = financialYearOf(q.start);
  const months = quartersIn({ kind: "custom", id: "m", start: fy.start, end: q.end }).length * 3;
  const ytd = (m: string) => m >= fy.start.slice(0, 7) && m <= q.end.slice(0, 7);
  const years = plan.schemeYears.filter((y) => y.financialYear === fy.id);
  const hasActuals = plan.actuals.some((a) => ytd(a.month));
  const schemes: SchemeSpend[] = plan.schemes
    .map((s) => {
      const y = years.find((r) => r.schemeId === s.schemeId);
      const actual = plan.actuals
        .filter((a) => a.schemeId === s.schemeId && ytd(a.month))
        .reduce((t, a) => t + a.amount, 0);
      const planned = y?.plannedSpend ?? y?.plannedMax ?? null;
      return {
        schemeId: s.schemeId,
        name: s.name,
        plannedMin: y?.plannedMin ?? null,
        plannedMax: y?.plannedMax ?? null,
        plannedSpend: y?.plannedSpend ?? null,
        actualToDate: hasActuals ? actual : null,
        expectedToDate: planned === null ? null : (planned * months) / 12,
      };
    })
    .filter((s) => s.plannedMax !== null || s.plannedMin !== null || (s.actualToDate ?? 0) > 0);
  const allocation = plan.allocations.find((a) => a.financialYear === fy.id) ?? null;
  const contributions = plan.contributions.filter((c) => c.financialYear === fy.id);
  const total = (k: "plannedMin" | "plannedMax" | "plannedSpend" | "actualToDate") =>
    schemes.reduce((t, s) => t + (s[k] ?? 0), 0);
  return {
    financialYear: fy.id,
    monthsElapsed: months,
    through: q.end,
    allocation: allocation ? { minimum: allocation.minimum, proposedTotal: allocation.proposedTotal } : null,
    contributions: contributions.map((c) => ({
      partner: c.partner,
      organisation: c.organisation,
      description: c.description,
      amount: c.amount,
      status: c.status,
    })),
    contributionsTotal: contributions.reduce((t, c) => t + (c.amount ?? 0), 0),
    schemes,
    totals: {
      plannedMin: total("plannedMin"),
      plannedMax: total("plannedMax"),
      plannedSpend: total("plannedSpend"),
      actualToDate: total("actualToDate"),
    },
    hasActuals,
  };
}

function paymentRows(
  plan: BcfPlan,
  defs: ReadonlyMap<string, MetricDefinition>,
  figures: readonly PlanFigure[],
  asOf: string,
): PaymentRow[] {
  const targets = targetsOf(plan);
  return plan.payments.map((p) => {
    const linked = targets.filter((t) => t.paymentTranche === p.trancheId && t.role === "target");
    const rows: PaymentTarget[] = linked.map((t) => {
      const def = defs.get(t.metricId);
      const target = def ? effectiveValue(t, def) : t.value;
      const figure = figures.find(
        (f) => f.metricId === t.metricId && f.period === t.periodId && f.role === t.role,
      );
      const value = figure?.oneplace ?? null;
      let status: PaymentTarget["status"];
      let r: Rag | null = null;
      if (target === null) status = "no target value";
      else if (!def || value === null) {
        status =
          def && t.periodEnd > asOf
            ? "not yet known"
            : def?.kind === "entered"
              ? "no value entered"
              : "not computed";
      } else {
        r = rag(value, target, def.direction, t.tolerance ?? def.amberTolerance);
        status =
          figure?.oneplaceStatus === "provisional" || t.periodEnd > asOf
            ? "not yet known"
            : r === "green"
              ? "met"
              : "not met";
      }
      return {
        metricId: t.metricId,
        title: def?.shortTitle ?? t.metricId,
        period: t.periodId,
        target,
        value,
        decimals: def?.decimals ?? 1,
        rag: r,
        status,
        share: t.paymentShare ?? 1 / Math.max(1, linked.length),
      };
    });
    const shareOf = (statuses: PaymentTarget["status"][]) =>
      rows.filter((r) => statuses.includes(r.status)).reduce((s, r) => s + r.share, 0);
    return {
      trancheId: p.trancheId,
      paymentDate: p.paymentDate,
      description: p.description,
      amount: p.amount,
      targets: rows,
      atRisk: p.amount === null ? null : p.amount * shareOf(["not met"]),
      uncertain:
        p.amount === null
          ? null
          : p.amount * shareOf(["not yet known", "no target value", "no value entered", "not computed"]),
      decided: p.paymentDate <= asOf,
    };
  });
}

export async function boardData(db: Db, options: BoardOptions): Promise<BoardData> {
  const q = quarter(options.quarter);
  await installMeasures(db);
  const latest = await latestActivityDate(db);
  const asOf = options.asOf ?? (latest ? [latest, q.end].sort()[0] : null);
  let plan: BcfPlan | null = null;
  let planVersion = 0;
  let planNote: string | null = null;
  try {
    const loaded = await loadPlan(db, options.planId, options.version);
    plan = loaded.plan;
    planVersion = loaded.version;
  } catch (error) {
    if (!(error instanceof NoPlanError)) throw error;
    planNote = `${error.message} Import one with 'oneplace bcf import'; metrics are shown without targets.`;
  }
  const defs = await latestDefinitions(db);
  const byId = new Map(defs.map((d) => [d.metricId, d]));
  const wanted = (ids: readonly string[]) =>
    ids.map((id) => byId.get(id)).filter((d): d is MetricDefinition => !!d);
  const targets = plan ? targetsOf(plan) : [];
  const [{ min_start }] = await db.query<{ min_start: string | null }>(
    "SELECT ((min(admitted_at) AT TIME ZONE 'Europe/London')::date)::text AS min_start FROM hospital_spell",
  );
  const dataStart = min_start ? `${min_start.slice(0, 7)}-01` : q.start;
  // BCF metrics get a chart of the quarters before; the other measures are a table of the quarter only.
  const plans = asOf
    ? [
        ...wanted(BOARD_METRICS).map((d) =>
          planMetric(d, defs, q, asOf, dataStart, options.seriesQuarters ?? 8),
        ),
        ...wanted(OTHER_MEASURES).map((d) => planMetric(d, defs, q, asOf, dataStart, 1)),
      ]
    : [];
  const requests: ComputeRequest[] = [];
  for (const mp of plans) {
    if (mp.kind === "entered") continue;
    requests.push({ metricIds: [mp.def.metricId], periods: mp.kind === "snapshot" ? [q] : mp.series });
  }
  if (plan) requests.push(...planValueRequests(plan, defs));
  const result =
    asOf && requests.some((r) => r.periods.length > 0)
      ? await computeMetrics(db, { requests, asOf, areaLevels: ["place", "locality"] })
      : null;
  const values = result?.values ?? [];
  const unavailable = new Map((result?.unavailable ?? []).map((u) => [u.metricId, u.reason]));
  const entered = await enteredValues(db);
  const localityRows = await db.query<{ org_code: string; name: string }>(
    "SELECT org_code, name FROM organisation WHERE kind = 'locality'",
  );
  const localityNames = new Map(localityRows.map((r) => [r.org_code, r.name]));
  const metrics = plans.map((mp) =>
    boardMetric(mp, values, entered, targets, localityNames, unavailable, asOf as string),
  );
  const figures = plan ? planFiguresFrom(plan, defs, values, entered) : [];
  const findings = plan
    ? validatePlan(plan, metricFactsOf(defs)).sort((a, b) =>
        a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1,
      )
    : [];
  const payments = plan && asOf ? paymentRows(plan, byId, figures, asOf) : [];
  const scored = (plan?.risks ?? []).map((r) => ({
    ...r,
    score: r.probability !== null && r.impact !== null ? r.probability * r.impact : null,
  }));
  const top = [...scored]
    .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.riskNo - b.riskNo)
    .slice(0, 5);
  const bcf = metrics.filter((m) => (BOARD_METRICS as readonly string[]).includes(m.metricId));
  const other = metrics.filter((m) => !(BOARD_METRICS as readonly string[]).includes(m.metricId));
  const count = (r: Rag) => bcf.filter((m) => m.rag === r).length;
  const amounts = payments.filter((p) => p.amount !== null);
  const atRisk = amounts.length ? amounts.reduce((t, p) => t + (p.atRisk ?? 0), 0) : null;
  const uncertain = amounts.length ? amounts.reduce((t, p) => t + (p.uncertain ?? 0), 0) : null;
  return {
    place: options.place ?? plan?.header.place ?? "the place",
    quarter: { id: q.id, label: financialQuarterLabel(q.id), start: q.start, end: q.end },
    asOf,
    generatedAt: new Date().toISOString(),
    plan: plan
      ? {
          planId: plan.header.planId,
          version: planVersion,
          title: plan.header.title,
          versionLabel: plan.header.versionLabel,
          status: plan.header.status,
        }
      : null,
    planNote,
    metrics: bcf,
    otherMeasures: other,
    planFigures: figures,
    spend: plan ? spendSection(plan, q) : null,
    payments,
    risks: {
      top,
      total: scored.length,
      withoutOwner: scored.filter((r) => !r.owner.trim()).length,
      notScored: scored.filter((r) => r.score === null).length,
    },
    findings,
    narrative: options.narrative ?? null,
    summary: {
      green: count("green"),
      amber: count("amber"),
      red: count("red"),
      noTarget: bcf.filter((m) => m.available && m.rag === null).length,
      unavailable: metrics.filter((m) => !m.available).length,
      errors: findings.filter((f) => f.severity === "error").length,
      warnings: findings.filter((f) => f.severity === "warning").length,
      atRisk,
      uncertain,
      paymentNote: !plan
        ? "No plan imported."
        : plan.payments.length === 0
          ? "The plan sets no performance payment."
          : amounts.length < plan.payments.length
            ? `${plan.payments.length - amounts.length} of ${plan.payments.length} payment tranches state no amount, so what is at risk cannot be given in pounds.`
            : "",
    },
    definitions: metrics
      .filter((m) => m.version !== null)
      .map((m) => {
        const d = byId.get(m.metricId) as MetricDefinition;
        return {
          metricId: d.metricId,
          version: d.version,
          title: d.title,
          numeratorRules: d.numeratorRules,
          denominatorRules: d.denominatorRules,
        };
      }),
    runId: result?.runId ?? null,
  };
}
