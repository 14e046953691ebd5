// Flag from two things a clinician must see before acting: an objection to sharing (sharing_objection, held
// by an organisation) and membership of a risk register (risk_register_member). Withdrawn objections and
// registers left are inactive flags with their period closed.
import { HL7, LOCAL, ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import {
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

export const flagSource = `
  SELECT objection_id AS id, person_id, ${DAY("recorded_on")} AS at, recorded_on AS started, withdrawn_on AS ended,
         'sharing-objection' AS code, CASE WHEN withdrawn_on IS NULL THEN 'active' ELSE 'inactive' END AS status,
         holding_org_code AS org_code, NULL::text AS register_id, received_at AS last_updated
    FROM sharing_objection
  UNION ALL
  SELECT md5(person_id::text || '|' || register_id || '|' || joined_on::text)::uuid, person_id, ${DAY("joined_on")},
         joined_on, left_on, 'risk-register', CASE WHEN left_on IS NULL THEN 'active' ELSE 'inactive' END,
         org_code, register_id, NULL::timestamptz
    FROM risk_register_member`;

function toFlag(row: SourceRow) {
  const objection = row.code === "sharing-objection";
  return compact({
    resourceType: "Flag",
    id: row.id,
    meta: meta(row),
    status: row.status as string,
    category: [
      {
        coding: [
          objection
            ? coding(HL7.flagCategory, "admin", "Administrative")
            : coding(HL7.flagCategory, "clinical", "Clinical"),
        ],
      },
    ],
    code: objection
      ? {
          coding: [coding(LOCAL.flag, "sharing-objection", "Objection to sharing")],
          text: "The person objects to sharing their record beyond the organisation that holds the objection",
        }
      : {
          coding: [coding(LOCAL.register, row.register_id as string)],
          text: `On the risk register ${row.register_id}`,
        },
    subject: { reference: `Patient/${row.person_id}` },
    period: compact({ start: row.started as string, end: (row.ended as string | null) ?? undefined }),
    author: organisationRef(row.org_code, ODS_ORGANISATION_SYSTEM),
  }) as FhirResource;
}

export const FLAG: ResourceType = {
  type: "Flag",
  personal: true,
  source: flagSource,
  // A register membership's id is derived (an md5 in UUID form), so any 8-4-4-4-12 hex id may be one.
  idSql: (id, p) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
      ? `r.id = ${p.add(id.toLowerCase())}::uuid`
      : null,
  order: "r.at DESC, r.id",
  profile: "http://hl7.org/fhir/StructureDefinition/Flag",
  params: {
    patient: patientParam(),
    subject: patientParam(),
    code: tokenParam(null, "r.code", "sharing-objection or risk-register"),
    date: dateParam("r.at", "when the flag started"),
    status: tokenParam(null, "r.status", "active or inactive"),
  },
  toFhir: toFlag,
};
