import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { patientRef } from "./fhir.ts";
import { type PersonRows, type Row, rowsOf } from "./person-rows.ts";

// The GP system: its patient, registration and coded record extracts as CSV, and its medicines as FHIR
// MedicationRequest. A damaged coded entry has an impossible date; a damaged medicine has lost its patient.

const COURSE_OF_THERAPY = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy";

function patientLine(gp: Row, person: Row): FeedLine {
  return [
    "gpPatients",
    {
      patient_id: gp.source_record_id,
      nhs_number: gp.nhs_number,
      family_name: gp.family_name,
      given_name: gp.given_name,
      birth_date: gp.birth_date,
      sex: gp.sex,
      postcode: gp.postcode,
      ethnic_category: person.ethnic_category,
      extracted_at: gp.received_at,
    },
  ];
}

function medicationRequest(m: Row, p: PersonRows, bad: boolean) {
  return {
    resourceType: "MedicationRequest",
    id: m.source_record_id,
    meta: { lastUpdated: m.received_at },
    status: "completed",
    intent: "order",
    medicationCodeableConcept: {
      coding: [{ system: m.code_system, code: m.code, display: m.display }],
    },
    ...(bad ? {} : { subject: patientRef(S.gp, p) }),
    authoredOn: m.issued_on,
    ...(m.quantity === null || m.quantity === undefined
      ? {}
      : { dispenseRequest: { quantity: { value: Number(m.quantity) } } }),
    courseOfTherapyType: {
      coding: [{ system: COURSE_OF_THERAPY, code: m.is_repeat ? "continuous" : "acute" }],
    },
  };
}

/** The GP's extracts for one person: patient, registrations, coded entries and medicines. */
export function gpLines(p: PersonRows, dice: FaultDice): FeedLine[] {
  const gp = p.records.get(S.gp)?.[0];
  const patientId = gp ? String(gp.source_record_id) : null;
  const lines: FeedLine[] = gp ? [patientLine(gp, p.person)] : [];
  for (const r of rowsOf(p, "registration")) {
    lines.push([
      "gpRegistrations",
      {
        registration_id: r.source_record_id,
        patient_id: patientId,
        practice_code: r.practice_code,
        registered_on: r.registered_on,
        deregistered_on: r.deregistered_on,
        deregistration_reason: r.deregistration_reason,
        extracted_at: r.received_at,
      },
    ]);
  }
  for (const e of rowsOf(p, "gp_entry")) {
    const bad = dice.damage("gp_entry", S.gp, String(e.source_record_id));
    lines.push([
      "gpCoded",
      {
        entry_id: e.source_record_id,
        patient_id: patientId,
        practice_code: e.practice_code,
        recorded_on: bad ? "31/02/2014" : e.recorded_on,
        entry_kind: e.entry_kind,
        code_system: e.code_system,
        code: e.code,
        value: e.value,
        unit: e.unit,
        extracted_at: e.received_at,
      },
    ]);
  }
  for (const m of rowsOf(p, "medication_issue")) {
    const bad = dice.damage("medication_issue", S.gp, String(m.source_record_id));
    lines.push(["gpMeds", medicationRequest(m, p, bad)]);
  }
  return lines;
}
