import type { Rng } from "../core/rng.ts";

// Every person gets a different NHS Number from the range reserved for testing (999 000 0000 to 999 999 9999).
// Drawing numbers at random would repeat them (the range holds only 909,090 valid numbers), so the valid
// numbers are shuffled once with the seed and dealt out by person index. A place with more people than that
// gives the rest no NHS Number: the test range cannot hold them and real-looking numbers must never be used.

export const TEST_RANGE_CAPACITY = 909_090;

export interface NhsNumberDeck {
  /** The NHS Number dealt to a person, or null when the test range is used up. */
  forPerson(index: number): string | null;
}

/** The Modulus 11 check digit of 999 followed by the six digits of `middle` (weights 10 down to 2). */
function checkDigitOf999(middle: number): number | null {
  let sum = 9 * 10 + 9 * 9 + 9 * 8;
  let rest = middle;
  for (let weight = 2; weight <= 7; weight++) {
    sum += (rest % 10) * weight;
    rest = Math.floor(rest / 10);
  }
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check === 10 ? null : check;
}

export function shuffledTestNhsNumbers(rng: Rng): NhsNumberDeck {
  const middles = new Uint32Array(TEST_RANGE_CAPACITY);
  const checks = new Uint8Array(TEST_RANGE_CAPACITY);
  let n = 0;
  for (let middle = 0; middle < 1_000_000; middle++) {
    const check = checkDigitOf999(middle);
    if (check === null || middle === 999_999) continue; // 9999999999 is a placeholder, never a real number
    middles[n] = middle;
    checks[n] = check;
    n++;
  }
  if (n !== TEST_RANGE_CAPACITY)
    throw new Error(`Expected ${TEST_RANGE_CAPACITY} test-range NHS Numbers, found ${n}`);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const m = middles[i];
    middles[i] = middles[j];
    middles[j] = m;
    const c = checks[i];
    checks[i] = checks[j];
    checks[j] = c;
  }
  return {
    forPerson(index: number): string | null {
      if (index >= n) return null;
      return `999${String(middles[index]).padStart(6, "0")}${checks[index]}`;
    },
  };
}
