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
  return new Sfc32(seedWords);
}

/**
 * One stream: a class rather than an object of closures, since the synthetic place forks several streams a
 * person (millions for a place) and each set of closures was garbage to collect. Methods use `this`: pass
 * `() => rng.next()`, not `rng.next`.
 */
class Sfc32 implements Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | null = null;
  readonly #seedWords: readonly number[];
  // The seed as hex, made on the first fork: a stream is forked many times (a person's, once per part).
  #key: string | null = null;

  constructor(seedWords: readonly number[]) {
    this.#seedWords = seedWords;
    [this.#a, this.#b, this.#c, this.#d] = seedWords;
    // Discard the first outputs, which correlate with the seed words.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    let c = this.#c;
    const t0 = (a + b) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    const d = (this.#d + 1) | 0;
    this.#d = d;
    const t = (t0 + d) | 0;
    this.#c = (c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  int(maxExclusive: number): number {
    assertInteger(maxExclusive, "int() bound");
    if (maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new RangeError(`int() bound must be from 1 to 2^32, got ${maxExclusive}`);
    }
    // Reject the top sliver of draws that would make low results slightly more likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  #standardNormal(): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return z;
    }
    // Box-Muller; 1 - next() is in (0, 1] so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  intBetween(min: number, maxInclusive: number): number {
    assertInteger(min, "intBetween() min");
    assertInteger(maxInclusive, "intBetween() max");
    if (maxInclusive < min) throw new RangeError(`intBetween() max ${maxInclusive} is below min ${min}`);
    return min + this.int(maxInclusive - min + 1);
  }

  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`chance() probability must be from 0 to 1, got ${p}`);
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick() needs at least one item");
    return items[this.int(items.length)];
  }

  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0 && Number.isFinite(w))) {
        throw new RangeError(`weightedIndex() weights must be finite and not negative, got ${w}`);
      }
      total += w;
    }
    if (total <= 0) throw new RangeError("weightedIndex() needs at least one positive weight");
    let target = this.next() * total;
    let lastPositive = 0;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      if (target < weights[i]) return i;
      target -= weights[i];
      lastPositive = i;
    }
    return lastPositive; // floating-point rounding ran past the end
  }

  normal(mean: number, sd: number): number {
    if (!(sd >= 0)) throw new RangeError(`normal() standard deviation must not be negative, got ${sd}`);
    return mean + sd * this.#standardNormal();
  }

  poisson(lambda: number): number {
    if (!(lambda >= 0 && Number.isFinite(lambda))) {
      throw new RangeError(`poisson() mean must be finite and not negative, got ${lambda}`);
    }
    if (lambda < POISSON_NORMAL_THRESHOLD) {
      // Knuth: count uniforms multiplied in before the product drops below e^-lambda.
      const limit = Math.exp(-lambda);
      let k = 0;
      let product = this.next();
      while (product > limit) {
        k++;
        product *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.#standardNormal()));
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }

  fork(label: string): Rng {
    // The fixed-length hex prefix keeps (seed, label) pairs from colliding as strings.
    this.#key ??= seedKey(this.#seedWords);
    return fromSeedWords(cyrb128(this.#key + label));
  }
}
