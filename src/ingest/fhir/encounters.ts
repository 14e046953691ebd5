import type { Encounter, EpisodeOfCare, PractitionerRole } from "fhir/r4.js";
import { isIsoDate } from "../../core/dates.ts";
import { CARE_PLAN_TYPES } from "../hl7/coded.ts";
import {
  activity,
  codingIn,
  dateOf,
  ext,
  fail,
  type MapContext,
  type Mapped,
  momentOf,
  orgOf,
  receivedAtOf,
  requireId,
  subjectOf,
} from "./fields.ts";
import type { LocalCode } from "./local-codes.ts";
import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "./systems.ts";

// Encounters and episodes of care. An Encounter in standard R4 / UK Core is read by its class (v3 ActCode):
// an inpatient stay becomes a hospital spell (NHS Data Dictionary admission method, discharge method and
// destination from the UK Core extensions and hospitalization), an emergency one an A&E attendance, an
// ambulatory one an outpatient attendance, a home or virtual one a community contact. OnePlace's own encounter
// kinds (urn:oneplace:local:encounter-kind) still say exactly which, when a sender gives them.

const UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-";
const ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/** NHS Data Dictionary admission method (UK Core AdmissionMethodEngland) as OnePlace's. */
function admissionMethodOf(code: string | undefined, priority: string | undefined): string {
  if (code) {
    if (/^1/.test(code)) return "elective";
    if (/^2/.test(code)) return "emergency";
    if (/^3/.test(code)) return "maternity";
    if (code === "81") return "transfer";
    return "other";
  }
  if (priority === "EM" || priority === "UR" || priority === "A" || priority === "S") return "emergency";
  if (priority === "EL" || priority === "R") return "elective";
  return "other";
}

/** NHS Data Dictionary discharge method (UK Core DischargeMethodEngland) as OnePlace's. */
function dischargeMethodOf(code: string | undefined): string | null {
  switch (code) {
    case "1":
    case "3":
      return "discharged";
    case "2":
      return "self-discharged";
    case "4":
    case "5":
      return "died";
    default:
      return null;
  }
}

const NHS_DD = (name: string) => new RegExp(`(UKCore-${name}England|NHSDataModelAndDictionary-${name})$`);

function mapStandardEncounter(e: Encounter, ctx: MapContext): Mapped {
  const { source, at } = ctx;
  const id = requireId(e, "Encounter");
  const subject = subjectOf(e.subject, "Encounter.subject");
  const cls = e.class?.system === undefined || e.class.system === ACT_CODE ? e.class?.code : undefined;
  if (!cls) fail(`Encounter.class needs a code from ${ACT_CODE} (IMP, EMER, AMB, HH ...)`);
  const provider = orgOf(e.serviceProvider, "Encounter.serviceProvider", ctx);
  const origin = { id, subject, source, received: receivedAtOf(e, at) };
  const specialty =
    e.serviceType?.coding?.find(
      (c) => /^\d{3}$/.test(c.code ?? "") && /TreatmentFunction|^$/.test(c.system ?? ""),
    )?.code ?? null;
  if (cls === "IMP" || cls === "ACUTE" || cls === "NONAC" || cls === "SS") {
    if (e.status === "planned" || e.status === "cancelled")
      fail(`an inpatient Encounter that is ${e.status} is not a hospital stay`);
    const admitted = momentOf(e.period?.start, "Encounter.period.start");
    const finished = e.status === "finished";
    const discharged = finished && e.period?.end ? momentOf(e.period.end, "Encounter.period.end") : null;
    const h = e.hospitalization;
    const method = admissionMethodOf(
      codingIn(ext(h, `${UKCORE}AdmissionMethod`)?.valueCodeableConcept, NHS_DD("AdmissionMethod"))?.code,
      e.priority?.coding?.[0]?.code,
    );
    const dischargeMethod = discharged
      ? dischargeMethodOf(
          codingIn(ext(e, `${UKCORE}DischargeMethod`)?.valueCodeableConcept, NHS_DD("DischargeMethod"))?.code,
        )
      : null;
    const destination = discharged
      ? (codingIn(h?.dischargeDisposition, NHS_DD("DischargeDestination"))?.code ?? null)
      : null;
    const patientClass = cls === "SS" ? "day-case" : "inpatient";
    return activity("hospital_spell", origin, {
      provider_code: provider,
      admitted_at: admitted,
      admission_method: method,
      patient_class: patientClass,
      specialty_code: specialty,
      discharged_at: discharged,
      discharge_method: dischargeMethod,
      discharge_destination: destination,
    });
  }
  if (cls === "EMER") {
    const arrived = momentOf(e.period?.start, "Encounter.period.start");
    const departed = e.period?.end ? momentOf(e.period.end, "Encounter.period.end") : null;
    return activity("ae_attendance", origin, {
      provider_code: provider,
      arrived_at: arrived,
      departed_at: departed,
    });
  }
  const day = dateOf(e.period?.start, "Encounter.period.start");
  if (cls === "AMB" || cls === "OBSENC" || cls === "PRENC") {
    const outcome =
      e.status === "cancelled"
        ? "cancelled"
        : ["finished", "arrived", "triaged", "in-progress", "onleave"].includes(e.status)
          ? "attended"
          : fail(`an ambulatory Encounter that is ${e.status} is not an attendance yet`);
    return activity("outpatient_attendance", origin, {
      provider_code: provider,
      specialty_code: specialty,
      appointment_on: day,
      attendance: outcome,
      first_attendance: false,
    });
  }
  if (cls === "HH" || cls === "VR" || cls === "FLD") {
    const service =
      e.serviceType?.coding?.find((c) => c.code)?.code ?? e.type?.[0]?.coding?.find((c) => c.code)?.code;
    if (!service)
      fail("a community Encounter needs serviceType or type (the service, kept as the sender codes it)");
    const mode = cls === "HH" ? "home-visit" : cls === "FLD" ? "face-to-face" : null;
    return activity("care_contact", origin, {
      setting: "community",
      provider_code: provider,
      service,
      contact_on: day,
      contact_mode: mode,
    });
  }
  return fail(
    `Encounter.class ${String(cls).slice(0, 10)} is not one OnePlace records (IMP, SS, EMER, AMB, HH, VR, FLD)`,
  );
}

