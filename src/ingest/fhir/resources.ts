import type {
  CodeableConcept,
  Coding,
  Condition,
  Encounter,
  EpisodeOfCare,
  Extension,
  Identifier,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
} from "fhir/r4.js";
import { localCodeSystem, NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { isIsoDate } from "../../core/dates.ts";
import { OnePlaceError, type OnePlaceErrorOptions } from "../../core/errors.ts";
import { ethnicCategoryOf, FHIR_GENDER } from "../../core/nhs-dd-codes.ts";
import { isValidNhsNumber, normaliseNhsNumber } from "../../core/nhs-number.ts";
import type { SourceRecordInput } from "../../mpi/index.ts";
import type { CanonicalName } from "../canonical.ts";

// FHIR R4 resources mapped to OnePlace's canonical rows. Patient (UK Core: NHS Number under
// https://fhir.nhs.uk/Id/nhs-number) goes through the master person index; Organization to organisations
// and sites; Practitioner to the practitioner list; Encounter to outpatient attendances or community and
// mental health contacts; EpisodeOfCare to joint care plans; Condition and Observation to the GP coded record;
// MedicationRequest and MedicationStatement to medication issues. Codes OnePlace defines itself live in local
// code systems (urn:oneplace:local:...), documented in docs/formats/fhir.md.

export const FHIR_SYSTEMS = {
  encounterKind: localCodeSystem("encounter-kind"),
  careService: localCodeSystem("care-service"),
  contactMode: localCodeSystem("contact-mode"),
  carePlanType: localCodeSystem("care-plan-type"),
  professionalRole: localCodeSystem("professional-role"),
  organisationKind: localCodeSystem("organisation-kind"),
  careHomeType: localCodeSystem("care-home-type"),
} as const;

export const FHIR_EXTENSIONS = {
  attendance: "urn:oneplace:fhir:attendance",
  firstAttendance: "urn:oneplace:fhir:first-attendance",
  reviewDue: "urn:oneplace:fhir:review-due",
  operationalPeriod: "urn:oneplace:fhir:operational-period",
  ethnicCategory: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
} as const;

export const SUPPORTED_RESOURCES = [
  "Patient",
  "Practitioner",
  "Organization",
  "Encounter",
  "EpisodeOfCare",
  "Condition",
  "Observation",
  "MedicationRequest",
  "MedicationStatement",
] as const;

const SUPPORTED = new Set<string>(SUPPORTED_RESOURCES);

/** Whether OnePlace loads resources of this type (others are skipped and counted). */
export function isSupportedResource(type: string): boolean {
  return SUPPORTED.has(type);
}

export class FhirReject extends OnePlaceError {
  override readonly name = "FhirReject";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "ingest.fhir-reject", message, options);
  }
}

const fail = (message: string): never => {
  throw new FhirReject(message);
};

/** A reference to the patient a resource is about. */
export type SubjectRef = { kind: "record"; recordId: string } | { kind: "nhs"; nhsNumber: string };

export type Mapped =
  | { kind: "person"; record: SourceRecordInput }
  | { kind: "practitioner"; values: unknown[] }
  | { kind: "organisation"; org: OrgRow }
  | {
      kind: "activity";
      table: CanonicalName;
      recordId: string;
      subject: SubjectRef;
      /** The GP coded record and medicines need the practice the patient was registered with on this day. */
      practiceOn?: string;
      /** Values from person_id on; person_id and (when practiceOn) the practice are filled in later. */
      build: (personId: string, practice: string | null) => unknown[];
    };

export interface OrgRow {
  site: boolean;
  code: string;
  name: string;
  kind: string;
  parent: string | null;
  postcode: string | null;
  openedOn: string | null;
  closedOn: string | null;
  careHomeType: string | null;
  receivedAt: string;
}

function ext(resource: { extension?: Extension[] }, url: string): Extension | undefined {
  return resource.extension?.find((e) => e.url === url);
}

