// ISO calendar dates (YYYY-MM-DD) at the API boundary; "day numbers" (whole days since
// 1970-01-01, proleptic Gregorian, UTC) for arithmetic. Conversion is pure integer
// arithmetic (Howard Hinnant's days_from_civil / civil_from_days) because the synthetic
// data generator calls it millions of times; no Date objects are allocated.
import { invalid, type OnePlaceError } from "./errors.ts";

const MIN_DAY_NUMBER = -719528; // 0000-01-01
const MAX_DAY_NUMBER = 2932896; // 9999-12-31
const CHAR_0 = 48;
const CHAR_DASH = 45;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - CHAR_0;
  return d >= 0 && d <= 9 ? d : -1;
}

// Returns year*10000 + month*100 + day for a real calendar date, or -1. Hand-rolled
// rather than a regex + split so the hot path does not allocate.
function parseYmd(s: string): number {
  if (s.length !== 10 || s.charCodeAt(4) !== CHAR_DASH || s.charCodeAt(7) !== CHAR_DASH) return -1;
  const y0 = digit(s, 0);
  const y1 = digit(s, 1);
  const y2 = digit(s, 2);
  const y3 = digit(s, 3);
  const m0 = digit(s, 5);
  const m1 = digit(s, 6);
  const d0 = digit(s, 8);
  const d1 = digit(s, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return -1;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return -1;
  return year * 10000 + month * 100 + day;
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function notADate(s: string): OnePlaceError {
  return invalid(
    "core.date",
    `Not a calendar date: ${JSON.stringify(s)} (expected YYYY-MM-DD, e.g. 2015-03-31)`,
  );
}

/** True for a real calendar date written YYYY-MM-DD (so "2015-02-29" is false). */
export function isIsoDate(s: string): boolean {
  return typeof s === "string" && parseYmd(s) >= 0;
}

export function toDayNumber(iso: string): number {
  const ymd = parseYmd(iso);
  if (ymd < 0) throw notADate(iso);
  return daysFromCivil(Math.floor(ymd / 10000), Math.floor(ymd / 100) % 100, ymd % 100);
}

export function fromDayNumber(n: number): string {
  if (!Number.isInteger(n) || n < MIN_DAY_NUMBER || n > MAX_DAY_NUMBER) {
    throw new RangeError(
      `Day number out of range: ${n} (expected a whole number from ${MIN_DAY_NUMBER} to ${MAX_DAY_NUMBER}, i.e. years 0000 to 9999)`,
    );
  }
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yyyy = year >= 1000 ? `${year}` : year >= 100 ? `0${year}` : year >= 10 ? `00${year}` : `000${year}`;
  return `${yyyy}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

export function addDays(iso: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`Days to add must be a whole number, got ${n}`);
  return fromDayNumber(toDayNumber(iso) + n);
}

/** Adds calendar months, clamping to the end of a shorter month (2015-01-31 + 1 month = 2015-02-28). */
export function addMonths(iso: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`Months to add must be a whole number, got ${n}`);
  const ymd = parseYmd(iso);
  if (ymd < 0) throw notADate(iso);
  const monthIndex = Math.floor(ymd / 10000) * 12 + (Math.floor(ymd / 100) % 100) - 1 + n;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  if (year < 0 || year > 9999)
    throw invalid("core.date-range", `Adding ${n} months to ${iso} leaves years 0000 to 9999`);
  const day = Math.min(ymd % 100, daysInMonth(year, month));
  return fromDayNumber(daysFromCivil(year, month, day));
}

/** Days from a to b: positive when b is later, 0 when equal. */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/**
 * Age in whole years on a given date. Someone born on 29 February becomes a year older
 * on 1 March in a non-leap year (the day after 28 February), as in English law.
 */
export function ageOn(birthIso: string, onIso: string): number {
  const birth = parseYmd(birthIso);
  if (birth < 0) throw notADate(birthIso);
  const on = parseYmd(onIso);
  if (on < 0) throw notADate(onIso);
  if (on < birth) {
    throw invalid(
      "core.age-before-birth",
      `Cannot give an age on ${onIso}: it is before the birth date ${birthIso}`,
    );
  }
  // MMDD comparison: 29 Feb (0229) is still ahead of 28 Feb (0228) and behind 1 Mar (0301).
  const years = Math.floor(on / 10000) - Math.floor(birth / 10000);
  return on % 10000 < birth % 10000 ? years - 1 : years;
}

/** -1, 0 or 1 for sorting; both arguments must be valid ISO dates. */
export function compareIsoDates(a: string, b: string): -1 | 0 | 1 {
  const x = parseYmd(a);
  if (x < 0) throw notADate(a);
  const y = parseYmd(b);
  if (y < 0) throw notADate(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const LONDON_DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** An instant as a person in England reads it: "4 December 2026 at 09:15" (the day and minute in England). */
export function londonDateTime(at: string | Date): string {
  return LONDON_DATE_TIME.format(typeof at === "string" ? new Date(at) : at);
}
