// The board report's money: spend against plan to date, and the performance payment at risk.
import { financialYearOf, type Period, quartersIn } from "../../core/periods.ts";
import type { MetricDefinition } from "../../outcomes/index.ts";
import { effectiveValue, type Rag, rag } from "../../outcomes/index.ts";
import type { BcfPlan } from "../plan.ts";
import { targetsOf } from "../plan-store.ts";
import type { PlanFigure } from "../plan-values.ts";
import type { PaymentRow, PaymentTarget, SchemeSpend, SpendSection } from "./board-types.ts";

/** Spend against plan for the financial year to the quarter's end: schemes, contributions, totals. */
export function spendSection(plan: BcfPlan, q: Period): SpendSection {
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

/**
 * The performance payment: each tranche's targets judged on OnePlace's values for their periods, and the
 * amount at risk (targets not met) and uncertain (not yet known or not computable), by their shares.
 */
export function paymentRows(
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
