// Computing one metric on a hand-built place and reading one value.
import { parsePeriod } from "../../../src/core/periods.ts";
import { computeMetrics, type MetricValue } from "../../../src/outcomes/engine.ts";
import type { Db } from "../../../src/store/index.ts";

export async function valuesOf(
  db: Db,
  metricId: string,
  periodIds: string[],
  asOf = "2016-03-31",
): Promise<MetricValue[]> {
  const result = await computeMetrics(db, {
    periods: periodIds.map((p) => parsePeriod(p)),
    metricIds: [metricId],
    asOf,
    store: false,
  });
  const missing = result.unavailable.find((u) => u.metricId === metricId);
  if (missing) throw new Error(`${metricId} unavailable: ${missing.reason}`);
  return result.values;
}

export function at(
  values: readonly MetricValue[],
  periodId: string,
  level = "place",
  code = "place",
): MetricValue {
  const v = values.find((x) => x.periodId === periodId && x.areaLevel === level && x.areaCode === code);
  if (!v) throw new Error(`no value for ${periodId} ${level} ${code}`);
  return v;
}
