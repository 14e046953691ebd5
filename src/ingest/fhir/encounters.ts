import type { CodeableConcept, Coding, EpisodeOfCare, PractitionerRole } from "fhir/r4.js";
import { isIsoDate } from "../../core/dates.ts";
import { CARE_PLAN_TYPES } from "../hl7/coded.ts";
import { type Column, type FhirClasses, type FhirMapping, type FhirTable, readAs } from "./declare.ts";
import {
  always,
  at,
  booleanOr,
  type Converter,
  codeIn,
  day,
  dayIfGiven,
  type Extractor,
  either,
  ID,
  lookup,
  moment,
  momentIfGiven,
  onlyIf,
  organisation,
  organisationIfGiven,
  part,
  personAt,
  RECEIVED,
  refuseWhen,
  requiredCodeIn,
  rule,
} from "./extract.ts";
import { codingIn, ext, fail, orgOf } from "./fields.ts";
import type { LocalCode } from "./local-codes.ts";
import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "./systems.ts";

// Encounters, declared as tables of (catalogue column, extractor) per class, and episodes of care (a joint care
// plan each, whose type may be a code OnePlace does not define: kept and flagged). An Encounter
// in standard R4 / UK Core is read by its class (v3 ActCode): an inpatient stay becomes a hospital spell (NHS Data
// Dictionary admission method, discharge method and destination from the UK Core extensions and
// hospitalization), an emergency one an A&E attendance, an ambulatory one an outpatient attendance, a home or
// virtual one a community contact. OnePlace's own encounter kinds (urn:oneplace:local:encounter-kind) still say
// exactly which, when a sender gives them. Columns are read in the order listed: the first that fails gives the
// reject's reason.

const UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-";
const ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/** A UK Core (or NHS Data Model and Dictionary) code system of England, by its name. */
const NHS_DD = (name: string) => new RegExp(`(UKCore-${name}England|NHSDataModelAndDictionary-${name})$`);
const ADMISSION_METHOD = NHS_DD("AdmissionMethod");
const DISCHARGE_METHOD = NHS_DD("DischargeMethod");

/** NHS Data Dictionary admission method (UK Core AdmissionMethodEngland) as OnePlace's. */
const admissionMethod: Converter<string | null> = {
  how: "NHS Data Dictionary admission method (AdmissionMethodEngland): 1x `elective`, 2x `emergency`, 3x `maternity`, 81 `transfer`, any other `other`",
  optional: true,
  convert: (v) => {
    const code = codingIn(v as CodeableConcept | undefined, ADMISSION_METHOD)?.code;
    if (!code) return null;
    if (/^1/.test(code)) return "elective";
    if (/^2/.test(code)) return "emergency";
    if (/^3/.test(code)) return "maternity";
    if (code === "81") return "transfer";
    return "other";
  },
};

/** NHS Data Dictionary discharge method (UK Core DischargeMethodEngland) as OnePlace's. */
const dischargeMethod: Converter<string | null> = {
  how: "NHS Data Dictionary discharge method (DischargeMethodEngland): 1 and 3 `discharged`, 2 `self-discharged`, 4 and 5 `died`; else empty",
  optional: true,
  convert: (v) => {
    switch (codingIn(v as CodeableConcept | undefined, DISCHARGE_METHOD)?.code) {
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
  },
};

/** The class: a code from v3 ActCode (a class without a system is taken as one), required. */
const actClass: Converter<string> = {
  how: `code from \`${ACT_CODE}\` (or with no system; required)`,
  optional: false,
  convert: (v, what) => {
    const c = v as Coding | undefined;
    const cls = c?.system === undefined || c.system === ACT_CODE ? c?.code : undefined;
    if (!cls) fail(`${what} needs a code from ${ACT_CODE} (IMP, EMER, AMB, HH ...)`);
    return cls as string;
  },
};

/** A treatment function code (3 digits) in `serviceType`; `anySystem` or only from a TreatmentFunction system. */
function treatmentFunction(anySystem: boolean): Converter<string | null> {
  return {
    how: `the first 3-digit code (treatment function${anySystem ? "" : ", from a TreatmentFunction system or with none"})`,
    optional: true,
    convert: (v) =>
      (v as CodeableConcept | undefined)?.coding?.find(
        (c) => /^\d{3}$/.test(c.code ?? "") && (anySystem || /TreatmentFunction|^$/.test(c.system ?? "")),
      )?.code ?? null,
  };
}

const anyTreatmentFunction = treatmentFunction(true);

/** As treatmentFunction, required: an outpatient clinic of OnePlace's own kinds says its treatment function. */
const clinicTreatmentFunction: Converter<string> = {
  how: "the first 3-digit code (the clinic's treatment function; required)",
  optional: false,
  convert: (v, what, f) =>
    anyTreatmentFunction.convert(v, what, f) ??
    fail(`${what} needs the treatment function code (3 digits) of the clinic`),
};

const ATTENDED = ["finished", "arrived", "triaged", "in-progress", "onleave"];

/** An ambulatory Encounter's outcome: cancelled, attended (finished or under way); refused before it happens. */
const ambulatoryAttendance: Converter<string> = {
  how: `\`cancelled\` → \`cancelled\`; ${ATTENDED.map((s) => `\`${s}\``).join(", ")} → \`attended\`; any other status is rejected (not an attendance yet)`,
  optional: false,
  convert: (v) =>
    v === "cancelled"
      ? "cancelled"
      : ATTENDED.includes(v as string)
        ? "attended"
        : fail(`an ambulatory Encounter that is ${v} is not an attendance yet`),
};

