// The rules plan validation runs, one named rule per check. Each rule looks at one kind of subject (a row of
// the plan, a financial year's totals, a national metric) and says, for one subject, what is wrong with it
// and where. Rules are grouped by subject into sections; validatePlan walks each section subject by subject
// and runs the section's rules in order, so findings come out grouped by where they are in the plan.
// To add a rule: write it in the section of what it looks at, give it a unique id, a finding code (listed in
// validate.ts and docs/formats/bcf-plan.md) and a severity, and add a plan that trips it to
// test/commissioning/plan-rules.test.ts.
import { financialYearOf, parsePeriod } from "../core/periods.ts";
import { checkRate, monthsOf } from "../outcomes/index.ts";
import { formatPounds, parseAmount } from "./amounts.ts";
import type { Finding, MetricFacts } from "./finding.ts";
import type {
  Allocation,
  BcfPlan,
  Contribution,
  PaymentTranche,
  PlanMetric,
  Risk,
  SchemeYear,
  StatedTotal,
} from "./plan.ts";

/** What every rule may consult besides its subject. */
export interface PlanContext {
  plan: BcfPlan;
  metrics: ReadonlyMap<string, MetricFacts>;
  schemeIds: ReadonlySet<string>;
  tranches: ReadonlyMap<string, PaymentTranche>;
}

/** A finding without its code and severity, which are the rule's. */
export interface Located {
  where: string;
  message: string;
}

/** A rule on one kind of subject: a pure function from the subject to what is wrong with it. */
interface RuleOn<S> {
  id: string;
  code: Finding["code"];
  severity: Finding["severity"];
  check: (subject: S, ctx: PlanContext) => Located[];
}

/** A rule over a whole plan: its findings, one list per subject of its section, in the plan's order. */
export interface PlanRule {
  id: string;
  code: Finding["code"];
  severity: Finding["severity"];
  check: (ctx: PlanContext) => Finding[][];
}

export function planContext(plan: BcfPlan, metrics: ReadonlyMap<string, MetricFacts>): PlanContext {
  return {
    plan,
    metrics,
    schemeIds: new Set(plan.schemes.map((s) => s.schemeId)),
    tranches: new Map(plan.payments.map((p) => [p.trancheId, p])),
  };
}

/** The rules of one section: each runs over the section's subjects. */
function section<S>(subjects: (ctx: PlanContext) => readonly S[], rules: RuleOn<S>[]): PlanRule[] {
  return rules.map(({ id, code, severity, check }) => ({
    id,
    code,
    severity,
    check: (ctx) =>
      subjects(ctx).map((s) =>
        check(s, ctx).map(({ where, message }) => ({ severity, code, where, message })),
      ),
  }));
}

const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
const close = (a: number, b: number) => Math.abs(a - b) < 0.5;
const when = (cond: boolean, where: string, message: () => string): Located[] =>
  cond ? [{ where, message: message() }] : [];

/** An amount printed in a form that is not a well-formed amount (`£10,565,00`). */
function malformed(where: string, printed: string | null, amount: number | null): Located[] {
  if (!printed) return [];
  const parsed = parseAmount(printed);
  return when(
    !parsed.wellFormed,
    where,
    () =>
      `printed as "${printed}", which is not a well-formed amount; read as ${formatPounds(amount ?? parsed.amount)}`,
  );
}

const malformedAmount = <S>(id: string, check: (s: S) => Located[]): RuleOn<S> => ({
  id,
  code: "malformed-amount",
  severity: "warning",
  check,
});

// Allocations and contributions.

const allocations = section<Allocation>(
  (ctx) => ctx.plan.allocations,
  [
    malformedAmount("allocation-printed", (a) => [
      ...malformed(`Allocation ${a.financialYear}, minimum`, a.minimumAsPrinted, a.minimum),
      ...malformed(
        `Allocation ${a.financialYear}, proposed total`,
        a.proposedTotalAsPrinted,
        a.proposedTotal,
      ),
    ]),
  ],
);

