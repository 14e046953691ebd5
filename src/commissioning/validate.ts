// Validation of a plan: every derived figure recomputed, every inconsistency reported with where it is and
// why. Errors are figures that contradict each other; warnings are figures missing or incomplete.
import { parsePeriod } from "../core/periods.ts";
import { checkRate, monthsOf } from "../outcomes/index.ts";
import { formatPounds, parseAmount } from "./amounts.ts";
import type { BcfPlan } from "./plan.ts";

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

/** The metrics a BCF plan must set targets for (2014/15 to 2016/17 framework), by any of their ids. */
const NATIONAL_METRICS: { label: string; ids: string[] }[] = [
  { label: "permanent admissions to care homes (ascof-2a2)", ids: ["ascof-2a2"] },
  { label: "still at home 91 days after reablement (ascof-2b1)", ids: ["ascof-2b1"] },
  { label: "delayed transfers of care (dtoc)", ids: ["dtoc"] },
  { label: "emergency admissions (nel)", ids: ["nel", "avoidable-emergency-admissions"] },
  { label: "service user experience", ids: ["experience", "experience-carers", "experience-scrqol"] },
  { label: "a local metric (local)", ids: ["local"] },
];

const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
const close = (a: number, b: number) => Math.abs(a - b) < 0.5;

function printedCheck(
  findings: Finding[],
  where: string,
  printed: string | null,
  amount: number | null,
): void {
  if (!printed) return;
  const parsed = parseAmount(printed);
  if (!parsed.wellFormed) {
    findings.push({
      severity: "warning",
      code: "malformed-amount",
      where,
      message: `printed as "${printed}", which is not a well-formed amount; read as ${formatPounds(amount ?? parsed.amount)}`,
    });
  }
}