const OUTCOMES = ["attended", "did-not-attend", "cancelled"];

/** An outpatient Encounter of OnePlace's own kinds: finished attended, cancelled as its attendance extension says. */
const LOCAL_ATTENDANCE = rule<string>(
  `status | extension('${FHIR_EXTENSIONS.attendance}').valueCode`,
  "`finished` → `attended`; `cancelled` → the extension's code (attended, did-not-attend or cancelled; `cancelled` when absent); any other status is rejected",
  false,
  (e: { status?: string; extension?: never[] }) => {
    const outcome =
      e.status === "finished"
        ? "attended"
        : e.status === "cancelled"
          ? (ext(e, FHIR_EXTENSIONS.attendance)?.valueCode ?? "cancelled")
          : fail("an outpatient Encounter must be finished (attended) or cancelled");
    if (!OUTCOMES.includes(outcome as string))
      fail(`the ${FHIR_EXTENSIONS.attendance} extension is not attended, did-not-attend or cancelled`);
    return outcome as string;
  },
);

const CONTACT_MODES = ["face-to-face", "home-visit", "telephone", "video"];

/** A contact mode from OnePlace's code system, or none; another code of that system is refused. */
const contactMode: Converter<string | null> = {
  how: `code of the first coding from \`${FHIR_SYSTEMS.contactMode}\` (${CONTACT_MODES.join(", ")}; another is rejected)`,
  optional: true,
  convert: (v) => {
    const mode = codingIn(v as CodeableConcept[] | undefined, FHIR_SYSTEMS.contactMode)?.code ?? null;
    if (mode && !CONTACT_MODES.includes(mode))
      fail(`Encounter.type contact mode is not one of ${FHIR_SYSTEMS.contactMode}`);
    return mode;
  },
};

/** A community Encounter's service, kept as the sender codes it. */
const COMMUNITY_SERVICE = rule<string>(
  "serviceType | type",
  "the first code of `serviceType`, else of the first `type` (kept as the sender codes it; required)",
  false,
  (e: { serviceType?: CodeableConcept; type?: CodeableConcept[] }) =>
    e.serviceType?.coding?.find((c) => c.code)?.code ??
    e.type?.[0]?.coding?.find((c) => c.code)?.code ??
    fail("a community Encounter needs serviceType or type (the service, kept as the sender codes it)"),
);

const PERSON = personAt("subject");
const PROVIDER = at("serviceProvider", organisation);
const PERIOD_DAY = at("period.start", day);
const DISCHARGED = {
  says: "`status` is `finished` and `period.end` is given",
  holds: (f: { node: unknown }) => {
    const e = f.node as { status?: string; period?: { end?: string } };
    return e.status === "finished" && !!e.period?.end;
  },
};

const PROVENANCE: Column[] = [
  ["source_record_id", ID],
  ["person_id", PERSON],
  ["provider_code", PROVIDER],
  ["received_at", RECEIVED],
];

const SPECIALTY = at("serviceType", treatmentFunction(false));

