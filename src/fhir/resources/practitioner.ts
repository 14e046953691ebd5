// Practitioner and PractitionerRole from the practitioners the sources have sent (ingest_practitioner: a FHIR
// Practitioner loaded from a feed or POSTed in a Bundle), not from OnePlace's staff accounts. The clinical
// record's practitioners are the ones the sending systems name; a user account is who may use OnePlace, with
// roles that grant access rather than describe care, and publishing the staff directory to every API client
// would disclose staff's personal data that no integrator needs. A PractitionerRole says that the practitioner
// works for the organisation the sending source speaks for (ingest_source.org_code), so one exists only for
// sources with an organisation. Ids are an md5 of (source, record id) in UUID form, the same for both types.
import { ODS_ORGANISATION_SYSTEM } from "../systems.ts";
import type { FhirResource, ResourceType, SearchParam, SourceRow } from "../types.ts";
import { compact, meta, organisationRef, tokenParam } from "./common.ts";

const SOURCE = `
  SELECT md5(pr.source_system || '|' || pr.source_record_id)::uuid AS id, NULL::uuid AS person_id,
         pr.received_at AS last_updated, pr.source_system, pr.source_record_id, pr.identifier_system,
         pr.identifier_value, pr.family_name, pr.given_name, s.org_code
    FROM ingest_practitioner pr LEFT JOIN ingest_source s ON s.source_system = pr.source_system`;

const HEX_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An md5 in UUID form has no version nibble, so any 8-4-4-4-12 hex id may be one. */
const idSql = (id: string, p: { add(v: unknown): string }) =>
  HEX_ID.test(id) ? `r.id = ${p.add(id.toLowerCase())}::uuid` : null;

/** FHIR string search: a case-insensitive match at the start of the family or the given name. */
function nameParam(columns: string[], description: string): SearchParam {
  return {
    type: "string",
    description,
    sql(raw, p) {
      const like = p.add(
        `${raw
          .trim()
          .toLowerCase()
          .replace(/[\\%_]/g, "\\$&")}%`,
      );
      return `(${columns.map((c) => `lower(${c}) LIKE ${like}`).join(" OR ")})`;
    },
  };
}

function practitionerRef(row: SourceRow) {
  return { reference: `Practitioner/${row.id}` };
}

function humanName(row: SourceRow) {
  if (!row.family_name && !row.given_name) return undefined;
  return [
    compact({
      family: (row.family_name as string | null) ?? undefined,
      given: row.given_name ? [row.given_name as string] : undefined,
    }),
  ];
}

function toPractitioner(row: SourceRow): FhirResource {
  return compact({
    resourceType: "Practitioner",
    id: row.id,
    meta: meta(row),
    identifier:
      row.identifier_system && row.identifier_value
        ? [{ system: row.identifier_system as string, value: row.identifier_value as string }]
        : undefined,
    active: true,
    name: humanName(row),
  }) as FhirResource;
}

function toPractitionerRole(row: SourceRow): FhirResource {
  return compact({
    resourceType: "PractitionerRole",
    id: row.id,
    meta: meta(row),
    active: true,
    practitioner: practitionerRef(row),
    organization: organisationRef(row.org_code, ODS_ORGANISATION_SYSTEM),
  }) as FhirResource;
}

const identifierParam = tokenParam(
  "r.identifier_system",
  "r.identifier_value",
  "the identifier the source gave (system|value, e.g. a GMC or GMP number)",
);

export const PRACTITIONER: ResourceType = {
  type: "Practitioner",
  personal: false,
  source: SOURCE,
  idSql,
  order: "r.family_name, r.given_name, r.id",
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Practitioner",
  params: {
    identifier: identifierParam,
    name: nameParam(["r.family_name", "r.given_name"], "the start of the family or given name, any case"),
    family: nameParam(["r.family_name"], "the start of the family name, any case"),
  },
  toFhir: toPractitioner,
};

export const PRACTITIONER_ROLE: ResourceType = {
  type: "PractitionerRole",
  personal: false,
  source: `SELECT * FROM (${SOURCE}) roles WHERE roles.org_code IS NOT NULL`,
  idSql,
  order: "r.id",
  profile: "https://fhir.hl7.org.uk/StructureDefinition/UKCore-PractitionerRole",
  params: {
    organization: {
      type: "reference",
      description: "the organisation (Organization/<ODS code>) whose system sent the practitioner",
      sql: (raw, p) => `r.org_code = ${p.add(raw.replace(/^Organization\//, "").toUpperCase())}`,
    },
    practitioner: {
      type: "reference",
      description: "the Practitioner (Practitioner/<id>)",
      sql: (raw, p) => {
        const id = raw.replace(/^Practitioner\//, "");
        return HEX_ID.test(id) ? `r.id = ${p.add(id.toLowerCase())}::uuid` : "false";
      },
    },
    "practitioner.identifier": identifierParam,
    "practitioner.name": nameParam(
      ["r.family_name", "r.given_name"],
      "the practitioner's family or given name, from its start",
    ),
  },
  toFhir: toPractitionerRole,
};
