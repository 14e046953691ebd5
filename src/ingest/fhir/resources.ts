import type { Identifier, Organization, Patient } from "fhir/r4.js";
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { ethnicCategoryOf, FHIR_GENDER } from "../../core/nhs-dd-codes.ts";
import { isValidNhsNumber, normaliseNhsNumber } from "../../core/nhs-number.ts";
import type { CanonicalName } from "../canonical.ts";
import { CLINICAL_MAPPINGS, MEDICATION } from "./clinical.ts";
import { compile, type FhirMapping, readAs, tablesOf } from "./declare.ts";
import { ENCOUNTER, mapEpisodeOfCare } from "./encounters.ts";
import { asSent, at, ID, RECEIVED } from "./extract.ts";
import {
  codingIn,
  dateOf,
  ext,
  FhirReject,
  fail,
  type MapContext,
  type Mapped,
  orgOf,
  receivedAtOf,
  requireId,
} from "./fields.ts";
import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "./systems.ts";

// FHIR R4 resources mapped to OnePlace's canonical rows, as standard R4 and UK Core write them. Patient (NHS
// Number under https://fhir.nhs.uk/Id/nhs-number) goes through the master person index, with its GP practice
// (generalPractitioner) as a registration and its death (deceasedDateTime); Organization to organisations and
// sites; Practitioner to the practitioner list; Medication (clinical.ts) is kept for the requests that name it;
// Encounter and EpisodeOfCare in encounters.ts; clinical facts in clinical.ts. Practitioner, Medication, Encounter
// and the clinical types are declared as tables on the catalogue (declare.ts) and compiled here. Codes OnePlace defines itself live in local code
// systems (urn:oneplace:local:...), documented in docs/formats/fhir.md.

export type { MapContext, Mapped, MedicationRow, OrgRow, SubjectRef } from "./fields.ts";
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
 * The resource types mapped by their declaration (declare.ts) into a person's record, in the order
 * docs/formats/fhir.md lists them: entered-in-error takes out the rows of the tables they declare.
 */
export const FHIR_MAPPINGS: readonly FhirMapping[] = [ENCOUNTER, ...CLINICAL_MAPPINGS];

/** The types declared into the source's own tables (what its other resources refer to), never taken out. */
export const FHIR_SOURCE_MAPPINGS: readonly FhirMapping[] = [PRACTITIONER, MEDICATION];

/** Every declaration, in the order docs/formats/fhir.md lists them. */
export const FHIR_DECLARATIONS: readonly FhirMapping[] = [...FHIR_MAPPINGS, ...FHIR_SOURCE_MAPPINGS];

const DECLARED: Readonly<Record<string, (r: unknown, ctx: MapContext) => Mapped[]>> = Object.fromEntries(
  FHIR_DECLARATIONS.map((m) => [m.resource, compile(m)]),
);

export const SUPPORTED_RESOURCES = [
  "Patient",
  "Organization",
  "EpisodeOfCare",
  ...FHIR_DECLARATIONS.map((m) => m.resource),
] as const;

const SUPPORTED = new Set<string>(SUPPORTED_RESOURCES);

/** Whether OnePlace loads resources of this type (others are skipped and counted). */
export function isSupportedResource(type: string): boolean {
  return SUPPORTED.has(type);
}

/**
 * The practice a Patient names as its GP (an Organization), and from when: the day PDS gives, else the day
 * the resource was last updated (meta.lastUpdated). With neither, `from` is null: the registration keeps the
 * day it was first loaded, so loading the same resource again never moves it.
 */
function practiceOf(p: Patient, ctx: MapContext): { code: string; from: string | null } | null {
  for (const ref of p.generalPractitioner ?? []) {
    const isOrg =
      ref.type === "Organization" ||
      ref.identifier?.system === ODS_ORGANISATION_SYSTEM ||
      /(?:^|\/)Organization\//.test(ref.reference ?? "");
    if (!isOrg) continue;
    try {
      const code = orgOf(ref, "Patient.generalPractitioner", ctx);
      const start = ref.identifier?.period?.start;
      const updated = p.meta?.lastUpdated;
      return {
        code,
        from: start
          ? dateOf(start, "Patient.generalPractitioner period")
          : updated
            ? dateOf(updated, "Patient.meta.lastUpdated")
            : null,
      };
    } catch (error) {
      if (!(error instanceof FhirReject)) throw error;
    }
  }
  return null;
}

/** The day a Patient died, when the resource says (deceasedBoolean alone gives no day, so no death row). */
function diedOnOf(p: Patient): string | null {
  return p.deceasedDateTime ? dateOf(p.deceasedDateTime, "Patient.deceasedDateTime") : null;
}

