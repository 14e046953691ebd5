// Everything the board report reads from the database, read once: the plan (its targets, spend, payments
// and risks are in it), the metric definitions, the first day of data, the entered values, the localities'
// names, and the metric values of one metrics run for every window the report shows and every period the
// plan states a figure for. What the report makes of them is pure (board-assemble.ts).
import { type Period, quarter as quarterOf } from "../../core/periods.ts";
import { suppressFigures } from "../../governance/index.ts";
import {
  areaNames,
  computeMetrics,
  enteredValues,
  installMeasures,
  latestActivityDate,
  latestDefinitions,
  type MetricDefinition,
  type MetricValue,
  type StoredEnteredValue,
} from "../../outcomes/index.ts";
import type { Db } from "../../store/index.ts";
import type { BcfPlan } from "../plan.ts";
import { loadPlan, NoPlanError } from "../plan-store.ts";
import { computeRequests, type MetricPlan, metricPlans } from "./board-periods.ts";
import type { BoardOptions } from "./board-types.ts";

export interface BoardInputs {
  quarter: Period;
  /** The data cut-off: the quarter's end, or the last activity before it (null when there is none). */
  asOf: string | null;
  plan: BcfPlan | null;
  planVersion: number;
  /** Why there is no plan, when there is none. */
  planNote: string | null;
  definitions: MetricDefinition[];
  /** The metrics shown and the windows their values were computed for. */
  metricPlans: MetricPlan[];
  values: MetricValue[];
  /** Metrics that could not be computed, with why. */
  unavailable: ReadonlyMap<string, string>;
  runId: string | null;
  entered: StoredEnteredValue[];
  localityNames: ReadonlyMap<string, string>;
  generatedAt: string;
}

async function planOrNote(
  db: Db,
  options: BoardOptions,
): Promise<{ plan: BcfPlan | null; version: number; note: string | null }> {
  try {
    const loaded = await loadPlan(db, options.planId, options.version);
    return { plan: loaded.plan, version: loaded.version, note: null };
  } catch (error) {
    if (!(error instanceof NoPlanError)) throw error;
    return {
      plan: null,
      version: 0,
      note: `${error.message} Import one with 'oneplace bcf import'; metrics are shown without targets.`,
    };
  }
}

/** The first day of the month of the first admission: no window starting before it is shown. */
async function dataStartOf(db: Db, q: Period): Promise<string> {
  const [{ min_start }] = await db.query<{ min_start: string | null }>(
    "SELECT ((min(admitted_at) AT TIME ZONE 'Europe/London')::date)::text AS min_start FROM hospital_spell",
  );
  return min_start ? `${min_start.slice(0, 7)}-01` : q.start;
}

export async function loadBoardInputs(db: Db, options: BoardOptions): Promise<BoardInputs> {
  const q = quarterOf(options.quarter);
  await installMeasures(db);
  const latest = await latestActivityDate(db);
  const asOf = options.asOf ?? (latest ? [latest, q.end].sort()[0] : null);
  const { plan, version, note } = await planOrNote(db, options);
  const definitions = await latestDefinitions(db);
  const plans = metricPlans(definitions, q, asOf, await dataStartOf(db, q), options.seriesQuarters ?? 8);
  const entered = await enteredValues(db);
  const localityNames = await areaNames(db);
  const requests = computeRequests(plans, q, plan, definitions);
  const result =
    asOf && requests.some((r) => r.periods.length > 0)
      ? await computeMetrics(db, { requests, asOf, areaLevels: ["place", "locality"] })
      : null;
  return {
    quarter: q,
    asOf,
    plan,
    planVersion: version,
    planNote: note,
    definitions,
    metricPlans: plans,
    // The report leaves the direct-care context: small numbers are withheld (governance's suppression rules).
    values: suppressFigures(result?.values ?? []).map(({ suppressed: _, ...v }) => v),
    unavailable: new Map((result?.unavailable ?? []).map((u) => [u.metricId, u.reason])),
    runId: result?.runId ?? null,
    entered,
    localityNames,
    generatedAt: new Date().toISOString(),
  };
}
