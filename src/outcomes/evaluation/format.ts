// An evaluation as text for the command line.
import type { EvaluationResult } from "./evaluate.ts";

const num = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "-");

export function formatEvaluation(r: EvaluationResult): string {
  const lines = [
    `Evaluation of ${r.intervention} (index dates ${r.from} to ${r.to}); outcome: ${r.outcomeLabel}; ${r.months} months before and after; data to ${r.asOf}.`,
    `People who received it: ${r.treatedFound} found, ${r.treatedEligible} eligible; comparison pool ${r.poolEligible}; matched pairs ${r.matchedPairs}.`,
    "",
    "Balance (standardised mean difference; above 0.1 is a notable imbalance):",
    `  ${"covariate".padEnd(16)} ${"received".padStart(9)} ${"pool".padStart(9)} ${"matched".padStart(9)} ${"SMD before".padStart(11)} ${"SMD after".padStart(10)}`,
    ...r.balance.map(
      (b) =>
        `  ${b.covariate.padEnd(16)} ${num(b.treatedMean).padStart(9)} ${num(b.poolMean).padStart(9)} ${num(b.matchedMean).padStart(9)} ${num(b.smdBefore).padStart(11)} ${num(b.smdAfter).padStart(10)}`,
    ),
    "",
    `Outcome, mean a person      before    after   died in follow-up`,
    `  received (${r.treated.people})`.padEnd(27) +
      `${num(r.treated.pre).padStart(8)} ${num(r.treated.post).padStart(8)}   ${r.treated.died}`,
    `  comparison (${r.comparison.people})`.padEnd(27) +
      `${num(r.comparison.pre).padStart(8)} ${num(r.comparison.post).padStart(8)}   ${r.comparison.died}`,
    "",
    r.did
      ? `Difference in differences: ${num(r.did.estimate)} (95% CI ${num(r.did.low)} to ${num(r.did.high)}), n = ${r.matchedPairs} pairs.`
      : "Difference in differences: none (no matched pairs).",
    "",
    r.verdict,
    ...r.cautions.map((c) => `- ${c}`),
  ];
  return lines.join("\n");
}
