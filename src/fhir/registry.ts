// The resource types the FHIR API serves, by name. CarePlan and ServiceRequest are rendered by the care
// capability, and so are CareTeam and Task; AuditEvent is served on its own (audit-events.ts). Practitioner and PractitionerRole are the
// practitioners the sources sent (resources/practitioner.ts says why not the staff accounts).

import type { Queryable } from "../store/index.ts";
import { CARE_PLAN, CARE_TEAM, EPISODE_OF_CARE, SERVICE_REQUEST, TASK } from "./resources/care.ts";
import { CONSENT } from "./resources/consent.ts";
import { ENCOUNTER } from "./resources/encounter.ts";
import { FLAG } from "./resources/flag.ts";
import { CONDITION, MEDICATION_REQUEST, OBSERVATION } from "./resources/gp-record.ts";
import { ORGANIZATION } from "./resources/organization.ts";
import { PATIENT } from "./resources/patient.ts";
import { PRACTITIONER, PRACTITIONER_ROLE } from "./resources/practitioner.ts";
import { RISK_ASSESSMENT } from "./resources/risk-assessment.ts";
import type { FhirResource, ResourceType, SourceRow } from "./types.ts";

export const RESOURCE_TYPES: readonly ResourceType[] = [
  PATIENT,
  ORGANIZATION,
  ENCOUNTER,
  CONDITION,
  OBSERVATION,
  MEDICATION_REQUEST,
  RISK_ASSESSMENT,
  FLAG,
  CARE_PLAN,
  CARE_TEAM,
  TASK,
  SERVICE_REQUEST,
  EPISODE_OF_CARE,
  CONSENT,
  PRACTITIONER,
  PRACTITIONER_ROLE,
];

export const RESOURCE_BY_NAME: ReadonlyMap<string, ResourceType> = new Map(
  RESOURCE_TYPES.map((r) => [r.type, r]),
);

/** Parameters every type answers besides its own. */
export const COMMON_PARAMS = [
  "_id",
  "_lastUpdated",
  "_include",
  "_revinclude",
  "_sort",
  "_count",
  "_summary",
  "_offset",
] as const;

/** A type's rows as resources, by its row mapping or its renderer. */
export async function toResources(
  db: Queryable,
  type: ResourceType,
  rows: SourceRow[],
): Promise<FhirResource[]> {
  if (rows.length === 0) return [];
  if (type.render) return type.render(db, rows);
  const toFhir = type.toFhir as (row: SourceRow) => FhirResource;
  return rows.map((row) => toFhir(row));
}
