// Every measure OnePlace ships, installed as versioned definitions.
import type { Queryable } from "../../store/db.ts";
import { checksumOf, defineMetric, latestChecksums, type MetricDefinitionInput } from "../definitions.ts";
import { BCF_MEASURES } from "./bcf.ts";
import { PLACE_MEASURES } from "./place.ts";

export const SHIPPED_MEASURES: readonly MetricDefinitionInput[] = [...BCF_MEASURES, ...PLACE_MEASURES];

/** Adds a new version of each shipped definition that changed since it was last installed. */
export async function installMeasures(db: Queryable): Promise<{ added: string[] }> {
  const added: string[] = [];
  const current = await latestChecksums(db);
  for (const def of SHIPPED_MEASURES) {
    if (current.get(def.metricId) === checksumOf(def)) continue;
    const result = await defineMetric(db, def);
    if (result.added) added.push(`${def.metricId} v${result.version}`);
  }
  return { added };
}
