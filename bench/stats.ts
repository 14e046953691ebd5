/** The middle of some figures (the upper of the two middle ones when there is an even number). */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
