import { SYNTHETIC_OVERFLOW_PREFIX } from "../core/nhs-number.ts";
import type { Rng } from "../core/rng.ts";

// Every person gets a different NHS Number. Drawing numbers at random would repeat them, so each scheme's
// valid numbers are shuffled once with the seed and dealt out by person index. The first 909,090 people get
// numbers from the range reserved for testing (999 000 0000 to 999 999 9999), which is all it holds; a larger
// place or region deals on from the second synthetic scheme (000 000 0001 to 009 999 9999, 9,090,908 valid
// numbers, core/nhs-number.ts says why no UK scheme issues them). Real-looking numbers are never used.

export const TEST_RANGE_CAPACITY = 909_090;
export const OVERFLOW_CAPACITY = 9_090_908;

export interface NhsNumberDeck {
  /** The NHS Number dealt to a person, or null when both synthetic schemes are used up. */
  forPerson(index: number): string | null;
}

/** A scheme's valid numbers: a fixed prefix, free middle digits, a Modulus 11 check digit; shuffled. */
interface Scheme {
  prefix: string;
  middleDigits: number;
  middles: Uint32Array;
  checks: Uint8Array;
}

function shuffledScheme(prefix: string, capacity: number, rng: Rng): Scheme {
  const middleDigits = 9 - prefix.length;
  const middles = new Uint32Array(capacity);
  const checks = new Uint8Array(capacity);
  let n = 0;
  let prefixSum = 0;
  for (let i = 0; i < prefix.length; i++) prefixSum += Number(prefix[i]) * (10 - i);
  // Ten equal digits (0000000000, 9999999999) pass Modulus 11 but are placeholders, nobody's number.
  const same = /^(\d)\1*$/.test(prefix) ? Number(prefix[0]) : -1;
  const placeholderMiddle = same < 0 ? -1 : Number(String(same).repeat(middleDigits));
  for (let middle = 0; middle < 10 ** middleDigits; middle++) {
    // Modulus 11 over the middle digits (weights 2 upwards from the last), added to the prefix's share.
    let sum = prefixSum;
    for (let rest = middle, weight = 2; weight < 2 + middleDigits; weight++, rest = Math.floor(rest / 10))
      sum += (rest % 10) * weight;
    const check = (11 - (sum % 11)) % 11;
    if (check === 10) continue;
    if (middle === placeholderMiddle && check === same) continue;
    middles[n] = middle;
    checks[n] = check;
    n++;
  }
  if (n !== capacity)
    throw new Error(`Expected ${capacity} valid NHS Numbers starting ${prefix}, found ${n}`);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const m = middles[i];
    middles[i] = middles[j];
    middles[j] = m;
    const c = checks[i];
    checks[i] = checks[j];
    checks[j] = c;
  }
  return { prefix, middleDigits, middles, checks };
}

function dealt(s: Scheme, i: number): string {
  return `${s.prefix}${String(s.middles[i]).padStart(s.middleDigits, "0")}${s.checks[i]}`;
}

export function shuffledTestNhsNumbers(rng: Rng): NhsNumberDeck {
  const testRange = shuffledScheme("999", TEST_RANGE_CAPACITY, rng);
  // Built on first use: only places of more than 909,090 people pay for it.
  let overflow: Scheme | null = null;
  return {
    forPerson(index: number): string | null {
      if (index < TEST_RANGE_CAPACITY) return dealt(testRange, index);
      const k = index - TEST_RANGE_CAPACITY;
      if (k >= OVERFLOW_CAPACITY) return null;
      overflow ??= shuffledScheme(SYNTHETIC_OVERFLOW_PREFIX, OVERFLOW_CAPACITY, rng.fork("overflow"));
      return dealt(overflow, k);
    },
  };
}
