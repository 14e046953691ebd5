// The model report as a commissioner reads it: plain words first, then the tables behind them.
import { featureById } from "./features.ts";
import type { RiskModel } from "./model.ts";

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const num = (x: number) => x.toLocaleString("en-GB");

/** The plain-words verdict on an area under the ROC curve. */
export function verdictOnAuc(a: number): string {
  if (a >= 0.8) return "good";
  if (a >= 0.72) return "acceptable";
  if (a >= 0.65) return "weak";
  return "poor";
}

export interface FactorStrength {
  label: string;
  /** How the odds of admission change: multiplied by this. */
  ratio: number;
  /** For what change: "if so", "for the first one, less for each after", "for each one more". */
  what: string;
}

/** What drives risk most across the population, strongest first, as the odds of admission change. */
export function strongestFactors(model: RiskModel, limit = 15): FactorStrength[] {
  return [...model.spec.features]
    .filter((f) => f.coefficient !== 0)
    .sort((a, b) => Math.abs(b.coefficient) - Math.abs(a.coefficient))
    .slice(0, limit)
    .map((f) => {
      const kind = featureById(f.id).kind;
      const perUnit = f.coefficient / f.scale;
      // Counts enter as ln(1 + count): going from none to one event multiplies the odds by exp(b ln 2).
      const [ratio, what] =
        kind === "indicator"
          ? [Math.exp(perUnit), "if so"]
          : kind === "count"
            ? [Math.exp(perUnit * Math.LN2), "for the first one, less for each after"]
            : [Math.exp(perUnit), "for each one more"];
      return { label: f.label, ratio, what };
    });
}

export function formatModelReport(model: RiskModel): string {
  const v = model.validation;
  const t = model.spec.train;
  const lines: string[] = [];
  lines.push(
    `Emergency admission risk model, version ${model.version} (${model.kind}, trained ${model.trainedAt.slice(0, 10)})`,
  );
  lines.push("");
  lines.push(
    "What it predicts: the chance that a registered person has at least one emergency hospital admission in",
  );
  lines.push(
    "the next 12 months, from what the GP, hospital, community, mental health and social care records held",
  );
  lines.push("the day before.");
  lines.push("");
  lines.push(
    `Trained on ${num(t.people)} people as at ${t.featuresAsOf}; ${num(t.admittedPeople)} (${pct(t.admittedShare)}) were admitted in ${t.outcomeFrom} to ${t.outcomeTo}.`,
  );
  lines.push(
    `Checked on a later year: ${num(v.people)} people as at ${v.featuresAsOf}; ${num(v.admittedPeople)} (${pct(v.admittedShare)}) were admitted in ${v.outcomeFrom} to ${v.outcomeTo}.`,
  );
  if (t.sampledPermille < 1000 || v.sampledPermille < 1000) {
    lines.push(
      `(A fixed ${(t.sampledPermille / 10).toFixed(1)}% of registered people, chosen by a hash of their id, to bound memory.)`,
    );
  }
  lines.push("");
  lines.push("How well it works on the later year");
  lines.push(
    `  Discrimination: area under the ROC curve ${v.auc.toFixed(3)} (95% CI ${v.aucInterval[0].toFixed(3)} to ${v.aucInterval[1].toFixed(3)}), ${verdictOnAuc(v.auc)}.`,
  );
  lines.push(
    `    Picking one person who was admitted and one who was not, the model ranks the admitted one higher ${pct(v.auc, 0)} of the time.`,
  );
  lines.push(
    `  Calibration slope ${v.calibrationSlope.toFixed(2)} (1 is ideal; below 1 predictions are too extreme, above 1 too timid).`,
  );
  lines.push(
    `  Admissions observed / expected: ${v.observedToExpected.toFixed(2)} (1 is ideal). Brier score ${v.brier.toFixed(4)}.`,
  );
  lines.push("");
  lines.push("Who it finds: people ranked by predicted risk");
  lines.push("  top of list   people    admitted people (share of all admitted)   admissions (share of all)");
  for (const c of v.capture) {
    lines.push(
      `  ${`${c.topPercent}%`.padEnd(12)}${num(c.people).padStart(8)}    ${num(c.admittedPeople).padStart(8)} (${pct(c.shareOfAdmittedPeople)})${"".padEnd(19)}${num(c.admissions).padStart(8)} (${pct(c.shareOfAdmissions)})`,
    );
  }
  lines.push("");
  lines.push("Calibration by tenth of predicted risk (1 = lowest risk)");
  lines.push("  tenth    people   predicted   observed   expected admitted   observed admitted");
  for (const d of v.deciles) {
    lines.push(
      `  ${String(d.group).padStart(5)}  ${num(d.people).padStart(8)}   ${pct(d.meanPredicted).padStart(9)}   ${pct(d.observedRate).padStart(8)}   ${d.expected.toFixed(0).padStart(17)}   ${String(d.observed).padStart(17)}`,
    );
  }
  lines.push("");
  lines.push(
    "What drives risk most across the population (strongest first), as the odds of admission change",
  );
  for (const { ratio, label, what } of strongestFactors(model)) {
    lines.push(`  ${ratio.toFixed(2).padStart(5)} x  ${label} (${what})`);
  }
  lines.push("");
  lines.push(
    `Regularisation: L2 penalty ${model.spec.lambda} chosen on a held-out fifth of the training people; ${model.spec.features.length} factors.`,
  );
  return lines.join("\n");
}