export function validatePlan(plan: BcfPlan, metrics: ReadonlyMap<string, MetricFacts>): Finding[] {
  const f: Finding[] = [];
  const years = [
    ...new Set([
      ...plan.allocations.map((a) => a.financialYear),
      ...plan.contributions.map((c) => c.financialYear),
      ...plan.schemeYears.map((y) => y.financialYear),
    ]),
  ].sort();
  const schemeIds = new Set(plan.schemes.map((s) => s.schemeId));

  // Amounts as printed, and amounts not stated.
  for (const a of plan.allocations) {
    printedCheck(f, `Allocation ${a.financialYear}, minimum`, a.minimumAsPrinted, a.minimum);
    printedCheck(
      f,
      `Allocation ${a.financialYear}, proposed total`,
      a.proposedTotalAsPrinted,
      a.proposedTotal,
    );
  }
  for (const c of plan.contributions) {
    const where = `Contributions ${c.financialYear}, ${c.organisation || c.partner}: ${c.description}`;
    printedCheck(f, where, c.asPrinted, c.amount);
    if (c.amount === null)
      f.push({ severity: "warning", code: "amount-not-stated", where, message: "no amount stated" });
    else if (c.status === "tbc") {
      f.push({
        severity: "warning",
        code: "amount-not-stated",
        where,
        message: `${formatPounds(c.amount)} is marked to be confirmed`,
      });
    }
  }

  // Schemes: min and max, planned spend within them, figures stated.
  for (const y of plan.schemeYears) {
    const where = `Scheme years ${y.schemeId} ${y.financialYear}`;
    if (!schemeIds.has(y.schemeId)) {
      f.push({
        severity: "error",
        code: "unknown-scheme",
        where,
        message: `no scheme ${y.schemeId} in Schemes`,
      });
    }
    printedCheck(f, `${where}, minimum`, y.minAsPrinted, y.plannedMin);
    printedCheck(f, `${where}, maximum`, y.maxAsPrinted, y.plannedMax);
    printedCheck(f, `${where}, planned spend`, y.spendAsPrinted, y.plannedSpend);
    if (y.plannedMin !== null && y.plannedMax !== null && y.plannedMin > y.plannedMax) {
      f.push({
        severity: "error",
        code: "min-above-max",
        where,
        message: `the minimum ${formatPounds(y.plannedMin)} is above the maximum ${formatPounds(y.plannedMax)}`,
      });
    }
    if (y.plannedMin === null && y.plannedMax === null) {
      f.push({
        severity: "warning",
        code: "amount-not-stated",
        where,
        message: "no minimum or maximum stated (TBC)",
      });
    }
    if (y.plannedSpend !== null) {
      const below = y.plannedMin !== null && y.plannedSpend < y.plannedMin;
      const above = y.plannedMax !== null && y.plannedSpend > y.plannedMax;
      if (below || above) {
        f.push({
          severity: "error",
          code: "spend-outside-range",
          where,
          message: `planned spend ${formatPounds(y.plannedSpend)} is outside its range ${formatPounds(y.plannedMin)} to ${formatPounds(y.plannedMax)}`,
        });
      }
    }
  }
  for (const s of plan.schemes) {
    if (!plan.schemeYears.some((y) => y.schemeId === s.schemeId) && s.investment !== "nil") {
      f.push({
        severity: "warning",
        code: "scheme-without-plan",
        where: `Schemes ${s.schemeId} ${s.name}`,
        message: "no planned figures for any year",
      });
    }
  }

  // Totals per year: stated totals, contributions, schemes against the pool and the minimum.
  for (const year of years) {
    const allocation = plan.allocations.find((a) => a.financialYear === year);
    const rows = plan.schemeYears.filter((y) => y.financialYear === year);
    const contributions = plan.contributions.filter((c) => c.financialYear === year);
    const totals = {
      "scheme-min": sum(rows.map((r) => r.plannedMin)),
      "scheme-max": sum(rows.map((r) => r.plannedMax)),
      "scheme-spend": sum(rows.map((r) => r.plannedSpend)),
      contributions: sum(contributions.map((c) => c.amount)),
    };
    for (const t of plan.statedTotals.filter((s) => s.financialYear === year)) {
      if (t.amount !== null && !close(t.amount, totals[t.subject])) {
        f.push({
          severity: "error",
          code: "total-mismatch",
          where: `Stated totals ${t.subject} ${year}`,
          message: `the plan states ${formatPounds(t.amount)} but its rows add up to ${formatPounds(totals[t.subject])}`,
        });
      }
    }
    if (!allocation) continue;
    const { minimum, proposedTotal } = allocation;
    if (minimum !== null && proposedTotal !== null && proposedTotal < minimum) {
      f.push({
        severity: "error",
        code: "pooled-below-minimum",
        where: `Allocation ${year}`,
        message: `the proposed pooled budget ${formatPounds(proposedTotal)} is below the minimum ${formatPounds(minimum)}`,
      });
    }
    const pooled = proposedTotal ?? (contributions.length ? totals.contributions : null);
    if (proposedTotal !== null && contributions.length > 0 && !close(totals.contributions, proposedTotal)) {
      const gap = proposedTotal - totals.contributions;
      f.push({
        severity: "error",
        code: "contributions-short-of-pool",
        where: `Contributions ${year}`,
        message: `partner contributions add up to ${formatPounds(totals.contributions)}, not the proposed pooled budget of ${formatPounds(proposedTotal)}: ${formatPounds(Math.abs(gap))} ${gap > 0 ? "is not attributed to any partner" : "more than the pool"}`,
      });
    }
    if (
      proposedTotal === null &&
      contributions.length > 0 &&
      minimum !== null &&
      totals.contributions < minimum
    ) {
      f.push({
        severity: "error",
        code: "pooled-below-minimum",
        where: `Contributions ${year}`,
        message: `partner contributions add up to ${formatPounds(totals.contributions)}, below the minimum ${formatPounds(minimum)}`,
      });
    }
    if (rows.length > 0 && minimum !== null && totals["scheme-max"] < minimum) {
      f.push({
        severity: "error",
        code: "schemes-below-minimum",
        where: `Scheme years ${year}`,
        message: `the schemes' planned maximum adds up to ${formatPounds(totals["scheme-max"])}, below the minimum allocation of ${formatPounds(minimum)} (the schemes must spend at least the allocation)`,
      });
    }
    if (rows.length > 0 && pooled !== null && totals["scheme-max"] < pooled - 0.5) {
      f.push({
        severity: "warning",
        code: "schemes-short-of-pool",
        where: `Scheme years ${year}`,
        message: `${formatPounds(pooled - totals["scheme-max"])} of the ${formatPounds(pooled)} pooled budget is not planned against any scheme (schemes' maximum ${formatPounds(totals["scheme-max"])})`,
      });
    }
  }

  // Metrics: rates against their parts, values stated, payments they underpin.
  const tranches = new Map(plan.payments.map((p) => [p.trancheId, p]));
  for (const m of plan.metrics) {
    const where = `Metrics ${m.metricId} ${m.role} ${m.period}`;
    const facts = metrics.get(m.metricId);
    if (!facts) {
      f.push({
        severity: "warning",
        code: "unknown-metric",
        where,
        message: `${m.metricId} is not a metric OnePlace defines, so its value cannot be computed or checked`,
      });
    }
    if (m.value === null && m.numerator === null) {
      f.push({
        severity: "warning",
        code: "metric-without-value",
        where,
        message: `the ${m.role} has no value`,
      });
    }
    if (facts && facts.valueKind === "rate") {
      const period = parsePeriod(m.period);
      const check = checkRate({
        value: m.value,
        printed: m.valueAsPrinted,
        numerator: m.numerator,
        denominator: m.denominator,
        multiplier: facts.multiplier,
        averageMonths: facts.averageOver === "month" ? monthsOf(period) : 1,
      });
      if (check.status === "mismatch" && check.computed !== null) {
        const shown = check.computed.toFixed(1);
        f.push({
          severity: "error",
          code: "rate-mismatch",
          where,
          message: `stated as ${m.valueAsPrinted ?? m.value} but its numerator and denominator give ${shown} (${m.numerator} / ${m.denominator}${facts.multiplier !== 1 ? ` x ${facts.multiplier.toLocaleString("en-GB")}` : ""})`,
        });
      }
    }
    if (m.payment) {
      const tranche = tranches.get(m.payment);
      if (!tranche) {
        f.push({
          severity: "error",
          code: "unknown-payment",
          where,
          message: `no payment tranche ${m.payment} in Payments`,
        });
      } else {
        const period = parsePeriod(m.period);
        if (period.end >= tranche.paymentDate) {
          f.push({
            severity: "error",
            code: "target-after-payment",
            where,
            message: `the target's period ends on ${period.end}, on or after the ${m.payment} payment date ${tranche.paymentDate}: performance cannot be known when the payment is due`,
          });
        }
      }
    }
  }
  for (const national of NATIONAL_METRICS) {
    if (
      !plan.metrics.some((m) => national.ids.includes(m.metricId) && m.role === "target" && m.value !== null)
    ) {
      f.push({
        severity: "warning",
        code: "missing-national-metric",
        where: "Metrics",
        message: `no target value for ${national.label}`,
      });
    }
  }
  for (const p of plan.payments) {
    printedCheck(f, `Payments ${p.trancheId}`, p.amountAsPrinted, p.amount);
    if (p.amount === null) {
      f.push({
        severity: "warning",
        code: "amount-not-stated",
        where: `Payments ${p.trancheId}`,
        message: "the payment's amount is not stated, so what is at risk cannot be shown",
      });
    }
  }

  // Risks.
  for (const r of plan.risks) {
    const where = `Risks ${r.riskNo}: ${r.risk.length > 60 ? `${r.risk.slice(0, 57)}...` : r.risk}`;
    if (!r.owner.trim())
      f.push({ severity: "warning", code: "risk-without-owner", where, message: "no owner" });
    if (r.probability === null || r.impact === null) {
      f.push({
        severity: "warning",
        code: "risk-not-scored",
        where,
        message: "probability or impact not scored",
      });
    }
    for (const [name, v] of [
      ["probability", r.probability],
      ["impact", r.impact],
    ] as const) {
      if (v !== null && (v < 1 || v > 3)) {
        f.push({
          severity: "error",
          code: "risk-score-out-of-range",
          where,
          message: `${name} ${v} is outside 1 to 3`,
        });
      }
    }
  }

  // Actual spend.
  for (const a of plan.actuals) {
    if (!schemeIds.has(a.schemeId)) {
      f.push({
        severity: "error",
        code: "unknown-scheme",
        where: `Actual spend ${a.schemeId} ${a.month}`,
        message: `no scheme ${a.schemeId} in Schemes`,
      });
    }
  }
  const actualByYear = new Map<string, number>();
  for (const a of plan.actuals) {
    const fy = parsePeriod(`${a.month}`).start;
    const year = Number(fy.slice(0, 4)) - (Number(fy.slice(5, 7)) < 4 ? 1 : 0);
    const key = `${a.schemeId}|${year}/${String((year + 1) % 100).padStart(2, "0")}`;
    actualByYear.set(key, (actualByYear.get(key) ?? 0) + a.amount);
  }
  for (const [key, spent] of actualByYear) {
    const [schemeId, year] = key.split("|");
    const planned = plan.schemeYears.find((y) => y.schemeId === schemeId && y.financialYear === year);
    if (planned?.plannedMax != null && spent > planned.plannedMax + 0.5) {
      f.push({
        severity: "warning",
        code: "actual-above-maximum",
        where: `Actual spend ${schemeId} ${year}`,
        message: `${formatPounds(spent)} spent, above the planned maximum of ${formatPounds(planned.plannedMax)}`,
      });
    }
  }
  return f;
}

export function countFindings(findings: readonly Finding[]): { errors: number; warnings: number } {
  return {
    errors: findings.filter((x) => x.severity === "error").length,
    warnings: findings.filter((x) => x.severity === "warning").length,
  };
}

/** The facts validation needs from metric definitions (stored ones, or the shipped measures). */
export function metricFactsOf(
  defs: readonly {
    metricId: string;
    title: string;
    multiplier: number;
    valueKind: MetricFacts["valueKind"];
    averageOver?: "month" | null;
  }[],
): Map<string, MetricFacts> {
  return new Map(
    defs.map((d) => [
      d.metricId,
      {
        title: d.title,
        multiplier: d.multiplier,
        valueKind: d.valueKind,
        averageOver: d.averageOver ?? null,
      },
    ]),
  );
}
