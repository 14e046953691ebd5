// A figure stated for a metric, a period and an area, as metric_target and metric_entered_value both store
// it: the same columns in both tables, read back the same way.
import type { TableRow } from "../store/index.ts";
import type { AreaLevel } from "./definitions.ts";

/** The figure's columns, as both tables have them. */
export type FigureRow = Pick<
  TableRow<"metric_target" | "metric_entered_value">,
  | "metric_id"
  | "period_id"
  | "period_start"
  | "period_end"
  | "area_code"
  | "value"
  | "numerator"
  | "denominator"
  | "value_as_printed"
  | "source"
> & { area_level: AreaLevel };

export interface Figure {
  metricId: string;
  periodId: string;
  periodStart: string;
  periodEnd: string;
  areaLevel: AreaLevel;
  areaCode: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  valueAsPrinted: string | null;
  source: string;
}

export function figureOf(r: FigureRow): Figure {
  return {
    metricId: r.metric_id,
    periodId: r.period_id,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    areaLevel: r.area_level,
    areaCode: r.area_code,
    value: r.value,
    numerator: r.numerator,
    denominator: r.denominator,
    valueAsPrinted: r.value_as_printed,
    source: r.source,
  };
}
