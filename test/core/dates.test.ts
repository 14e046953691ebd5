import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  addDays,
  addMonths,
  ageOn,
  compareIsoDates,
  daysBetween,
  fromDayNumber,
  isIsoDate,
  londonDateTime,
  toDayNumber,
} from "../../src/core/dates.ts";
import { onePlaceError } from "../helpers/errors.ts";

const MS_PER_DAY = 86_400_000;
const FIRST_DAY = -719528; // 0000-01-01
const LAST_DAY = 2932896; // 9999-12-31

const viaDate = (n: number) => new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
const dayNumber = fc.integer({ min: FIRST_DAY, max: LAST_DAY });
const isoDate = dayNumber.map(viaDate);

test("day numbers at known points", () => {
  assert.equal(toDayNumber("1970-01-01"), 0);
  assert.equal(toDayNumber("1969-12-31"), -1);
  assert.equal(toDayNumber("2000-03-01"), 11017);
  assert.equal(toDayNumber("0000-01-01"), FIRST_DAY);
  assert.equal(toDayNumber("9999-12-31"), LAST_DAY);
  assert.equal(fromDayNumber(FIRST_DAY), "0000-01-01");
  assert.equal(fromDayNumber(LAST_DAY), "9999-12-31");
  assert.equal(fromDayNumber(16525), "2015-03-31");
});

test("property: fromDayNumber matches Date over years 0000 to 9999", () => {
  fc.assert(
    fc.property(dayNumber, (n) => {
      assert.equal(fromDayNumber(n), viaDate(n));
    }),
    { numRuns: 20_000 },
  );
});

test("property: toDayNumber matches Date.UTC and inverts fromDayNumber", () => {
  fc.assert(
    fc.property(isoDate, (iso) => {
      const [y, m, d] = iso.split("-").map(Number);
      const expected = new Date(Date.UTC(2000, m - 1, d)).setUTCFullYear(y) / MS_PER_DAY;
      assert.equal(toDayNumber(iso), expected);
      assert.equal(fromDayNumber(toDayNumber(iso)), iso);
    }),
    { numRuns: 20_000 },
  );
});

test("every day from 1900 to 2100 round-trips and matches Date", () => {
  for (let n = toDayNumber("1900-01-01"); n <= toDayNumber("2100-12-31"); n++) {
    const iso = fromDayNumber(n);
    if (iso !== viaDate(n) || toDayNumber(iso) !== n) assert.fail(`mismatch at day ${n}: ${iso}`);
  }
});

test("fromDayNumber rejects fractions and years outside 0000-9999", () => {
  assert.throws(() => fromDayNumber(1.5), RangeError);
  assert.throws(() => fromDayNumber(LAST_DAY + 1), RangeError);
  assert.throws(() => fromDayNumber(FIRST_DAY - 1), RangeError);
});

test("isIsoDate checks the real calendar", () => {
  for (const s of ["2015-02-28", "2016-02-29", "2000-02-29", "2015-12-31", "0000-01-01"]) {
    assert.equal(isIsoDate(s), true, s);
  }
  for (const s of [
    "2015-02-29",
    "1900-02-29",
    "2015-04-31",
    "2015-13-01",
    "2015-00-10",
    "2015-01-00",
    "2015-1-01",
    "2015/01/01",
    "2015-01-01T00:00",
    " 2015-01-01",
    "",
    "２０１５-01-01",
  ]) {
    assert.equal(isIsoDate(s), false, s);
  }
});

