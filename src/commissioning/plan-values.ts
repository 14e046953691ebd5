// The plan's stated figures beside what OnePlace computes from person-level data for the same period:
// "the plan says 899; its own numerator and denominator give 853.5; the data give 925.1".
import { type Period, parsePeriod } from "../core/periods.ts";
import {
  type ComputeRequest,
  checkTarget,
  computeMetrics,
  enteredValues,
  installMeasures,
  latestActivityDate,
  latestDefinitions,
  type MetricDefinition,
  type MetricValue,
  type StoredEnteredValue,
} from "../outcomes/index.ts";
import type { Db } from "../store/index.ts";
import type { BcfPlan } from "./plan.ts";
import { targetsOf } from "./plan-store.ts";

export interface PlanFigure {
  metricId: string;
  title: string;
  role: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  stated: number | null;
  printed: string | null;
  numerator: number | null;
  denominator: number | null;
  /** What the stated numerator and denominator give. */
  fromParts: number | null;
  check: "consistent" | "mismatch" | "unchecked";
  /** OnePlace's value for the same period (place), computed or entered. */
  oneplace: number | null;
  oneplaceNumerator: number | null;
  oneplaceDenominator: number | null;
  oneplaceSource: "computed" | "entered" | "none";
  oneplaceStatus: string | null;
  decimals: number;
  unit: string;
}

export interface PlanValues {
  asOf: string | null;
  figures: PlanFigure[];
  unavailable: { metricId: string; reason: string }[];
}

/** The computations that give OnePlace's value for each plan figure of a computed metric (place level). */
export function planValueRequests(plan: BcfPlan, defs: readonly MetricDefinition[]): ComputeRequest[] {
  const computed = new Set(defs.filter((d) => d.kind !== "entered").map((d) => d.metricId));
  const byMetric = new Map<string, Map<string, Period>>();
  for (const m of plan.metrics) {
    if (!computed.has(m.metricId)) continue;
    const period = parsePeriod(m.period);
    byMetric.set(m.metricId, (byMetric.get(m.metricId) ?? new Map()).set(period.id, period));
  }
  return [...byMetric].map(([metricId, periods]) => ({
    metricIds: [metricId],
    periods: [...periods.values()],
  }));
}

/** Each plan figure of a known metric, checked against its parts, beside OnePlace's value. */
export function planFiguresFrom(
  plan: BcfPlan,
  defs: readonly MetricDefinition[],
  values: readonly MetricValue[],
  entered: readonly StoredEnteredValue[],
): PlanFigure[] {
  const byId = new Map(defs.map((d) => [d.metricId, d]));
  const targets = targetsOf(plan);
  return plan.metrics.flatMap((m, i): PlanFigure[] => {
    const def = byId.get(m.metricId);
    if (!def) return [];
    const period = parsePeriod(m.period);
    const check = checkTarget(targets[i], def);
    const value = values.find(
      (v) => v.metricId === m.metricId && v.periodId === period.id && v.areaLevel === "place",
    );
    const typed = entered.find(
      (e) => e.metricId === m.metricId && e.periodId === period.id && e.areaLevel === "place",
    );
    return [
      {
        metricId: m.metricId,
        title: def.shortTitle,
        role: m.role,
        period: period.id,
        periodStart: value?.periodStart ?? period.start,
        periodEnd: value?.periodEnd ?? period.end,
        stated: m.value,
        printed: m.valueAsPrinted,
        numerator: m.numerator,
        denominator: m.denominator,
        fromParts: check.computed,
        check: check.status,
        oneplace: value?.value ?? typed?.value ?? null,
        oneplaceNumerator: value?.numerator ?? typed?.numerator ?? null,
        oneplaceDenominator: value?.denominator ?? typed?.denominator ?? null,
        oneplaceSource: value ? "computed" : typed ? "entered" : "none",
        oneplaceStatus: value?.status ?? null,
        decimals: def.decimals,
        unit: def.unit,
      },
    ];
  });
}

export async function planBesideValues(
  db: Db,
  plan: BcfPlan,
  options: { asOf?: string } = {},
): Promise<PlanValues> {
  await installMeasures(db);
  const defs = await latestDefinitions(db);
  const requests = planValueRequests(plan, defs);
  let result: Awaited<ReturnType<typeof computeMetrics>> | null = null;
  if (requests.length > 0 && (options.asOf || (await latestActivityDate(db)))) {
    result = await computeMetrics(db, { requests, areaLevels: ["place"], asOf: options.asOf });
  }
  const entered = await enteredValues(db);
  return {
    asOf: result?.asOf ?? null,
    figures: planFiguresFrom(plan, defs, result?.values ?? [], entered),
    unavailable: result?.unavailable ?? [],
  };
}
