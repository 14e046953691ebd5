import { addDays, addMonths, toDayNumber } from "../core/dates.ts";
import type { Queryable } from "../store/index.ts";
import * as m from "./calibration-measures.ts";
import { regionScale, type SynthConfig } from "./config.ts";

// The calibration report: every figure of the place's calibration targets (docs: place-calibration.md) beside
// the value the loaded place shows. Counts quoted for Thurrock scale with the configured population. Rates
// and yearly counts are averaged over the whole history, which is steadier than one year; the plan's own year
// (the history's first) is shown beside them for information.

export interface CalibrationRow {
  figure: string;
  target: string;
  targetValue: number | null;
  generated: number;
  unit: string;
  kind: "rate" | "count" | "info";
  withinTolerance: boolean | null;
}

export const CALIBRATION_TOLERANCE = 0.15;

function row(
  figure: string,
  target: string,
  targetValue: number | null,
  generated: number,
  unit: string,
  kind: CalibrationRow["kind"],
): CalibrationRow {
  const withinTolerance =
    kind === "info" || targetValue === null
      ? null
      : Math.abs(generated - targetValue) <= CALIBRATION_TOLERANCE * Math.abs(targetValue);
  return { figure, target, targetValue, generated, unit, kind, withinTolerance };
}

const pct = (share: number) => share * 100;

/** The earlier of two ISO dates (they compare as strings). */
function earlierDate(a: string, b: string): string {
  return a < b ? a : b;
}

/** The history's dates and sizes every figure is measured over. */
interface Window {
  db: Queryable;
  scale: number;
  start: string;
  end: string;
  /** The last day of the history's first year (the plan's year). */
  firstYearEnd: string;
  years: number;
  months: number;
  /** Mid-year population dates (30 June for an April start), as ONS mid-year estimates are. */
  midFirstYear: string;
  midThirdYear: string;
  oneYearIn: string;
  personYears: number;
  personYears65: number;
  personYears18: number;
  /** A Thurrock-scale count at the configured population. */
  scaled(n: number): number;
  fmt(n: number): string;
}

async function measurementWindow(db: Queryable, config: SynthConfig): Promise<Window> {
  const scale = regionScale(config);
  const start = config.historyStart;
  const end = config.historyEnd;
  const years = (toDayNumber(end) - toDayNumber(start) + 1) / 365.25;
  return {
    db,
    scale,
    start,
    end,
    firstYearEnd: addDays(addMonths(start, 12), -1),
    years,
    months: years * 12,
    midFirstYear: addDays(addMonths(start, 3), -1),
    midThirdYear: addDays(addMonths(start, 27), -1),
    oneYearIn: earlierDate(addMonths(start, 12), end),
    personYears: await m.registeredPersonYears(db, start, end),
    personYears65: await m.registeredPersonYears(db, start, end, 65),
    personYears18: await m.registeredPersonYears(db, start, end, 18),
    scaled: (n: number) => Math.round(n * scale),
    fmt: (n: number) => n.toLocaleString("en-GB"),
  };
}

/**
 * A yearly count against the plan's figure for 2012/13 (scaled to the place), then the count in the plan's own
 * year (the history's first), for information.
 */
function planYearRows(
  w: Window,
  figure: string,
  plan: number,
  all: number,
  inPlanYear: number,
  unit: string,
): CalibrationRow[] {
  const target = w.scaled(plan);
  return [
    row(figure, `${w.fmt(target)} (plan: ${plan} in 2012/13)`, target, all / w.years, unit, "count"),
    row(`  of which in ${w.start} to ${w.firstYearEnd}`, "(the plan's year)", null, inPlanYear, unit, "info"),
  ];
}

export async function calibrationReport(db: Queryable, config: SynthConfig): Promise<CalibrationRow[]> {
  const w = await measurementWindow(db, config);
  return [
    ...(await populationRows(w)),
    ...(await healthRows(w)),
    ...(await hospitalUseRows(w)),
    ...(await careRows(w)),
    ...(await flowRows(w)),
  ];
}

