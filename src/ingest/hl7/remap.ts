import { invalid } from "../../core/errors.ts";
import type { Queryable } from "../../store/index.ts";
import { correctLocalCodes, isFhirMap } from "../fhir/local-codes.ts";
import { upsertCodeMap } from "../sources.ts";
import { type AdtTrigger, dischargeMethodOfValue, readHeader, readVisit, type VisitDetail } from "./adt.ts";
import { CODED_FIELDS, type CodeLookup, type CodeMapName, isCodeMapName, targetProblem } from "./coded.ts";
import { refoldVisit } from "./many.ts";
import { parseMessage } from "./message.ts";

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
  /** Rows stored from FHIR with the code (e.g. care plans from EpisodeOfCare.type) given their mapped value. */
  recordsCorrected: number;
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
  let recordsCorrected = 0;
  for (const m of mappings.filter((x) => isFhirMap(x.mapName as CodeMapName)))
    recordsCorrected += await correctLocalCodes(q, { ...m, mapName: m.mapName as CodeMapName });
  const hl7 = mappings.filter((x) => !isFhirMap(x.mapName as CodeMapName));
  let eventsCorrected = 0;
  const visits = new Set<string>();
  const done = new Set<string>();
  for (const m of hl7) {
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
      done.add(`${m.sourceSystem}\u0000${r.control_id}`);
      visits.add(`${m.sourceSystem}\u0000${r.visit_number}`);
    }
  }
  if (hl7.length > 0) eventsCorrected += await redecodeStored(q, hl7, visits, done);
  for (const key of visits) {
    const [source, visit] = key.split("\u0000");
    await refoldVisit(q, source, visit);
  }
  return { changed, eventsCorrected, visitsRewritten: visits.size, recordsCorrected };
}

/**
 * Events stored with a code already decoded (by an earlier mapping, now changed) keep only the decoded value:
 * they are read again from their stored message with the source's mappings as they now are. Only events whose
 * message carries one of the codes are read; an event whose detail comes out the same is left alone.
 */
async function redecodeStored(
  q: Queryable,
  mappings: readonly CodeMapping[],
  visits: Set<string>,
  done: ReadonlySet<string>,
): Promise<number> {
  let corrected = 0;
  const sources = [...new Set(mappings.map((m) => m.sourceSystem))];
  for (const source of sources) {
    const codes = [...new Set(mappings.filter((m) => m.sourceSystem === source).map((m) => m.sourceCode))];
    const maps = await q.query<{ map_name: string; source_code: string; target_code: string }>(
      "SELECT map_name, source_code, target_code FROM ingest_code_map WHERE source_system = $1",
      [source],
    );
    const known = new Map(maps.map((r) => [`${r.map_name}\u0000${r.source_code}`, r.target_code]));
    const local: CodeLookup = (map, code) => known.get(`${map}\u0000${code}`) ?? null;
    const rows = await q.query<{
      visit_number: string;
      control_id: string;
      trigger_event: string;
      payload: string;
    }>(
      `SELECT e.visit_number, e.control_id, e.trigger_event, m.payload
       FROM adt_visit_event e JOIN ingest_message m USING (source_system, control_id)
       WHERE e.source_system = $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) c WHERE strpos(m.payload, c) > 0)`,
      [source, codes],
    );
    for (const r of rows) {
      if (done.has(`${source}\u0000${r.control_id}`)) continue;
      let detail: VisitDetail | undefined;
      try {
        const message = parseMessage(r.payload);
        const header = readHeader(message, { testInstance: true });
        detail = readVisit(message, r.trigger_event as AdtTrigger, header.providerCode, local)?.detail;
      } catch {
        continue; // stored before a rule it now breaks: left as it was applied
      }
      if (!detail) continue;
      const changed = await q.query(
        `UPDATE adt_visit_event SET detail = $4::jsonb
         WHERE source_system = $1 AND visit_number = $2 AND control_id = $3 AND detail IS DISTINCT FROM $4::jsonb
         RETURNING 1`,
        [source, r.visit_number, r.control_id, JSON.stringify(detail)],
      );
      if (changed.length === 0) continue;
      corrected++;
      visits.add(`${source}\u0000${r.visit_number}`);
    }
  }
  return corrected;
}
