import { addDays, addMonths, daysInMonth, isIsoDate, toDayNumber } from "./dates.ts";
import { invalid } from "./errors.ts";

export type PeriodKind = "month" | "quarter" | "financial-year" | "window" | "custom";

/** A span of whole days; `end` is inclusive. */
export type Period = { kind: PeriodKind; id: string; start: string; end: string };

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function monthStart(year: number, month: number): string {
  return `${String(year).padStart(4, "0")}-${pad2(month)}-01`;
}

function monthEnd(year: number, month: number): string {
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(daysInMonth(year, month))}`;
}

function twoDigitYear(year: number): string {
  return pad2(year % 100);
}

/** A calendar month from "YYYY-MM", e.g. month("2015-03") is 2015-03-01 to 2015-03-31. */
export function month(id: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  const monthNumber = m ? Number(m[2]) : 0;
  if (!m || monthNumber < 1 || monthNumber > 12) {
    throw invalid("core.month", `Not a month: ${JSON.stringify(id)} (expected YYYY-MM, e.g. 2015-03)`);
  }
  const year = Number(m[1]);
  return { kind: "month", id, start: monthStart(year, monthNumber), end: monthEnd(year, monthNumber) };
}

/** A calendar quarter from "YYYY-Qn": 2015-Q3 is July to September 2015. */
export function quarter(id: string): Period {
  const m = /^(\d{4})-[Qq]([1-4])$/.exec(id);
  if (!m)
    throw invalid(
      "core.quarter",
      `Not a quarter: ${JSON.stringify(id)} (expected YYYY-Qn with n 1 to 4, e.g. 2015-Q3)`,
    );
  const year = Number(m[1]);
  const q = Number(m[2]);
  return {
    kind: "quarter",
    id: `${m[1]}-Q${q}`,
    start: monthStart(year, q * 3 - 2),
    end: monthEnd(year, q * 3),
  };
}

/** An NHS financial year, 1 April to 31 March, from "2014/15" or "2014-15"; the id is normalised to "2014/15". */
export function financialYear(id: string): Period {
  const m = /^(\d{4})[/-](\d{2})$/.exec(id);
  const startYear = m ? Number(m[1]) : -1;
  if (!m || startYear > 9998 || m[2] !== twoDigitYear(startYear + 1)) {
    throw invalid(
      "core.financial-year",
      `Not a financial year: ${JSON.stringify(id)} (expected e.g. 2014/15)`,
    );
  }
  return financialYearStarting(startYear);
}

function financialYearStarting(startYear: number): Period {
  return {
    kind: "financial-year",
    id: `${String(startYear).padStart(4, "0")}/${twoDigitYear(startYear + 1)}`,
    start: monthStart(startYear, 4),
    end: monthEnd(startYear + 1, 3),
  };
}

/** The financial year containing a date (2015-03-31 is in 2014/15, 2015-04-01 in 2015/16). */
export function financialYearOf(iso: string): Period {
  assertDate(iso);
  const year = Number(iso.slice(0, 4));
  const monthNumber = Number(iso.slice(5, 7));
  return financialYearStarting(monthNumber >= 4 ? year : year - 1);
}

/** The financial-year label of a calendar quarter: "2015-Q3" -> "Q2 2015/16", "2016-Q1" -> "Q4 2015/16". */
export function financialQuarterLabel(quarterId: string): string {
  const q = quarter(quarterId);
  const calendarQuarter = Number(q.id.slice(6));
  const financialQ = calendarQuarter === 1 ? 4 : calendarQuarter - 1;
  return `Q${financialQ} ${financialYearOf(q.start).id}`;
}

/**
 * The end-inclusive window of `months` whole months ending on endIso:
 * rollingWindow("2015-03-31", 12) is 2014-04-01 to 2015-03-31.
 * Its id is "start..end", which parsePeriod reads back as a custom period with the same days.
 */
export function rollingWindow(endIso: string, months: number): Period {
  assertDate(endIso);
  if (!Number.isInteger(months) || months < 1) {
    throw invalid(
      "core.rolling-window",
      `A rolling window needs a whole number of months, 1 or more, got ${months}`,
    );
  }
  // Step back from the day after the end, not from the end itself, so a window ending on
  // a month end is always whole calendar months: 3 months to 30 June starts 1 April,
  // where addMonths("2015-06-30", -3) + 1 day would give 31 March.
  const start = addMonths(addDays(endIso, 1), -months);
  return { kind: "window", id: `${start}..${endIso}`, start, end: endIso };
}

function custom(startIso: string, endIso: string, id: string): Period {
  if (!isIsoDate(startIso) || !isIsoDate(endIso)) {
    throw invalid(
      "core.date-range",
      `Not a date range: ${JSON.stringify(id)} (expected YYYY-MM-DD..YYYY-MM-DD with real dates)`,
    );
  }
  if (endIso < startIso) {
    throw invalid("core.date-range", `Date range ${JSON.stringify(id)} ends before it starts`);
  }
  return { kind: "custom", id, start: startIso, end: endIso };
}

/**
 * A period from its id: YYYY-MM (month), YYYY-Qn (calendar quarter), YYYY/YY (financial
 * year) or YYYY-MM-DD..YYYY-MM-DD (custom). Financial years need the slash here, because
 * "2011-12" is December 2011.
 */
export function parsePeriod(id: string): Period {
  if (typeof id !== "string") throw invalid("core.period", `Not a period id: ${JSON.stringify(id)}`);
  if (/^\d{4}-\d{2}$/.test(id)) {
    const monthNumber = Number(id.slice(5));
    const nextYear = twoDigitYear(Number(id.slice(0, 4)) + 1);
    if ((monthNumber < 1 || monthNumber > 12) && id.slice(5) === nextYear) {
      throw invalid(
        "core.period",
        `Not a period: ${JSON.stringify(id)} (for the financial year write ${id.slice(0, 4)}/${nextYear}; YYYY-MM is a month)`,
      );
    }
    return month(id);
  }
  if (/^\d{4}-[Qq]\d$/.test(id)) return quarter(id);
  if (/^\d{4}\/\d{2}$/.test(id)) return financialYear(id);
  const range = /^(.{10})\.\.(.{10})$/.exec(id);
  if (range) return custom(range[1], range[2], id);
  throw invalid(
    "core.period",
    `Not a period: ${JSON.stringify(id)} (expected a month 2015-03, a quarter 2015-Q3, a financial year 2015/16 or a range 2015-04-01..2015-06-30)`,
  );
}

function assertDate(iso: string): void {
  if (!isIsoDate(iso)) {
    throw invalid(
      "core.date",
      `Not a calendar date: ${JSON.stringify(iso)} (expected YYYY-MM-DD, e.g. 2015-03-31)`,
    );
  }
}

export function contains(period: Period, iso: string): boolean {
  assertDate(iso);
  return iso >= period.start && iso <= period.end;
}

/**
 * Days (counting both ends) that the range startIso..endIso shares with the period, e.g.
 * how many delayed days of an episode spanning a month end fall in one month.
 */
export function overlapDays(period: Period, startIso: string, endIso: string): number {
  const rangeStart = toDayNumber(startIso);
  const rangeEnd = toDayNumber(endIso);
  if (rangeEnd < rangeStart) {
    throw invalid("core.date-range", `Date range ${startIso} to ${endIso} ends before it starts`);
  }
  const first = Math.max(toDayNumber(period.start), rangeStart);
  const last = Math.min(toDayNumber(period.end), rangeEnd);
  return last < first ? 0 : last - first + 1;
}

function monthIndexOf(iso: string): number {
  return Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
}

/** The calendar months that overlap the period, in order (partly covered months included). */
export function monthsIn(period: Period): Period[] {
  const result: Period[] = [];
  for (let i = monthIndexOf(period.start); i <= monthIndexOf(period.end); i++) {
    const year = Math.floor(i / 12);
    result.push(month(`${String(year).padStart(4, "0")}-${pad2((i % 12) + 1)}`));
  }
  return result;
}

/** The calendar quarters that overlap the period, in order (partly covered quarters included). */
export function quartersIn(period: Period): Period[] {
  const result: Period[] = [];
  const first = Math.floor(monthIndexOf(period.start) / 3);
  const last = Math.floor(monthIndexOf(period.end) / 3);
  for (let i = first; i <= last; i++) {
    result.push(quarter(`${String(Math.floor(i / 4)).padStart(4, "0")}-Q${(i % 4) + 1}`));
  }
  return result;
}

/** Number of days in a period, counting both ends. */
export function periodLength(period: Period): number {
  return toDayNumber(period.end) - toDayNumber(period.start) + 1;
}