function mapPatient(p: Patient, ctx: MapContext): Mapped {
  const { source, at } = ctx;
  const id = requireId(p, "Patient");
  let nhs: string | null = null;
  const identifiers: { system: string; value: string }[] = [];
  for (const i of p.identifier ?? ([] as Identifier[])) {
    if (!i.system || !i.value) continue;
    if (i.system === NHS_NUMBER_SYSTEM) {
      if (!isValidNhsNumber(i.value))
        fail("Patient.identifier (NHS Number) fails its Modulus 11 check digit");
      nhs = normaliseNhsNumber(i.value);
    } else identifiers.push({ system: i.system, value: i.value });
  }
  const name = p.name?.find((n) => n.use === "official") ?? p.name?.[0];
  if (!name?.family && !name?.given?.[0]) fail("Patient.name is required");
  const birthDate = dateOf(p.birthDate, "Patient.birthDate");
  const sex = p.gender ? FHIR_GENDER.decode(p.gender) : "unknown";
  if (sex === null) fail("Patient.gender is not male, female, other or unknown");
  const address = p.address?.find((a) => a.use === "home") ?? p.address?.[0];
  const ethnic = ext(p, FHIR_EXTENSIONS.ethnicCategory)?.valueCodeableConcept?.coding?.[0]?.code;
  const received = receivedAtOf(p, at);
  return {
    kind: "person",
    facts: { practice: practiceOf(p, ctx), diedOn: diedOnOf(p) },
    record: {
      sourceSystem: source,
      recordId: id,
      nhsNumber: nhs,
      family: name?.family ?? null,
      given: name?.given?.[0] ?? null,
      birthDate,
      sex,
      postcode: address?.postalCode?.toUpperCase() ?? null,
      receivedAt: received,
      identifiers,
      ethnicCategory: ethnicCategoryOf(ethnic),
    },
  };
}

const ORG_KINDS = new Set([
  "locality",
  "practice",
  "acute",
  "community",
  "mental-health",
  "ambulance",
  "council",
  "ccg",
  "care-home",
  "voluntary",
  "site",
  "unknown",
]);

/** An Organization's identifiers as `system|value`, as conditional references name them. */
export function identifierKeys(o: Organization): string[] {
  return (o.identifier ?? []).filter((i) => i.system && i.value).map((i) => `${i.system}|${i.value}`);
}

/**
 * The code an Organization is known by in the shared organisation table: its ODS code, else its id scoped by
 * the source that sent it (`source:id`), so two senders' Organization/1 never become one organisation.
 */
export function orgCodeOfResource(o: Organization, source: string): string | null {
  const ods = o.identifier?.find((i) => i.system === ODS_ORGANISATION_SYSTEM)?.value;
  if (ods && /^[A-Z0-9]{3,10}$/.test(ods)) return ods;
  return o.id && /^[A-Za-z0-9\-.]{1,64}$/.test(o.id) ? `${source}:${o.id}` : null;
}

function mapOrganization(o: Organization, ctx: MapContext): Mapped {
  const code = orgCodeOfResource(o, ctx.source);
  if (!code) fail("Organization has neither an ODS code identifier nor an id");
  if (!o.name) fail("Organization.name is required");
  // OnePlace's kinds when the sender gives them; otherwise kept as 'unknown' until someone says.
  const kind = codingIn(o.type, FHIR_SYSTEMS.organisationKind)?.code ?? "unknown";
  if (!ORG_KINDS.has(kind))
    fail(`Organization.type from ${FHIR_SYSTEMS.organisationKind} is not one OnePlace knows`);
  const period = ext(o, FHIR_EXTENSIONS.operationalPeriod)?.valuePeriod;
  const careHomeType = codingIn(o.type, FHIR_SYSTEMS.careHomeType)?.code ?? null;
  if (careHomeType && careHomeType !== "residential" && careHomeType !== "nursing") {
    fail("Organization.type care home type is not residential or nursing");
  }
  const parent = o.partOf ? orgOf(o.partOf, "Organization.partOf", ctx) : null;
  if (kind === "site" && !parent) fail("a site Organization needs partOf (the organisation it belongs to)");
  return {
    kind: "organisation",
    org: {
      site: kind === "site",
      code: code as string,
      resourceId: o.id ?? null,
      identifiers: identifierKeys(o),
      name: o.name as string,
      kind,
      parent,
      postcode: o.address?.[0]?.postalCode ?? null,
      openedOn: period?.start ? dateOf(period.start, "operational period start") : null,
      closedOn: period?.end ? dateOf(period.end, "operational period end") : null,
      careHomeType,
      receivedAt: receivedAtOf(o, ctx.at),
    },
  };
}

/** Where each declared type's resources are stored, for taking out one marked entered-in-error. */
const STORED_IN: Readonly<Record<string, readonly CanonicalName[]>> = Object.fromEntries(
  FHIR_MAPPINGS.map((m) => [m.resource, tablesOf(m)]),
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
  switch (type) {
    case "Patient":
      return [mapPatient(resource as Patient, ctx)];
    case "Organization":
      return [mapOrganization(resource as Organization, ctx)];
    case "EpisodeOfCare":
      return [mapEpisodeOfCare(resource as never, ctx)];
  }
  const declared = typeof type === "string" && Object.hasOwn(DECLARED, type) ? DECLARED[type] : undefined;
  if (declared) return declared(resource, ctx);
  return fail(
    `resourceType ${typeof type === "string" ? type.slice(0, 40) : "(missing)"} is not one OnePlace loads`,
  );
}