/** A row of the plan with where it is, as findings name it. */
interface Row<T> {
  row: T;
  where: string;
}

const contributions = section<Row<Contribution>>(
  (ctx) =>
    ctx.plan.contributions.map((row) => ({
      row,
      where: `Contributions ${row.financialYear}, ${row.organisation || row.partner}: ${row.description}`,
    })),
  [
    malformedAmount("contribution-printed", ({ row, where }) => malformed(where, row.asPrinted, row.amount)),
    {
      id: "contribution-not-stated",
      code: "amount-not-stated",
      severity: "warning",
      check: ({ row, where }) =>
        row.amount === null
          ? [{ where, message: "no amount stated" }]
          : when(row.status === "tbc", where, () => `${formatPounds(row.amount)} is marked to be confirmed`),
    },
  ],
);

// Schemes and their years.

const schemeYears = section<Row<SchemeYear>>(
  (ctx) =>
    ctx.plan.schemeYears.map((row) => ({ row, where: `Scheme years ${row.schemeId} ${row.financialYear}` })),
  [
    {
      id: "scheme-year-unknown-scheme",
      code: "unknown-scheme",
      severity: "error",
      check: ({ row, where }, ctx) =>
        when(!ctx.schemeIds.has(row.schemeId), where, () => `no scheme ${row.schemeId} in Schemes`),
    },
    malformedAmount("scheme-year-printed", ({ row, where }) => [
      ...malformed(`${where}, minimum`, row.minAsPrinted, row.plannedMin),
      ...malformed(`${where}, maximum`, row.maxAsPrinted, row.plannedMax),
      ...malformed(`${where}, planned spend`, row.spendAsPrinted, row.plannedSpend),
    ]),
    {
      id: "min-above-max",
      code: "min-above-max",
      severity: "error",
      check: ({ row: { plannedMin: min, plannedMax: max }, where }) =>
        when(
          min !== null && max !== null && min > max,
          where,
          () => `the minimum ${formatPounds(min)} is above the maximum ${formatPounds(max)}`,
        ),
    },
    {
      id: "scheme-year-not-stated",
      code: "amount-not-stated",
      severity: "warning",
      check: ({ row, where }) =>
        when(
          row.plannedMin === null && row.plannedMax === null,
          where,
          () => "no minimum or maximum stated (TBC)",
        ),
    },
    {
      id: "spend-outside-range",
      code: "spend-outside-range",
      severity: "error",
      check: ({ row: { plannedMin: min, plannedMax: max, plannedSpend: spend }, where }) =>
        when(
          spend !== null && ((min !== null && spend < min) || (max !== null && spend > max)),
          where,
          () =>
            `planned spend ${formatPounds(spend)} is outside its range ${formatPounds(min)} to ${formatPounds(max)}`,
        ),
    },
  ],
);

const schemes = section(
  (ctx) => ctx.plan.schemes,
  [
    {
      id: "scheme-without-plan",
      code: "scheme-without-plan",
      severity: "warning",
      check: (s, ctx) => {
        const planned = ctx.plan.schemeYears.some((y) => y.schemeId === s.schemeId);
        return when(
          !planned && s.investment !== "nil",
          `Schemes ${s.schemeId} ${s.name}`,
          () => "no planned figures for any year",
        );
      },
    },
  ],
);

// Totals per financial year: stated totals, contributions, schemes against the pool and the minimum.

interface YearTotals {
  year: string;
  allocation: Allocation | undefined;
  schemeRows: number;
  contributionRows: number;
  stated: StatedTotal[];
  totals: Record<StatedTotal["subject"], number>;
}