export function mapEncounter(e: Encounter, ctx: MapContext): Mapped {
  const kind = codingIn(e.type, FHIR_SYSTEMS.encounterKind)?.code;
  return kind ? mapLocalEncounter(e, kind, ctx) : mapStandardEncounter(e, ctx);
}

function mapLocalEncounter(e: Encounter, kind: string, ctx: MapContext): Mapped {
  const { source, at } = ctx;
  const id = requireId(e, "Encounter");
  const subject = subjectOf(e.subject, "Encounter.subject");
  const provider = orgOf(e.serviceProvider, "Encounter.serviceProvider", ctx);
  const day = dateOf(e.period?.start, "Encounter.period.start");
  const origin = { id, subject, source, received: receivedAtOf(e, at) };
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
    return activity("outpatient_attendance", origin, {
      provider_code: provider,
      specialty_code: specialty,
      appointment_on: day,
      attendance: outcome,
      first_attendance: first,
    });
  }
  if (kind === "community-contact" || kind === "mental-health-contact") {
    const service = codingIn(e.serviceType, FHIR_SYSTEMS.careService)?.code;
    if (!service) fail(`Encounter.serviceType needs a code from ${FHIR_SYSTEMS.careService}`);
    const mode = codingIn(e.type, FHIR_SYSTEMS.contactMode)?.code ?? null;
    if (mode && !["face-to-face", "home-visit", "telephone", "video"].includes(mode)) {
      fail(`Encounter.type contact mode is not one of ${FHIR_SYSTEMS.contactMode}`);
    }
    const setting = kind === "community-contact" ? "community" : "mental-health";
    return activity("care_contact", origin, {
      setting,
      provider_code: provider,
      service,
      contact_on: day,
      contact_mode: mode,
    });
  }
  return fail(
    `Encounter.type from ${FHIR_SYSTEMS.encounterKind} is not outpatient, community-contact or mental-health-contact`,
  );
}

export function mapEpisodeOfCare(e: EpisodeOfCare, ctx: MapContext): Mapped {
  const { source, at } = ctx;
  const id = requireId(e, "EpisodeOfCare");
  const subject = subjectOf(e.patient, "EpisodeOfCare.patient");
  // OnePlace's own code, or a code as received (a SNOMED CT or a system's own): decoded by the source's code
  // map care-plan-type, or stored as 'unmapped' with its code kept until a mapping corrects it.
  const own = codingIn(e.type, FHIR_SYSTEMS.carePlanType)?.code;
  let planType: string;
  let localCode: LocalCode | undefined;
  if (own && (CARE_PLAN_TYPES as readonly string[]).includes(own)) planType = own;
  else {
    const code = own ?? e.type?.flatMap((t) => t.coding ?? []).find((c) => c.code)?.code;
    if (!code) fail("EpisodeOfCare.type has no code: it says what kind of care plan this is");
    const target = ctx.localCode?.("care-plan-type", code as string) ?? null;
    planType = target ?? "unmapped";
    localCode = { map: "care-plan-type", code: code as string, mapped: target !== null };
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
    leadOrg = contained?.organization
      ? orgOf(contained.organization, "PractitionerRole.organization", ctx)
      : null;
  }
  if (!leadOrg && e.managingOrganization)
    leadOrg = orgOf(e.managingOrganization, "EpisodeOfCare.managingOrganization", ctx);
  const origin = { id, subject, source, received: receivedAtOf(e, at) };
  const row = activity("care_plan", origin, {
    plan_type: planType,
    started_on: start,
    review_due_on: reviewDue,
    ended_on: end,
    lead_professional_role: role,
    lead_org_code: leadOrg,
  });
  return localCode ? { ...row, localCode } : row;
}
