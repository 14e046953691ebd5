import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { FHIR_GENDER } from "../../core/nhs-dd-codes.ts";
import { FHIR_EXTENSIONS } from "../../ingest/index.ts";
import type { CopyValue } from "../../store/index.ts";
import type { PersonRows, Row } from "./person-rows.ts";

// The pieces of FHIR resources more than one source system sends.

export const ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/** An organisation by its ODS code. */
export const odsIdentifier = (code: CopyValue) => ({ system: ODS_ORGANISATION_SYSTEM, value: code });

/** The person as a system's Patient resource, from its source record. */
export function fhirPatient(r: Row, ethnic: CopyValue) {
  return {
    ...resourceOf("Patient", r),
    ...(ethnic
      ? {
          extension: [
            { url: FHIR_EXTENSIONS.ethnicCategory, valueCodeableConcept: { coding: [{ code: ethnic }] } },
          ],
        }
      : {}),
    identifier: r.nhs_number ? [{ system: NHS_NUMBER_SYSTEM, value: r.nhs_number }] : [],
    name: [{ use: "official", family: r.family_name, given: [r.given_name] }],
    gender: FHIR_GENDER.encode(String(r.sex)) ?? "unknown",
    birthDate: r.birth_date,
    address: r.postcode ? [{ use: "home", postalCode: r.postcode }] : [],
  };
}

/** The patient a resource is about: the system's own record, else the NHS Number, else an unknown patient. */
export function patientRef(system: string, p: PersonRows) {
  const rec = p.records.get(system)?.[0];
  if (rec) return { reference: `Patient/${rec.source_record_id}` };
  return p.nhsNumber
    ? { identifier: { system: NHS_NUMBER_SYSTEM, value: p.nhsNumber } }
    : { reference: "Patient/unknown" };
}

/** The opening of a resource sent for a row: its type, the source's id for the row and when it was sent. */
export function resourceOf(resourceType: string, r: Row) {
  return { resourceType, id: r.source_record_id, meta: { lastUpdated: r.received_at } };
}