/** The registered population: its size, practices, localities, providers, ages, ethnicity and deprivation. */
async function populationRows(w: Window): Promise<CalibrationRow[]> {
  const { db, end, midFirstYear, midThirdYear, oneYearIn, scaled, fmt } = w;
  const rows: CalibrationRow[] = [];
  rows.push(
    row(
      `registered patients on ${oneYearIn}`,
      `${fmt(scaled(165_996))} (plan; 165,996 at Thurrock scale)`,
      scaled(165_996),
      await m.registeredPeople(db, oneYearIn),
      "people",
      "count",
    ),
  );
  rows.push(
    row("GP practices", "34 (plan)", 34, await m.organisationsOfKind(db, "practice"), "practices", "count"),
  );
  const lists = await m.listSizeRange(db, oneYearIn);
  rows.push(
    row(
      "practice list sizes, smallest to largest",
      "about 2,000 to 15,000 (plan)",
      null,
      lists.max,
      `largest; smallest ${fmt(lists.min)}`,
      "info",
    ),
  );
  rows.push(
    row("localities", "4 (plan)", 4, await m.organisationsOfKind(db, "locality"), "localities", "count"),
  );
  let providers = 0;
  for (const kind of ["acute", "community", "mental-health", "ambulance", "council"]) {
    providers += await m.organisationsOfKind(db, kind);
  }
  rows.push(
    row(
      "providers: acute, community, mental health, ambulance, council",
      "one of each (plan)",
      null,
      providers,
      "organisations",
      "info",
    ),
  );
  rows.push(
    row(
      `aged 65+ on ${midFirstYear} (2012/13)`,
      `${fmt(scaled(21_090))} (plan)`,
      scaled(21_090),
      await m.registeredAged(db, midFirstYear, 65),
      "people",
      "count",
    ),
  );
  if (midThirdYear <= end) {
    rows.push(
      row(
        `aged 65+ on ${midThirdYear} (2014/15)`,
        `${fmt(scaled(22_600))} (plan projection)`,
        scaled(22_600),
        await m.registeredAged(db, midThirdYear, 65),
        "people",
        "count",
      ),
    );
  }
  const registeredMid = await m.registeredPeople(db, midFirstYear);
  rows.push(
    row(
      `aged 85+ on ${midFirstYear}`,
      "about 1.8% (set to double in 20 years)",
      null,
      pct((await m.registeredAged(db, midFirstYear, 85)) / Math.max(1, registeredMid)),
      "%",
      "info",
    ),
  );
  rows.push(
    row(
      "Black and minority ethnic groups",
      "19.1% (plan)",
      19.1,
      pct(await m.minorityEthnicShare(db, midFirstYear)),
      "%",
      "rate",
    ),
  );
  rows.push(
    row(
      "living in the 20% most deprived areas",
      "12.4% (plan)",
      12.4,
      pct(await m.mostDeprivedShare(db, midFirstYear)),
      "%",
      "rate",
    ),
  );
  return rows;
}

/** Smoking, obesity, long-term conditions and frailty. */
async function healthRows(w: Window): Promise<CalibrationRow[]> {
  const { db, end, fmt } = w;
  const rows: CalibrationRow[] = [];
  rows.push(
    row(
      "adults who smoke (latest status)",
      "22% (plan)",
      22,
      pct(await m.currentSmokerShare(db, end)),
      "%",
      "rate",
    ),
  );
  rows.push(
    row(
      "adults with obesity (latest BMI 30+)",
      "28.1% (plan)",
      28.1,
      pct(await m.obeseShare(db, end)),
      "%",
      "rate",
    ),
  );
  rows.push(
    row(
      "over 60s with a long-term condition",
      "58% (plan)",
      58,
      pct(await m.longTermConditionShare(db, end, 61, 200)),
      "%",
      "rate",
    ),
  );
  rows.push(
    row(
      "under 40s with a long-term condition",
      "14% (plan)",
      14,
      pct(await m.longTermConditionShare(db, end, 0, 40)),
      "%",
      "rate",
    ),
  );
  const efi = await m.frailtyShares(db, end);
  rows.push(
    row(
      `eFI fit among ${fmt(efi.people)} aged 65+ on ${end}`,
      "50% (typical)",
      50,
      pct(efi.fit),
      "%",
      "rate",
    ),
  );
  rows.push(row("eFI mild frailty among 65+", "35% (typical)", 35, pct(efi.mild), "%", "rate"));
  rows.push(row("eFI moderate frailty among 65+", "12% (typical)", 12, pct(efi.moderate), "%", "rate"));
  rows.push(row("eFI severe frailty among 65+", "3% (typical)", 3, pct(efi.severe), "%", "rate"));
  return rows;
}

async function hospitalUseRows(w: Window): Promise<CalibrationRow[]> {
  const { db, start, end, personYears } = w;
  const rows: CalibrationRow[] = [];
  rows.push(
    row(
      "emergency admissions per 1,000 registered a year",
      "about 100 (typical)",
      100,
      (1000 * (await m.emergencyAdmissions(db, start, end))) / personYears,
      "per 1,000/yr",
      "rate",
    ),
  );
  rows.push(
    row(
      "A&E attendances per 1,000 a year",
      "about 350 (typical)",
      350,
      (1000 * (await m.aeAttendances(db, start, end))) / personYears,
      "per 1,000/yr",
      "rate",
    ),
  );
  return rows;
}