function codingIn(cc: CodeableConcept | CodeableConcept[] | undefined, system: string): Coding | undefined {
  const list = Array.isArray(cc) ? cc : cc ? [cc] : [];
  for (const c of list)
    for (const coding of c.coding ?? []) if (coding.system === system && coding.code) return coding;
  return undefined;
}

function firstCoding(cc: CodeableConcept | undefined): Coding | undefined {
  return cc?.coding?.find((c) => c.code);
}

function dateOf(value: string | undefined, what: string): string {
  const d = value?.slice(0, 10);
  if (!d || !isIsoDate(d)) fail(`${what} is missing or not a date`);
  return d as string;
}

function instantOf(value: string | undefined, what: string): string {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    fail(`${what} is missing or not a date-time with an offset`);
  }
  return new Date(value as string).toISOString();
}

function odsOf(ref: Reference | undefined, what: string): string {
  const v = ref?.identifier?.system === ODS_ORGANISATION_SYSTEM ? ref.identifier.value : undefined;
  if (v) return v;
  const m = /(?:^|\/)Organization\/([A-Z0-9]{3,10})$/.exec(ref?.reference ?? "");
  if (m) return m[1];
  return fail(`${what} must name an organisation by its ODS code`);
}

const CONDITIONAL = /^Patient\?identifier=([^|&]+)\|([^&]+)$/;

/**
 * Patient/123, https://server/fhir/Patient/123, a logical reference by NHS Number, or a conditional reference
 * (Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|...). References within a Bundle were rewritten from
 * its urn:uuid fullUrls to Patient/<id> when it was read.
 */
export function subjectOf(ref: Reference | undefined, what: string): SubjectRef {
  const nhsOf = (value: string) => {
    const n = normaliseNhsNumber(value);
    if (!n) fail(`${what} names an NHS Number that is not valid`);
    return { kind: "nhs", nhsNumber: n as string } as const;
  };
  if (ref?.identifier?.system === NHS_NUMBER_SYSTEM && ref.identifier.value)
    return nhsOf(ref.identifier.value);
  const r = ref?.reference ?? "";
  const conditional = CONDITIONAL.exec(r);
  if (conditional) {
    if (decodeURIComponent(conditional[1]) !== NHS_NUMBER_SYSTEM)
      fail(`${what} is a conditional reference by an identifier other than the NHS Number`);
    return nhsOf(decodeURIComponent(conditional[2]));
  }
  if (r.startsWith("urn:uuid:"))
    fail(`${what} points to a urn:uuid that is not a Patient in the same Bundle`);
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(r);
  if (!m)
    fail(
      `${what} must reference a Patient (Patient/<id>, an NHS Number identifier or a conditional reference)`,
    );
  return { kind: "record", recordId: (m as RegExpExecArray)[1] };
}

function requireId(r: { id?: string }, type: string): string {
  if (!r.id || !/^[A-Za-z0-9\-.]{1,64}$/.test(r.id)) fail(`${type}.id is missing or not a FHIR id`);
  return r.id as string;
}

function receivedAtOf(r: { meta?: { lastUpdated?: string } }, loadTime: string): string {
  const t = r.meta?.lastUpdated;
  return t ? instantOf(t, "meta.lastUpdated") : loadTime;
}

function mapPatient(p: Patient, source: string, at: string): Mapped {
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
  return {
    kind: "person",
    record: {
      sourceSystem: source,
      recordId: id,
      nhsNumber: nhs,
      family: name?.family ?? null,
      given: name?.given?.[0] ?? null,
      birthDate,
      sex,
      postcode: address?.postalCode?.toUpperCase() ?? null,
      receivedAt: receivedAtOf(p, at),
      identifiers,
      ethnicCategory: ethnicCategoryOf(ethnic),
    },
  };
}