function yearTotals(ctx: PlanContext): YearTotals[] {
  const { plan } = ctx;
  const years = [
    ...new Set([
      ...plan.allocations.map((a) => a.financialYear),
      ...plan.contributions.map((c) => c.financialYear),
      ...plan.schemeYears.map((y) => y.financialYear),
    ]),
  ].sort();
  return years.map((year) => {
    const rows = plan.schemeYears.filter((y) => y.financialYear === year);
    const contributions = plan.contributions.filter((c) => c.financialYear === year);
    return {
      year,
      allocation: plan.allocations.find((a) => a.financialYear === year),
      schemeRows: rows.length,
      contributionRows: contributions.length,
      stated: plan.statedTotals.filter((s) => s.financialYear === year),
      totals: {
        "scheme-min": sum(rows.map((r) => r.plannedMin)),
        "scheme-max": sum(rows.map((r) => r.plannedMax)),
        "scheme-spend": sum(rows.map((r) => r.plannedSpend)),
        contributions: sum(contributions.map((c) => c.amount)),
      },
    };
  });
}

/** The pooled budget: the proposed total, or what the contributions add up to where none is proposed. */
const pooledOf = (y: YearTotals): number | null =>
  y.allocation?.proposedTotal ?? (y.contributionRows ? y.totals.contributions : null);

const years = section(yearTotals, [
  {
    id: "total-mismatch",
    code: "total-mismatch",
    severity: "error",
    check: ({ year, stated, totals }) =>
      stated
        .filter((t) => t.amount !== null && !close(t.amount, totals[t.subject]))
        .map((t) => ({
          where: `Stated totals ${t.subject} ${year}`,
          message: `the plan states ${formatPounds(t.amount)} but its rows add up to ${formatPounds(totals[t.subject])}`,
        })),
  },
  {
    id: "pooled-below-minimum",
    code: "pooled-below-minimum",
    severity: "error",
    check: ({ year, allocation: a }) =>
      when(
        a?.minimum != null && a.proposedTotal !== null && a.proposedTotal < a.minimum,
        `Allocation ${year}`,
        () =>
          `the proposed pooled budget ${formatPounds(a?.proposedTotal ?? null)} is below the minimum ${formatPounds(a?.minimum ?? null)}`,
      ),
  },
  {
    id: "contributions-short-of-pool",
    code: "contributions-short-of-pool",
    severity: "error",
    check: ({ year, allocation, contributionRows, totals }) => {
      const proposed = allocation?.proposedTotal ?? null;
      if (proposed === null || contributionRows === 0 || close(totals.contributions, proposed)) return [];
      const gap = proposed - totals.contributions;
      return [
        {
          where: `Contributions ${year}`,
          message: `partner contributions add up to ${formatPounds(totals.contributions)}, not the proposed pooled budget of ${formatPounds(proposed)}: ${formatPounds(Math.abs(gap))} ${gap > 0 ? "is not attributed to any partner" : "more than the pool"}`,
        },
      ];
    },
  },
  {
    id: "contributions-below-minimum",
    code: "pooled-below-minimum",
    severity: "error",
    check: ({ year, allocation: a, contributionRows, totals }) =>
      when(
        a !== undefined &&
          a.proposedTotal === null &&
          contributionRows > 0 &&
          a.minimum !== null &&
          totals.contributions < a.minimum,
        `Contributions ${year}`,
        () =>
          `partner contributions add up to ${formatPounds(totals.contributions)}, below the minimum ${formatPounds(a?.minimum ?? null)}`,
      ),
  },
  {
    id: "schemes-below-minimum",
    code: "schemes-below-minimum",
    severity: "error",
    check: ({ year, allocation: a, schemeRows, totals }) =>
      when(
        schemeRows > 0 && a?.minimum != null && totals["scheme-max"] < a.minimum,
        `Scheme years ${year}`,
        () =>
          `the schemes' planned maximum adds up to ${formatPounds(totals["scheme-max"])}, below the minimum allocation of ${formatPounds(a?.minimum ?? null)} (the schemes must spend at least the allocation)`,
      ),
  },
  {
    id: "schemes-short-of-pool",
    code: "schemes-short-of-pool",
    severity: "warning",
    check: (y) => {
      const pooled = pooledOf(y);
      const max = y.totals["scheme-max"];
      return when(
        y.allocation !== undefined && y.schemeRows > 0 && pooled !== null && max < pooled - 0.5,
        `Scheme years ${y.year}`,
        () =>
          `${formatPounds((pooled ?? 0) - max)} of the ${formatPounds(pooled)} pooled budget is not planned against any scheme (schemes' maximum ${formatPounds(max)})`,
      );
    },
  },
]);

