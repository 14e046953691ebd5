import type { Organization } from "fhir/r4.js";
import type { Queryable } from "../../store/index.ts";
import { medicationRowOf } from "./clinical.ts";
import type { FhirItem } from "./document.ts";
import { FhirReject, type MapContext, type MedicationRow } from "./fields.ts";
import { localMappings } from "./local-codes.ts";
import { identifierKeys, orgCodeOfResource } from "./organization.ts";

// What a chunk's resources refer to by id (or, for an Organization, by identifier), looked up once per chunk: the Organizations and Medications in the
// chunk itself, and those the source sent in earlier loads (ingest_fhir_organization, ingest_fhir_medication).

const ORG_REF = /"reference"\s*:\s*"(?:[^"]*\/)?Organization\/([A-Za-z0-9\-.]{1,64})"/g;
const ORG_CONDITIONAL = /"reference"\s*:\s*"Organization\?identifier=([^"]+\|[^"]+)"/g;
const MED_REF = /"reference"\s*:\s*"(?:[^"]*\/)?Medication\/([A-Za-z0-9\-.]{1,64})"/g;

export async function referenceContext(
  q: Queryable,
  source: string,
  at: string,
  items: FhirItem[],
): Promise<MapContext> {
  const orgs = new Map<string, string>();
  const meds = new Map<string, MedicationRow>();
  // A Medication in the chunk, read as its declaration reads it (it refers to nothing).
  const own: MapContext = { source, at, orgCode: () => undefined, medication: () => undefined };
  const orgIds = new Set<string>();
  const medIds = new Set<string>();
  for (const item of items) {
    const r = item.resource as { resourceType?: string; id?: string } | null;
    if (r?.resourceType === "Organization" && r.id) {
      const code = orgCodeOfResource(r as Organization, source);
      if (code) {
        orgs.set(r.id, code);
        for (const key of identifierKeys(r as Organization)) orgs.set(key, code);
      }
    } else if (r?.resourceType === "Medication" && r.id) {
      try {
        meds.set(r.id, medicationRowOf(r, own));
      } catch (error) {
        if (!(error instanceof FhirReject)) throw error;
      }
    }
    // A resource read from XML keeps its XML as its payload: its references are found in its JSON.
    const text = item.raw.trimStart().startsWith("<") ? JSON.stringify(item.resource) : item.raw;
    if (text.includes("Organization/"))
      for (const m of text.matchAll(ORG_REF)) if (!orgs.has(m[1])) orgIds.add(m[1]);
    if (text.includes("Organization?"))
      for (const m of text.matchAll(ORG_CONDITIONAL)) {
        const key = decodeURIComponent(m[1]);
        if (!orgs.has(key)) orgIds.add(key);
      }
    if (text.includes("Medication/"))
      for (const m of text.matchAll(MED_REF)) if (!meds.has(m[1])) medIds.add(m[1]);
  }
  if (orgIds.size > 0) {
    const rows = await q.query<{ resource_id: string; org_code: string }>(
      "SELECT resource_id, org_code FROM ingest_fhir_organization WHERE source_system = $1 AND resource_id = ANY($2::text[])",
      [source, [...orgIds]],
    );
    for (const r of rows) if (!orgs.has(r.resource_id)) orgs.set(r.resource_id, r.org_code);
  }
  if (medIds.size > 0) {
    const rows = await q.query<{ resource_id: string; code_system: string; code: string; display: string }>(
      `SELECT resource_id, code_system, code, display FROM ingest_fhir_medication
       WHERE source_system = $1 AND resource_id = ANY($2::text[])`,
      [source, [...medIds]],
    );
    for (const r of rows)
      if (!meds.has(r.resource_id))
        meds.set(r.resource_id, {
          resourceId: r.resource_id,
          system: r.code_system,
          code: r.code,
          display: r.display,
          receivedAt: at,
        });
  }
  const types = new Set(
    items.map((i) => (i.resource as { resourceType?: string } | null)?.resourceType ?? ""),
  );
  const localCode = await localMappings(q, source, types);
  return { source, at, orgCode: (id) => orgs.get(id), medication: (id) => meds.get(id), localCode };
}