/** A hospital spell of an inpatient or day-case class. */
function spell(patientClass: string): FhirTable {
  return {
    title: `hospital spell (${patientClass})`,
    table: "hospital_spell",
    refuse: [
      refuseWhen(
        "status",
        ["planned", "cancelled"],
        (s) => `an inpatient Encounter that is ${s} is not a hospital stay`,
      ),
    ],
    columns: [
      ...PROVENANCE,
      ["specialty_code", SPECIALTY],
      ["admitted_at", at("period.start", moment)],
      ["discharged_at", onlyIf(DISCHARGED, at("period.end", moment))],
      [
        "admission_method",
        either<string>(
          at(`hospitalization.extension('${UKCORE}AdmissionMethod').valueCodeableConcept`, admissionMethod),
          at(
            "priority.coding[0].code",
            lookup({
              EM: "emergency",
              UR: "emergency",
              A: "emergency",
              S: "emergency",
              EL: "elective",
              R: "elective",
            }),
          ),
          always("other"),
        ),
      ],
      ["patient_class", always(patientClass)],
      [
        "discharge_method",
        onlyIf(DISCHARGED, at(`extension('${UKCORE}DischargeMethod').valueCodeableConcept`, dischargeMethod)),
      ],
      [
        "discharge_destination",
        onlyIf(
          DISCHARGED,
          at(
            "hospitalization.dischargeDisposition",
            codeIn(NHS_DD("DischargeDestination"), "DischargeDestinationEngland"),
          ),
        ),
      ],
    ],
  };
}

const CLASS = at("class", actClass);

/** Standard R4 / UK Core: by class. */
export const STANDARD_ENCOUNTER: FhirClasses = {
  first: [ID, PERSON, CLASS, PROVIDER, RECEIVED, SPECIALTY],
  by: CLASS,
  classes: [
    { codes: ["IMP", "ACUTE", "NONAC"], read: spell("inpatient") },
    { codes: ["SS"], read: spell("day-case") },
    {
      codes: ["EMER"],
      read: {
        title: "A&E attendance",
        table: "ae_attendance",
        columns: [
          ...PROVENANCE,
          ["arrived_at", at("period.start", moment)],
          ["departed_at", at("period.end", momentIfGiven)],
        ],
      },
    },
    {
      codes: ["AMB", "OBSENC", "PRENC"],
      read: {
        title: "outpatient attendance",
        table: "outpatient_attendance",
        columns: [
          ...PROVENANCE,
          ["specialty_code", SPECIALTY],
          ["appointment_on", PERIOD_DAY],
          ["attendance", at("status", ambulatoryAttendance)],
          ["first_attendance", always(false)],
        ],
      },
    },
    {
      codes: ["HH", "VR", "FLD"],
      read: {
        title: "community contact",
        table: "care_contact",
        columns: [
          ...PROVENANCE,
          ["contact_on", PERIOD_DAY],
          ["setting", always("community")],
          ["service", COMMUNITY_SERVICE],
          ["contact_mode", at("class.code", lookup({ HH: "home-visit", FLD: "face-to-face" }))],
        ],
      },
    },
  ],
  otherwise: {
    reads: [PERIOD_DAY],
    reason: (cls) =>
      `Encounter.class ${String(cls).slice(0, 10)} is not one OnePlace records (IMP, SS, EMER, AMB, HH, VR, FLD)`,
  },
};

const LOCAL_KIND = at(
  "type",
  codeIn(FHIR_SYSTEMS.encounterKind, `\`${FHIR_SYSTEMS.encounterKind}\``),
) as Extractor<string>;

/** A contact of a community or mental health service, of OnePlace's own kinds. */
function contact(setting: string): FhirTable {
  return {
    title: `care contact (${setting})`,
    table: "care_contact",
    columns: [
      ...PROVENANCE,
      ["contact_on", PERIOD_DAY],
      ["setting", always(setting)],
      ["service", at("serviceType", requiredCodeIn(FHIR_SYSTEMS.careService))],
      ["contact_mode", at("type", contactMode)],
    ],
  };
}

/** OnePlace's own encounter kinds, when a sender gives one in `type`. */
export const LOCAL_ENCOUNTER: FhirClasses = {
  when: {
    says: `\`type\` has a code from \`${FHIR_SYSTEMS.encounterKind}\``,
    holds: (f) => f.get(LOCAL_KIND) !== null,
  },
  first: [ID, PERSON, PROVIDER, PERIOD_DAY, RECEIVED, LOCAL_KIND],
  by: LOCAL_KIND,
  classes: [
    {
      codes: ["outpatient"],
      read: {
        title: "outpatient attendance",
        table: "outpatient_attendance",
        columns: [
          ...PROVENANCE,
          ["appointment_on", PERIOD_DAY],
          ["specialty_code", at("serviceType", clinicTreatmentFunction)],
          ["attendance", LOCAL_ATTENDANCE],
          [
            "first_attendance",
            at(`extension('${FHIR_EXTENSIONS.firstAttendance}').valueBoolean`, booleanOr(false)),
          ],
        ],
      },
    },
    { codes: ["community-contact"], read: contact("community") },
    { codes: ["mental-health-contact"], read: contact("mental-health") },
  ],
  otherwise: {
    reason: () =>
      `Encounter.type from ${FHIR_SYSTEMS.encounterKind} is not outpatient, community-contact or mental-health-contact`,
  },
};

