// Turns a definition's numerator and denominator into one statement that counts both parts for every
// period, grouped by practice with locality and place totals (ROLLUP), so a metric for the place, its
// localities and its practices over many periods is one scan of the events. Each part's counts depend only
// on that part (the part is a grouping key), so a part another definition already counted in the same run
// can be left out and its counts reused (engine.ts). (The unused bounds CTE gives
// every parameter a type even when a definition does not read it.)
import { invalid } from "../core/errors.ts";
import { cols, toColumns, unnestSelect } from "../store/index.ts";
import type { MetricDefinition } from "./definitions.ts";
import type { PeriodRow } from "./metric-periods.ts";

const NAMED: Record<string, (first: number) => string> = {
  as_of: (i) => `$${i}::date`,
  min_start: (i) => `$${i + 1}::date`,
  max_end: (i) => `$${i + 2}::date`,
  min_start_ts: (i) => `($${i + 1}::date::timestamp AT TIME ZONE 'Europe/London')`,
  max_end_next_ts: (i) => `(($${i + 2}::date + 1)::timestamp AT TIME ZONE 'Europe/London')`,
};

/** Replaces :as_of, :min_start ... with parameters numbered from `first`; an unknown name is an error. */
export function bindNamed(sql: string, first: number): string {
  return sql.replace(/(?<![:\w]):([a-z_]+)\b/g, (_whole, name: string) => {
    const make = NAMED[name];
    if (!make)
      throw invalid(
        "outcomes.metric-sql",
        `Unknown parameter :${name} in a metric's SQL (known: ${Object.keys(NAMED).join(", ")})`,
      );
    return make(first);
  });
}

const PERIOD_COLUMNS = cols(
  "period_id text, start_on date, end_on date, end_next date, ref_date date, months numeric",
);

export const PERIODS_CTE = `periods AS MATERIALIZED (${unnestSelect(PERIOD_COLUMNS)}),
  bounds AS (SELECT $7::date AS as_of, $8::date AS min_start, $9::date AS max_end)`;

export function periodParams(periods: readonly PeriodRow[], asOf: string): unknown[] {
  const min = periods.map((p) => p.start).sort()[0];
  const max = periods
    .map((p) => p.end)
    .sort()
    .at(-1);
  const rows = periods.map((p) => [p.periodId, p.start, p.end, p.endNext, p.refDate, p.months]);
  return [...toColumns(rows, PERIOD_COLUMNS.length), asOf, min, max];
}

export type GroupRow = {
  part: "n" | "d";
  period_id: string;
  locality_code: string | null;
  practice_code: string | null;
  split: string | null;
  /** 0: practice, 1: locality, 3: place */
  level: number;
  n: number;
};

/** A part of a definition to count: its numerator ("n") or denominator ("d") SQL. */
export interface StatementPart {
  part: "n" | "d";
  sql: string;
}

/** A definition's numerator and denominator as the parts to count (the denominator only when it has one). */
export function partsOf(def: Pick<MetricDefinition, "numeratorSql" | "denominatorSql">): StatementPart[] {
  if (!def.numeratorSql) throw invalid("outcomes.metric-sql", "Only SQL metrics are aggregated in SQL");
  return [
    { part: "n", sql: def.numeratorSql },
    ...(def.denominatorSql ? [{ part: "d" as const, sql: def.denominatorSql }] : []),
  ];
}

/** The statement counting the parts (at most one of each name); run with periodParams(). */
export function aggregateSql(parts: readonly StatementPart[]): string {
  if (parts.length === 0) throw invalid("outcomes.metric-sql", "Nothing to aggregate");
  // Each part is summed by practice first (a hash aggregate over the events), so the ROLLUP only sorts a
  // few rows a practice.
  const part = ({ part: name, sql }: StatementPart) =>
    `SELECT '${name}' AS part, x.period_id, x.practice_code, x.split, sum(x.n) AS n
     FROM (${bindNamed(sql, 7)}) x WHERE x.practice_code IS NOT NULL GROUP BY x.period_id, x.practice_code, x.split`;
  return `WITH ${PERIODS_CTE},
  u AS (
    ${parts.map(part).join("\n    UNION ALL ")}
  )
  SELECT u.part, u.period_id, o.parent_code AS locality_code, u.practice_code, u.split,
    GROUPING(o.parent_code, u.practice_code) AS level, sum(u.n) AS n
  FROM u LEFT JOIN organisation o ON o.org_code = u.practice_code
  GROUP BY u.part, u.period_id, u.split, ROLLUP (o.parent_code, u.practice_code)`;
}

/** The people behind one part of a metric for one period, optionally in one practice or locality. */
export function peopleSql(partSql: string): string {
  return `WITH ${PERIODS_CTE}
  SELECT DISTINCT x.person_id::text AS person_id
  FROM (${bindNamed(partSql, 7)}) x LEFT JOIN organisation o ON o.org_code = x.practice_code
  WHERE x.practice_code IS NOT NULL
    AND ($10::text IS NULL OR x.practice_code = $10 OR o.parent_code = $10)
    AND ($11::text IS NULL OR x.split = $11)
  ORDER BY 1`;
}
