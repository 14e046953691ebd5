// Patient from person (UK Core: the NHS Number under https://fhir.nhs.uk/Id/nhs-number), with the other
// identifiers the master person index holds, the current GP practice and the date of death.
import { ETHNIC_CATEGORY_LABELS } from "../../core/nhs-dd-codes.ts";
import { badRequest } from "../outcome.ts";
import { parseTokens, type Query, valuesOf } from "../search-params.ts";
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM, UK_CORE } from "../systems.ts";
import type { FhirResource, ResourceType, SourceRow } from "../types.ts";
import { compact, dateParam, meta, organisationRef, uuidIdSql } from "./common.ts";

const UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient";

/** The person's practice and identifiers: `person` is each row's (p.person_id) or one person's id. */
const patientSql = (person: string, where = "") => `
  SELECT p.person_id AS id, p.person_id, p.received_at AS last_updated, p.nhs_number, p.family_name,
         p.given_name, p.birth_date, p.sex, p.postcode, p.ethnic_category, d.died_on,
         (SELECT g.practice_code FROM registration g
           WHERE g.person_id = ${person} AND g.deregistered_on IS NULL
           ORDER BY g.registered_on DESC LIMIT 1) AS practice_code,
         (SELECT json_agg(json_build_object('system', i.system, 'value', i.value) ORDER BY i.system, i.value)
            FROM person_identifier i
           WHERE i.person_id = ${person} AND i.system <> '${NHS_NUMBER_SYSTEM}') AS identifiers
    FROM person p LEFT JOIN death d ON d.person_id = p.person_id${where}`;

export const patientSource = patientSql("p.person_id");

function toPatient(row: SourceRow) {
  const others = (row.identifiers as { system: string; value: string }[] | null) ?? [];
  const ethnic = row.ethnic_category as string | null;
  return compact({
    resourceType: "Patient",
    id: row.id,
    meta: { ...meta(row), profile: [UK_CORE_PATIENT] },
    extension: ethnic
      ? [
          {
            url: UK_CORE.ethnicCategoryExtension,
            valueCodeableConcept: {
              coding: [
                { system: UK_CORE.ethnicCategory, code: ethnic, display: ETHNIC_CATEGORY_LABELS[ethnic] },
              ],
            },
          },
        ]
      : undefined,
    identifier: [
      ...(row.nhs_number ? [{ system: NHS_NUMBER_SYSTEM, value: row.nhs_number as string }] : []),
      ...others,
    ],
    name: [{ use: "official", family: row.family_name as string, given: [row.given_name as string] }],
    gender: row.sex as string,
    birthDate: row.birth_date as string,
    deceasedDateTime: (row.died_on as string | null) ?? undefined,
    address: row.postcode ? [{ use: "home", postalCode: row.postcode as string }] : undefined,
    generalPractitioner: row.practice_code
      ? [organisationRef(row.practice_code, ODS_ORGANISATION_SYSTEM)]
      : undefined,
  }) as FhirResource;
}

/**
 * The NHS Numbers a Patient search is confined to: those of its first identifier parameter that names NHS
 * Numbers alone (each value https://fhir.nhs.uk/Id/nhs-number|<10 digits>), or null when none does. On Citus the
 * repository reads their holders from the numbers' routes first, so the search goes to those people's shards.
 */
export function nhsNumbersSearched(query: Query): string[] | null {
  for (const raw of valuesOf(query, "identifier")) {
    const tokens = parseTokens("identifier", raw);
    const numbers = tokens.map((t) => (t.system === NHS_NUMBER_SYSTEM ? t.code.replace(/\s/g, "") : ""));
    if (numbers.every((n) => /^\d{10}$/.test(n))) return [...new Set(numbers)];
  }
  return null;
}

export const PATIENT: ResourceType = {
  type: "Patient",
  personal: true,
  source: patientSource,
  personSource: (person) => patientSql(person, ` WHERE p.person_id = ${person}`),
  idSql: uuidIdSql(),
  order: "r.family_name, r.given_name, r.id",
  profile: UK_CORE_PATIENT,
  params: {
    identifier: {
      type: "token",
      description:
        "system|value: the NHS Number (https://fhir.nhs.uk/Id/nhs-number) or another identifier the master person index holds; exact match only",
      sql(raw, p) {
        const alternatives = parseTokens("identifier", raw).map(({ system, code }) => {
          const value = system === NHS_NUMBER_SYSTEM ? code.replace(/\s/g, "") : code;
          if (system === NHS_NUMBER_SYSTEM) {
            if (!/^\d{10}$/.test(value)) throw badRequest("identifier: an NHS Number is 10 digits");
            return `r.nhs_number = ${p.add(value)}::text`;
          }
          const byIdentifier = (s: string | null) =>
            `EXISTS (SELECT 1 FROM person_identifier i WHERE i.person_id = r.person_id AND i.value = ${p.add(value)}::text${
              s === null ? "" : ` AND i.system = ${p.add(s)}::text`
            })`;
          // |value asks for an identifier without a system, which OnePlace never holds; value alone, any system.
          if (system === "") return "false";
          return system === null
            ? `(r.nhs_number = ${p.add(value)}::text OR ${byIdentifier(null)})`
            : byIdentifier(system);
        });
        return `(${alternatives.join(" OR ")})`;
      },
    },
    birthdate: dateParam("(r.birth_date::timestamp AT TIME ZONE 'UTC')", "date of birth"),
  },
  toFhir: toPatient,
};
