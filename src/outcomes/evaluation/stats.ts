// The statistics of an evaluation: a propensity model (logistic regression), nearest-neighbour matching on
// its logit within a caliper, standardised mean differences for balance, and a paired difference in
// differences with its t interval.
import { fitLogistic as fitPenalisedLogistic } from "../../core/logistic.ts";
import { studentTQuantile } from "../../core/student-t.ts";

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Sample variance (n - 1). */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}

/** Standardised mean difference: (mean a - mean b) / sqrt((var a + var b) / 2); 0 when both are constant. */
export function smd(a: readonly number[], b: readonly number[]): number {
  const pooled = Math.sqrt(((variance(a) || 0) + (variance(b) || 0)) / 2);
  const diff = mean(a) - mean(b);
  if (!Number.isFinite(diff)) return Number.NaN;
  return pooled > 0 ? diff / pooled : diff === 0 ? 0 : Number.POSITIVE_INFINITY;
}

/** The 97.5th percentile of Student's t with df degrees of freedom (exact; NaN without degrees of freedom). */
export function t975(df: number): number {
  return studentTQuantile(0.975, df);
}

export interface MeanInterval {
  n: number;
  estimate: number;
  se: number;
  low: number;
  high: number;
}

/** The mean of paired differences with a 95% t interval. */
export function meanInterval(xs: readonly number[]): MeanInterval {
  const n = xs.length;
  const estimate = mean(xs);
  const se = n > 1 ? Math.sqrt(variance(xs) / n) : Number.NaN;
  const half = t975(n - 1) * se;
  return { n, estimate, se, low: estimate - half, high: estimate + half };
}

export interface LogisticFit {
  /** Intercept first, then one coefficient a standardised input. */
  beta: number[];
  means: number[];
  scales: number[];
  iterations: number;
}

/**
 * The propensity model: the shared logistic regression on standardised inputs, with a small ridge penalty
 * (ridge x n, not on the intercept) so complete separation in a small group still gives finite scores.
 */
export function fitLogistic(x: readonly number[][], y: readonly number[], ridge = 1e-3): LogisticFit {
  const n = x.length;
  const k = x[0]?.length ?? 0;
  const means = Array.from({ length: k }, (_, j) => mean(x.map((r) => r[j])));
  const scales = Array.from({ length: k }, (_, j) => Math.sqrt(variance(x.map((r) => r[j]))) || 1);
  const z = new Float64Array(n * k);
  x.forEach((row, i) => {
    for (let j = 0; j < k; j++) z[i * k + j] = (row[j] - means[j]) / scales[j];
  });
  const fit = fitPenalisedLogistic(z, y, n, k, { lambda: ridge * n });
  return { beta: [fit.intercept, ...fit.coefficients], means, scales, iterations: fit.iterations };
}

/** The linear predictor (log-odds) for one row. */
export function logitOf(fit: LogisticFit, row: readonly number[]): number {
  return row.reduce((s, v, j) => s + ((v - fit.means[j]) / fit.scales[j]) * fit.beta[j + 1], fit.beta[0]);
}

/**
 * Greedy 1:1 nearest-neighbour matching without replacement on a score, within a caliper. Treated are
 * matched in descending score order (the hardest to match first). Returns [treatedIndex, controlIndex]
 * pairs.
 */
export function matchNearest(
  treatedScores: readonly number[],
  controlScores: readonly number[],
  caliper: number,
): [number, number][] {
  const order = controlScores.map((s, i) => [s, i] as [number, number]).sort((a, b) => a[0] - b[0]);
  const sorted = order.map((o) => o[0]);
  const n = sorted.length;
  // Skip pointers over used controls (with path compression): right[i] is the first unused at or after i.
  const right = Array.from({ length: n + 1 }, (_, i) => i);
  const left = Array.from({ length: n + 1 }, (_, i) => i); // left[i + 1]: first unused at or before i, as i + 1
  const findRight = (i: number): number => {
    while (right[i] !== i) {
      right[i] = right[right[i]];
      i = right[i];
    }
    return i;
  };
  const findLeft = (i: number): number => {
    while (left[i] !== i) {
      left[i] = left[left[i]];
      i = left[i];
    }
    return i;
  };
  const lowerBound = (x: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const pairs: [number, number][] = [];
  const treatedOrder = treatedScores.map((s, i) => [s, i] as [number, number]).sort((a, b) => b[0] - a[0]);
  for (const [score, ti] of treatedOrder) {
    const pos = lowerBound(score);
    const r = findRight(pos);
    const l = findLeft(pos) - 1; // left is shifted by one: 0 means none
    let best = -1;
    let bestGap = Number.POSITIVE_INFINITY;
    if (r < n && Math.abs(sorted[r] - score) < bestGap) {
      best = r;
      bestGap = Math.abs(sorted[r] - score);
    }
    if (l >= 0 && Math.abs(sorted[l] - score) < bestGap) {
      best = l;
      bestGap = Math.abs(sorted[l] - score);
    }
    if (best < 0 || bestGap > caliper) continue;
    pairs.push([ti, order[best][1]]);
    right[best] = best + 1;
    left[best + 1] = best;
  }
  return pairs;
}
