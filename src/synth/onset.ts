import type { ConditionSpec } from "./conditions.ts";

// Onset ages by inverting a cumulative hazard. Each condition's prevalence curve P(age) gives the cumulative
// hazard H(age) = -ln(1 - P(age)) for a person of average risk; a person whose hazard is `multiplier` times
// the average has onset at the age where multiplier * H(age) first reaches an Exp(1) draw.

export const MAX_AGE = 110;

/** A condition starting on a day of a person's life. */
export interface Onset {
  spec: ConditionSpec;
  day: number;
}

/** H at each whole year of age 0..MAX_AGE, linear between the prevalence knots and past the last one. */
export function cumulativeHazardTable(prevalence: readonly (readonly [number, number])[]): Float64Array {
  const knots = prevalence.map(([age, p]) => [age, p === 0 ? 0 : -Math.log1p(-p)] as const);
  const table = new Float64Array(MAX_AGE + 1);
  for (let age = 0; age <= MAX_AGE; age++) {
    if (age <= knots[0][0]) {
      table[age] = knots[0][0] === 0 ? knots[0][1] : (knots[0][1] * age) / knots[0][0];
      continue;
    }
    let i = 1;
    while (i < knots.length - 1 && knots[i][0] < age) i++;
    const [a0, h0] = knots[i - 1];
    const [a1, h1] = knots[i];
    table[age] = Math.max(0, h0 + ((h1 - h0) * (age - a0)) / (a1 - a0));
  }
  return table;
}

export interface OnsetSampler {
  spec: ConditionSpec;
  table: Float64Array;
}

export function onsetSamplers(catalogue: readonly ConditionSpec[]): OnsetSampler[] {
  return catalogue.map((spec) => ({ spec, table: cumulativeHazardTable(spec.prevalence) }));
}

/** Age in years (fractional) at onset, or Infinity when the condition never starts. */
export function onsetAge(table: Float64Array, multiplier: number, exponentialDraw: number): number {
  const target = exponentialDraw / multiplier;
  if (!(target <= table[MAX_AGE])) return Number.POSITIVE_INFINITY;
  let lo = 0;
  let hi = MAX_AGE;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid] >= target) hi = mid;
    else lo = mid;
  }
  const span = table[hi] - table[lo];
  return span > 0 ? lo + (target - table[lo]) / span : hi;
}