function mapPractitioner(p: Practitioner, source: string, at: string): Mapped {
  const id = requireId(p, "Practitioner");
  const ident = p.identifier?.[0];
  const name = p.name?.[0];
  return {
    kind: "practitioner",
    values: [
      source,
      id,
      ident?.system ?? null,
      ident?.value ?? null,
      name?.family ?? null,
      name?.given?.[0] ?? null,
      receivedAtOf(p, at),
    ],
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
]);

function mapOrganization(o: Organization, at: string): Mapped {
  const code = o.identifier?.find((i) => i.system === ODS_ORGANISATION_SYSTEM)?.value ?? o.id;
  if (!code || !/^[A-Z0-9]{3,10}$/.test(code))
    fail("Organization.identifier (ODS code) is missing or not an ODS code");
  if (!o.name) fail("Organization.name is required");
  const kind = codingIn(o.type, FHIR_SYSTEMS.organisationKind)?.code;
  if (!kind || !ORG_KINDS.has(kind))
    fail(`Organization.type needs a code from ${FHIR_SYSTEMS.organisationKind}`);
  const period = ext(o, FHIR_EXTENSIONS.operationalPeriod)?.valuePeriod;
  const careHomeType = codingIn(o.type, FHIR_SYSTEMS.careHomeType)?.code ?? null;
  if (careHomeType && careHomeType !== "residential" && careHomeType !== "nursing") {
    fail("Organization.type care home type is not residential or nursing");
  }
  const parent = o.partOf ? odsOf(o.partOf, "Organization.partOf") : null;
  if (kind === "site" && !parent) fail("a site Organization needs partOf (the organisation it belongs to)");
  return {
    kind: "organisation",
    org: {
      site: kind === "site",
      code: code as string,
      name: o.name as string,
      kind: kind as string,
      parent,
      postcode: o.address?.[0]?.postalCode ?? null,
      openedOn: period?.start ? dateOf(period.start, "operational period start") : null,
      closedOn: period?.end ? dateOf(period.end, "operational period end") : null,
      careHomeType,
      receivedAt: receivedAtOf(o, at),
    },
  };
}

function mapEncounter(e: Encounter, source: string, at: string): Mapped {
  const id = requireId(e, "Encounter");
  const subject = subjectOf(e.subject, "Encounter.subject");
  const kind = codingIn(e.type, FHIR_SYSTEMS.encounterKind)?.code;
  const provider = odsOf(e.serviceProvider, "Encounter.serviceProvider");
  const day = dateOf(e.period?.start, "Encounter.period.start");
  const received = receivedAtOf(e, at);
  if (kind === "outpatient") {
    const specialty = e.serviceType?.coding?.find((c) => /^\d{3}$/.test(c.code ?? ""))?.code;
    if (!specialty) fail("Encounter.serviceType needs the treatment function code (3 digits) of the clinic");
    const outcome =
      e.status === "finished"
        ? "attended"
        : e.status === "cancelled"
          ? (ext(e, FHIR_EXTENSIONS.attendance)?.valueCode ?? "cancelled")
          : fail("an outpatient Encounter must be finished (attended) or cancelled");
    if (!["attended", "did-not-attend", "cancelled"].includes(outcome as string)) {
      fail(`the ${FHIR_EXTENSIONS.attendance} extension is not attended, did-not-attend or cancelled`);
    }
    const first = ext(e, FHIR_EXTENSIONS.firstAttendance)?.valueBoolean ?? false;
    return {
      kind: "activity",
      table: "outpatient_attendance",
      recordId: id,
      subject,
      build: (personId) => [personId, null, provider, specialty, day, outcome, first, source, id, received],
    };
  }
  if (kind === "community-contact" || kind === "mental-health-contact") {
    const service = codingIn(e.serviceType, FHIR_SYSTEMS.careService)?.code;
    if (!service) fail(`Encounter.serviceType needs a code from ${FHIR_SYSTEMS.careService}`);
    const mode = codingIn(e.type, FHIR_SYSTEMS.contactMode)?.code ?? null;
    if (mode && !["face-to-face", "home-visit", "telephone", "video"].includes(mode)) {
      fail(`Encounter.type contact mode is not one of ${FHIR_SYSTEMS.contactMode}`);
    }
    const setting = kind === "community-contact" ? "community" : "mental-health";
    return {
      kind: "activity",
      table: "care_contact",
      recordId: id,
      subject,
      build: (personId) => [personId, null, setting, provider, service, day, mode, source, id, received],
    };
  }
  return fail(
    `Encounter.type needs a code from ${FHIR_SYSTEMS.encounterKind} (outpatient, community-contact, mental-health-contact)`,
  );
}

