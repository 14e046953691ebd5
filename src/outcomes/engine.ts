// The metrics engine: computes the current definitions for periods and areas, and stores the values with
// the definition version and a record of the run (data cut-off, data loads seen).
import { randomUUID } from "node:crypto";
import { invalid, OnePlaceError } from "../core/errors.ts";
import type { Period } from "../core/periods.ts";
import { type Db, type Queryable, setLocal } from "../store/index.ts";
import { latestActivityDate, missingRequirement } from "./availability.ts";
import { BUILTINS } from "./builtins.ts";
import { breakdownProblem, readOnlyStatement } from "./definition-guard.ts";
import { type AreaLevel, latestDefinitions, type MetricDefinition } from "./definitions.ts";
import { installMeasures } from "./measures/index.ts";
import { countedPeriod, monthsOf, type PeriodRow, periodRow, provisionalReason } from "./metric-periods.ts";
import {
  aggregateSql,
  type GroupRow,
  partsOf,
  periodParams,
  type StatementPart,
} from "./metric-statement.ts";
import { ensurePopulation, readsPopulation } from "./population.ts";

export interface MetricValue {
  metricId: string;
  version: number;
  periodId: string;
  periodStart: string;
  periodEnd: string;
  areaLevel: AreaLevel;
  areaCode: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  breakdown: { numerator?: Record<string, number>; denominator?: Record<string, number> } | null;
  status: "final" | "provisional";
  note: string | null;
}

export interface ComputeRequest {
  periods: readonly Period[];
  /** Definitions to compute (default: all). */
  metricIds?: readonly string[];
}

export interface ComputeOptions {
  periods?: readonly Period[];
  metricIds?: readonly string[];
  /** Several sets of metrics and periods computed in one run (with periods/metricIds as one more). */
  requests?: readonly ComputeRequest[];
  /** The data cut-off; default the latest activity in the data. */
  asOf?: string;
  /** Area levels to keep (default: every level a definition supports). */
  areaLevels?: readonly AreaLevel[];
  /** Store the run and its values (default true). */
  store?: boolean;
  onMetric?: (metricId: string, seconds: number) => void;
}

export interface ComputeResult {
  runId: string | null;
  asOf: string;
  values: MetricValue[];
  /** Definitions that could not be computed, with the reason (a missing capability, no data). */
  unavailable: { metricId: string; reason: string }[];
  /** Definitions whose values are entered, not computed. */
  entered: string[];
  seconds: number;
}

export class MetricComputeError extends OnePlaceError {
  override readonly name = "MetricComputeError";
  constructor(
    message: string,
    kind: "unavailable" | "invalid" = "unavailable",
    code = "outcomes.metric-unavailable",
  ) {
    super(kind, code, message);
  }
}

function metricValueOf(
  def: MetricDefinition,
  numerator: number | null,
  denominator: number | null,
  months: number,
): number | null {
  if (numerator === null) return null;
  const perMonth = def.averageOver === "month" ? numerator / months : numerator;
  if (def.valueKind === "count") return perMonth;
  if (!denominator) return null;
  if (def.valueKind === "change") return (perMonth / denominator - 1) * def.multiplier;
  return (perMonth / denominator) * def.multiplier;
}

async function knownAreas(db: Queryable): Promise<{ level: AreaLevel; code: string }[]> {
  const rows = await db.query<{ kind: string; org_code: string }>(
    "SELECT kind, org_code FROM organisation WHERE kind IN ('practice', 'locality') ORDER BY org_code",
  );
  return [
    { level: "place", code: "place" },
    ...rows.map((r) => ({ level: r.kind as AreaLevel, code: r.org_code })),
  ];
}

