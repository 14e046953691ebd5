// Encounter from four canonical tables: hospital spells (inpatient and day case, with the NHS Data Dictionary
// admission method, discharge method and destination through UK Core's England code systems), A&E
// attendances, outpatient attendances and community and mental health contacts. The type carries the kind in
// the local encounter-kind system the FHIR ingest reads, so an outpatient or contact served here loads back.
import { ADMISSION_METHOD, DISCHARGE_DESTINATION_LABELS, DISCHARGE_METHOD } from "../../core/nhs-dd-codes.ts";
import { HL7, LOCAL, LOCAL_EXTENSIONS, ODS_ORGANISATION_SYSTEM, UK_CORE } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import {
  coding,
  compact,
  dateParam,
  fhirDate,
  meta,
  organisationRef,
  patientParam,
  tokenParam,
  utcDay,
  uuidIdSql,
} from "./common.ts";

const UTC_DAY = utcDay;
const NONE = "NULL::text";

// Every branch has the same columns, in this order.
export const encounterSource = `
  SELECT spell_id AS id, person_id, admitted_at AS at, admitted_at AS started, discharged_at AS ended,
         'hospital-spell' AS kind,
         CASE WHEN discharged_at IS NULL THEN 'in-progress' ELSE 'finished' END AS status,
         CASE patient_class WHEN 'day-case' THEN 'SS' ELSE 'IMP' END AS class,
         provider_code, specialty_code AS service, admission_method, discharge_method, discharge_destination,
         ${NONE} AS contact_mode, ${NONE} AS attendance, NULL::boolean AS first_attendance, received_at AS last_updated
    FROM hospital_spell
  UNION ALL
  SELECT attendance_id, person_id, arrived_at, arrived_at, departed_at, 'ae-attendance',
         CASE WHEN departed_at IS NULL THEN 'in-progress' ELSE 'finished' END, 'EMER',
         provider_code, ${NONE}, ${NONE}, disposal, ${NONE}, arrival_mode, ${NONE}, NULL::boolean, received_at
    FROM ae_attendance
  UNION ALL
  SELECT attendance_id, person_id, ${UTC_DAY("appointment_on")}, ${UTC_DAY("appointment_on")}, NULL::timestamptz,
         'outpatient', CASE attendance WHEN 'attended' THEN 'finished' ELSE 'cancelled' END, 'AMB',
         provider_code, specialty_code, ${NONE}, ${NONE}, ${NONE}, ${NONE}, attendance, first_attendance, received_at
    FROM outpatient_attendance
  UNION ALL
  SELECT contact_id, person_id, ${UTC_DAY("contact_on")}, ${UTC_DAY("contact_on")}, NULL::timestamptz,
         CASE setting WHEN 'community' THEN 'community-contact' ELSE 'mental-health-contact' END, 'finished',
         CASE contact_mode WHEN 'home-visit' THEN 'HH' WHEN 'telephone' THEN 'VR' WHEN 'video' THEN 'VR' ELSE 'AMB' END,
         provider_code, service, ${NONE}, ${NONE}, ${NONE}, contact_mode, ${NONE}, NULL::boolean, received_at
    FROM care_contact`;

export const CLASS_DISPLAY: Record<string, string> = {
  IMP: "inpatient encounter",
  SS: "short stay",
  EMER: "emergency",
  AMB: "ambulatory",
  HH: "home health",
  VR: "virtual",
};

export const KIND_DISPLAY: Record<string, string> = {
  "hospital-spell": "Hospital spell",
  "ae-attendance": "A&E attendance",
  outpatient: "Outpatient attendance",
  "community-contact": "Community contact",
  "mental-health-contact": "Mental health contact",
};

function isDay(kind: string): boolean {
  return kind === "outpatient" || kind.endsWith("contact");
}

