// Metric definitions are data: a row in metric_definition, versioned. The measures OnePlace ships live in
// measures/*.ts and are installed (a new version whenever one changes); a place may add its own.
//
// The SQL contract. numerator_sql and denominator_sql are each one SELECT returning the columns
//   period_id text, person_id uuid, practice_code text, n numeric, split text
// one row per counted unit (an admission, a discharge, a person; n is its weight, e.g. delayed days), with
// the practice it is attributed to and an optional category the numerator is broken down by. They read
// a CTE the engine provides,
//   periods(period_id text, start_on date, end_on date, end_next date, ref_date date, months int)
// (ref_date is the day populations are counted on: 30 September of the financial year the period's middle
// day falls in, or the data cut-off if earlier), the table
//   population(ref_date date, person_id uuid, practice_code text, age int, n int)
// of the people registered and alive on each ref_date (population.ts: counts, or one row a person for
// drill-down; sum n), and these parameters:
//   :as_of         date  events after it are not counted (the data cut-off)
//   :min_start     date  the earliest start_on, and :max_end the latest end_on (for index-friendly ranges)
//   :min_start_ts / :max_end_next_ts  the same as timestamptz at the start of the English day
// Rows with a null practice_code (people not registered in the place on the day that matters) are dropped.
import { createHash } from "node:crypto";
import { invalid, notFound } from "../core/errors.ts";
import type { Queryable } from "../store/index.ts";

export type ValueKind = "rate" | "count" | "change";
export type DefinitionKind = "sql" | "builtin" | "entered";
export type PeriodType = "financial-year" | "quarter" | "month" | "year" | "snapshot";
export type Direction = "higher" | "lower";
export type AreaLevel = "place" | "locality" | "practice";

export interface MetricDefinitionInput {
  metricId: string;
  title: string;
  shortTitle: string;
  description?: string;
  groupName: "bcf-national" | "bcf-local" | "place";
  kind: DefinitionKind;
  valueKind: ValueKind;
  numeratorLabel?: string;
  denominatorLabel?: string;
  numeratorRules?: string;
  denominatorRules?: string;
  numeratorSql?: string | null;
  denominatorSql?: string | null;
  builtin?: string | null;
  /** For period type snapshot: a SELECT returning one date, the day the snapshot is as at. */
  snapshotSql?: string | null;
  multiplier: number;
  unit: string;
  decimals?: number;
  periodType: PeriodType;
  /** MM-DD..MM-DD: the part of a financial year an annual value counts (ASCOF 2B: 10-01..12-31). */
  fyWindow?: string | null;
  followUpDays?: number;
  averageOver?: "month" | null;
  population?: string;
  direction: Direction;
  amberTolerance?: number;
  targetNote?: string | null;
  requires?: string[];
  areaLevels?: AreaLevel[];
}

export interface MetricDefinition extends Required<Omit<MetricDefinitionInput, "groupName">> {
  groupName: string;
  version: number;
  checksum: string;
}

const DEFAULTS = {
  description: "",
  numeratorLabel: "",
  denominatorLabel: "",
  numeratorRules: "",
  denominatorRules: "",
  numeratorSql: null,
  denominatorSql: null,
  builtin: null,
  snapshotSql: null,
  decimals: 1,
  fyWindow: null,
  followUpDays: 0,
  averageOver: null,
  population: "",
  amberTolerance: 0.05,
  targetNote: null,
  requires: [] as string[],
  areaLevels: ["place", "locality", "practice"] as AreaLevel[],
};

/** A definition with every optional field filled with its default. */
export function complete(input: MetricDefinitionInput): Omit<MetricDefinition, "version" | "checksum"> {
  const filled = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
  };
  return filled as Omit<MetricDefinition, "version" | "checksum">;
}

/** Checks a definition before it is stored; throws a RangeError saying what is wrong. */
export function validateDefinition(input: MetricDefinitionInput): void {
  const fail = (m: string): never => {
    throw invalid("outcomes.definition", `Metric ${input.metricId}: ${m}`);
  };
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(input.metricId ?? ""))
    fail("the id is lower-case words joined by '-'");
  if (!input.title || !input.shortTitle || !input.unit) fail("title, shortTitle and unit are needed");
  if (
    input.kind === "sql" &&
    (!input.numeratorSql || (input.valueKind !== "count" && !input.denominatorSql))
  ) {
    fail("an SQL metric needs numeratorSql, and denominatorSql unless it is a count");
  }
  if (input.kind === "builtin" && !input.builtin) fail("a builtin metric names its computation");
  if (!(Number.isFinite(input.multiplier) && input.multiplier > 0))
    fail("the multiplier is a positive number");
  if (input.fyWindow && !/^\d{2}-\d{2}\.\.\d{2}-\d{2}$/.test(input.fyWindow))
    fail("fyWindow is MM-DD..MM-DD");
  if (input.periodType === "snapshot" && input.kind === "sql" && !input.snapshotSql) {
    fail("a snapshot metric needs snapshotSql, the SELECT giving its as-at date");
  }
  if (input.direction !== "higher" && input.direction !== "lower") fail("direction is higher or lower");
}

/** The checksum a definition is stored with: equal checksums, same definition. */
export function checksumOf(input: MetricDefinitionInput): string {
  return definitionChecksum(complete(input));
}

