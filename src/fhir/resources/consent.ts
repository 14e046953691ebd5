// Consent from the two refusals governance holds: an objection to sharing (sharing_objection: the person
// objects to their record being shared beyond the organisation that holds the objection) and a national data
// opt-out (data_opt_out: no use of their data for planning and research). Each is a "deny" provision over the
// period it was in force; a withdrawn one is inactive.
import { LOCAL, ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import {
  BY_PERSON_NEWEST_FIRST,
  coding,
  compact,
  dateParam,
  meta,
  organisationRef,
  patientParam,
  tokenParam,
  utcDay,
} from "./common.ts";

const DAY = utcDay;
const CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope";
const LOINC = "http://loinc.org";
export const NATIONAL_DATA_OPT_OUT_POLICY = "https://digital.nhs.uk/services/national-data-opt-out";

const consentSource = `
  SELECT objection_id AS id, person_id, ${DAY("recorded_on")} AS at, recorded_on AS started, withdrawn_on AS ended,
         'sharing-objection' AS kind, CASE WHEN withdrawn_on IS NULL THEN 'active' ELSE 'inactive' END AS status,
         holding_org_code AS org_code, received_at AS last_updated
    FROM sharing_objection
  UNION ALL
  SELECT opt_out_id, person_id, ${DAY("recorded_on")}, recorded_on, withdrawn_on, 'national-data-opt-out',
         CASE WHEN withdrawn_on IS NULL THEN 'active' ELSE 'inactive' END, NULL, received_at
    FROM data_opt_out`;

function toConsent(row: SourceRow): FhirResource {
  const objection = row.kind === "sharing-objection";
  return compact({
    resourceType: "Consent",
    id: row.id,
    meta: meta(row),
    status: row.status as string,
    scope: {
      coding: objection
        ? [coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")]
        : [coding(CONSENT_SCOPE, "research", "Research")],
    },
    category: [
      { coding: [coding(LOINC, "59284-0", "Patient Consent")] },
      {
        coding: [
          coding(
            LOCAL.consentKind,
            row.kind as string,
            objection ? "Objection to sharing" : "National data opt-out",
          ),
        ],
      },
    ],
    patient: { reference: `Patient/${row.person_id}` },
    dateTime: row.started as string,
    organization: row.org_code ? [organisationRef(row.org_code, ODS_ORGANISATION_SYSTEM)] : undefined,
    policy: objection ? undefined : [{ uri: NATIONAL_DATA_OPT_OUT_POLICY }],
    policyRule: objection
      ? {
          coding: [coding(LOCAL.consentKind, "sharing-objection", "Objection to sharing")],
          text: "The person objects to sharing their record beyond the organisation that holds the objection",
        }
      : undefined,
    provision: {
      type: "deny",
      period: compact({ start: row.started as string, end: (row.ended as string | null) ?? undefined }),
    },
  }) as FhirResource;
}

export const CONSENT: ResourceType = {
  type: "Consent",
  ...BY_PERSON_NEWEST_FIRST,
  source: consentSource,
  profile: "http://hl7.org/fhir/StructureDefinition/Consent",
  params: {
    patient: patientParam(),
    status: tokenParam(null, "r.status", "active or inactive (withdrawn)"),
    category: tokenParam(null, "r.kind", "sharing-objection or national-data-opt-out"),
    date: dateParam("r.at", "when it was recorded"),
  },
  toFhir: toConsent,
};
