// Discrimination and calibration of predicted probabilities against what happened.
import { fitLogistic, logit } from "../core/logistic.ts";

/** Area under the ROC curve (Mann-Whitney, ties counted as half). */
export function auc(scores: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (outcomes[order[k]] > 0) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0)
    throw new RangeError("AUC needs people with and without the outcome");
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** 95% confidence interval for an AUC (Hanley and McNeil 1982). */
export function aucInterval(a: number, positives: number, negatives: number): [number, number] {
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const se = Math.sqrt(
    (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (positives * negatives),
  );
  return [Math.max(0, a - 1.96 * se), Math.min(1, a + 1.96 * se)];
}

export interface CalibrationGroup {
  group: number;
  people: number;
  meanPredicted: number;
  observedRate: number;
  expected: number;
  observed: number;
}

/** People sorted by predicted risk into `groups` groups of (nearly) equal size, lowest risk first. */
export function calibrationGroups(
  predicted: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  groups = 10,
): CalibrationGroup[] {
  const n = predicted.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a] - predicted[b]);
  const result: CalibrationGroup[] = [];
  for (let g = 0; g < groups; g++) {
    const from = Math.floor((g * n) / groups);
    const to = Math.floor(((g + 1) * n) / groups);
    let expected = 0;
    let observed = 0;
    for (let k = from; k < to; k++) {
      expected += predicted[order[k]];
      observed += outcomes[order[k]] > 0 ? 1 : 0;
    }
    const people = to - from;
    result.push({
      group: g + 1,
      people,
      meanPredicted: people ? expected / people : 0,
      observedRate: people ? observed / people : 0,
      expected,
      observed,
    });
  }
  return result;
}

/**
 * Calibration slope and intercept: the logistic regression of the outcome on the logit of the predicted
 * probability. A slope of 1 means predictions are neither too extreme nor too timid.
 */
export function calibrationSlope(
  predicted: ArrayLike<number>,
  outcomes: ArrayLike<number>,
): { slope: number; intercept: number } {
  const n = predicted.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = logit(Math.min(Math.max(predicted[i], 1e-12), 1 - 1e-12));
  const fit = fitLogistic(x, outcomes, n, 1, { lambda: 0 });
  return { slope: fit.coefficients[0], intercept: fit.intercept };
}

export interface Capture {
  topPercent: number;
  people: number;
  admittedPeople: number;
  shareOfAdmittedPeople: number;
  admissions: number;
  shareOfAdmissions: number;
}

/** Of everyone admitted (and of all admissions), the share among the top x% by predicted risk. */
export function capture(
  predicted: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  events: ArrayLike<number>,
  topPercents: readonly number[],
): Capture[] {
  const n = predicted.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[b] - predicted[a] || a - b);
  let totalPeople = 0;
  let totalEvents = 0;
  for (let i = 0; i < n; i++) {
    totalPeople += outcomes[i] > 0 ? 1 : 0;
    totalEvents += events[i];
  }
  return topPercents.map((topPercent) => {
    const k = Math.round((n * topPercent) / 100);
    let admittedPeople = 0;
    let admissions = 0;
    for (let r = 0; r < k; r++) {
      admittedPeople += outcomes[order[r]] > 0 ? 1 : 0;
      admissions += events[order[r]];
    }
    return {
      topPercent,
      people: k,
      admittedPeople,
      shareOfAdmittedPeople: totalPeople ? admittedPeople / totalPeople : 0,
      admissions,
      shareOfAdmissions: totalEvents ? admissions / totalEvents : 0,
    };
  });
}

export function brierScore(predicted: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) sum += (predicted[i] - (outcomes[i] > 0 ? 1 : 0)) ** 2;
  return sum / predicted.length;
}
