// Drill-down: the people counted in a metric's numerator or denominator for a period, in the place or one
// practice or locality. Returns internal person ids only. Faces never call this: they ask the governed
// reader's metricPeople (src/governance/reader.ts), which passes these ids through the access check and
// audits before anyone sees who they are.
import { notFound, OnePlaceError, type OnePlaceErrorOptions } from "../core/errors.ts";
import type { Period } from "../core/periods.ts";
import type { Db } from "../store/index.ts";
import { readOnlyStatement } from "./definition-guard.ts";
import { definitionVersion, latestDefinitions, type MetricDefinition } from "./definitions.ts";
import { countedPeriod, periodRow } from "./metric-periods.ts";
import { peopleSql, periodParams } from "./metric-statement.ts";
import { ensurePopulation, readsPopulation } from "./population.ts";

export interface PeopleRequest {
  metricId: string;
  /** The definition version the value was computed with (default: the latest). */
  version?: number;
  period: Period;
  part: "numerator" | "denominator";
  /** A practice or locality code; the whole place when absent. */
  area?: string;
  /** Only the people in one category of the breakdown (e.g. delayed days attributed to social care). */
  split?: string;
  /** The data cut-off the value was computed with. */
  asOf: string;
}

export class DrillDownUnavailable extends OnePlaceError {
  override readonly name = "DrillDownUnavailable";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("unavailable", "outcomes.drilldown-unavailable", message, options);
  }
}

async function definitionFor(db: Db, request: PeopleRequest): Promise<MetricDefinition> {
  const def = request.version
    ? await definitionVersion(db, request.metricId, request.version)
    : (await latestDefinitions(db, [request.metricId]))[0];
  if (!def)
    throw notFound(
      "outcomes.no-metric-version",
      `No version ${request.version} of metric ${request.metricId}`,
    );
  return def;
}

export async function metricPeople(db: Db, request: PeopleRequest): Promise<string[]> {
  const def = await definitionFor(db, request);
  if (def.kind !== "sql") {
    throw new DrillDownUnavailable(
      `${def.metricId} is ${def.kind === "entered" ? "entered, not computed from people" : "computed by another capability"}: no drill-down`,
    );
  }
  const sql = request.part === "numerator" ? def.numeratorSql : def.denominatorSql;
  if (!sql) throw new DrillDownUnavailable(`${def.metricId} has no ${request.part}`);
  const row = periodRow(countedPeriod(def, request.period), request.asOf);
  return db.transaction(async (tx) => {
    if (readsPopulation(sql)) await ensurePopulation(tx, [row.refDate], "people");
    const rows = await readOnlyStatement(tx, () =>
      tx.query<{ person_id: string }>(peopleSql(sql), [
        ...periodParams([row], request.asOf),
        request.area ?? null,
        request.split ?? null,
      ]),
    );
    return rows.map((r) => r.person_id);
  });
}
