import { EPISODE_ENDS } from "../../core/episode-ends.ts";
import type { CanonicalName } from "../../store/declarations.ts";
import { rowId } from "../ids.ts";
import { type Declaration, type LinkedDeclaration, may, need } from "./declare.ts";
import * as F from "./fields.ts";

// The CSV extract layouts OnePlace accepts, each declared once as a table: its columns in header order (name,
// type, required or not, what it means) and the catalogue column each is stored in (`to`; the same-named
// column of the layout's table when not given). layouts.ts makes each a layout with its writer (writers.ts: how
// its rows find their person); docs/formats/<name>.md is generated from it (docs.ts, `node scripts/csv-formats.ts`),
// and the declaration is checked against the catalogue when it is made (declare.ts). The declarations alone,
// apart from their writers, so the CSV parsing thread (prepare.ts) reads them without importing the MPI or the
// store's engines.

/** A layout of people (writers.ts's peopleLayout). */
export type PeopleDeclaration = Declaration<"person_record">;

const EXTRACTED_AT = may(
  "extracted_at",
  F.instant,
  "When the source system extracted the row; kept as the row's received_at (default: when OnePlace loaded it)",
  "received_at",
);

const PATIENT = need("patient_id", F.id, "The patient (as in gp-patients)", "person_id");
const CLIENT = need("client_id", F.id, "The client (as in sc-clients)", ["person_id", "client_id"]);

const DEMOGRAPHICS = [
  need("family_name", F.text(100), "Family name"),
  need("given_name", F.text(100), "Given name"),
  need("birth_date", F.date, "Date of birth"),
  need("sex", F.sex, "Sex"),
  may("postcode", F.postcode, "Postcode of the address the system holds"),
];

export const GP_PATIENTS: PeopleDeclaration = {
  name: "gp-patients",
  title: "GP registered patients",
  defaultSource: "gp",
  table: "person_record",
  columns: [
    need("patient_id", F.id, "The GP system's id for the patient", "source_record_id"),
    need("nhs_number", F.nhsNumber, "NHS Number (traced: must be valid)"),
    ...DEMOGRAPHICS,
    may("ethnic_category", F.ethnicCategory, "NHS ethnic category letter", "mpi_record_link.ethnic_category"),
    EXTRACTED_AT,
  ],
};

export const GP_REGISTRATIONS: LinkedDeclaration = {
  name: "gp-registrations",
  title: "GP registrations",
  defaultSource: "gp",
  table: "registration",
  columns: [
    need("registration_id", F.id, "The GP system's id for the registration", "source_record_id"),
    PATIENT,
    need("practice_code", F.odsCode, "Practice ODS code"),
    need("registered_on", F.date, "Date registered"),
    may("deregistered_on", F.date, "Date deregistered (empty while registered)"),
    may(
      "deregistration_reason",
      F.oneOf(["moved-practice", "moved-away", "died", "other"]),
      "Why the registration ended",
    ),
    EXTRACTED_AT,
  ],
  recordSubject: true,
};

export const GP_CODED_RECORD: LinkedDeclaration = {
  name: "gp-coded-record",
  title: "GP coded record",
  defaultSource: "gp",
  table: "gp_entry",
  columns: [
    need("entry_id", F.id, "The GP system's id for the coded entry", "source_record_id"),
    PATIENT,
    need("practice_code", F.odsCode, "Practice where it was recorded"),
    need("recorded_on", F.date, "Date recorded"),
    need("entry_kind", F.oneOf(["condition", "observation", "procedure"]), "What the entry records"),
    need("code_system", F.uri, "Code system, e.g. http://snomed.info/sct"),
    need("code", F.code, "The code (SNOMED CT ids are kept as text)"),
    may("value", F.decimal, "Observation value"),
    may("unit", F.text(40), "Unit of the value (UCUM)"),
    EXTRACTED_AT,
  ],
  recordSubject: true,
};

export const SC_CLIENTS: PeopleDeclaration = {
  name: "sc-clients",
  title: "Social care clients",
  defaultSource: "social-care",
  table: "person_record",
  columns: [
    need("client_id", F.id, "The social care system's client id", [
      "source_record_id",
      "person_identifier.value",
    ]),
    may("nhs_number", F.nhsNumberAsRecorded, "NHS Number as recorded (often missing or mistyped)"),
    ...DEMOGRAPHICS,
    EXTRACTED_AT,
  ],
};

export const SC_ASSESSMENTS: LinkedDeclaration = {
  name: "sc-assessments",
  title: "Social care assessments",
  defaultSource: "social-care",
  table: "social_care_assessment",
  columns: [
    need("assessment_id", F.id, "The social care system's id for the assessment", "source_record_id"),
    CLIENT,
    need("assessed_on", F.date, "Date of the assessment"),
    need("assessment_type", F.oneOf(["needs", "carer", "review", "financial"]), "Kind of assessment"),
    need(
      "outcome",
      F.oneOf(["long-term-support", "short-term-support", "universal-services", "no-services"]),
      "Outcome",
    ),
    EXTRACTED_AT,
  ],
  recordSubject: false,
};

