// One metric as the board report shows it, from values already computed: its value in the report window
// against the plan's trajectory (RAG), the quarters before it, and its localities.
import { financialQuarterLabel } from "../../core/periods.ts";
import type { MetricValue, StoredEnteredValue } from "../../outcomes/index.ts";
import { assess, type Target, trajectoryAt, trajectoryPoints } from "../../outcomes/index.ts";
import { type MetricPlan, shortDate, windowLabel } from "./board-periods.ts";
import type { BoardMetric, SeriesPoint } from "./board-types.ts";

/** What every metric of the report is judged with. */
export interface MetricSources {
  values: readonly MetricValue[];
  entered: readonly StoredEnteredValue[];
  targets: readonly Target[];
  localityNames: ReadonlyMap<string, string>;
  unavailable: ReadonlyMap<string, string>;
  asOf: string;
}

type Base = Pick<
  BoardMetric,
  | "metricId"
  | "version"
  | "title"
  | "shortTitle"
  | "unit"
  | "decimals"
  | "direction"
  | "numeratorLabel"
  | "denominatorLabel"
  | "windowKind"
>;

function pick(
  values: readonly MetricValue[],
  metricId: string,
  periodId: string,
  level = "place",
  code = "place",
) {
  return values.find(
    (v) => v.metricId === metricId && v.periodId === periodId && v.areaLevel === level && v.areaCode === code,
  );
}

function unavailableMetric(base: Base, reason: string | null): BoardMetric {
  return {
    ...base,
    windowLabel: "",
    windowStart: null,
    windowEnd: null,
    value: null,
    numerator: null,
    denominator: null,
    status: null,
    note: null,
    breakdown: null,
    target: null,
    targetBasis: "none",
    rag: null,
    series: [],
    localities: [],
    available: false,
    reason,
  };
}

/** A survey-based metric: the latest value entered for the place by the data date. */
function enteredMetric(base: Base, mp: MetricPlan, s: MetricSources): BoardMetric {
  const latest = s.entered
    .filter((e) => e.metricId === mp.def.metricId && e.areaLevel === "place" && e.periodEnd <= s.asOf)
    .sort((a, b) => a.periodEnd.localeCompare(b.periodEnd))
    .at(-1);
  const a = assess(latest?.value ?? null, latest?.periodEnd ?? s.asOf, s.targets, mp.def);
  return {
    ...base,
    windowLabel: latest ? `${latest.periodId} (entered: ${latest.source})` : "no value entered",
    windowStart: latest?.periodStart ?? null,
    windowEnd: latest?.periodEnd ?? null,
    value: latest?.value ?? null,
    numerator: latest?.numerator ?? null,
    denominator: latest?.denominator ?? null,
    status: latest ? "entered" : null,
    note: latest ? null : "Survey-based: enter the value with 'oneplace metrics enter'.",
    breakdown: null,
    target: a.target,
    targetBasis: a.basis,
    rag: a.rag,
    series: [],
    localities: [],
    available: true,
    reason: null,
  };
}

function localitiesOf(mp: MetricPlan, s: MetricSources, current: MetricValue | undefined) {
  return s.values
    .filter(
      (v) =>
        v.metricId === mp.def.metricId &&
        v.areaLevel === "locality" &&
        (mp.kind === "snapshot" ? v.periodId === current?.periodId : v.periodId === mp.report?.id),
    )
    .map((v) => ({
      code: v.areaCode,
      name: s.localityNames.get(v.areaCode) ?? v.areaCode,
      value: v.value,
      numerator: v.numerator,
      denominator: v.denominator,
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
}

/** A computed metric: its report window's value, the series of the windows before, the localities. */
function computedMetric(base: Base, mp: MetricPlan, s: MetricSources): BoardMetric {
  const { def } = mp;
  let current: MetricValue | undefined;
  let label = "";
  if (mp.kind === "snapshot") {
    current = s.values.find((v) => v.metricId === def.metricId && v.areaLevel === "place");
    label = current ? `as at ${current.periodEnd} (latest stratification)` : "";
  } else if (mp.report) {
    current = pick(s.values, def.metricId, mp.report.id);
    label = windowLabel(mp.report);
  }
  const end = current?.periodEnd ?? mp.report?.end ?? s.asOf;
  const a = assess(current?.value ?? null, end, s.targets, def);
  const points = trajectoryPoints(s.targets, def);
  const series: SeriesPoint[] = mp.series.map((p) => {
    const v = pick(s.values, def.metricId, p.id);
    return {
      label: mp.kind === "quarter" ? financialQuarterLabel(p.id) : `to ${shortDate(p.end)}`,
      start: p.start,
      end: p.end,
      value: v?.value ?? null,
      target: trajectoryAt(points, p.end),
      status: v?.status ?? null,
    };
  });
  return {
    ...base,
    windowLabel: label,
    windowStart: current?.periodStart ?? mp.report?.start ?? null,
    windowEnd: current?.periodEnd ?? mp.report?.end ?? null,
    value: current?.value ?? null,
    numerator: current?.numerator ?? null,
    denominator: current?.denominator ?? null,
    status: current?.status ?? null,
    note: current?.note ?? null,
    breakdown: current?.breakdown ?? null,
    target: a.target,
    targetBasis: a.basis,
    rag: a.rag,
    series,
    localities: localitiesOf(mp, s, current),
    available: true,
    reason: null,
  };
}

export function boardMetric(mp: MetricPlan, sources: MetricSources): BoardMetric {
  const { def } = mp;
  const base: Base = {
    metricId: def.metricId,
    version: def.version,
    title: def.title,
    shortTitle: def.shortTitle,
    unit: def.unit,
    decimals: def.decimals,
    direction: def.direction,
    numeratorLabel: def.numeratorLabel,
    denominatorLabel: def.denominatorLabel,
    windowKind: mp.kind,
  };
  if (sources.unavailable.has(def.metricId))
    return unavailableMetric(base, sources.unavailable.get(def.metricId) ?? null);
  if (mp.kind === "entered") return enteredMetric(base, mp, sources);
  return computedMetric(base, mp, sources);
}
