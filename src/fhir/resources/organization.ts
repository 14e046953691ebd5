// Organization from the organisation reference table: the ODS code is both the id and the identifier.
import { LOCAL, ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import { coding, compact, organisationRef, tokenParam } from "./common.ts";

function toOrganization(row: SourceRow) {
  return compact({
    resourceType: "Organization",
    id: row.id,
    meta: row.received_at instanceof Date ? { lastUpdated: row.received_at.toISOString() } : undefined,
    identifier: [{ system: ODS_ORGANISATION_SYSTEM, value: row.id }],
    active: row.closed_on === null,
    type: [{ coding: [coding(LOCAL.organisationKind, row.kind as string)] }],
    name: row.name as string,
    address: row.postcode ? [{ postalCode: row.postcode as string }] : undefined,
    partOf: row.parent_code ? organisationRef(row.parent_code, ODS_ORGANISATION_SYSTEM) : undefined,
  }) as FhirResource;
}

export const ORGANIZATION: ResourceType = {
  type: "Organization",
  personal: false,
  source: `SELECT o.org_code AS id, NULL::uuid AS person_id, o.name, o.kind, o.parent_code, o.postcode,
                  o.closed_on, o.received_at, o.received_at AS last_updated FROM organisation o`,
  idSql: (id, p) => (/^[A-Za-z0-9]{1,12}$/.test(id) ? `r.id = ${p.add(id.toUpperCase())}` : null),
  order: "r.id",
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization",
  params: {
    identifier: tokenParam(
      `'${ODS_ORGANISATION_SYSTEM}'`,
      "r.id",
      "the ODS code (https://fhir.nhs.uk/Id/ods-organization-code|<code>)",
    ),
    type: tokenParam(
      `'${LOCAL.organisationKind}'`,
      "r.kind",
      "the kind of organisation (practice, acute, council ...)",
    ),
  },
  toFhir: toOrganization,
};