function hospitalization(row: SourceRow) {
  if (row.kind !== "hospital-spell") return undefined;
  const destination = row.discharge_destination as string | null;
  return compact({
    dischargeDisposition: destination
      ? {
          coding: [
            coding(
              UK_CORE.dischargeDestination,
              destination,
              DISCHARGE_DESTINATION_LABELS[destination] ?? null,
            ),
          ],
        }
      : undefined,
  });
}

function extensions(row: SourceRow) {
  const out: Record<string, unknown>[] = [];
  const admission = row.admission_method ? ADMISSION_METHOD.encode(row.admission_method as string) : null;
  if (row.kind === "hospital-spell" && admission) {
    out.push({
      url: UK_CORE.admissionMethodExtension,
      valueCodeableConcept: {
        coding: [coding(UK_CORE.admissionMethod, admission)],
        text: String(row.admission_method),
      },
    });
  }
  const discharge =
    row.kind === "hospital-spell" && row.discharge_method
      ? DISCHARGE_METHOD.encode(row.discharge_method as string)
      : null;
  if (discharge) {
    out.push({
      url: UK_CORE.dischargeMethodExtension,
      valueCodeableConcept: {
        coding: [coding(UK_CORE.dischargeMethod, discharge)],
        text: String(row.discharge_method),
      },
    });
  }
  if (row.kind === "outpatient") {
    out.push({ url: LOCAL_EXTENSIONS.attendance, valueCode: row.attendance as string });
    out.push({ url: LOCAL_EXTENSIONS.firstAttendance, valueBoolean: row.first_attendance === true });
  }
  return out;
}

function serviceType(row: SourceRow) {
  const service = row.service as string | null;
  if (!service) return undefined;
  if (String(row.kind).endsWith("contact")) return { coding: [coding(LOCAL.careService, service)] };
  return { coding: [coding(UK_CORE.treatmentFunction, service)] };
}

function toEncounter(row: SourceRow) {
  const kind = row.kind as string;
  const day = isDay(kind);
  const start = day ? fhirDate(row.started)?.slice(0, 10) : fhirDate(row.started);
  const types = [{ coding: [coding(LOCAL.encounterKind, kind, KIND_DISPLAY[kind])] }];
  if (row.contact_mode) {
    const system = kind === "ae-attendance" ? LOCAL.arrivalMode : LOCAL.contactMode;
    types.push({ coding: [coding(system, row.contact_mode as string)] });
  }
  if (kind === "ae-attendance" && row.discharge_method) {
    types.push({ coding: [coding(LOCAL.aeDisposal, row.discharge_method as string)] });
  }
  return compact({
    resourceType: "Encounter",
    id: row.id,
    meta: meta(row),
    extension: extensions(row),
    status: row.status as string,
    class: coding(HL7.actCode, row.class as string, CLASS_DISPLAY[row.class as string]),
    type: types,
    serviceType: serviceType(row),
    subject: { reference: `Patient/${row.person_id}` },
    period: compact({ start, end: fhirDate(row.ended) }),
    hospitalization: hospitalization(row),
    serviceProvider: organisationRef(row.provider_code, ODS_ORGANISATION_SYSTEM),
  }) as FhirResource;
}

export const ENCOUNTER: ResourceType = {
  type: "Encounter",
  personal: true,
  source: encounterSource,
  idSql: uuidIdSql(),
  order: "r.at DESC, r.id",
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter",
  params: {
    patient: patientParam(),
    subject: patientParam(),
    date: dateParam("r.at", "when the encounter started (admission, arrival, appointment or contact)"),
    status: tokenParam(null, "r.status", "in-progress, finished or cancelled"),
    class: tokenParam(`'${HL7.actCode}'`, "r.class", "IMP, SS, EMER, AMB, HH or VR (v3 ActCode)"),
    type: tokenParam(
      `'${LOCAL.encounterKind}'`,
      "r.kind",
      "hospital-spell, ae-attendance, outpatient, community-contact or mental-health-contact",
    ),
  },
  toFhir: toEncounter,
};
