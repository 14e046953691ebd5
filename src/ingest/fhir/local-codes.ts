import { cols, insertMany, type Queryable } from "../../store/index.ts";
import type { CanonicalName } from "../canonical.ts";
import type { CodeMapName } from "../hl7/coded.ts";
import { unmappedCodesText } from "../hl7/unmapped.ts";

// Accept and flag for FHIR's coded fields (EpisodeOfCare.type): a code OnePlace does not define is looked up
// in the source's code map; without a mapping the row is stored as 'unmapped' and its code counted for the
// worklist. The code as received is kept beside the row (ingest_local_code), so a mapping added or changed
// later gives each row its value.

/** Where a FHIR code map's value lives. */
const CORRECTS: Partial<Record<CodeMapName, { table: CanonicalName; column: string }>> = {
  "care-plan-type": { table: "care_plan", column: "plan_type" },
};

/** A row's code as received: mapped (its value came from the source's code map) or waiting for a mapping. */
export interface LocalCode {
  map: CodeMapName;
  code: string;
  mapped: boolean;
}

/** The source's mappings for the FHIR code maps a chunk needs (one read, only when it has such resources). */
export async function localMappings(
  q: Queryable,
  source: string,
  types: ReadonlySet<string>,
): Promise<(map: CodeMapName, code: string) => string | null> {
  if (!types.has("EpisodeOfCare")) return () => null;
  const rows = await q.query<{ map_name: string; source_code: string; target_code: string }>(
    "SELECT map_name, source_code, target_code FROM ingest_code_map WHERE source_system = $1 AND map_name = ANY($2::text[])",
    [source, Object.keys(CORRECTS)],
  );
  const known = new Map(rows.map((r) => [`${r.map_name}\u0000${r.source_code}`, r.target_code]));
  return (map, code) => known.get(`${map}\u0000${code}`) ?? null;
}

const LOCAL_COLS = cols(
  "source_system text, table_name text, source_record_id text, map_name text, source_code text",
);

/**
 * Keeps the local codes of the rows a chunk wrote, and forgets them for rows written now with OnePlace's own
 * code; codes newly kept that have no mapping are counted (a resource loaded again is not counted twice).
 */
export async function writeLocalCodes(
  q: Queryable,
  source: string,
  rows: readonly { table: CanonicalName; recordId: string; code?: LocalCode }[],
): Promise<void> {
  const plain = rows.filter((r) => !r.code && Object.values(CORRECTS).some((c) => c?.table === r.table));
  if (plain.length > 0) {
    await q.query(
      `DELETE FROM ingest_local_code WHERE source_system = $1
       AND (table_name, source_record_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [source, plain.map((r) => r.table), plain.map((r) => r.recordId)],
    );
  }
  const coded = rows.filter((r) => r.code);
  if (coded.length === 0) return;
  const kept = await insertMany<{ map_name: string; source_code: string; source_record_id: string }>(
    q,
    "ingest_local_code",
    LOCAL_COLS,
    coded.map((r) => [source, r.table, r.recordId, r.code?.map, r.code?.code]),
    `ON CONFLICT (source_system, table_name, source_record_id, map_name) DO UPDATE SET source_code = excluded.source_code
     WHERE ingest_local_code.source_code <> excluded.source_code
     RETURNING map_name, source_code, source_record_id`,
  );
  const unmapped = new Set(
    coded.filter((r) => !r.code?.mapped).map((r) => `${r.recordId}\u0000${r.code?.map}`),
  );
  const counts = new Map<string, [string, string, string, number, string, string]>();
  const now = new Date().toISOString();
  for (const k of kept) {
    if (!unmapped.has(`${k.source_record_id}\u0000${k.map_name}`)) continue;
    const key = `${k.map_name}\u0000${k.source_code}`;
    const row = counts.get(key) ?? [source, k.map_name, k.source_code, 0, now, now];
    row[3] += 1;
    counts.set(key, row);
  }
  const text = unmappedCodesText([...counts.values()]);
  if (text) await q.exec(text);
}

/** A mapping of a FHIR code map gives the rows kept with its code their value. Returns the rows changed. */
export async function correctLocalCodes(
  q: Queryable,
  m: { sourceSystem: string; mapName: CodeMapName; sourceCode: string; targetCode: string },
): Promise<number> {
  const where = CORRECTS[m.mapName];
  if (!where) return 0;
  const ids = await q.query<{ source_record_id: string }>(
    `SELECT source_record_id FROM ingest_local_code
     WHERE source_system = $1 AND map_name = $2 AND source_code = $3 AND table_name = $4`,
    [m.sourceSystem, m.mapName, m.sourceCode, where.table],
  );
  if (ids.length === 0) return 0;
  const changed = await q.query(
    `UPDATE ${where.table} SET ${where.column} = $3
     WHERE source_system = $1 AND source_record_id = ANY($2::text[]) AND ${where.column} <> $3 RETURNING 1`,
    [m.sourceSystem, ids.map((r) => r.source_record_id), m.targetCode],
  );
  return changed.length;
}

/** Whether a code map's rows are FHIR rows (corrected here) rather than HL7 visit events. */
export function isFhirMap(map: CodeMapName): boolean {
  return CORRECTS[map] !== undefined;
}
