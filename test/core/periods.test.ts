import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { addDays, fromDayNumber, toDayNumber } from "../../src/core/dates.ts";
import { OnePlaceError } from "../../src/core/errors.ts";
import {
  contains,
  financialQuarterLabel,
  financialYear,
  financialYearOf,
  month,
  monthsIn,
  overlapDays,
  type Period,
  type PeriodKind,
  parsePeriod,
  periodLength,
  quarter,
  quartersIn,
  rollingWindow,
} from "../../src/core/periods.ts";
import { onePlaceError } from "../helpers/errors.ts";

/** A period as the constructors return it. */
function span(kind: PeriodKind, id: string, start: string, end: string): Period {
  return { kind, id, start, end };
}

const isoDate = fc
  .integer({ min: toDayNumber("1990-01-01"), max: toDayNumber("2040-12-31") })
  .map(fromDayNumber);

test("month covers the whole calendar month, including leap February", () => {
  assert.deepEqual(month("2015-03"), span("month", "2015-03", "2015-03-01", "2015-03-31"));
  assert.equal(month("2016-02").end, "2016-02-29");
  assert.equal(month("2015-02").end, "2015-02-28");
  assert.equal(month("2015-04").end, "2015-04-30");
  assert.throws(() => month("2015-13"), /Not a month: "2015-13" \(expected YYYY-MM/);
  assert.throws(() => month("2015-3"), onePlaceError("invalid", "core.month"));
});

test("quarter is the calendar quarter", () => {
  assert.deepEqual(quarter("2015-Q3"), span("quarter", "2015-Q3", "2015-07-01", "2015-09-30"));
  assert.deepEqual(quarter("2015-Q1"), span("quarter", "2015-Q1", "2015-01-01", "2015-03-31"));
  assert.equal(quarter("2015-q4").id, "2015-Q4");
  assert.equal(quarter("2015-Q4").end, "2015-12-31");
  assert.throws(
    () => quarter("2015-Q5"),
    onePlaceError("invalid", "core.quarter", /Not a quarter: "2015-Q5"/),
  );
});

test("financialYear runs 1 April to 31 March and normalises the id", () => {
  const expected = span("financial-year", "2014/15", "2014-04-01", "2015-03-31");
  assert.deepEqual(financialYear("2014/15"), expected);
  assert.deepEqual(financialYear("2014-15"), expected);
  assert.equal(financialYear("1999/00").end, "2000-03-31");
  assert.throws(
    () => financialYear("2014/16"),
    onePlaceError(
      "invalid",
      "core.financial-year",
      /^Not a financial year: "2014\/16" \(expected e\.g\. 2014\/15\)$/,
    ),
  );
  assert.throws(() => financialYear("14/15"), onePlaceError("invalid", "core.financial-year"));
});

test("financialYearOf splits at 1 April", () => {
  assert.equal(financialYearOf("2015-03-31").id, "2014/15");
  assert.equal(financialYearOf("2015-04-01").id, "2015/16");
  assert.equal(financialYearOf("2016-01-15").id, "2015/16");
  assert.throws(() => financialYearOf("2015-02-30"), onePlaceError("invalid", "core.date"));
});

test("property: financialYearOf contains the date and is one year long", () => {
  fc.assert(
    fc.property(isoDate, (iso) => {
      const fy = financialYearOf(iso);
      assert.ok(contains(fy, iso));
      assert.ok(periodLength(fy) === 365 || periodLength(fy) === 366);
      assert.deepEqual(parsePeriod(fy.id), fy);
    }),
  );
});

test("financialQuarterLabel maps calendar quarters to financial quarters", () => {
  assert.equal(financialQuarterLabel("2015-Q2"), "Q1 2015/16");
  assert.equal(financialQuarterLabel("2015-Q3"), "Q2 2015/16");
  assert.equal(financialQuarterLabel("2015-Q4"), "Q3 2015/16");
  assert.equal(financialQuarterLabel("2016-Q1"), "Q4 2015/16");
  assert.equal(financialQuarterLabel("2015-Q1"), "Q4 2014/15");
});

test("monthsIn and quartersIn list the overlapping periods in order", () => {
  const fy = financialYear("2014/15");
  const months = monthsIn(fy);
  assert.equal(months.length, 12);
  assert.equal(months[0].id, "2014-04");
  assert.equal(months[11].id, "2015-03");
  assert.deepEqual(
    quartersIn(fy).map((q) => q.id),
    ["2014-Q2", "2014-Q3", "2014-Q4", "2015-Q1"],
  );
  assert.deepEqual(
    monthsIn(parsePeriod("2015-01-20..2015-03-02")).map((m) => m.id),
    ["2015-01", "2015-02", "2015-03"],
  );
  assert.deepEqual(
    quartersIn(month("2015-05")).map((q) => q.id),
    ["2015-Q2"],
  );
});

test("property: the months of a period tile it without gaps", () => {
  fc.assert(
    fc.property(isoDate, fc.integer({ min: 0, max: 800 }), (start, length) => {
      const period = parsePeriod(`${start}..${addDays(start, length)}`);
      const months = monthsIn(period);
      for (let i = 1; i < months.length; i++) assert.equal(months[i].start, addDays(months[i - 1].end, 1));
      assert.ok(contains(months[0], period.start));
      assert.ok(contains(months[months.length - 1], period.end));
      const total = months.reduce((sum, m) => sum + overlapDays(m, period.start, period.end), 0);
      assert.equal(total, length + 1);
    }),
  );
});

test("rollingWindow is the given number of whole months ending on the date", () => {
  assert.deepEqual(
    rollingWindow("2015-03-31", 12),
    span("window", "2014-04-01..2015-03-31", "2014-04-01", "2015-03-31"),
  );
  assert.equal(rollingWindow("2015-02-28", 12).start, "2014-03-01");
  assert.equal(rollingWindow("2016-02-29", 12).start, "2015-03-01");
  assert.equal(rollingWindow("2015-03-15", 1).start, "2015-02-16");
  assert.equal(rollingWindow("2015-06-30", 3).start, "2015-04-01");
  assert.throws(
    () => rollingWindow("2015-03-31", 0),
    onePlaceError("invalid", "core.rolling-window", /whole number of months/),
  );
  assert.throws(() => rollingWindow("2015-02-31", 12), /Not a calendar date/);
  const window = rollingWindow("2015-03-31", 12);
  assert.deepEqual(parsePeriod(window.id), { ...window, kind: "custom" });
});

test("property: a rolling window ending on a month end is exactly that many calendar months", () => {
  fc.assert(
    fc.property(isoDate, fc.integer({ min: 1, max: 36 }), (iso, months) => {
      const end = month(iso.slice(0, 7)).end;
      const window = rollingWindow(end, months);
      const covered = monthsIn(window);
      assert.equal(covered.length, months);
      assert.equal(covered[0].start, window.start);
      assert.equal(covered[covered.length - 1].end, end);
    }),
  );
});

test("property: any rolling window ends on its end date and spans about that many months of days", () => {
  fc.assert(
    fc.property(isoDate, fc.integer({ min: 1, max: 36 }), (end, months) => {
      const window = rollingWindow(end, months);
      assert.equal(window.end, end);
      const days = periodLength(window);
      assert.ok(days >= 28 * months && days <= 31 * months + 1, `${days} days`);
    }),
  );
});

test("parsePeriod recognises each id form", () => {
  assert.equal(parsePeriod("2015-03").kind, "month");
  assert.equal(parsePeriod("2015-Q3").kind, "quarter");
  assert.equal(parsePeriod("2015/16").kind, "financial-year");
  assert.deepEqual(
    parsePeriod("2015-04-01..2015-06-30"),
    span("custom", "2015-04-01..2015-06-30", "2015-04-01", "2015-06-30"),
  );
  // YYYY-MM is always a month: "2011-12" is December 2011, not 2011/12.
  assert.equal(parsePeriod("2011-12").end, "2011-12-31");
});

test("parsePeriod errors name the bad input and say what would work", () => {
  assert.throws(() => parsePeriod("2014-15"), /"2014-15".*write 2014\/15/);
  assert.throws(() => parsePeriod("March 2015"), /Not a period: "March 2015" \(expected a month 2015-03/);
  assert.throws(
    () => parsePeriod("2015-06-30..2015-04-01"),
    onePlaceError("invalid", "core.date-range", /ends before it starts/),
  );
  assert.throws(() => parsePeriod("2015-02-29..2015-04-01"), /Not a date range/);
  assert.throws(() => parsePeriod("2014/16"), /Not a financial year: "2014\/16"/);
  assert.throws(() => parsePeriod(""), onePlaceError("invalid", "core.period"));
});

test("property: parsePeriod either returns a well-formed period or throws an invalid OnePlaceError", () => {
  const idLike = fc.oneof(
    fc.string({ maxLength: 25 }),
    fc.stringMatching(/^\d{4}(-\d{2}|-Q\d|\/\d{2})$/),
    fc.tuple(isoDate, isoDate).map(([a, b]) => `${a}..${b}`),
  );
  fc.assert(
    fc.property(idLike, (id) => {
      let period: ReturnType<typeof parsePeriod>;
      try {
        period = parsePeriod(id);
      } catch (e) {
        assert.ok(e instanceof OnePlaceError);
        assert.equal(e.kind, "invalid");
        assert.ok(e.message.includes(JSON.stringify(id)) || e.message.includes(id));
        return;
      }
      assert.ok(period.start <= period.end);
      assert.equal(toDayNumber(period.start) <= toDayNumber(period.end), true);
      assert.deepEqual(parsePeriod(period.id), period);
    }),
    { numRuns: 3000 },
  );
});

test("contains is inclusive at both ends", () => {
  const march = month("2015-03");
  assert.equal(contains(march, "2015-03-01"), true);
  assert.equal(contains(march, "2015-03-31"), true);
  assert.equal(contains(march, "2015-02-28"), false);
  assert.equal(contains(march, "2015-04-01"), false);
  assert.throws(() => contains(march, "2015-3-5"), onePlaceError("invalid", "core.date"));
});

test("overlapDays counts inclusive days a range shares with the period", () => {
  const march = month("2015-03");
  assert.equal(overlapDays(march, "2015-02-25", "2015-03-04"), 4);
  assert.equal(overlapDays(march, "2015-03-30", "2015-04-10"), 2);
  assert.equal(overlapDays(march, "2015-03-10", "2015-03-10"), 1);
  assert.equal(overlapDays(march, "2015-02-01", "2015-05-01"), 31);
  assert.equal(overlapDays(march, "2015-04-01", "2015-04-10"), 0);
  assert.equal(overlapDays(march, "2015-02-01", "2015-02-28"), 0);
  assert.throws(() => overlapDays(march, "2015-03-10", "2015-03-09"), /ends before it starts/);
});