test("property: isIsoDate agrees with a Date round trip for any 10-character candidate", () => {
  const candidate = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(
      ([y, m, d]) =>
        `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
    );
  fc.assert(
    fc.property(candidate, (s) => {
      const [y, m, d] = s.split("-").map(Number);
      const date = new Date(Date.UTC(2000, m - 1, d));
      date.setUTCFullYear(y, m - 1, d);
      const real = m >= 1 && m <= 12 && d >= 1 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
      assert.equal(isIsoDate(s), real);
    }),
    { numRuns: 5000 },
  );
});

test("property: isIsoDate never throws on arbitrary strings and toDayNumber throws exactly when it is false", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), (s) => {
      if (isIsoDate(s)) assert.equal(typeof toDayNumber(s), "number");
      else assert.throws(() => toDayNumber(s), onePlaceError("invalid", "core.date"));
    }),
  );
});

test("toDayNumber names the bad input", () => {
  assert.throws(
    () => toDayNumber("2015-02-29"),
    onePlaceError("invalid", "core.date", /Not a calendar date: "2015-02-29"/),
  );
});

test("addDays crosses month, year and leap-day boundaries", () => {
  assert.equal(addDays("2015-12-31", 1), "2016-01-01");
  assert.equal(addDays("2016-02-28", 1), "2016-02-29");
  assert.equal(addDays("2015-02-28", 1), "2015-03-01");
  assert.equal(addDays("2015-03-01", -1), "2015-02-28");
  assert.equal(addDays("2015-03-31", 0), "2015-03-31");
  assert.throws(() => addDays("2015-03-31", 0.5), RangeError);
});

test("addMonths clamps to the end of a shorter month", () => {
  assert.equal(addMonths("2015-01-31", 1), "2015-02-28");
  assert.equal(addMonths("2016-01-31", 1), "2016-02-29");
  assert.equal(addMonths("2015-03-31", -1), "2015-02-28");
  assert.equal(addMonths("2015-03-31", -12), "2014-03-31");
  assert.equal(addMonths("2016-02-29", 12), "2017-02-28");
  assert.equal(addMonths("2015-11-15", 3), "2016-02-15");
  assert.equal(addMonths("2015-01-15", -13), "2013-12-15");
  assert.equal(addMonths("2015-01-15", 0), "2015-01-15");
  assert.throws(() => addMonths("9999-12-01", 1), onePlaceError("invalid", "core.date-range"));
});

test("property: addMonths keeps the day unless clamped, and moves the month index by n", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: toDayNumber("1800-01-01"), max: toDayNumber("2200-12-31") }).map(fromDayNumber),
      fc.integer({ min: -600, max: 600 }),
      (iso, n) => {
        const out = addMonths(iso, n);
        assert.equal(isIsoDate(out), true);
        const index = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7));
        assert.equal(index(out) - index(iso), n);
        const day = Number(iso.slice(8));
        const outDay = Number(out.slice(8));
        if (outDay !== day) {
          assert.ok(outDay < day);
          assert.equal(addDays(out, 1).slice(8), "01"); // clamped to the month's last day
        }
      },
    ),
  );
});

test("daysBetween is signed and consistent with addDays", () => {
  assert.equal(daysBetween("2015-03-01", "2015-03-31"), 30);
  assert.equal(daysBetween("2015-03-31", "2015-03-01"), -30);
  assert.equal(daysBetween("2016-01-01", "2017-01-01"), 366);
  fc.assert(
    fc.property(isoDate, fc.integer({ min: -5000, max: 5000 }), (iso, n) => {
      fc.pre(toDayNumber(iso) + n >= FIRST_DAY && toDayNumber(iso) + n <= LAST_DAY);
      assert.equal(daysBetween(iso, addDays(iso, n)), n);
    }),
  );
});

test("ageOn counts whole years, birthday inclusive", () => {
  assert.equal(ageOn("1950-06-15", "2015-06-14"), 64);
  assert.equal(ageOn("1950-06-15", "2015-06-15"), 65);
  assert.equal(ageOn("1950-06-15", "1950-06-15"), 0);
  assert.equal(ageOn("1950-12-31", "1951-12-30"), 0);
  assert.throws(
    () => ageOn("1950-06-15", "1950-06-14"),
    onePlaceError("invalid", "core.age-before-birth", /before the birth date/),
  );
  assert.throws(() => ageOn("1950-02-30", "2015-01-01"), /Not a calendar date/);
});

test("someone born on 29 February is a year older on 1 March in non-leap years", () => {
  assert.equal(ageOn("2000-02-29", "2015-02-28"), 14);
  assert.equal(ageOn("2000-02-29", "2015-03-01"), 15);
  assert.equal(ageOn("2000-02-29", "2016-02-28"), 15);
  assert.equal(ageOn("2000-02-29", "2016-02-29"), 16);
});

test("property: ageOn agrees with counting addMonths(birth, 12k) birthdays", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: toDayNumber("1900-01-01"), max: toDayNumber("2020-12-31") }),
      fc.integer({ min: 0, max: 40_000 }),
      (birthDay, offset) => {
        const birth = fromDayNumber(birthDay);
        const on = fromDayNumber(birthDay + offset);
        const age = ageOn(birth, on);
        // The legal birthday in a non-leap year is 1 March for a 29 February birth.
        const birthday = (years: number) => {
          const b = addMonths(birth, 12 * years);
          return birth.endsWith("-02-29") && b.endsWith("-02-28") ? addDays(b, 1) : b;
        };
        assert.ok(compareIsoDates(birthday(age), on) <= 0);
        assert.ok(compareIsoDates(birthday(age + 1), on) > 0);
      },
    ),
  );
});

test("compareIsoDates orders dates and rejects non-dates", () => {
  assert.equal(compareIsoDates("2015-03-01", "2015-03-02"), -1);
  assert.equal(compareIsoDates("2015-03-02", "2015-03-01"), 1);
  assert.equal(compareIsoDates("2015-03-01", "2015-03-01"), 0);
  assert.deepEqual(["2016-01-01", "2014-12-31", "2015-06-30"].sort(compareIsoDates), [
    "2014-12-31",
    "2015-06-30",
    "2016-01-01",
  ]);
  assert.throws(() => compareIsoDates("2015-3-1", "2015-03-01"), onePlaceError("invalid", "core.date"));
});

test("an instant reads as the day and minute in England, in summer time and out of it", () => {
  assert.equal(londonDateTime("2026-07-01T23:30:00Z"), "2 July 2026 at 00:30");
  assert.equal(londonDateTime(new Date("2026-12-04T17:20:00Z")), "4 December 2026 at 17:20");
});