function mapEpisodeOfCare(e: EpisodeOfCare, source: string, at: string): Mapped {
  const id = requireId(e, "EpisodeOfCare");
  const subject = subjectOf(e.patient, "EpisodeOfCare.patient");
  const planType = codingIn(e.type, FHIR_SYSTEMS.carePlanType)?.code;
  if (!planType || !["joint-health-social", "end-of-life", "crisis"].includes(planType)) {
    fail(`EpisodeOfCare.type needs a code from ${FHIR_SYSTEMS.carePlanType}`);
  }
  const start = dateOf(e.period?.start, "EpisodeOfCare.period.start");
  const end = e.period?.end ? dateOf(e.period.end, "EpisodeOfCare.period.end") : null;
  const reviewDue = ext(e, FHIR_EXTENSIONS.reviewDue)?.valueDate ?? null;
  if (reviewDue && !isIsoDate(reviewDue)) fail("the review-due extension is not a date");
  let role: string | null = null;
  let leadOrg: string | null = null;
  const manager = e.careManager?.reference;
  if (manager?.startsWith("#")) {
    const contained = (e.contained ?? []).find((c) => c.id === manager.slice(1)) as
      | PractitionerRole
      | undefined;
    if (contained?.resourceType !== "PractitionerRole")
      fail("EpisodeOfCare.careManager points to no contained PractitionerRole");
    role = codingIn(contained?.code, FHIR_SYSTEMS.professionalRole)?.code ?? null;
    leadOrg = contained?.organization ? odsOf(contained.organization, "PractitionerRole.organization") : null;
  }
  if (!leadOrg && e.managingOrganization)
    leadOrg = odsOf(e.managingOrganization, "EpisodeOfCare.managingOrganization");
  const received = receivedAtOf(e, at);
  return {
    kind: "activity",
    table: "care_plan",
    recordId: id,
    subject,
    build: (personId) => [
      personId,
      null,
      planType,
      start,
      reviewDue,
      end,
      role,
      leadOrg,
      source,
      id,
      received,
    ],
  };
}

function codeOf(cc: CodeableConcept | undefined, what: string): Coding {
  const c = firstCoding(cc);
  if (!c?.system || !c.code) fail(`${what} needs a coding with a system and a code`);
  return c as Coding;
}

/**
 * A row of the GP coded record or of medication issues: written against the practice the patient was
 * registered with on its day (filled in later); values are the columns between that day and the provenance.
 */
function practiceActivity(
  table: "gp_entry" | "medication_issue",
  row: { id: string; subject: SubjectRef; day: string; source: string; received: string },
  values: unknown[],
): Mapped {
  const { id, subject, day, source, received } = row;
  return {
    kind: "activity",
    table,
    recordId: id,
    subject,
    practiceOn: day,
    build: (personId, practice) => [personId, null, practice, day, ...values, source, id, received],
  };
}

function mapCondition(c: Condition, source: string, at: string): Mapped {
  const id = requireId(c, "Condition");
  const subject = subjectOf(c.subject, "Condition.subject");
  const coding = codeOf(c.code, "Condition.code");
  const day = dateOf(c.recordedDate ?? c.onsetDateTime, "Condition.recordedDate");
  const received = receivedAtOf(c, at);
  return practiceActivity("gp_entry", { id, subject, day, source, received }, [
    "condition",
    coding.system,
    coding.code,
    null,
    null,
  ]);
}