// Metrics: rates against their parts, values stated, the payments they underpin, the national set.

interface MetricSubject {
  row: PlanMetric;
  where: string;
  facts: MetricFacts | undefined;
}

const metrics = section<MetricSubject>(
  (ctx) =>
    ctx.plan.metrics.map((row) => ({
      row,
      where: `Metrics ${row.metricId} ${row.role} ${row.period}`,
      facts: ctx.metrics.get(row.metricId),
    })),
  [
    {
      id: "unknown-metric",
      code: "unknown-metric",
      severity: "warning",
      check: ({ row, where, facts }) =>
        when(
          !facts,
          where,
          () =>
            `${row.metricId} is not a metric OnePlace defines, so its value cannot be computed or checked`,
        ),
    },
    {
      id: "metric-without-value",
      code: "metric-without-value",
      severity: "warning",
      check: ({ row, where }) =>
        when(row.value === null && row.numerator === null, where, () => `the ${row.role} has no value`),
    },
    {
      id: "rate-mismatch",
      code: "rate-mismatch",
      severity: "error",
      check: ({ row: m, where, facts }) => {
        if (facts?.valueKind !== "rate") return [];
        const period = parsePeriod(m.period);
        const check = checkRate({
          value: m.value,
          printed: m.valueAsPrinted,
          numerator: m.numerator,
          denominator: m.denominator,
          multiplier: facts.multiplier,
          averageMonths: facts.averageOver === "month" ? monthsOf(period) : 1,
        });
        const computed = check.computed;
        return when(
          check.status === "mismatch" && computed !== null,
          where,
          () =>
            `stated as ${m.valueAsPrinted ?? m.value} but its numerator and denominator give ${computed?.toFixed(1)} (${m.numerator} / ${m.denominator}${facts.multiplier !== 1 ? ` x ${facts.multiplier.toLocaleString("en-GB")}` : ""})`,
        );
      },
    },
    {
      id: "unknown-payment",
      code: "unknown-payment",
      severity: "error",
      check: ({ row, where }, ctx) =>
        when(
          !!row.payment && !ctx.tranches.has(row.payment),
          where,
          () => `no payment tranche ${row.payment} in Payments`,
        ),
    },
    {
      id: "target-after-payment",
      code: "target-after-payment",
      severity: "error",
      check: ({ row, where }, ctx) => {
        const tranche = row.payment ? ctx.tranches.get(row.payment) : undefined;
        if (!tranche) return [];
        const end = parsePeriod(row.period).end;
        return when(
          end >= tranche.paymentDate,
          where,
          () =>
            `the target's period ends on ${end}, on or after the ${row.payment} payment date ${tranche.paymentDate}: performance cannot be known when the payment is due`,
        );
      },
    },
  ],
);

/** The metrics a BCF plan must set targets for (2014/15 to 2016/17 framework), by any of their ids. */
const NATIONAL_METRICS: { label: string; ids: string[] }[] = [
  { label: "permanent admissions to care homes (ascof-2a2)", ids: ["ascof-2a2"] },
  { label: "still at home 91 days after reablement (ascof-2b1)", ids: ["ascof-2b1"] },
  { label: "delayed transfers of care (dtoc)", ids: ["dtoc"] },
  { label: "emergency admissions (nel)", ids: ["nel", "avoidable-emergency-admissions"] },
  { label: "service user experience", ids: ["experience", "experience-carers", "experience-scrqol"] },
  { label: "a local metric (local)", ids: ["local"] },
];

const nationalMetrics = section(
  () => NATIONAL_METRICS,
  [
    {
      id: "missing-national-metric",
      code: "missing-national-metric",
      severity: "warning",
      check: (national, ctx) =>
        when(
          !ctx.plan.metrics.some(
            (m) => national.ids.includes(m.metricId) && m.role === "target" && m.value !== null,
          ),
          "Metrics",
          () => `no target value for ${national.label}`,
        ),
    },
  ],
);

