// What plan validation reports, and what it needs to know of each metric.

export interface Finding {
  severity: "error" | "warning";
  code:
    | "total-mismatch"
    | "min-above-max"
    | "spend-outside-range"
    | "pooled-below-minimum"
    | "schemes-below-minimum"
    | "schemes-short-of-pool"
    | "contributions-short-of-pool"
    | "rate-mismatch"
    | "target-after-payment"
    | "unknown-payment"
    | "risk-without-owner"
    | "risk-not-scored"
    | "risk-score-out-of-range"
    | "malformed-amount"
    | "amount-not-stated"
    | "unknown-metric"
    | "metric-without-value"
    | "missing-national-metric"
    | "unknown-scheme"
    | "scheme-without-plan"
    | "actual-above-maximum";
  /** Where in the plan: the sheet and the row's key. */
  where: string;
  message: string;
}

export interface MetricFacts {
  title: string;
  multiplier: number;
  valueKind: "rate" | "count" | "change";
  averageOver: "month" | null;
}