/** Care homes, reablement and telecare. */
async function careRows(w: Window): Promise<CalibrationRow[]> {
  const { db, scale, start, end, firstYearEnd, months, personYears65, fmt } = w;
  const rows: CalibrationRow[] = [];
  const careHomeAll = await m.permanentCareHomeAdmissions65(db, start, end);
  rows.push(
    row(
      "permanent care-home admissions 65+ per 100,000 65+ a year",
      "853.5 = 180 / 21,090 (plan)",
      853.5,
      (100_000 * careHomeAll) / Math.max(1, personYears65),
      "per 100,000/yr",
      "rate",
    ),
  );
  const careHomeInPlanYear = await m.permanentCareHomeAdmissions65(db, start, firstYearEnd);
  rows.push(
    ...planYearRows(
      w,
      "permanent care-home admissions 65+ a year",
      180,
      careHomeAll,
      careHomeInPlanYear,
      "admissions",
    ),
  );
  const reablementAll = await m.reablementDischarges65(db, start, end);
  const reablementInPlanYear = await m.reablementDischarges65(db, start, firstYearEnd);
  rows.push(
    ...planYearRows(
      w,
      "discharged into reablement 65+ a year",
      110,
      reablementAll,
      reablementInPlanYear,
      "people",
    ),
  );
  rows.push(
    row(
      "share of 65+ discharged who go into reablement",
      "3.8% (plan)",
      3.8,
      pct(reablementAll / Math.max(1, await m.peopleDischarged65(db, start, end, start))),
      "%",
      "rate",
    ),
  );
  const day91 = await m.atHomeOnDay91(db, start, addDays(end, -91));
  rows.push(
    row(
      `at home 91 days after reablement (${fmt(day91.discharged)} discharges)`,
      "86.4% = 95 / 110 (plan)",
      86.4,
      pct(day91.atHome / Math.max(1, day91.discharged)),
      "%",
      "rate",
    ),
  );
  rows.push(
    row(
      "telecare installations a month",
      `${fmt(Math.round(18 * scale * 10) / 10)} (plan: about 18)`,
      18 * scale,
      (await m.telecareInstallations(db, start, end)) / months,
      "a month",
      "count",
    ),
  );
  rows.push(
    row(
      "council-funded care packages that include telecare",
      "39.9% (plan)",
      39.9,
      pct(await m.telecareShareOfPackages(db, start, end)),
      "%",
      "rate",
    ),
  );
  return rows;
}

/** Delayed transfers, deaths, moves between practices and joint care plans after a stroke. */
async function flowRows(w: Window): Promise<CalibrationRow[]> {
  const { db, start, end, years, months, personYears, personYears18, scaled, fmt } = w;
  const rows: CalibrationRow[] = [];
  const delayedPerMonth = (await m.delayedDays(db, start, end)) / months;
  rows.push(
    row(
      "delayed transfer days a month",
      `a few hundred (typical; ${fmt(scaled(300))} at this scale)`,
      scaled(300),
      delayedPerMonth,
      "days a month",
      "count",
    ),
  );
  rows.push(
    row(
      "delayed transfer days a month per 100,000 aged 18+",
      "(BCF measure; no target)",
      null,
      (100_000 * delayedPerMonth) / Math.max(1, personYears18 / years),
      "per 100,000",
      "info",
    ),
  );
  rows.push(
    row(
      "deaths per 1,000 a year",
      "about 9 (typical)",
      9,
      (1000 * (await m.deaths(db, start, end))) / personYears,
      "per 1,000/yr",
      "rate",
    ),
  );
  rows.push(
    row(
      "people changing practice within the place a year",
      "2% to 4%",
      null,
      pct((await m.practiceMoves(db, start, end)) / personYears),
      "%",
      "info",
    ),
  );
  rows.push(
    row(
      "stroke discharges with a joint care plan by discharge",
      "60% to 80% (local metric target 90%)",
      null,
      pct(await m.strokeDischargesWithJointPlan(db, start, end)),
      "%",
      "info",
    ),
  );
  return rows;
}

function formatValue(n: number, unit: string): string {
  if (unit === "%") return `${n.toFixed(1)}%`;
  if (Math.abs(n) >= 1000 || Number.isInteger(n)) return Math.round(n).toLocaleString("en-GB");
  return n.toFixed(1);
}

/** An aligned plain-text table; rows more than 15% from their target are marked. */
export function formatCalibrationReport(rows: CalibrationRow[]): string {
  const header = ["figure", "target", "generated", "", "check"];
  const body = rows.map((r) => [
    r.figure,
    r.target,
    formatValue(r.generated, r.unit),
    r.unit === "%" ? "" : r.unit,
    r.withinTolerance === null ? "" : r.withinTolerance ? "ok" : `OUTSIDE ${CALIBRATION_TOLERANCE * 100}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const outside = rows.filter((r) => r.withinTolerance === false).length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
    outside === 0
      ? `All ${rows.filter((r) => r.withinTolerance !== null).length} checked figures are within ${CALIBRATION_TOLERANCE * 100}% of target.`
      : `${outside} figure${outside === 1 ? " is" : "s are"} more than ${CALIBRATION_TOLERANCE * 100}% from target.`,
  ].join("\n");
}