function assemble(
  def: MetricDefinition,
  rows: readonly GroupRow[],
  periods: ReadonlyMap<string, PeriodRow>,
  asOf: string,
  zeroFill: { level: AreaLevel; code: string }[],
): MetricValue[] {
  type Acc = { n: number; d: number | null; nSplit: Record<string, number>; dSplit: Record<string, number> };
  const acc = new Map<string, Acc>();
  const keyOf = (periodId: string, level: AreaLevel, code: string) =>
    `${periodId}\u0000${level}\u0000${code}`;
  for (const row of rows) {
    const level: AreaLevel = row.level === 3 ? "place" : row.level === 1 ? "locality" : "practice";
    const code =
      level === "place"
        ? "place"
        : level === "locality"
          ? (row.locality_code ?? "unknown")
          : (row.practice_code as string);
    const key = keyOf(row.period_id, level, code);
    const a = acc.get(key) ?? { n: 0, d: null, nSplit: {}, dSplit: {} };
    const n = Number(row.n);
    if (row.part === "n") {
      a.n += n;
      if (row.split !== null) a.nSplit[row.split] = (a.nSplit[row.split] ?? 0) + n;
    } else {
      a.d = (a.d ?? 0) + n;
      if (row.split !== null) a.dSplit[row.split] = (a.dSplit[row.split] ?? 0) + n;
    }
    acc.set(key, a);
  }
  for (const periodId of periods.keys()) {
    for (const area of zeroFill) {
      const key = keyOf(periodId, area.level, area.code);
      if (!acc.has(key)) acc.set(key, { n: 0, d: def.denominatorSql ? 0 : null, nSplit: {}, dSplit: {} });
    }
  }
  const values: MetricValue[] = [];
  for (const [key, a] of acc) {
    const [periodId, level, code] = key.split("\u0000") as [string, AreaLevel, string];
    if (!def.areaLevels.includes(level)) continue;
    const period = periods.get(periodId) as PeriodRow;
    const denominator = def.denominatorSql ? (a.d ?? 0) : null;
    const breakdown =
      Object.keys(a.nSplit).length || Object.keys(a.dSplit).length
        ? {
            ...(Object.keys(a.nSplit).length ? { numerator: a.nSplit } : {}),
            ...(Object.keys(a.dSplit).length ? { denominator: a.dSplit } : {}),
          }
        : null;
    const reason = provisionalReason(def, period, asOf);
    values.push({
      metricId: def.metricId,
      version: def.version,
      periodId,
      periodStart: period.start,
      periodEnd: period.end,
      areaLevel: level,
      areaCode: code,
      numerator: a.n,
      denominator,
      value: metricValueOf(def, a.n, denominator, period.months),
      breakdown,
      status: reason ? "provisional" : "final",
      note: reason,
    });
  }
  return values;
}

/**
 * The counts of the parts already computed in a run, by the part's SQL and the periods' parameters. Several
 * definitions share a part (the adults at high risk are one measure's numerator and two others' denominator);
 * the run reads one snapshot (REPEATABLE READ), so the same statement would count the same again.
 */
export type PartCounts = Map<string, GroupRow[]>;

/** The parts' counts: those not yet in `counted` in one statement, the others reused. Denominator rows first. */
async function countParts(
  db: Queryable,
  parts: readonly StatementPart[],
  params: unknown[],
  counted: PartCounts,
): Promise<GroupRow[]> {
  const keyOf = (part: StatementPart) => `${JSON.stringify(params)}\u0000${part.sql}`;
  const missing = parts.filter((p) => !counted.has(keyOf(p)));
  if (missing.length > 0) {
    // The definition's SQL runs read-only with a timeout, in a savepoint rolled back after (definition-guard.ts).
    const rows = await readOnlyStatement(db, () => db.query<GroupRow>(aggregateSql(missing), params));
    for (const p of missing)
      counted.set(
        keyOf(p),
        rows.filter((r) => r.part === p.part),
      );
  }
  return [...parts]
    .sort((a, b) => a.part.localeCompare(b.part))
    .flatMap((p) => (counted.get(keyOf(p)) as GroupRow[]).map((r) => ({ ...r, part: p.part })));
}