function definitionChecksum(def: Omit<MetricDefinition, "version" | "checksum">): string {
  const { metricId, ...rest } = def;
  const canonical = JSON.stringify([metricId, Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))]);
  return createHash("sha256").update(canonical).digest("hex");
}

type DefinitionRow = {
  metric_id: string;
  version: number;
  title: string;
  short_title: string;
  description: string;
  group_name: string;
  kind: DefinitionKind;
  value_kind: ValueKind;
  numerator_label: string;
  denominator_label: string;
  numerator_rules: string;
  denominator_rules: string;
  numerator_sql: string | null;
  denominator_sql: string | null;
  builtin: string | null;
  snapshot_sql: string | null;
  multiplier: number;
  unit: string;
  decimals: number;
  period_type: PeriodType;
  fy_window: string | null;
  follow_up_days: number;
  average_over: "month" | null;
  population: string;
  direction: Direction;
  amber_tolerance: number;
  target_note: string | null;
  requires: string[];
  area_levels: AreaLevel[];
  checksum: string;
};

function fromRow(r: DefinitionRow): MetricDefinition {
  return {
    metricId: r.metric_id,
    version: r.version,
    title: r.title,
    shortTitle: r.short_title,
    description: r.description,
    groupName: r.group_name,
    kind: r.kind,
    valueKind: r.value_kind,
    numeratorLabel: r.numerator_label,
    denominatorLabel: r.denominator_label,
    numeratorRules: r.numerator_rules,
    denominatorRules: r.denominator_rules,
    numeratorSql: r.numerator_sql,
    denominatorSql: r.denominator_sql,
    builtin: r.builtin,
    snapshotSql: r.snapshot_sql,
    multiplier: Number(r.multiplier),
    unit: r.unit,
    decimals: r.decimals,
    periodType: r.period_type,
    fyWindow: r.fy_window,
    followUpDays: r.follow_up_days,
    averageOver: r.average_over,
    population: r.population,
    direction: r.direction,
    amberTolerance: Number(r.amber_tolerance),
    targetNote: r.target_note,
    requires: r.requires,
    areaLevels: r.area_levels,
    checksum: r.checksum,
  };
}

/**
 * Stores a definition as a new version if it differs from the latest one (by checksum); returns the version
 * now current and whether it was added.
 */
export async function defineMetric(
  db: Queryable,
  input: MetricDefinitionInput,
): Promise<{ version: number; added: boolean }> {
  validateDefinition(input);
  const def = complete(input);
  const checksum = definitionChecksum(def);
  const latest = await db.query<{ version: number; checksum: string }>(
    "SELECT version, checksum FROM metric_definition WHERE metric_id = $1 ORDER BY version DESC LIMIT 1",
    [def.metricId],
  );
  if (latest[0]?.checksum === checksum) return { version: latest[0].version, added: false };
  const version = (latest[0]?.version ?? 0) + 1;
  await db.query(
    `INSERT INTO metric_definition (metric_id, version, title, short_title, description, group_name, kind,
       value_kind, numerator_label, denominator_label, numerator_rules, denominator_rules, numerator_sql,
       denominator_sql, builtin, snapshot_sql, multiplier, unit, decimals, period_type, fy_window,
       follow_up_days, average_over, population, direction, amber_tolerance, target_note, requires,
       area_levels, checksum)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
       $27,$28::text[],$29::text[],$30)`,
    [
      def.metricId,
      version,
      def.title,
      def.shortTitle,
      def.description,
      def.groupName,
      def.kind,
      def.valueKind,
      def.numeratorLabel,
      def.denominatorLabel,
      def.numeratorRules,
      def.denominatorRules,
      def.numeratorSql,
      def.denominatorSql,
      def.builtin,
      def.snapshotSql,
      def.multiplier,
      def.unit,
      def.decimals,
      def.periodType,
      def.fyWindow,
      def.followUpDays,
      def.averageOver,
      def.population,
      def.direction,
      def.amberTolerance,
      def.targetNote,
      def.requires,
      def.areaLevels,
      checksum,
    ],
  );
  return { version, added: true };
}

/** The latest version of each definition (or of the ones named), in id order. */
export async function latestDefinitions(
  db: Queryable,
  metricIds?: readonly string[],
): Promise<MetricDefinition[]> {
  const rows = await db.query<DefinitionRow>(
    `SELECT DISTINCT ON (metric_id) * FROM metric_definition
     WHERE $1::text[] IS NULL OR metric_id = ANY($1::text[])
     ORDER BY metric_id, version DESC`,
    [metricIds && metricIds.length > 0 ? metricIds : null],
  );
  if (metricIds && metricIds.length > 0) {
    const missing = metricIds.filter((id) => !rows.some((r) => r.metric_id === id));
    if (missing.length > 0) throw notFound("outcomes.no-metric", `No such metric: ${missing.join(", ")}`);
  }
  return rows.map(fromRow);
}

export async function definitionVersion(
  db: Queryable,
  metricId: string,
  version: number,
): Promise<MetricDefinition | null> {
  const rows = await db.query<DefinitionRow>(
    "SELECT * FROM metric_definition WHERE metric_id = $1 AND version = $2",
    [metricId, version],
  );
  return rows[0] ? fromRow(rows[0]) : null;
}
