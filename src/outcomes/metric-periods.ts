// The days a metric counts for a requested period, and the columns of the periods CTE the SQL reads.
import { addDays, daysInMonth, toDayNumber } from "../core/dates.ts";
import { financialYearOf, type Period, periodLength } from "../core/periods.ts";
import type { MetricDefinition } from "./definitions.ts";

export interface PeriodRow {
  periodId: string;
  start: string;
  end: string;
  endNext: string;
  /**
   * The day populations are counted on: 30 September of the financial year the period's middle day falls in
   * (one population a year, as a mid-year estimate stands for its year), or the data cut-off if earlier.
   */
  refDate: string;
  months: number;
}

/** Months in a period: whole calendar months counted exactly, anything else as days / (365.25 / 12). */
export function monthsOf(period: Pick<Period, "start" | "end">): number {
  const [sy, sm, sd] = period.start.split("-").map(Number);
  const [ey, em, ed] = period.end.split("-").map(Number);
  if (sd === 1 && ed === daysInMonth(ey, em)) return (ey - sy) * 12 + (em - sm) + 1;
  return (toDayNumber(period.end) - toDayNumber(period.start) + 1) / (365.25 / 12);
}

/**
 * The part of a requested period a metric counts. A financial year for a metric with an fyWindow (ASCOF 2B:
 * 10-01..12-31) counts only that window of the year; everything else counts the period as it is. The id
 * stays the requested one, so a value for "2014/15" says it counted 2014-10-01 to 2014-12-31.
 */
export function countedPeriod(def: Pick<MetricDefinition, "fyWindow">, period: Period): Period {
  if (!def.fyWindow || period.kind !== "financial-year") return period;
  const startYear = Number(period.start.slice(0, 4));
  const [from, to] = def.fyWindow.split("..");
  const yearOf = (mmdd: string) => (Number(mmdd.slice(0, 2)) >= 4 ? startYear : startYear + 1);
  return { ...period, start: `${yearOf(from)}-${from}`, end: `${yearOf(to)}-${to}` };
}

export function referenceDay(period: Pick<Period, "start" | "end">, asOf: string): string {
  const middle = addDays(
    period.start,
    Math.floor((periodLength({ ...period, kind: "custom", id: "" }) - 1) / 2),
  );
  const yearMiddle = `${financialYearOf(middle).start.slice(0, 4)}-09-30`;
  return yearMiddle < asOf ? yearMiddle : asOf;
}

export function periodRow(period: Period, asOf: string): PeriodRow {
  return {
    periodId: period.id,
    start: period.start,
    end: period.end,
    endNext: addDays(period.end, 1),
    refDate: referenceDay(period, asOf),
    months: monthsOf(period),
  };
}

/** Why a value is not yet final: its period (plus any follow-up) runs past the data cut-off. */
export function provisionalReason(
  def: Pick<MetricDefinition, "followUpDays">,
  period: Pick<Period, "end">,
  asOf: string,
): string | null {
  if (period.end > asOf) return `the period runs past the data cut-off (${asOf})`;
  if (def.followUpDays > 0 && addDays(period.end, def.followUpDays) > asOf) {
    return `the ${def.followUpDays}-day follow-up of the period's last days runs past the data cut-off (${asOf}); those discharges are not yet counted`;
  }
  return null;
}
