// Values typed in from elsewhere (a published baseline, a survey result): stored with their source, and
// checked against their own numerator and denominator when both are given.
import { randomUUID } from "node:crypto";
import { invalid } from "../core/errors.ts";
import type { Period } from "../core/periods.ts";
import type { Queryable, TableRow } from "../store/index.ts";
import { type AreaLevel, latestDefinitions } from "./definitions.ts";
import { type Figure, type FigureRow, figureOf } from "./figure-row.ts";
import { monthsOf } from "./metric-periods.ts";
import { checkRate, type RateCheck } from "./rate-check.ts";

export interface EnteredValueInput {
  metricId: string;
  period: Period;
  areaLevel?: AreaLevel;
  areaCode?: string;
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
  valueAsPrinted?: string | null;
  source: string;
}

export interface EnteredValue extends RateCheck {
  entryId: string;
  metricId: string;
  periodId: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  source: string;
}

export async function enterValue(db: Queryable, input: EnteredValueInput): Promise<EnteredValue> {
  if (!input.source?.trim())
    throw invalid(
      "outcomes.entered-value",
      "An entered value needs its source (where the figure comes from)",
    );
  if (input.value === null && (input.numerator == null || input.denominator == null)) {
    throw invalid("outcomes.entered-value", "Give a value, or a numerator and a denominator");
  }
  const [def] = await latestDefinitions(db, [input.metricId]);
  const check = checkRate({
    value: input.value,
    printed: input.valueAsPrinted,
    numerator: input.numerator,
    denominator: input.denominator,
    multiplier: def.multiplier,
    averageMonths: def.averageOver === "month" ? monthsOf(input.period) : 1,
  });
  const value = input.value ?? check.computed;
  const entryId = randomUUID();
  await db.query(
    `INSERT INTO metric_entered_value (entry_id, metric_id, period_id, period_start, period_end, area_level,
       area_code, value, numerator, denominator, value_as_printed, source, check_status, check_value)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
    [
      entryId,
      input.metricId,
      input.period.id,
      input.period.start,
      input.period.end,
      input.areaLevel ?? "place",
      input.areaCode ?? "place",
      value,
      input.numerator ?? null,
      input.denominator ?? null,
      input.valueAsPrinted ?? null,
      input.source,
      check.status,
      check.computed,
    ],
  );
  return {
    entryId,
    metricId: input.metricId,
    periodId: input.period.id,
    value,
    numerator: input.numerator ?? null,
    denominator: input.denominator ?? null,
    source: input.source,
    ...check,
  };
}

export interface StoredEnteredValue extends Figure {
  checkStatus: RateCheck["status"];
  checkValue: number | null;
  enteredAt: string;
}

/** The latest entry for each metric, period and area. */
export async function enteredValues(
  db: Queryable,
  metricIds?: readonly string[],
): Promise<StoredEnteredValue[]> {
  const rows = await db.query<
    FigureRow &
      Pick<TableRow<"metric_entered_value">, "check_value" | "entered_at"> & {
        check_status: RateCheck["status"];
      }
  >(
    `SELECT DISTINCT ON (metric_id, period_id, area_level, area_code) *
     FROM metric_entered_value WHERE $1::text[] IS NULL OR metric_id = ANY($1::text[])
     ORDER BY metric_id, period_id, area_level, area_code, entered_at DESC`,
    [metricIds?.length ? metricIds : null],
  );
  return rows.map((r) => ({
    ...figureOf(r),
    checkStatus: r.check_status,
    checkValue: r.check_value,
    enteredAt: r.entered_at.toISOString(),
  }));
}