const payments = section<PaymentTranche>(
  (ctx) => ctx.plan.payments,
  [
    malformedAmount("payment-printed", (p) =>
      malformed(`Payments ${p.trancheId}`, p.amountAsPrinted, p.amount),
    ),
    {
      id: "payment-not-stated",
      code: "amount-not-stated",
      severity: "warning",
      check: (p) =>
        when(
          p.amount === null,
          `Payments ${p.trancheId}`,
          () => "the payment's amount is not stated, so what is at risk cannot be shown",
        ),
    },
  ],
);

// Risks.

const risks = section<Row<Risk>>(
  (ctx) =>
    ctx.plan.risks.map((row) => ({
      row,
      where: `Risks ${row.riskNo}: ${row.risk.length > 60 ? `${row.risk.slice(0, 57)}...` : row.risk}`,
    })),
  [
    {
      id: "risk-without-owner",
      code: "risk-without-owner",
      severity: "warning",
      check: ({ row, where }) => when(!row.owner.trim(), where, () => "no owner"),
    },
    {
      id: "risk-not-scored",
      code: "risk-not-scored",
      severity: "warning",
      check: ({ row, where }) =>
        when(
          row.probability === null || row.impact === null,
          where,
          () => "probability or impact not scored",
        ),
    },
    {
      id: "risk-score-out-of-range",
      code: "risk-score-out-of-range",
      severity: "error",
      check: ({ row, where }) =>
        (
          [
            ["probability", row.probability],
            ["impact", row.impact],
          ] as const
        )
          .filter(([, v]) => v !== null && (v < 1 || v > 3))
          .map(([name, v]) => ({ where, message: `${name} ${v} is outside 1 to 3` })),
    },
  ],
);

// Actual spend.

const actuals = section(
  (ctx) => ctx.plan.actuals,
  [
    {
      id: "actual-unknown-scheme",
      code: "unknown-scheme",
      severity: "error",
      check: (a, ctx) =>
        when(
          !ctx.schemeIds.has(a.schemeId),
          `Actual spend ${a.schemeId} ${a.month}`,
          () => `no scheme ${a.schemeId} in Schemes`,
        ),
    },
  ],
);

interface SpentInYear {
  schemeId: string;
  year: string;
  spent: number;
}

/** Actual spend added up per scheme and financial year, in the order the ledger first mentions them. */
function spentByYear(ctx: PlanContext): SpentInYear[] {
  const byKey = new Map<string, SpentInYear>();
  for (const a of ctx.plan.actuals) {
    const year = financialYearOf(parsePeriod(`${a.month}`).start).id;
    const key = `${a.schemeId}|${year}`;
    const entry = byKey.get(key) ?? { schemeId: a.schemeId, year, spent: 0 };
    entry.spent += a.amount;
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

const spendByYear = section(spentByYear, [
  {
    id: "actual-above-maximum",
    code: "actual-above-maximum",
    severity: "warning",
    check: ({ schemeId, year, spent }, ctx) => {
      const max = ctx.plan.schemeYears.find(
        (y) => y.schemeId === schemeId && y.financialYear === year,
      )?.plannedMax;
      return when(
        max != null && spent > max + 0.5,
        `Actual spend ${schemeId} ${year}`,
        () => `${formatPounds(spent)} spent, above the planned maximum of ${formatPounds(max ?? null)}`,
      );
    },
  },
]);

/** The rules in sections, in the order validation reports them. */
export const RULE_SECTIONS: readonly (readonly PlanRule[])[] = [
  allocations,
  contributions,
  schemeYears,
  schemes,
  years,
  metrics,
  nationalMetrics,
  payments,
  risks,
  actuals,
  spendByYear,
];

export const PLAN_RULES: readonly PlanRule[] = RULE_SECTIONS.flat();
