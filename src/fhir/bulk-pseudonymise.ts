// Pseudonymised Bulk Data output for commissioning: the person is governance's keyed pseudonym for the
// purpose, the Patient carries only the k-anonymised quasi-identifiers governance returns (an age band, sex,
// practice, the postcode district), and every other resource loses what could identify or link it back: its
// identifiers, free text (notes, descriptions, comments, titles, string values) and every display but a coding's; its id and the ids it references become keyed hashes under the same key,
// so references within one export still resolve. Organizations are reference data and stay as they are.
import { keyedHash, type PseudonymisedPerson } from "../governance/index.ts";
import { ODS_ORGANISATION_SYSTEM } from "./systems.ts";
import type { FhirResource } from "./types.ts";

export const PSEUDONYM_SYSTEM = "urn:oneplace:pseudonym:commissioning";
export const AGE_BAND_EXTENSION = "urn:oneplace:fhir:age-band";
export const POSTCODE_DISTRICT_NOTE = "postcode district only";

const REFERENCE = /^([A-Z][A-Za-z]+)\/([^/]+)$/;

/** A keyed hash of a resource's type and id, in UUID form so that it is a valid FHIR id. */
export function resourcePseudonym(key: Buffer, type: string, id: string): string {
  const hex = keyedHash(key, `resource:${type}/${id}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The Patient a commissioner sees: the pseudonym and the generalised quasi-identifiers, nothing else. */
export function pseudonymisedPatient(person: PseudonymisedPerson): FhirResource {
  const patient: FhirResource = {
    resourceType: "Patient",
    id: person.pseudonym,
    identifier: [{ system: PSEUDONYM_SYSTEM, value: person.pseudonym }],
    extension: [{ url: AGE_BAND_EXTENSION, valueString: person.ageBand }],
    gender: ["female", "male", "other", "unknown"].includes(person.sex) ? person.sex : "unknown",
  };
  if (person.postcodeDistrict) patient.address = [{ use: "home", district: person.postcodeDistrict }];
  if (person.practiceCode)
    patient.generalPractitioner = [
      {
        reference: `Organization/${person.practiceCode}`,
        identifier: { system: ODS_ORGANISATION_SYSTEM, value: person.practiceCode },
      },
    ];
  return patient;
}

/**
 * A clinical resource rewritten for a commissioner: `pseudonymOf` gives the pseudonym of a person id (every
 * resource exported is about a person whose pseudonym was disclosed).
 */
export function pseudonymiseResource(
  resource: FhirResource,
  key: Buffer,
  pseudonymOf: (personId: string) => string,
): FhirResource {
  const out = rewrite(resource, key, pseudonymOf, true) as FhirResource;
  out.id = resourcePseudonym(key, resource.resourceType, resource.id);
  return out;
}

/**
 * Elements that carry free text wherever they appear (a plan's action, a goal, a note, a member's name): a
 * person's name or story can be in any of them.
 */
const DROPPED = new Set([
  "identifier",
  "text",
  "note",
  "description",
  "comment",
  "title",
  "valueString",
  "patientInstruction",
]);

/** An empty array or object (a rewritten element with nothing left in it). */
function isEmpty(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.length === 0;
  for (const _ in v) return false;
  return true;
}

function rewrite(
  value: unknown,
  key: Buffer,
  pseudonymOf: (personId: string) => string,
  top: boolean,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const rewritten = rewrite(v, key, pseudonymOf, false);
      if (!isEmpty(rewritten)) out.push(rewritten);
    }
    return out;
  }
  const object = value as Record<string, unknown>;
  const isReference = typeof object.reference === "string";
  const out: Record<string, unknown> = {};
  for (const name in object) {
    const v = object[name];
    if (name === "meta" && top) {
      // Keep when the row changed (it is what _since works on); drop the profile claims of the original.
      const lastUpdated = (v as { lastUpdated?: string }).lastUpdated;
      if (lastUpdated) out.meta = { lastUpdated };
      continue;
    }
    if (name === "reference" && typeof v === "string") {
      const m = REFERENCE.exec(v);
      if (!m) continue;
      const [, type, id] = m;
      out.reference =
        type === "Patient"
          ? `Patient/${pseudonymOf(id)}`
          : type === "Organization"
            ? v
            : `${type}/${resourcePseudonym(key, type, id)}`;
      continue;
    }
    if (name === "identifier" && isReference) {
      // A reference's identifier stays only when it names an organisation by its ODS code.
      if ((v as { system?: string }).system === ODS_ORGANISATION_SYSTEM) out.identifier = v;
      continue;
    }
    if (DROPPED.has(name)) continue;
    // A display names a person or team unless it is a coding's (a SNOMED term, beside its code): kept only then.
    if (name === "display" && (isReference || !("code" in object))) continue;
    const rewritten = rewrite(v, key, pseudonymOf, false);
    if (!isEmpty(rewritten)) out[name] = rewritten;
  }
  return out;
}
