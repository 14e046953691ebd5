// Which metrics the board report shows and for which periods: the report window of each metric and the
// windows of the quarters before it, and the one metrics run that computes them all with the plan's periods.
import { addDays, addMonths, daysInMonth } from "../../core/dates.ts";
import { type Period, quartersIn, rollingWindow } from "../../core/periods.ts";
import type { ComputeRequest, MetricDefinition } from "../../outcomes/index.ts";
import type { BcfPlan } from "../plan.ts";
import { planValueRequests } from "../plan-values.ts";
import type { BoardMetric } from "./board-types.ts";

export const BOARD_METRICS = [
  "ascof-2a2",
  "ascof-2b1",
  "ascof-2b2",
  "dtoc",
  "nel",
  "local",
  "experience",
  "experience-carers",
  "experience-scrqol",
] as const;
export const OTHER_MEASURES = [
  "high-risk-share",
  "high-risk-joint-plan",
  "high-risk-lead-professional",
  "dementia-joint-plan",
  "telecare-installations",
  "telecare-in-packages",
  "hiu-activity-change",
  "no-unknown-patients",
] as const;

export const isBoardMetric = (metricId: string): boolean =>
  (BOARD_METRICS as readonly string[]).includes(metricId);

export interface MetricPlan {
  def: MetricDefinition;
  kind: BoardMetric["windowKind"];
  report: Period | null;
  series: Period[];
}

function monthEndOnOrBefore(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  if (d === daysInMonth(y, m)) return iso;
  return addDays(`${iso.slice(0, 7)}-01`, -1);
}

export function shortDate(iso: string): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${months[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

export function windowLabel(p: Pick<Period, "start" | "end">): string {
  return `${shortDate(p.start)} to ${shortDate(p.end)}`;
}

/** The periods a metric is shown for: the report window and the windows of the quarters before it. */
function planMetric(
  def: MetricDefinition,
  defs: readonly MetricDefinition[],
  q: Period,
  asOf: string,
  dataStart: string,
  quarters: number,
): MetricPlan {
  if (def.kind === "entered") return { def, kind: "entered", report: null, series: [] };
  if (def.periodType === "snapshot") return { def, kind: "snapshot", report: null, series: [] };
  const history = quartersIn({
    kind: "custom",
    id: "h",
    start: addMonths(q.start, -3 * (quarters - 1)),
    end: q.end,
  });
  if (def.periodType === "financial-year") {
    const lag = def.fyWindow
      ? Math.max(...defs.filter((d) => d.fyWindow === def.fyWindow).map((d) => d.followUpDays))
      : def.followUpDays;
    const windows = history
      .map((h) => {
        const end = monthEndOnOrBefore(addDays(h.end < asOf ? h.end : asOf, -lag));
        return rollingWindow(end, 12);
      })
      .filter((w) => w.start >= dataStart);
    const unique = [...new Map(windows.map((w) => [w.id, w])).values()];
    return { def, kind: "rolling-12", report: unique.at(-1) ?? null, series: unique };
  }
  const series = history.filter((h) => h.end >= dataStart);
  return { def, kind: "quarter", report: q, series };
}

/**
 * The metrics shown and their periods: the BCF metrics with a chart of the quarters before (seriesQuarters),
 * the other measures as a table of the quarter only. None without a data date.
 */
export function metricPlans(
  defs: readonly MetricDefinition[],
  q: Period,
  asOf: string | null,
  dataStart: string,
  seriesQuarters: number,
): MetricPlan[] {
  if (!asOf) return [];
  const byId = new Map(defs.map((d) => [d.metricId, d]));
  const wanted = (ids: readonly string[]) =>
    ids.map((id) => byId.get(id)).filter((d): d is MetricDefinition => !!d);
  return [
    ...wanted(BOARD_METRICS).map((d) => planMetric(d, defs, q, asOf, dataStart, seriesQuarters)),
    ...wanted(OTHER_MEASURES).map((d) => planMetric(d, defs, q, asOf, dataStart, 1)),
  ];
}

/** What one metrics run computes: every shown metric's periods, and the periods of the plan's figures. */
export function computeRequests(
  plans: readonly MetricPlan[],
  q: Period,
  plan: BcfPlan | null,
  defs: readonly MetricDefinition[],
): ComputeRequest[] {
  const requests: ComputeRequest[] = [];
  for (const mp of plans) {
    if (mp.kind === "entered") continue;
    requests.push({ metricIds: [mp.def.metricId], periods: mp.kind === "snapshot" ? [q] : mp.series });
  }
  if (plan) requests.push(...planValueRequests(plan, defs));
  return requests;
}
