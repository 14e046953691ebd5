// The board report assembled from its inputs, without the database: metrics against the plan's trajectory
// with RAG, the plan's own figures beside OnePlace's, spend against plan, the payment at risk, the top risks,
// the validation findings and the summary of them all.
import { financialQuarterLabel } from "../../core/periods.ts";
import type { MetricDefinition, Rag } from "../../outcomes/index.ts";
import type { Finding } from "../finding.ts";
import type { BcfPlan } from "../plan.ts";
import { targetsOf } from "../plan-store.ts";
import { planFiguresFrom } from "../plan-values.ts";
import { metricFactsOf, validatePlan } from "../validate.ts";
import type { BoardInputs } from "./board-inputs.ts";
import { boardMetric } from "./board-metric.ts";
import { paymentRows, spendSection } from "./board-money.ts";
import { isBoardMetric } from "./board-periods.ts";
import type { BoardData, BoardMetric, BoardOptions, PaymentRow } from "./board-types.ts";

/** Errors first, then warnings, each in the order validation reports them. */
function sortedFindings(plan: BcfPlan | null, defs: readonly MetricDefinition[]): Finding[] {
  if (!plan) return [];
  return validatePlan(plan, metricFactsOf(defs)).sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1,
  );
}

/** The five highest-scored risks, and how many have no owner or no score. */
export function riskSummary(plan: BcfPlan | null): BoardData["risks"] {
  const scored = (plan?.risks ?? []).map((r) => ({
    ...r,
    score: r.probability !== null && r.impact !== null ? r.probability * r.impact : null,
  }));
  const top = [...scored]
    .sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.riskNo - b.riskNo)
    .slice(0, 5);
  return {
    top,
    total: scored.length,
    withoutOwner: scored.filter((r) => !r.owner.trim()).length,
    notScored: scored.filter((r) => r.score === null).length,
  };
}

function paymentNote(plan: BcfPlan | null, withAmount: number): string {
  if (!plan) return "No plan imported.";
  if (plan.payments.length === 0) return "The plan sets no performance payment.";
  if (withAmount < plan.payments.length)
    return `${plan.payments.length - withAmount} of ${plan.payments.length} payment tranches state no amount, so what is at risk cannot be given in pounds.`;
  return "";
}

function summaryOf(
  plan: BcfPlan | null,
  metrics: readonly BoardMetric[],
  findings: readonly Finding[],
  payments: readonly PaymentRow[],
): BoardData["summary"] {
  const bcf = metrics.filter((m) => isBoardMetric(m.metricId));
  const count = (r: Rag) => bcf.filter((m) => m.rag === r).length;
  const amounts = payments.filter((p) => p.amount !== null);
  return {
    green: count("green"),
    amber: count("amber"),
    red: count("red"),
    noTarget: bcf.filter((m) => m.available && m.rag === null).length,
    unavailable: metrics.filter((m) => !m.available).length,
    errors: findings.filter((f) => f.severity === "error").length,
    warnings: findings.filter((f) => f.severity === "warning").length,
    atRisk: amounts.length ? amounts.reduce((t, p) => t + (p.atRisk ?? 0), 0) : null,
    uncertain: amounts.length ? amounts.reduce((t, p) => t + (p.uncertain ?? 0), 0) : null,
    paymentNote: paymentNote(plan, amounts.length),
  };
}

function definitionsShown(
  metrics: readonly BoardMetric[],
  byId: ReadonlyMap<string, MetricDefinition>,
): BoardData["definitions"] {
  return metrics
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
    });
}

export function assembleBoard(inputs: BoardInputs, options: BoardOptions): BoardData {
  const { quarter: q, asOf, plan, definitions: defs, values, entered } = inputs;
  const byId = new Map(defs.map((d) => [d.metricId, d]));
  const sources = {
    values,
    entered,
    targets: plan ? targetsOf(plan) : [],
    localityNames: inputs.localityNames,
    unavailable: inputs.unavailable,
    asOf: asOf as string,
  };
  const metrics = inputs.metricPlans.map((mp) => boardMetric(mp, sources));
  const figures = plan ? planFiguresFrom(plan, defs, values, entered) : [];
  const findings = sortedFindings(plan, defs);
  const payments = plan && asOf ? paymentRows(plan, byId, figures, asOf) : [];
  return {
    place: options.place ?? plan?.header.place ?? "the place",
    quarter: { id: q.id, label: financialQuarterLabel(q.id), start: q.start, end: q.end },
    asOf,
    generatedAt: inputs.generatedAt,
    plan: plan
      ? {
          planId: plan.header.planId,
          version: inputs.planVersion,
          title: plan.header.title,
          versionLabel: plan.header.versionLabel,
          status: plan.header.status,
        }
      : null,
    planNote: inputs.planNote,
    metrics: metrics.filter((m) => isBoardMetric(m.metricId)),
    otherMeasures: metrics.filter((m) => !isBoardMetric(m.metricId)),
    planFigures: figures,
    spend: plan ? spendSection(plan, q) : null,
    payments,
    risks: riskSummary(plan),
    findings,
    narrative: options.narrative ?? null,
    summary: summaryOf(plan, metrics, findings, payments),
    definitions: definitionsShown(metrics, byId),
    runId: inputs.runId,
  };
}
