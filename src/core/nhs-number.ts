// NHS Numbers: 10 digits, the last a Modulus 11 check digit over the first nine
// (weights 10 down to 2).
import { invalid } from "./errors.ts";

const TEST_RANGE_PREFIX = "999";

function stripSeparators(s: string): string {
  return s.replace(/[ -]/g, "");
}

function isTenDigits(s: string): boolean {
  return /^\d{10}$/.test(s);
}

/** The check digit for nine digits, or null when Modulus 11 gives 10 (no valid NHS Number starts so). */
export function nhsNumberCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) {
    throw new RangeError(
      `Expected exactly 9 digits to compute an NHS Number check digit, got ${JSON.stringify(first9)}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

function isValidDigits(digits: string): boolean {
  if (!isTenDigits(digits)) return false;
  // 0000000000, 1111111111 etc. are placeholders some systems key in; never real numbers.
  if (/^(\d)\1{9}$/.test(digits)) return false;
  return nhsNumberCheckDigit(digits.slice(0, 9)) === digits.charCodeAt(9) - 48;
}

/** Valid after removing spaces and hyphens ("943 476 5919" and "943-476-5919" are accepted). */
export function isValidNhsNumber(s: string): boolean {
  return typeof s === "string" && isValidDigits(stripSeparators(s));
}

/** The bare 10 digits of a valid NHS Number, or null. */
export function normaliseNhsNumber(s: string): string | null {
  if (typeof s !== "string") return null;
  const digits = stripSeparators(s);
  return isValidDigits(digits) ? digits : null;
}

/** Why typed text is not an NHS Number: what a search form says, in words. */
export type NhsNumberProblem = "empty" | "characters" | "length" | "placeholder" | "check-digit";

/**
 * What is wrong with an NHS Number as someone typed it (spaces and dashes allowed), or null when it is a
 * valid one. The message never repeats the number, so it may go into an error or a log.
 */
export function nhsNumberProblem(s: string): { problem: NhsNumberProblem; message: string } | null {
  const digits = stripSeparators(s.trim());
  if (digits === "") return { problem: "empty", message: "Enter an NHS Number." };
  if (!/^\d+$/.test(digits)) {
    return {
      problem: "characters",
      message: "An NHS Number has only numbers in it; spaces and dashes between them are fine.",
    };
  }
  if (digits.length !== 10) {
    return {
      problem: "length",
      message: `An NHS Number is 10 digits long; you entered ${digits.length}.`,
    };
  }
  if (/^(\d)\1{9}$/.test(digits)) {
    return {
      problem: "placeholder",
      message:
        "That is a placeholder, the same digit ten times, which some systems record when they do not know the NHS Number; it is nobody's number. Search by name and date of birth instead.",
    };
  }
  if (!isValidDigits(digits)) {
    return {
      problem: "check-digit",
      message:
        "That is not a valid NHS Number: its last digit (the check digit) does not agree with the first nine, so a digit was probably mistyped or two were swapped. Check the number and try again.",
    };
  }
  return null;
}

/**
 * The one 3-3-4 display ("999 123 4567"), as NHS Numbers are read aloud: ten digits spaced, anything else
 * returned as it is (the caller decides what a page says about a number that is not ten digits).
 */
export function spaceNhsNumber(s: string): string {
  return /^\d{10}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : s;
}

/** "999 123 4567" style (3-3-4). */
export function formatNhsNumber(s: string): string {
  const digits = normaliseNhsNumber(s);
  if (digits === null) throw invalid("core.nhs-number", `Not a valid NHS Number: ${JSON.stringify(s)}`);
  return spaceNhsNumber(digits);
}

/** A valid NHS Number in the range reserved for testing (999 000 0000 to 999 999 9999). */
export function isTestRangeNhsNumber(s: string): boolean {
  return normaliseNhsNumber(s)?.startsWith(TEST_RANGE_PREFIX) === true;
}

/**
 * The second synthetic scheme, for synthetic people beyond the test range's 909,090 numbers: valid Modulus 11
 * numbers from 000 000 0001 to 009 999 9999. No UK scheme issues them: England, Wales and the Isle of Man
 * issue 3xx, 4xx, 6xx and 7xx; Northern Ireland 320-399; Scotland's CHI numbers run from 010 100 0000 to
 * 311 299 9999 because their first six digits are a date of birth, and no day is 00.
 */
export const SYNTHETIC_OVERFLOW_PREFIX = "00";

/** A valid NHS Number from a synthetic scheme: the test range (999) or the overflow scheme (00). */
export function isSyntheticNhsNumber(s: string): boolean {
  const digits = normaliseNhsNumber(s);
  return (
    digits !== null && (digits.startsWith(TEST_RANGE_PREFIX) || digits.startsWith(SYNTHETIC_OVERFLOW_PREFIX))
  );
}

/**
 * A valid NHS Number from the test range, drawn with `nextInt(maxExclusive)` (an integer in
 * [0, maxExclusive)) so a seeded generator gets reproducible numbers.
 */
export function generateTestNhsNumber(nextInt: (maxExclusive: number) => number): string {
  for (;;) {
    const middle = String(nextInt(1_000_000)).padStart(6, "0");
    const first9 = TEST_RANGE_PREFIX + middle;
    const check = nhsNumberCheckDigit(first9);
    if (check === null) continue;
    const candidate = first9 + check;
    if (isValidDigits(candidate)) return candidate; // excludes 9999999999
  }
}

/**
 * A realistic keying error for modelling faulty feeds: either two adjacent, different
 * digits transposed or one digit replaced by another. Always differs from the input.
 *
 * A mistyped number usually, but not always, fails the check digit. Modulus 11 does catch
 * every single-digit substitution and every transposition of two different digits, so
 * starting from a valid number both errors made here always fail. Other real slips can
 * pass: twin errors ("66" keyed as "77" in the 5th and 6th digits, whose weights sum to
 * 11), two separate slips, or a slip in a number that was already wrong. So matching must
 * never trust a number just because its check digit is right.
 */
export function mistypeNhsNumber(nhs: string, nextInt: (maxExclusive: number) => number): string {
  const digits = stripSeparators(nhs);
  if (!isTenDigits(digits)) {
    throw new RangeError(`Expected a 10-digit NHS Number to mistype, got ${JSON.stringify(nhs)}`);
  }
  const chars = digits.split("");
  const transposable: number[] = [];
  for (let i = 0; i < 9; i++) if (chars[i] !== chars[i + 1]) transposable.push(i);

  if (transposable.length > 0 && nextInt(2) === 0) {
    const i = transposable[nextInt(transposable.length)];
    [chars[i], chars[i + 1]] = [chars[i + 1], chars[i]];
  } else {
    const i = nextInt(10);
    const replacement = (Number(chars[i]) + 1 + nextInt(9)) % 10; // any digit but the original
    chars[i] = String(replacement);
  }
  return chars.join("");
}
