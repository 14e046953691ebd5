// RAG status and trajectories (metrics.md, "RAG rating"): green on or better than target; amber within a
// tolerance (default 5% of the target) on the wrong side; red beyond it. A trajectory runs straight from
// the baseline to each target by date unless the plan gives period targets.
import { toDayNumber } from "../core/dates.ts";
import type { Direction } from "./definitions.ts";

export type Rag = "green" | "amber" | "red";

export function rag(value: number, target: number, direction: Direction, tolerance = 0.05): Rag {
  const better = direction === "higher" ? value >= target : value <= target;
  if (better) return "green";
  const gap = Math.abs(value - target);
  // A value exactly at the tolerance is amber; the small relative allowance absorbs floating-point error.
  return gap <= Math.abs(target) * tolerance * (1 + 1e-9) + 1e-12 ? "amber" : "red";
}

export interface TrajectoryPoint {
  /** The last day of the period the point is for: the value applies on that day. */
  on: string;
  value: number;
  kind: "baseline" | "target" | "trajectory";
}

/**
 * The trajectory value on a day: a stated point on that day; between points, the straight line between
 * them; before the first point, the first; after the last, the last (a target holds once reached).
 */
export function trajectoryAt(points: readonly TrajectoryPoint[], on: string): number | null {
  if (points.length === 0) return null;
  const sorted = [...points].sort((a, b) => a.on.localeCompare(b.on));
  const day = toDayNumber(on);
  if (day <= toDayNumber(sorted[0].on)) return sorted[0].value;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    const da = toDayNumber(a.on);
    const db = toDayNumber(b.on);
    if (day <= db) return db === da ? b.value : a.value + ((b.value - a.value) * (day - da)) / (db - da);
  }
  return sorted[sorted.length - 1].value;
}
