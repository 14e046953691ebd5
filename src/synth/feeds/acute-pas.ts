import { FHIR_EXTENSIONS, FHIR_SYSTEMS } from "../../ingest/index.ts";
import { SOURCE_SYSTEM as S } from "../source-systems.ts";
import { adtMessages } from "./acute-adt.ts";
import type { FaultDice } from "./faults.ts";
import type { FeedLine } from "./feed-files.ts";
import { ACT_CODE, odsIdentifier, resourceOf } from "./fhir.ts";
import { extractRow, type PersonRows, type Row, rowsOf, visitNumbers } from "./person-rows.ts";

// The hospital's PAS: ADT messages (acute-adt.ts), delayed transfers of care as CSV, and outpatient
// appointments as FHIR Encounter; all keyed by the patient's hospital number, so a person the PAS does not
// know sends nothing.

const TREATMENT_FUNCTION = "https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-TreatmentFunction";

function outpatientEncounter(o: Row, patientId: string) {
  const attended = o.attendance === "attended";
  return {
    ...resourceOf("Encounter", o),
    extension: [
      ...(attended ? [] : [{ url: FHIR_EXTENSIONS.attendance, valueCode: o.attendance }]),
      { url: FHIR_EXTENSIONS.firstAttendance, valueBoolean: o.first_attendance === true },
    ],
    status: attended ? "finished" : "cancelled",
    class: { system: ACT_CODE, code: "AMB" },
    type: [{ coding: [{ system: FHIR_SYSTEMS.encounterKind, code: "outpatient" }] }],
    serviceType: { coding: [{ system: TREATMENT_FUNCTION, code: o.specialty_code }] },
    subject: { reference: `Patient/${patientId}` },
    period: { start: o.appointment_on },
    serviceProvider: { identifier: odsIdentifier(o.provider_code) },
  };
}

function delayLine(d: Row, patientId: string, visits: Map<string, string>): FeedLine {
  const own = {
    delay_id: d.source_record_id,
    patient_id: patientId,
    visit_number: visits.get(String(d.spell_id)),
  };
  return ["delays", extractRow(d, own)];
}

/** The PAS's lines for one person; `acute` is the trust's ODS code. */
export function acutePasLines(p: PersonRows, acute: string, dice: FaultDice): FeedLine[] {
  const rec = p.records.get(S.acute)?.[0];
  if (!rec) return [];
  const patientId = String(rec.source_record_id);
  const lines: FeedLine[] = adtMessages(p, rec, acute, dice).map((m) => ["adt", m]);
  const visits = visitNumbers(p);
  for (const d of rowsOf(p, "delayed_transfer")) lines.push(delayLine(d, patientId, visits));
  for (const o of rowsOf(p, "outpatient_attendance"))
    lines.push(["acuteOutpatients", outpatientEncounter(o, patientId)]);
  return lines;
}

/** The PAS's wards and their kinds (for its code map), from the people it knows. */
export function acuteWardKinds(p: PersonRows): [ward: string, kind: string][] {
  if (!p.records.get(S.acute)?.[0]) return [];
  return rowsOf(p, "ward_stay").map((w) => [String(w.ward_code), String(w.ward_kind)]);
}
