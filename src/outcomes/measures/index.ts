// Every measure OnePlace ships, installed as versioned definitions.
import type { Queryable } from "../../store/index.ts";
import { checksumOf, defineMetric, type MetricDefinitionInput } from "../definitions.ts";
import { BCF_MEASURES } from "./bcf.ts";
import { PLACE_MEASURES } from "./place.ts";

export const SHIPPED_MEASURES: readonly MetricDefinitionInput[] = [...BCF_MEASURES, ...PLACE_MEASURES];

/**
 * Installs each shipped definition that changed since it was last installed (as a new version). A place's
 * own later version of a shipped metric stands until OnePlace ships a changed definition of it.
 */
export async function installMeasures(db: Queryable): Promise<{ added: string[] }> {
  const added: string[] = [];
  const rows = await db.query<{ metric_id: string; checksum: string }>(
    "SELECT metric_id, checksum FROM metric_shipped",
  );
  const installed = new Map(rows.map((r) => [r.metric_id, r.checksum]));
  for (const def of SHIPPED_MEASURES) {
    const checksum = checksumOf(def);
    if (installed.get(def.metricId) === checksum) continue;
    const result = await defineMetric(db, def);
    await db.query(
      `INSERT INTO metric_shipped (metric_id, checksum, installed_at) VALUES ($1, $2, now())
       ON CONFLICT (metric_id) DO UPDATE SET checksum = excluded.checksum, installed_at = excluded.installed_at`,
      [def.metricId, checksum],
    );
    if (result.added) added.push(`${def.metricId} v${result.version}`);
  }
  return { added };
}
