// The resource types the FHIR API serves, by name. CarePlan and ServiceRequest come from the care capability
// when it provides them; Practitioner, EpisodeOfCare, AuditEvent and Consent are not served yet.
import { ENCOUNTER } from "./resources/encounter.ts";
import { FLAG } from "./resources/flag.ts";
import { CONDITION, MEDICATION_REQUEST, OBSERVATION } from "./resources/gp-record.ts";
import { ORGANIZATION } from "./resources/organization.ts";
import { PATIENT } from "./resources/patient.ts";
import { RISK_ASSESSMENT } from "./resources/risk-assessment.ts";
import type { ResourceType } from "./types.ts";

export const RESOURCE_TYPES: readonly ResourceType[] = [
  PATIENT,
  ORGANIZATION,
  ENCOUNTER,
  CONDITION,
  OBSERVATION,
  MEDICATION_REQUEST,
  RISK_ASSESSMENT,
  FLAG,
];

export const RESOURCE_BY_NAME: ReadonlyMap<string, ResourceType> = new Map(
  RESOURCE_TYPES.map((r) => [r.type, r]),
);

/** Parameters every type answers besides its own. */
export const COMMON_PARAMS = ["_id", "_lastUpdated", "_include", "_count", "_summary", "_offset"] as const;
