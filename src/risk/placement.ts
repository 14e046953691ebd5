// Where a rescored person's score stands against the latest full run: the tier from the run's cut-points and
// the percentile from its quantiles, as the full run would place that score (exact ranks wait for the next one).
import type { RiskTier } from "./settings.ts";

export interface Cutpoints {
  /** Lowest probability in each tier at the full run: rescored people are placed against these. */
  veryHigh: number | null;
  high: number | null;
  rising: number | null;
}

/** The number of a full run's quantiles: scores at 0.1%, 0.2% ... 99.9%. */
export const QUANTILES = 1000;

/** The tier a probability falls in: the highest whose lowest score at the full run it reaches. */
export function tierOf(probability: number, c: Cutpoints): RiskTier {
  if (c.veryHigh !== null && probability >= c.veryHigh) return "very-high";
  if (c.high !== null && probability >= c.high) return "high";
  if (c.rising !== null && probability >= c.rising) return "rising";
  return "low";
}

/**
 * The percentile of a probability among the full run's scores: one tenth of a percent for each of the run's
 * ascending quantiles at or below it (SQL's width_bucket), plus one; null when the run kept no quantiles.
 * Returned as the decimal text the column stores (e.g. "99.4"), so it is rounded to a real exactly as a
 * full run's is.
 */
export function percentileOf(probability: number, quantiles: readonly number[] | null): string | null {
  if (!quantiles) return null;
  let below = 0;
  let above = quantiles.length;
  while (below < above) {
    const mid = (below + above) >>> 1;
    if (quantiles[mid] <= probability) below = mid + 1;
    else above = mid;
  }
  return String((below + 1) / (QUANTILES / 100));
}
