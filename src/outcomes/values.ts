// Reading stored values: the latest computed value for each metric, period and area, with what a reader
// needs to show it (title, unit, decimals, direction), and the entered values beside them.
import type { Queryable } from "../store/index.ts";
import type { AreaLevel } from "./definitions.ts";
import type { MetricValue } from "./engine.ts";

export interface StoredValue extends MetricValue {
  title: string;
  shortTitle: string;
  unit: string;
  decimals: number;
  direction: "higher" | "lower";
  runId: string;
  computedAt: string;
  asOf: string;
}

export interface ValueFilter {
  metricIds?: readonly string[];
  periodIds?: readonly string[];
  areaLevel?: AreaLevel;
  areaCode?: string;
}

export async function latestValues(db: Queryable, filter: ValueFilter = {}): Promise<StoredValue[]> {
  const rows = await db.query<{
    metric_id: string;
    version: number;
    period_id: string;
    period_start: string;
    period_end: string;
    area_level: AreaLevel;
    area_code: string;
    numerator: number | null;
    denominator: number | null;
    value: number | null;
    breakdown: MetricValue["breakdown"];
    status: "final" | "provisional";
    note: string | null;
    title: string;
    short_title: string;
    unit: string;
    decimals: number;
    direction: "higher" | "lower";
    run_id: string;
    computed_at: Date;
    as_of: string;
  }>(
    `SELECT DISTINCT ON (v.metric_id, v.period_id, v.area_level, v.area_code)
       v.*, d.title, d.short_title, d.unit, d.decimals, d.direction, r.as_of
     FROM metric_value v
     JOIN metric_definition d ON d.metric_id = v.metric_id AND d.version = v.version
     JOIN metric_run r ON r.run_id = v.run_id
     WHERE ($1::text[] IS NULL OR v.metric_id = ANY($1::text[]))
       AND ($2::text[] IS NULL OR v.period_id = ANY($2::text[]))
       AND ($3::text IS NULL OR v.area_level = $3)
       AND ($4::text IS NULL OR v.area_code = $4)
     ORDER BY v.metric_id, v.period_id, v.area_level, v.area_code, v.computed_at DESC, r.started_at DESC`,
    [
      filter.metricIds?.length ? filter.metricIds : null,
      filter.periodIds?.length ? filter.periodIds : null,
      filter.areaLevel ?? null,
      filter.areaCode ?? null,
    ],
  );
  return rows.map((r) => ({
    metricId: r.metric_id,
    version: r.version,
    periodId: r.period_id,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    areaLevel: r.area_level,
    areaCode: r.area_code,
    numerator: r.numerator,
    denominator: r.denominator,
    value: r.value,
    breakdown: r.breakdown,
    status: r.status,
    note: r.note,
    title: r.title,
    shortTitle: r.short_title,
    unit: r.unit,
    decimals: r.decimals,
    direction: r.direction,
    runId: r.run_id,
    computedAt: r.computed_at.toISOString(),
    asOf: r.as_of,
  }));
}
