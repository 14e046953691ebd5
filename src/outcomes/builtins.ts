// Metrics computed in code by another capability, named by definitions of kind builtin.
import { addDays } from "../core/dates.ts";
import { financialYearOf, type Period, quarter, quartersIn } from "../core/periods.ts";
import { hiuActivityByQuarter } from "../risk/hiu.ts";
import type { Queryable } from "../store/db.ts";
import type { AreaLevel } from "./definitions.ts";

export interface BuiltinValue {
  periodId: string;
  areaLevel: AreaLevel;
  areaCode: string;
  numerator: number;
  denominator: number;
  note?: string;
}

type Builtin = (db: Queryable, periods: readonly Period[]) => Promise<BuiltinValue[]>;

/**
 * High Intensity Users identified on the day before the financial year containing the period, their
 * activity a quarter during the period against the quarter before identification (people who died by the
 * period's end left out of both).
 */
async function hiuActivityChange(db: Queryable, periods: readonly Period[]): Promise<BuiltinValue[]> {
  const out: BuiltinValue[] = [];
  for (const period of periods) {
    const identifiedOn = addDays(financialYearOf(period.start).start, -1);
    const baseline = quartersIn({ kind: "custom", id: "b", start: identifiedOn, end: identifiedOn })[0];
    const report = await hiuActivityByQuarter(db, { identifiedOn, from: baseline.start, to: period.end });
    const inPeriod = quartersIn(period).map((q) => q.id);
    const byLocality = new Map<string, { baseline: number; during: number }>();
    for (const q of report.quarters) {
      const entry = byLocality.get(q.locality) ?? { baseline: 0, during: 0 };
      if (q.quarter === baseline.id) entry.baseline += q.total;
      if (inPeriod.includes(q.quarter)) entry.during += q.total;
      byLocality.set(q.locality, entry);
    }
    const note = `${report.identified} identified on ${identifiedOn}, ${report.diedInPeriod} of them died by ${period.end}; baseline ${quarter(baseline.id).start} to ${baseline.end}`;
    for (const [locality, v] of byLocality) {
      out.push({
        periodId: period.id,
        areaLevel: locality === "place" ? "place" : "locality",
        areaCode: locality,
        numerator: v.during / inPeriod.length,
        denominator: v.baseline,
        note,
      });
    }
  }
  return out;
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  "risk.hiu-activity-change": hiuActivityChange,
};
