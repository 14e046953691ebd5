// Seeded, deterministic pseudo-random numbers for synthetic data: sfc32 seeded through
// the cyrb128 string hash. Not for anything security-related.

export type Rng = {
  /** Float in [0, 1). */
  next(): number;
  nextUint32(): number;
  /** Integer in [0, maxExclusive), without modulo bias. */
  int(maxExclusive: number): number;
  intBetween(min: number, maxInclusive: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weightedIndex(weights: readonly number[]): number;
  normal(mean: number, sd: number): number;
  poisson(lambda: number): number;
  shuffle<T>(items: T[]): T[];
  /**
   * An independent stream that depends only on this stream's seed and the label, not on
   * how many numbers have been drawn, so output stays reproducible whatever the order.
   */
  fork(label: string): Rng;
};

const TWO_POW_32 = 4294967296;
const POISSON_NORMAL_THRESHOLD = 30;

function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function seedKey(words: readonly number[]): string {
  return words.map((w) => w.toString(16).padStart(8, "0")).join("");
}

function assertInteger(value: number, what: string): void {
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be a whole number, got ${value}`);
}

/** A number seed and its decimal string give the same stream (createRng(42) = createRng("42")). */
export function createRng(seed: number | string): Rng {
  if (typeof seed === "number" && !Number.isFinite(seed)) {
    throw new RangeError(`Seed must be a finite number or a string, got ${seed}`);
  }
  return fromSeedWords(cyrb128(String(seed)));
}

function fromSeedWords(seedWords: readonly number[]): Rng {
  let [a, b, c, d] = seedWords;
  let spareNormal: number | null = null;
  // The seed as hex, made on the first fork: a stream is forked many times (a person's, once per part).
  let key: string | null = null;

  function nextUint32(): number {
    const t0 = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const t = (t0 + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  }

  // Discard the first outputs, which correlate with the seed words.
  for (let i = 0; i < 15; i++) nextUint32();

  function next(): number {
    return nextUint32() / TWO_POW_32;
  }

  function int(maxExclusive: number): number {
    assertInteger(maxExclusive, "int() bound");
    if (maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new RangeError(`int() bound must be from 1 to 2^32, got ${maxExclusive}`);
    }
    // Reject the top sliver of draws that would make low results slightly more likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = nextUint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  function standardNormal(): number {
    if (spareNormal !== null) {
      const z = spareNormal;
      spareNormal = null;
      return z;
    }
    // Box-Muller; 1 - next() is in (0, 1] so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  const rng: Rng = {
    next,
    nextUint32,
    int,
    intBetween(min, maxInclusive) {
      assertInteger(min, "intBetween() min");
      assertInteger(maxInclusive, "intBetween() max");
      if (maxInclusive < min) throw new RangeError(`intBetween() max ${maxInclusive} is below min ${min}`);
      return min + int(maxInclusive - min + 1);
    },
    chance(p) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`chance() probability must be from 0 to 1, got ${p}`);
      return next() < p;
    },
    pick(items) {
      if (items.length === 0) throw new RangeError("pick() needs at least one item");
      return items[int(items.length)];
    },
    weightedIndex(weights) {
      let total = 0;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i];
        if (!(w >= 0 && Number.isFinite(w))) {
          throw new RangeError(`weightedIndex() weights must be finite and not negative, got ${w}`);
        }
        total += w;
      }
      if (total <= 0) throw new RangeError("weightedIndex() needs at least one positive weight");
      let target = next() * total;
      let lastPositive = 0;
      for (let i = 0; i < weights.length; i++) {
        if (weights[i] === 0) continue;
        if (target < weights[i]) return i;
        target -= weights[i];
        lastPositive = i;
      }
      return lastPositive; // floating-point rounding ran past the end
    },
    normal(mean, sd) {
      if (!(sd >= 0)) throw new RangeError(`normal() standard deviation must not be negative, got ${sd}`);
      return mean + sd * standardNormal();
    },
    poisson(lambda) {
      if (!(lambda >= 0 && Number.isFinite(lambda))) {
        throw new RangeError(`poisson() mean must be finite and not negative, got ${lambda}`);
      }
      if (lambda < POISSON_NORMAL_THRESHOLD) {
        // Knuth: count uniforms multiplied in before the product drops below e^-lambda.
        const limit = Math.exp(-lambda);
        let k = 0;
        let product = next();
        while (product > limit) {
          k++;
          product *= next();
        }
        return k;
      }
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * standardNormal()));
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const held = items[i];
        items[i] = items[j];
        items[j] = held;
      }
      return items;
    },
    fork(label) {
      // The fixed-length hex prefix keeps (seed, label) pairs from colliding as strings.
      key ??= seedKey(seedWords);
      return fromSeedWords(cyrb128(key + label));
    },
  };
  return rng;
}
