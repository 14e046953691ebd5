// Baselines, targets and trajectories in named sets (a BCF plan version is the set bcf:<plan>@<version>),
// and the figures a board needs from them: the target for a period, its RAG, the trajectory.
import type { Queryable, TableRow } from "../store/index.ts";
import type { AreaLevel, MetricDefinition } from "./definitions.ts";
import { type FigureRow, figureOf } from "./figure-row.ts";
import { monthsOf } from "./metric-periods.ts";
import { type Rag, rag, type TrajectoryPoint, trajectoryAt } from "./rag.ts";
import { checkRate, type RateCheck } from "./rate-check.ts";

export type TargetRole = "baseline" | "target" | "trajectory";

export interface Target {
  metricId: string;
  role: TargetRole;
  periodId: string;
  periodStart: string;
  periodEnd: string;
  areaLevel?: AreaLevel;
  areaCode?: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  valueAsPrinted?: string | null;
  tolerance?: number | null;
  paymentTranche?: string | null;
  paymentShare?: number | null;
  source?: string;
  note?: string;
}

/** Replaces a target set. */
export async function saveTargets(
  tx: Queryable,
  targetSet: string,
  targets: readonly Target[],
): Promise<void> {
  await tx.query("DELETE FROM metric_target WHERE target_set = $1", [targetSet]);
  for (const t of targets) {
    await tx.query(
      `INSERT INTO metric_target (target_set, metric_id, role, period_id, period_start, period_end, area_level,
         area_code, value, numerator, denominator, value_as_printed, tolerance, payment_tranche, payment_share,
         source, note)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        targetSet,
        t.metricId,
        t.role,
        t.periodId,
        t.periodStart,
        t.periodEnd,
        t.areaLevel ?? "place",
        t.areaCode ?? "place",
        t.value,
        t.numerator,
        t.denominator,
        t.valueAsPrinted ?? null,
        t.tolerance ?? null,
        t.paymentTranche ?? null,
        t.paymentShare ?? null,
        t.source ?? "",
        t.note ?? "",
      ],
    );
  }
}

export async function loadTargets(db: Queryable, targetSet: string): Promise<Target[]> {
  const rows = await db.query<
    FigureRow &
      Pick<TableRow<"metric_target">, "tolerance" | "payment_tranche" | "payment_share" | "note"> & {
        role: TargetRole;
      }
  >(
    `SELECT * FROM metric_target WHERE target_set = $1
     ORDER BY metric_id, period_end, CASE role WHEN 'baseline' THEN 0 WHEN 'trajectory' THEN 1 ELSE 2 END`,
    [targetSet],
  );
  return rows.map((r) => ({
    ...figureOf(r),
    role: r.role,
    tolerance: r.tolerance,
    paymentTranche: r.payment_tranche,
    paymentShare: r.payment_share,
    note: r.note,
  }));
}

/** A stated figure checked against its own numerator and denominator, with the metric's multiplier. */
export function checkTarget(
  target: Target,
  def: Pick<MetricDefinition, "multiplier" | "averageOver" | "valueKind">,
): RateCheck {
  if (def.valueKind !== "rate") return { status: "unchecked", computed: null, tolerance: 0 };
  return checkRate({
    value: target.value,
    printed: target.valueAsPrinted,
    numerator: target.numerator,
    denominator: target.denominator,
    multiplier: def.multiplier,
    averageMonths:
      def.averageOver === "month" ? monthsOf({ start: target.periodStart, end: target.periodEnd }) : 1,
  });
}

/**
 * The figure to plan against: what the numerator and denominator give when both are stated (a printed
 * baseline that does not match its parts is not copied), else the stated value.
 */
export function effectiveValue(
  target: Target,
  def: Pick<MetricDefinition, "multiplier" | "averageOver" | "valueKind">,
): number | null {
  const check = checkTarget(target, def);
  return check.computed ?? target.value;
}

/** The plan's points for a metric (place level), by effective value, for trajectoryAt. */
export function trajectoryPoints(
  targets: readonly Target[],
  def: Pick<MetricDefinition, "metricId" | "multiplier" | "averageOver" | "valueKind">,
): TrajectoryPoint[] {
  const points: TrajectoryPoint[] = [];
  for (const t of targets) {
    if (t.metricId !== def.metricId || (t.areaLevel ?? "place") !== "place") continue;
    const value = effectiveValue(t, def);
    if (value === null) continue;
    points.push({ on: t.periodEnd, value, kind: t.role });
  }
  return points;
}

export interface Assessment {
  target: number | null;
  /** Where the target came from: a stated target or trajectory point for that period, or interpolation. */
  basis: "stated" | "interpolated" | "carried-forward" | "none";
  rag: Rag | null;
}

/** How a value for a period compares with the plan: the target on the period's last day, and its RAG. */
export function assess(
  value: number | null,
  periodEnd: string,
  targets: readonly Target[],
  def: Pick<
    MetricDefinition,
    "metricId" | "multiplier" | "averageOver" | "valueKind" | "direction" | "amberTolerance"
  >,
): Assessment {
  const points = trajectoryPoints(targets, def);
  const goals = points.filter((p) => p.kind !== "baseline");
  if (goals.length === 0) return { target: null, basis: "none", rag: null };
  const target = trajectoryAt(points, periodEnd) as number;
  const stated = goals.some((p) => p.on === periodEnd);
  const last = goals
    .map((p) => p.on)
    .sort()
    .at(-1) as string;
  const basis = stated ? "stated" : periodEnd > last ? "carried-forward" : "interpolated";
  const tolerance =
    targets.find((t) => t.metricId === def.metricId && t.periodEnd === periodEnd && t.tolerance != null)
      ?.tolerance ?? def.amberTolerance;
  return { target, basis, rag: value === null ? null : rag(value, target, def.direction, tolerance) };
}