export const SC_SERVICES: LinkedDeclaration = {
  name: "sc-services",
  title: "Social care services and packages",
  defaultSource: "social-care",
  table: "social_care_service",
  columns: [
    need("service_id", F.id, "The social care system's id for the service or package", "source_record_id"),
    CLIENT,
    need(
      "service_type",
      F.oneOf(["reablement", "telecare", "home-care", "day-care", "direct-payment", "equipment", "meals"]),
      "Kind of service",
    ),
    need("started_on", F.date, "Start date"),
    may("ended_on", F.date, "End date (empty while it continues)"),
    need("funding", F.oneOf(["council", "self", "nhs", "joint"]), "Who pays"),
    may(
      "referral_source",
      F.oneOf(["hospital-discharge", "community", "gp", "self", "other"]),
      "Where the referral came from",
    ),
    may("after_spell_source", F.id, "For a service started on discharge: the hospital source system", []),
    may("after_spell_visit", F.id, "... and the hospital spell's visit number (PV1-19)", []),
    may("hours_per_week", F.decimal, "Planned hours a week (home care)"),
    // How an episode ends in OnePlace, and in a council's system also that the person moved away.
    may("end_reason", F.oneOf([...EPISODE_ENDS, "moved"]), "Why it ended"),
    EXTRACTED_AT,
  ],
  derived: [
    {
      column: "after_spell_id",
      from: ["after_spell_source", "after_spell_visit"],
      description: "the hospital spell with that visit number from that source, acute-pas when none is given",
      value: (v) =>
        v.after_spell_visit
          ? rowId(
              "hospital_spell",
              (v.after_spell_source as string) ?? "acute-pas",
              String(v.after_spell_visit),
            )
          : null,
    },
  ],
  recordSubject: false,
};

export const SC_PLACEMENTS: LinkedDeclaration = {
  name: "sc-placements",
  title: "Residential and nursing care placements",
  defaultSource: "social-care",
  table: "care_home_placement",
  columns: [
    need("placement_id", F.id, "The social care system's id for the placement", "source_record_id"),
    CLIENT,
    need("care_home_code", F.odsCode, "The care home's ODS code"),
    need("care_type", F.oneOf(["residential", "nursing"]), "Residential or nursing care"),
    need("placement_type", F.oneOf(["permanent", "trial", "temporary", "respite"]), "Kind of placement"),
    need("started_on", F.date, "Start date"),
    may("ended_on", F.date, "End date (empty while it continues)"),
    need("funding", F.oneOf(["council", "self", "nhs-chc", "joint"]), "Who pays"),
    may("follows_placement_id", F.id, "For a move between homes: the placement it follows", []),
    may(
      "end_reason",
      F.oneOf(["died", "returned-home", "moved-home", "hospital", "became-permanent", "other"]),
      "Why it ended",
    ),
    EXTRACTED_AT,
  ],
  derived: [
    {
      column: "follows_placement_id",
      from: ["follows_placement_id"],
      description: "the placement with that id from the same source",
      value: (v, source) =>
        v.follows_placement_id ? rowId("care_home_placement", source, String(v.follows_placement_id)) : null,
    },
  ],
  recordSubject: false,
};

export const DELAYED_TRANSFERS: LinkedDeclaration = {
  name: "delayed-transfers",
  title: "Delayed transfers of care",
  defaultSource: "acute-pas",
  table: "delayed_transfer",
  columns: [
    need("delay_id", F.id, "The hospital's id for the delay", "source_record_id"),
    need("patient_id", F.id, "The patient's hospital number (PID-3 in its ADT messages)", "person_id"),
    need("visit_number", F.id, "The spell's visit number (PV1-19)", []),
    need("provider_code", F.odsCode, "The hospital trust's ODS code"),
    need("ready_on", F.date, "Day the patient was ready to leave"),
    may("ended_on", F.date, "Day the patient left (empty while still delayed)"),
    need("attribution", F.oneOf(["nhs", "social-care", "both"]), "Who the delay is attributed to"),
    need("reason", F.code, "Reason, e.g. awaiting-care-package, awaiting-nursing-home, awaiting-assessment"),
    EXTRACTED_AT,
  ],
  derived: [
    {
      column: "spell_id",
      from: ["visit_number"],
      description: "the hospital spell of that visit number from the same source",
      value: (v, source) => rowId("hospital_spell", source, String(v.visit_number)),
    },
  ],
  recordSubject: true,
};

export const DEATHS: Declaration<CanonicalName> = {
  name: "deaths",
  title: "Death registrations",
  defaultSource: "death-registration",
  table: "death",
  columns: [
    need("death_id", F.id, "The registration's id", "source_record_id"),
    need("nhs_number", F.nhsNumber, "NHS Number of the person who died (must be valid)", "person_id"),
    need("died_on", F.date, "Date of death"),
    may("place_of_death", F.oneOf(["hospital", "home", "care-home", "hospice", "other"]), "Place of death"),
    may("underlying_cause", F.icd10, "Underlying cause (ICD-10)"),
    EXTRACTED_AT,
  ],
};

export const POSTCODE_AREAS: Declaration = {
  name: "postcode-areas",
  title: "Postcodes and small areas",
  defaultSource: "ons-postcode-directory",
  table: "postcode_area",
  columns: [
    need("postcode", F.postcode, "Postcode"),
    need("area_code", F.id, "Small area (LSOA) code", ["area.area_code", "area_code"]),
    need("area_name", F.text(120), "Small area name", "area.name"),
    may("locality_code", F.odsCode, "The place's locality the area belongs to", "area.locality_code"),
    need(
      "imd_decile",
      F.integerRange(1, 10),
      "Index of Multiple Deprivation decile (1 = most deprived)",
      "area.imd_decile",
    ),
  ],
};

/** The layouts whose rows are linked to their people (writers.ts's linkedLayout), by name: the ones a first load
 * may encode on the parsing thread. */
export const LINKED_DECLARATIONS: ReadonlyMap<string, LinkedDeclaration> = new Map(
  [GP_REGISTRATIONS, GP_CODED_RECORD, SC_ASSESSMENTS, SC_SERVICES, SC_PLACEMENTS, DELAYED_TRANSFERS].map(
    (d) => [d.name, d],
  ),
);