function mapObservation(o: Observation, source: string, at: string): Mapped {
  const id = requireId(o, "Observation");
  const subject = subjectOf(o.subject, "Observation.subject");
  const coding = codeOf(o.code, "Observation.code");
  const day = dateOf(
    o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued,
    "Observation.effectiveDateTime",
  );
  const value = o.valueQuantity?.value ?? null;
  const unit = o.valueQuantity?.code ?? o.valueQuantity?.unit ?? null;
  const received = receivedAtOf(o, at);
  return practiceActivity("gp_entry", { id, subject, day, source, received }, [
    "observation",
    coding.system,
    coding.code,
    value,
    unit,
  ]);
}

function medicationCoding(
  cc: CodeableConcept | undefined,
  what: string,
): { system: string; code: string; display: string } {
  const c = codeOf(cc, what);
  return {
    system: c.system as string,
    code: c.code as string,
    display: c.display ?? cc?.text ?? (c.code as string),
  };
}

function mapMedicationRequest(m: MedicationRequest, source: string, at: string): Mapped {
  const id = requireId(m, "MedicationRequest");
  const subject = subjectOf(m.subject, "MedicationRequest.subject");
  const med = medicationCoding(m.medicationCodeableConcept, "MedicationRequest.medicationCodeableConcept");
  const day = dateOf(m.authoredOn, "MedicationRequest.authoredOn");
  const course = m.courseOfTherapyType?.coding?.[0]?.code;
  const repeat = course === "continuous";
  const quantity = m.dispenseRequest?.quantity?.value ?? null;
  const received = receivedAtOf(m, at);
  return practiceActivity("medication_issue", { id, subject, day, source, received }, [
    med.system,
    med.code,
    med.display,
    quantity,
    repeat,
  ]);
}

function mapMedicationStatement(m: MedicationStatement, source: string, at: string): Mapped {
  const id = requireId(m, "MedicationStatement");
  const subject = subjectOf(m.subject, "MedicationStatement.subject");
  const med = medicationCoding(m.medicationCodeableConcept, "MedicationStatement.medicationCodeableConcept");
  const day = dateOf(
    m.effectiveDateTime ?? m.effectivePeriod?.start ?? m.dateAsserted,
    "MedicationStatement.effectiveDateTime",
  );
  const received = receivedAtOf(m, at);
  return practiceActivity("medication_issue", { id, subject, day, source, received }, [
    med.system,
    med.code,
    med.display,
    null,
    false,
  ]);
}

/** Maps one resource, or throws FhirReject saying why it cannot be accepted. */
export function mapResource(resource: unknown, source: string, at: string): Mapped {
  if (typeof resource !== "object" || resource === null || Array.isArray(resource)) fail("not a JSON object");
  const type = (resource as { resourceType?: unknown }).resourceType;
  switch (type) {
    case "Patient":
      return mapPatient(resource as Patient, source, at);
    case "Practitioner":
      return mapPractitioner(resource as Practitioner, source, at);
    case "Organization":
      return mapOrganization(resource as Organization, at);
    case "Encounter":
      return mapEncounter(resource as Encounter, source, at);
    case "EpisodeOfCare":
      return mapEpisodeOfCare(resource as EpisodeOfCare, source, at);
    case "Condition":
      return mapCondition(resource as Condition, source, at);
    case "Observation":
      return mapObservation(resource as Observation, source, at);
    case "MedicationRequest":
      return mapMedicationRequest(resource as MedicationRequest, source, at);
    case "MedicationStatement":
      return mapMedicationStatement(resource as MedicationStatement, source, at);
    default:
      return fail(
        `resourceType ${typeof type === "string" ? type.slice(0, 40) : "(missing)"} is not one OnePlace loads`,
      );
  }
}
