// Condition and Observation from the GP coded record (gp_entry), and MedicationRequest from medication issues:
// an issue is a prescription the practice issued (intent order, status completed), acute or repeat.
import { HL7, ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import {
  BY_PERSON_NEWEST_FIRST,
  coding,
  compact,
  dateParam,
  meta,
  organisationRef,
  patientAndSubject,
  tokenParam,
  utcDay,
  uuidIdSql,
} from "./common.ts";

const entrySource = (kind: "condition" | "observation") => `
  SELECT g.entry_id AS id, g.person_id, ${utcDay("g.recorded_on")} AS at, g.recorded_on,
         g.practice_code, g.code_system, g.code, c.display, g.value, g.unit, g.received_at AS last_updated,
         ${kind === "observation" ? "'final'" : "'confirmed'"} AS status
    FROM gp_entry g LEFT JOIN code c ON c.system = g.code_system AND c.code = g.code
   WHERE g.entry_kind = '${kind}'`;

const codeOf = (row: SourceRow) => ({
  coding: [coding(row.code_system as string, row.code as string, row.display as string | null)],
});

export const CONDITION: ResourceType = {
  type: "Condition",
  ...BY_PERSON_NEWEST_FIRST,
  source: entrySource("condition"),
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Condition",
  params: {
    ...patientAndSubject(),
    code: tokenParam(
      "r.code_system",
      "r.code",
      "the condition's code (SNOMED CT: http://snomed.info/sct|<code>)",
    ),
    "recorded-date": dateParam("r.at", "when the practice recorded it"),
    "verification-status": tokenParam(`'${HL7.conditionVerification}'`, "r.status", "confirmed"),
  },
  toFhir: (row) =>
    compact({
      resourceType: "Condition",
      id: row.id,
      meta: meta(row),
      verificationStatus: { coding: [coding(HL7.conditionVerification, "confirmed", "Confirmed")] },
      code: codeOf(row),
      subject: { reference: `Patient/${row.person_id}` },
      onsetDateTime: row.recorded_on as string,
      recordedDate: row.recorded_on as string,
      asserter: undefined,
      note: undefined,
      recorder: undefined,
    }) as FhirResource,
};

export const OBSERVATION: ResourceType = {
  type: "Observation",
  ...BY_PERSON_NEWEST_FIRST,
  source: entrySource("observation"),
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation",
  params: {
    ...patientAndSubject(),
    code: tokenParam(
      "r.code_system",
      "r.code",
      "the observation's code (SNOMED CT: http://snomed.info/sct|<code>)",
    ),
    date: dateParam("r.at", "when it was recorded"),
    status: tokenParam(null, "r.status", "final"),
  },
  toFhir: (row) =>
    compact({
      resourceType: "Observation",
      id: row.id,
      meta: meta(row),
      status: "final",
      code: codeOf(row),
      subject: { reference: `Patient/${row.person_id}` },
      effectiveDateTime: row.recorded_on as string,
      performer: [organisationRef(row.practice_code, ODS_ORGANISATION_SYSTEM)],
      valueQuantity:
        row.value === null || row.value === undefined
          ? undefined
          : compact({ value: Number(row.value), unit: (row.unit as string | null) ?? undefined }),
    }) as FhirResource,
};

export const MEDICATION_REQUEST: ResourceType = {
  type: "MedicationRequest",
  personal: true,
  source: `
    SELECT m.issue_id AS id, m.person_id, (m.issued_on::timestamp AT TIME ZONE 'UTC') AS at, m.issued_on,
           m.practice_code, m.code_system, m.code, m.display, m.quantity, m.is_repeat,
           m.received_at AS last_updated, 'completed' AS status
      FROM medication_issue m`,
  idSql: uuidIdSql(),
  order: "r.at DESC, r.id",
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationRequest",
  params: {
    ...patientAndSubject(),
    code: tokenParam("r.code_system", "r.code", "the medicine's code (dm+d: https://dmd.nhs.uk|<code>)"),
    authoredon: dateParam("r.at", "when it was issued"),
    status: tokenParam(null, "r.status", "completed (an issue is a prescription already issued)"),
  },
  toFhir: (row) =>
    compact({
      resourceType: "MedicationRequest",
      id: row.id,
      meta: meta(row),
      status: "completed",
      intent: "order",
      courseOfTherapyType: {
        coding: [
          row.is_repeat
            ? coding(HL7.medicationRequestCourse, "continuous", "Continuous long term therapy")
            : coding(HL7.medicationRequestCourse, "acute", "Short course (acute) therapy"),
        ],
      },
      medicationCodeableConcept: {
        coding: [coding(row.code_system as string, row.code as string, row.display as string)],
        text: row.display as string,
      },
      subject: { reference: `Patient/${row.person_id}` },
      authoredOn: row.issued_on as string,
      requester: organisationRef(row.practice_code, ODS_ORGANISATION_SYSTEM),
      dispenseRequest:
        row.quantity === null || row.quantity === undefined
          ? undefined
          : { quantity: { value: Number(row.quantity) } },
    }) as FhirResource,
};
