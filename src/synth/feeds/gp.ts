import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { patientRef, resourceOf } from "./fhir.ts";
import { extractRow, type PersonRows, type Row, rowsOf } from "./person-rows.ts";

// The GP system: its patient, registration and coded record extracts as CSV, and its medicines as FHIR
// MedicationRequest. A damaged coded entry has an impossible date; a damaged medicine has lost its patient.

const COURSE_OF_THERAPY = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy";

function patientLine(gp: Row, person: Row): FeedLine {
  return [
    "gpPatients",
    extractRow(gp, { patient_id: gp.source_record_id, ethnic_category: person.ethnic_category }),
  ];
}

function medicationRequest(m: Row, p: PersonRows, bad: boolean) {
  return {
    ...resourceOf("MedicationRequest", m),
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
  for (const r of rowsOf(p, "registration"))
    lines.push([
      "gpRegistrations",
      extractRow(r, { registration_id: r.source_record_id, patient_id: patientId }),
    ]);
  for (const e of rowsOf(p, "gp_entry")) {
    const bad = dice.damage("gp_entry", S.gp, String(e.source_record_id));
    const own = { entry_id: e.source_record_id, patient_id: patientId };
    lines.push(["gpCoded", extractRow(e, bad ? { ...own, recorded_on: "31/02/2014" } : own)]);
  }
  for (const m of rowsOf(p, "medication_issue")) {
    const bad = dice.damage("medication_issue", S.gp, String(m.source_record_id));
    lines.push(["gpMeds", medicationRequest(m, p, bad)]);
  }
  return lines;
}
