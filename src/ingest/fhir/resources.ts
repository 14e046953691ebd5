import type { CanonicalName } from "../canonical.ts";
import { CLINICAL_MAPPINGS, MEDICATION } from "./clinical.ts";
import { compile, type FhirMapping, readAs, tablesOf } from "./declare.ts";
import { ENCOUNTER, EPISODE_OF_CARE } from "./encounters.ts";
import { asSent, at, ID, RECEIVED } from "./extract.ts";
import { FhirReject, fail, type MapContext, type Mapped, requireId } from "./fields.ts";
import { ORGANIZATION } from "./organization.ts";
import { PATIENT } from "./patient.ts";
import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "./systems.ts";

// FHIR R4 resources mapped to OnePlace's canonical rows, as standard R4 and UK Core write them, each type declared
// once as tables on the catalogue (declare.ts) and compiled here: Patient (patient.ts: a source record for the
// master person index, with its GP practice as a registration and its death), Organization (organization.ts:
// an organisation or a site), Practitioner (the practitioner list), Medication (clinical.ts: kept for the
// requests that name it), Encounter and EpisodeOfCare (encounters.ts), the clinical facts (clinical.ts). Codes
// OnePlace defines itself live in local code systems (urn:oneplace:local:...), documented in docs/formats/fhir.md.

export type { MapContext, Mapped, MedicationRow, SubjectRef } from "./fields.ts";
export { FHIR_EXTENSIONS, FHIR_SYSTEMS, FhirReject };

/** A Practitioner: the practitioner list (no person's record). */
export const PRACTITIONER = readAs("Practitioner", {
  title: "the practitioner list",
  table: "ingest_practitioner",
  columns: [
    ["source_record_id", ID],
    ["identifier_system", at("identifier[0].system", asSent)],
    ["identifier_value", at("identifier[0].value", asSent)],
    ["family_name", at("name[0].family", asSent)],
    ["given_name", at("name[0].given[0]", asSent)],
    ["received_at", RECEIVED],
  ],
});

/**
 * The resource types mapped into a person's record, in the order docs/formats/fhir.md lists them:
 * entered-in-error takes out the rows of the tables they declare (but an EpisodeOfCare's).
 */
export const FHIR_MAPPINGS: readonly FhirMapping[] = [ENCOUNTER, EPISODE_OF_CARE, ...CLINICAL_MAPPINGS];

/** The types declared into the source's own tables (what its other resources refer to), never taken out. */
export const FHIR_SOURCE_MAPPINGS: readonly FhirMapping[] = [PRACTITIONER, MEDICATION];

/**
 * Every declaration, in the order docs/formats/fhir.md lists them: who a record is about (a Patient, through the
 * master person index) and the organisations named (Organization, in the tables everyone shares) first.
 */
export const FHIR_DECLARATIONS: readonly FhirMapping[] = [
  PATIENT,
  ORGANIZATION,
  ...FHIR_MAPPINGS,
  ...FHIR_SOURCE_MAPPINGS,
];

const DECLARED: Readonly<Record<string, (r: unknown, ctx: MapContext) => Mapped[]>> = Object.fromEntries(
  FHIR_DECLARATIONS.map((m) => [m.resource, compile(m)]),
);

export const SUPPORTED_RESOURCES = FHIR_DECLARATIONS.map((m) => m.resource);

const SUPPORTED = new Set<string>(SUPPORTED_RESOURCES);

/** Whether OnePlace loads resources of this type (others are skipped and counted). */
export function isSupportedResource(type: string): boolean {
  return SUPPORTED.has(type);
}

/** Where each declared type's resources are stored, for taking out one marked entered-in-error. */
const STORED_IN: Readonly<Record<string, readonly CanonicalName[]>> = Object.fromEntries(
  FHIR_MAPPINGS.map((m) => [m.resource, tablesOf(m)]).filter(([, tables]) => tables.length > 0),
);

/** Whether the sender says the resource was entered in error (its status, or a Condition's or allergy's verification). */
function enteredInError(r: {
  status?: unknown;
  verificationStatus?: { coding?: { code?: string }[] };
}): boolean {
  return (
    r.status === "entered-in-error" ||
    (r.verificationStatus?.coding ?? []).some((c) => c.code === "entered-in-error")
  );
}

/** Maps one resource to what it becomes, or throws FhirReject saying why it cannot be accepted. */
export function mapResource(resource: unknown, ctx: MapContext): Mapped[] {
  if (typeof resource !== "object" || resource === null || Array.isArray(resource)) fail("not a JSON object");
  const type = (resource as { resourceType?: unknown }).resourceType;
  const tables = typeof type === "string" ? STORED_IN[type] : undefined;
  if (tables && enteredInError(resource as Parameters<typeof enteredInError>[0]))
    return [
      {
        kind: "retraction",
        tables,
        recordId: requireId(resource as { id?: string }, type as string),
        resourceType: type as string,
      },
    ];
  const declared = typeof type === "string" && Object.hasOwn(DECLARED, type) ? DECLARED[type] : undefined;
  if (declared) return declared(resource, ctx);
  return fail(
    `resourceType ${typeof type === "string" ? type.slice(0, 40) : "(missing)"} is not one OnePlace loads`,
  );
}
