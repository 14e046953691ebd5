import { arrayLiteral, literal, prepared, type Queryable } from "../../store/index.ts";
import { sha256 } from "../ids.ts";
import type { FhirItem } from "./document.ts";
import type { SubjectRef } from "./resources.ts";

// Clinical resources whose Patient has not arrived yet (a bulk export read Observations first, a hospital
// sending results before the demographics): kept in ingest_fhir_held with why and what they wait for, and
// applied by the first load after which that Patient (or NHS Number) is known. Feed health counts them.

export interface HeldItem {
  item: FhirItem;
  subject: SubjectRef;
  reason: string;
}

interface Session {
  source: string;
  origin: string;
  loadId: string | null;
}

/**
 * A held resource's key, the same whichever load holds or releases it: its type and id, or for one without
 * an id a hash of its content (its file and line would collide across files and differ at release).
 */
export function heldKey(item: FhirItem): string {
  const r = item.resource as { resourceType?: unknown; id?: unknown } | null;
  if (r && typeof r.resourceType === "string" && typeof r.id === "string" && r.id)
    return `${r.resourceType}/${r.id}`;
  return `held:${sha256(JSON.stringify(item.resource))}`;
}

export async function holdItems(q: Queryable, s: Session, held: HeldItem[]): Promise<void> {
  for (const h of held) {
    const type = (h.item.resource as { resourceType: string }).resourceType;
    await q.query(
      `INSERT INTO ingest_fhir_held (source_system, origin_key, resource_type, waiting_kind, waiting_for, reason,
         payload, origin, location, load_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (source_system, origin_key) DO UPDATE SET resource_type = excluded.resource_type,
         waiting_kind = excluded.waiting_kind, waiting_for = excluded.waiting_for, reason = excluded.reason,
         payload = excluded.payload, origin = excluded.origin, location = excluded.location
       WHERE (ingest_fhir_held.payload, ingest_fhir_held.waiting_for) IS DISTINCT FROM
             (excluded.payload, excluded.waiting_for)`,
      [
        s.source,
        heldKey(h.item),
        type,
        h.subject.kind,
        h.subject.kind === "record" ? h.subject.recordId : h.subject.nhsNumber,
        h.reason,
        // As JSON whatever it came as (an XML resource is read back with JSON.parse at release).
        JSON.stringify(h.item.resource),
        s.origin,
        `${s.origin}:${h.item.line}`,
        s.loadId,
      ],
    );
  }
}

/** Once a held resource is stored or rejected, it is held no longer. */
export async function forgetHeld(q: Queryable, source: string, originKeys: string[]): Promise<void> {
  if (originKeys.length === 0) return;
  await q.query("DELETE FROM ingest_fhir_held WHERE source_system = $1 AND origin_key = ANY($2::text[])", [
    source,
    originKeys,
  ]);
}

/** forgetHeld as a statement to send with other writes in one round trip. */
export function forgetHeldText(source: string, originKeys: string[]): string {
  if (originKeys.length === 0) return "";
  return `DELETE FROM ingest_fhir_held WHERE source_system = ${literal(source, "text")}
     AND origin_key = ANY(${arrayLiteral(originKeys, "text")});\n`;
}

// Run after every load that brings a Patient (each FHIR transaction Bundle with one): prepared.
const RESOLVABLE = prepared(
  "ingest.fhir-held-resolvable",
  `SELECT h.source_system, h.origin, h.location, h.payload FROM ingest_fhir_held h
   WHERE (
     (h.waiting_kind = 'record' AND EXISTS (SELECT 1 FROM mpi_record_link l
        WHERE l.source_system = h.source_system AND l.source_record_id = h.waiting_for))
     OR (h.waiting_kind = 'nhs' AND h.waiting_for IN (
          SELECT p.nhs_number FROM person p
           WHERE p.nhs_number IN (SELECT waiting_for FROM ingest_fhir_held WHERE waiting_kind = 'nhs'))))
   ORDER BY h.held_at, h.source_system, h.origin_key`,
);

/**
 * The held resources whose Patient is now known, with the source and file each came in. The people are looked
 * up for the NHS Numbers held as one set, not per held row: on a Citus cluster person is distributed and the
 * held rows are on the coordinator, where a subquery per row cannot reach it.
 */
export async function resolvableHeld(
  q: Queryable,
): Promise<{ source: string; origin: string; item: FhirItem }[]> {
  const rows = await q.query<{
    source_system: string;
    origin: string;
    location: string | null;
    payload: string;
  }>(RESOLVABLE);
  return rows.map((r) => ({
    source: r.source_system,
    origin: r.origin,
    item: {
      line: Number(r.location?.slice(r.location.lastIndexOf(":") + 1)) || 1,
      raw: r.payload,
      resource: JSON.parse(r.payload),
    },
  }));
}

/** How many resources each source has held, and since when the oldest. */
export async function heldCounts(q: Queryable): Promise<Map<string, { held: number; oldest: Date }>> {
  const rows = await q.query<{ source_system: string; n: number; oldest: Date }>(
    "SELECT source_system, count(*) AS n, min(held_at) AS oldest FROM ingest_fhir_held GROUP BY source_system",
  );
  return new Map(rows.map((r) => [r.source_system, { held: Number(r.n), oldest: r.oldest }]));
}
