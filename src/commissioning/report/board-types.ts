// The shape of the quarterly board report's figures: what the loader's inputs are assembled into and what
// the template renders.
import type { MetricValue, Rag } from "../../outcomes/index.ts";
import type { Finding } from "../finding.ts";
import type { Risk } from "../plan.ts";
import type { PlanFigure } from "../plan-values.ts";

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