async function snapshotPeriod(db: Queryable, def: MetricDefinition): Promise<Period | null> {
  // As a subquery, the snapshot is one SELECT whatever text was stored: a second statement is a syntax error.
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM (${def.snapshotSql as string}) AS snapshot LIMIT 1`,
  );
  const first = rows[0] ? Object.values(rows[0])[0] : null;
  if (first === null || first === undefined) return null;
  const day = first instanceof Date ? first.toISOString().slice(0, 10) : String(first).slice(0, 10);
  return { kind: "custom", id: `${day}..${day}`, start: day, end: day };
}

/**
 * Computes one definition for the periods; values for every area level the definition supports. Run it in
 * a transaction (the population table lives until the transaction ends).
 */
export async function computeDefinition(
  db: Queryable,
  def: MetricDefinition,
  periods: readonly Period[],
  asOf: string,
  areas?: { level: AreaLevel; code: string }[],
  partCounts: PartCounts = new Map(),
): Promise<MetricValue[]> {
  let counted = periods.map((p) => countedPeriod(def, p));
  if (def.periodType === "snapshot" && def.kind === "sql") {
    const at = await readOnlyStatement(db, () => snapshotPeriod(db, def));
    if (!at) throw new MetricComputeError("no snapshot date: nothing has been stratified yet");
    counted = [at];
  }
  const rows = new Map(counted.map((p) => [p.id, periodRow(p, asOf)]));
  if (def.kind === "builtin") {
    const compute = BUILTINS[def.builtin as string];
    if (!compute)
      throw new MetricComputeError(
        `no computation called ${def.builtin}`,
        "invalid",
        "outcomes.unknown-builtin",
      );
    // In the savepoint, as a definition's SQL is: a builtin that fails is recorded, the run goes on intact.
    const found = await readOnlyStatement(db, () => compute(db, counted));
    return found
      .filter((v) => def.areaLevels.includes(v.areaLevel))
      .map((v) => {
        const period = rows.get(v.periodId) as PeriodRow;
        const reason = provisionalReason(def, period, asOf);
        return {
          metricId: def.metricId,
          version: def.version,
          periodId: v.periodId,
          periodStart: period.start,
          periodEnd: period.end,
          areaLevel: v.areaLevel,
          areaCode: v.areaCode,
          numerator: v.numerator,
          denominator: v.denominator,
          value: metricValueOf(def, v.numerator, v.denominator, monthsOf(period)),
          breakdown: null,
          status: reason ? "provisional" : "final",
          note: [reason, v.note].filter(Boolean).join("; ") || null,
        };
      });
  }
  if (readsPopulation(def.numeratorSql) || readsPopulation(def.denominatorSql)) {
    await ensurePopulation(
      db,
      [...rows.values()].map((r) => r.refDate),
    );
  }
  const result = await countParts(db, partsOf(def), periodParams([...rows.values()], asOf), partCounts);
  const breakdown = breakdownProblem(result.map((r) => r.split));
  if (breakdown) throw new MetricComputeError(breakdown, "invalid", "outcomes.definition-sql");
  const zeroFill = def.valueKind === "count" ? (areas ?? (await knownAreas(db))) : [];
  return assemble(def, result, rows, asOf, zeroFill);
}

async function storeRun(
  tx: Queryable,
  run: { runId: string; startedAt: Date; asOf: string; seconds: number; engine: string },
  values: readonly MetricValue[],
): Promise<void> {
  await tx.query(
    `INSERT INTO metric_run (run_id, started_at, finished_at, as_of, data_loads, last_load_at, engine, seconds)
     SELECT $1, $2, now(), $3, count(*), max(finished_at), $4, $5 FROM data_load WHERE status = 'succeeded'`,
    [run.runId, run.startedAt, run.asOf, run.engine, run.seconds],
  );
  const chunk = 5_000;
  for (let i = 0; i < values.length; i += chunk) {
    const part = values.slice(i, i + chunk);
    await tx.query(
      `INSERT INTO metric_value (run_id, metric_id, version, period_id, period_start, period_end, area_level,
         area_code, numerator, denominator, value, breakdown, status, note, computed_at)
       SELECT $1, *, now() FROM unnest($2::text[], $3::int[], $4::text[], $5::date[], $6::date[], $7::text[],
         $8::text[], $9::numeric[], $10::numeric[], $11::numeric[], $12::jsonb[], $13::text[], $14::text[])`,
      [
        run.runId,
        part.map((v) => v.metricId),
        part.map((v) => v.version),
        part.map((v) => v.periodId),
        part.map((v) => v.periodStart),
        part.map((v) => v.periodEnd),
        part.map((v) => v.areaLevel),
        part.map((v) => v.areaCode),
        part.map((v) => v.numerator),
        part.map((v) => v.denominator),
        part.map((v) => v.value),
        part.map((v) => (v.breakdown ? JSON.stringify(v.breakdown) : null)),
        part.map((v) => v.status),
        part.map((v) => v.note),
      ],
    );
  }
}

/**
 * Computes the current definitions (or those named) for the periods, and stores the run. One transaction
 * reading one snapshot: every value of a run sees the same data, and a failure stores nothing.
 */
export async function computeMetrics(db: Db, options: ComputeOptions): Promise<ComputeResult> {
  const started = performance.now();
  const startedAt = new Date();
  const requests: ComputeRequest[] = [...(options.requests ?? [])];
  if (options.periods?.length) requests.push({ periods: options.periods, metricIds: options.metricIds });
  if (requests.length === 0 || requests.every((r) => r.periods.length === 0)) {
    throw invalid("outcomes.no-period", "Name at least one period to compute");
  }
  await installMeasures(db);
  return db.transaction(async (tx) => {
    // Every statement of the run reads the same snapshot, so its values agree with each other and a part
    // counted for one definition is reused for another.
    await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    // Citus: one connection a worker for the reads, so the run can then be written to metric_run and
    // metric_value (reference tables) in the same transaction. Elsewhere an unused setting, no cost.
    await tx.exec("SET LOCAL citus.multi_shard_modify_mode = 'sequential'");
    // Sorts and hashes of a few hundred thousand rows stay in memory (on Citus, in the workers' backends too).
    await setLocal(tx, { work_mem: "'64MB'" });
    const asOf = options.asOf ?? (await latestActivityDate(tx));
    if (!asOf) throw new MetricComputeError("There is no activity data to compute metrics from.");
    const areas = await knownAreas(tx);
    const values: MetricValue[] = [];
    const partCounts: PartCounts = new Map();
    const unavailable = new Map<string, string>();
    const entered = new Set<string>();
    const levels = options.areaLevels;
    // Every definition once, with every period any request asks of it.
    const work = new Map<string, { def: MetricDefinition; periods: Map<string, Period> }>();
    for (const request of requests) {
      if (request.periods.length === 0) continue;
      for (const def of await latestDefinitions(tx, request.metricIds)) {
        const entry = work.get(def.metricId) ?? { def, periods: new Map<string, Period>() };
        for (const p of request.periods) entry.periods.set(p.id, p);
        work.set(def.metricId, entry);
      }
    }
    // Every population the run's denominators read, counted in one pass over the registrations.
    const refDates = new Set<string>();
    for (const { def, periods } of work.values()) {
      if (def.kind !== "sql" || def.periodType === "snapshot") continue;
      if (!readsPopulation(def.numeratorSql) && !readsPopulation(def.denominatorSql)) continue;
      for (const p of periods.values()) refDates.add(periodRow(countedPeriod(def, p), asOf).refDate);
    }
    if (refDates.size > 0) await ensurePopulation(tx, [...refDates]);
    for (const { def, periods } of work.values()) {
      if (def.kind === "entered") {
        entered.add(def.metricId);
        continue;
      }
      const missing = await missingRequirement(tx, def.requires);
      if (missing) {
        unavailable.set(def.metricId, missing);
        continue;
      }
      const t0 = performance.now();
      try {
        const found = await computeDefinition(tx, def, [...periods.values()], asOf, areas, partCounts);
        values.push(...found.filter((v) => !levels || levels.includes(v.areaLevel)));
      } catch (error) {
        // One definition that fails (a bad SQL, a timeout, a breakdown of identifiers) is recorded and the
        // others go on: its statement ran in a savepoint that was rolled back, so the run is intact.
        if (error instanceof MetricComputeError) unavailable.set(def.metricId, error.message);
        else unavailable.set(def.metricId, `failed: ${(error as Error).message}`);
      }
      options.onMetric?.(def.metricId, (performance.now() - t0) / 1000);
    }
    const unique = new Map(
      values.map((v) => [`${v.metricId}|${v.periodId}|${v.areaLevel}|${v.areaCode}`, v]),
    );
    const seconds = (performance.now() - started) / 1000;
    let runId: string | null = null;
    if (options.store !== false) {
      runId = randomUUID();
      await storeRun(tx, { runId, startedAt, asOf, seconds, engine: db.engine }, [...unique.values()]);
    }
    return {
      runId,
      asOf,
      values: [...unique.values()],
      unavailable: [...unavailable].map(([metricId, reason]) => ({ metricId, reason })),
      entered: [...entered],
      seconds,
    };
  });
}