/** Encounter: OnePlace's own kinds when given, else standard R4 / UK Core by class. */
export const ENCOUNTER: FhirMapping = {
  resource: "Encounter",
  readings: [LOCAL_ENCOUNTER, STANDARD_ENCOUNTER],
};

/**
 * A care plan's type: OnePlace's own code, or a code as received (a SNOMED CT or a system's own), decoded by the
 * source's code map care-plan-type, or stored as 'unmapped' with its code kept until a mapping corrects it.
 */
const PLAN_TYPE = rule<{ type: string; code: LocalCode | null }>(
  "type",
  "the care plan's type",
  false,
  (e: EpisodeOfCare, f) => {
    const own = codingIn(e.type, FHIR_SYSTEMS.carePlanType)?.code;
    if (own && (CARE_PLAN_TYPES as readonly string[]).includes(own)) return { type: own, code: null };
    const code = own ?? e.type?.flatMap((t) => t.coding ?? []).find((c) => c.code)?.code;
    if (!code) fail("EpisodeOfCare.type has no code: it says what kind of care plan this is");
    const target = f.ctx.localCode?.("care-plan-type", code as string) ?? null;
    return {
      type: target ?? "unmapped",
      code: { map: "care-plan-type", code: code as string, mapped: target !== null },
    };
  },
);

/** The review-due extension's date, as sent. */
const reviewDue: Converter<string | null> = {
  how: "a date, as sent (anything else is rejected)",
  optional: true,
  convert: (v) => {
    const due = (v as string | undefined) ?? null;
    if (due && !isIsoDate(due)) fail("the review-due extension is not a date");
    return due;
  },
};

/** The lead professional: a contained PractitionerRole that careManager points to (`#id`), if it does. */
const LEAD = rule<{ role: string | null; org: string | null }>(
  "careManager",
  "a contained PractitionerRole (`#id`; one pointing to none is rejected)",
  true,
  (e: EpisodeOfCare, f) => {
    const manager = e.careManager?.reference;
    if (!manager?.startsWith("#")) return { role: null, org: null };
    const contained = (e.contained ?? []).find((c) => c.id === manager.slice(1)) as
      | PractitionerRole
      | undefined;
    if (contained?.resourceType !== "PractitionerRole")
      fail("EpisodeOfCare.careManager points to no contained PractitionerRole");
    return {
      role: codingIn(contained?.code, FHIR_SYSTEMS.professionalRole)?.code ?? null,
      org: contained?.organization
        ? orgOf(contained.organization, "PractitionerRole.organization", f.ctx)
        : null,
    };
  },
);

/** EpisodeOfCare: a joint care plan, whose type may be a local code (flagged until a mapping gives its value). */
export const EPISODE_OF_CARE: FhirMapping = {
  ...readAs("EpisodeOfCare", {
    title: "joint care plan",
    table: "care_plan",
    columns: [
      ["source_record_id", ID],
      ["person_id", personAt("patient")],
      [
        "plan_type",
        part(
          PLAN_TYPE,
          "type",
          `a code from \`${FHIR_SYSTEMS.carePlanType}\` (${CARE_PLAN_TYPES.join(", ")}); any other code (of the first coding with one) as the source's code map \`care-plan-type\` decodes it, else \`unmapped\`; a type with no code at all is rejected`,
        ),
      ],
      ["started_on", at("period.start", day)],
      ["ended_on", at("period.end", dayIfGiven())],
      ["review_due_on", at(`extension('${FHIR_EXTENSIONS.reviewDue}').valueDate`, reviewDue)],
      [
        "lead_professional_role",
        part(LEAD, "role", `its \`code\` from \`${FHIR_SYSTEMS.professionalRole}\``, true),
      ],
      [
        "lead_org_code",
        either<string>(
          part(LEAD, "org", "its `organization` (organisation code)", true),
          at("managingOrganization", organisationIfGiven),
        ),
      ],
      ["received_at", RECEIVED],
    ],
    localCode: part(
      PLAN_TYPE,
      "code",
      "a code not OnePlace's own is kept as received, with whether the code map gave its value",
      true,
    ),
  }),
  keptWhenEnteredInError: true,
};
