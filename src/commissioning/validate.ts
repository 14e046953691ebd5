// Validation of a plan: every derived figure recomputed, every inconsistency reported with where it is and
// why. Errors are figures that contradict each other; warnings are figures missing or incomplete.
import type { Finding, MetricFacts } from "./finding.ts";
import type { BcfPlan } from "./plan.ts";
import { type PlanRule, planContext, RULE_SECTIONS } from "./plan-rules.ts";

export type { Finding, MetricFacts } from "./finding.ts";

/**
 * Every finding of every rule (plan-rules.ts), grouped by where it is: section by section, and within a
 * section subject by subject, each subject's findings in the order of the section's rules.
 */
export function validatePlan(plan: BcfPlan, metrics: ReadonlyMap<string, MetricFacts>): Finding[] {
  const ctx = planContext(plan, metrics);
  return RULE_SECTIONS.flatMap((rules) => {
    const perRule = rules.map((rule) => rule.check(ctx));
    return (perRule[0] ?? []).flatMap((_, subject) => perRule.flatMap((findings) => findings[subject]));
  });
}

/** One rule's findings for a plan, whatever the other rules find. */
export function findingsOfRule(
  rule: PlanRule,
  plan: BcfPlan,
  metrics: ReadonlyMap<string, MetricFacts>,
): Finding[] {
  return rule.check(planContext(plan, metrics)).flat();
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
