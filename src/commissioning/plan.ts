// A Better Care Fund plan as one document: what the spreadsheet holds and what a version stores. Amounts
// are pounds; each keeps the figure as the plan printed it, so validation can say what was written.

export type Partner = "council" | "ccg" | "grant" | "other";
export type Investment = "recurrent" | "non-recurrent" | "nil";
export type PlanStatus = "draft" | "submitted" | "approved";
export type MetricRole = "baseline" | "target" | "trajectory";

export interface PlanHeader {
  planId: string;
  place: string;
  title: string;
  versionLabel: string;
  status: PlanStatus;
  council: string;
  ccg: string;
  hwbDate: string | null;
  submittedOn: string | null;
  source: string;
  notes: string;
}

export interface Allocation {
  financialYear: string;
  minimum: number | null;
  proposedTotal: number | null;
  minimumAsPrinted: string | null;
  proposedTotalAsPrinted: string | null;
  note: string;
}

export interface Contribution {
  financialYear: string;
  partner: Partner;
  organisation: string;
  description: string;
  amount: number | null;
  status: "confirmed" | "tbc";
  asPrinted: string | null;
  note: string;
}

export interface Scheme {
  schemeId: string;
  theme: string;
  name: string;
  schemeType: string;
  description: string;
  leadProvider: string;
  investment: Investment;
  expectedBenefits: string;
  metricIds: string[];
  note: string;
}

export interface SchemeYear {
  schemeId: string;
  financialYear: string;
  plannedMin: number | null;
  plannedMax: number | null;
  plannedSpend: number | null;
  minAsPrinted: string | null;
  maxAsPrinted: string | null;
  spendAsPrinted: string | null;
  note: string;
}

export interface PlanMetric {
  metricId: string;
  role: MetricRole;
  /** A period id: 2014/15, 2015-Q3, 2015-03 or 2014-04-01..2014-12-31. */
  period: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  valueAsPrinted: string | null;
  tolerance: number | null;
  payment: string | null;
  paymentShare: number | null;
  source: string;
  note: string;
}

export interface PaymentTranche {
  trancheId: string;
  paymentDate: string;
  amount: number | null;
  amountAsPrinted: string | null;
  description: string;
  note: string;
}

export interface Risk {
  riskNo: number;
  category: string;
  risk: string;
  consequence: string;
  probability: number | null;
  impact: number | null;
  controls: string;
  owner: string;
  status: string;
  reviewDate: string | null;
}

export interface StatedTotal {
  /** What the plan totals: scheme-min, scheme-max, scheme-spend or contributions. */
  subject: "scheme-min" | "scheme-max" | "scheme-spend" | "contributions";
  financialYear: string;
  amount: number | null;
  asPrinted: string | null;
  note: string;
}

export interface ActualSpend {
  schemeId: string;
  /** YYYY-MM */
  month: string;
  amount: number;
  source: string;
  note: string;
}

export interface BcfPlan {
  header: PlanHeader;
  allocations: Allocation[];
  contributions: Contribution[];
  schemes: Scheme[];
  schemeYears: SchemeYear[];
  metrics: PlanMetric[];
  payments: PaymentTranche[];
  risks: Risk[];
  statedTotals: StatedTotal[];
  /** Monthly actual spend: a ledger kept per plan, not per version. */
  actuals: ActualSpend[];
}

export function targetSetOf(planId: string, version: number): string {
  return `bcf:${planId}@${version}`;
}
