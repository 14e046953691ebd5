import { invalid } from "../../core/errors.ts";
import type { Queryable } from "../../store/index.ts";
import { upsertCodeMap } from "../sources.ts";
import { dischargeMethodOfValue, type VisitDetail } from "./adt.ts";
import { CODED_FIELDS, type CodeMapName, isCodeMapName, targetProblem } from "./coded.ts";
import { refoldVisit } from "./many.ts";

// Adding a code mapping corrects what was stored: every visit event that carried the code unmapped gets the
// mapped value, and each visit it belongs to is folded again, so its spell, ward stays or A&E attendance (and
// the facts read from them: emergency admissions, stroke-unit stays, discharges) are what they would have been
// had the mapping been there when the messages arrived.

export interface CodeMapping {
  sourceSystem: string;
  mapName: string;
  sourceCode: string;
  targetCode: string;
}

export interface MappingResult {
  /** Mappings added or changed. */
  changed: number;
  /** Stored visit events given the mapped value. */
  eventsCorrected: number;
  /** Visits whose canonical rows were rewritten. */
  visitsRewritten: number;
}

/** Why a mapping cannot be added (its map name or target), or null. Never repeats patient data. */
export function mappingProblem(m: CodeMapping): string | null {
  if (!isCodeMapName(m.mapName))
    return `map_name ${m.mapName} is not one of ${Object.keys(CODED_FIELDS).join(", ")}`;
  if (!m.sourceSystem || !m.sourceCode) return "source_system and source_code are required";
  const problem = targetProblem(m.mapName, m.targetCode);
  return problem ? `target_code for ${m.mapName} ${problem}` : null;
}

/** The detail of an event once its unmapped code for `map` has the mapped value. */
function corrected(detail: VisitDetail, map: CodeMapName, target: string): VisitDetail {
  const next: VisitDetail = { ...detail, unmapped: { ...detail.unmapped } };
  delete next.unmapped?.[map];
  if (next.unmapped && Object.keys(next.unmapped).length === 0) delete next.unmapped;
  const key = (CODED_FIELDS[map] as { detailKey?: keyof VisitDetail }).detailKey;
  if (map === "discharge-method")
    next.dischargeMethod = dischargeMethodOfValue(target, next.destination ?? null);
  else if (key) (next as unknown as Record<string, unknown>)[key] = target;
  if (map === "discharge-destination" && next.dischargeMethod === "discharged")
    next.dischargeMethod = dischargeMethodOfValue("discharged", target);
  return next;
}

/**
 * Adds mappings (checked first: a problem throws before anything is written) and corrects the stored events
 * that carried their codes unmapped, inside the caller's transaction.
 */
export async function addCodeMappings(
  q: Queryable,
  mappings: readonly CodeMapping[],
): Promise<MappingResult> {
  for (const m of mappings) {
    const problem = mappingProblem(m);
    if (problem) throw invalid("ingest.code-map", problem);
  }
  const changed = await upsertCodeMap(q, mappings);
  let eventsCorrected = 0;
  const visits = new Set<string>();
  for (const m of mappings) {
    const map = m.mapName as CodeMapName;
    const rows = await q.query<{ visit_number: string; control_id: string; detail: VisitDetail | string }>(
      `SELECT visit_number, control_id, detail FROM adt_visit_event
       WHERE source_system = $1 AND detail ? 'unmapped' AND detail->'unmapped'->>$2 = $3`,
      [m.sourceSystem, map, m.sourceCode],
    );
    for (const r of rows) {
      const detail = typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : r.detail;
      await q.query(
        `UPDATE adt_visit_event SET detail = $4::jsonb
         WHERE source_system = $1 AND visit_number = $2 AND control_id = $3`,
        [m.sourceSystem, r.visit_number, r.control_id, JSON.stringify(corrected(detail, map, m.targetCode))],
      );
      eventsCorrected++;
      visits.add(`${m.sourceSystem}\u0000${r.visit_number}`);
    }
  }
  for (const key of visits) {
    const [source, visit] = key.split("\u0000");
    await refoldVisit(q, source, visit);
  }
  return { changed, eventsCorrected, visitsRewritten: visits.size };
}
