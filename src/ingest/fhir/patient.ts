import type { Identifier, Patient } from "fhir/r4.js";
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from "../../core/codes.ts";
import { ethnicCategoryOf, FHIR_GENDER } from "../../core/nhs-dd-codes.ts";
import { isValidNhsNumber, normaliseNhsNumber } from "../../core/nhs-number.ts";
import { type FhirMapping, readAs } from "./declare.ts";
import { at, type Converter, day, dayIfGiven, ID, part, RECEIVED, rule } from "./extract.ts";
import { dateOf, FhirReject, fail, orgOf } from "./fields.ts";
import { FHIR_EXTENSIONS } from "./systems.ts";

// A Patient, declared on person_record: a source record the master person index links to one person (its NHS
// Number, its other identifiers, name, birth date, sex, postcode, ethnic category), with its GP practice
// (generalPractitioner) as a registration and its death (deceasedDateTime).

const IDENTIFIERS = rule<{ nhs: string | null; others: { system: string; value: string }[] }>(
  "identifier",
  "each identifier with a system and a value",
  false,
  (p: Patient) => {
    let nhs: string | null = null;
    const others: { system: string; value: string }[] = [];
    for (const i of p.identifier ?? ([] as Identifier[])) {
      if (!i.system || !i.value) continue;
      if (i.system === NHS_NUMBER_SYSTEM) {
        if (!isValidNhsNumber(i.value))
          fail("Patient.identifier (NHS Number) fails its Modulus 11 check digit");
        nhs = normaliseNhsNumber(i.value);
      } else others.push({ system: i.system, value: i.value });
    }
    return { nhs, others };
  },
);

const NAME = rule<{ family: string | null; given: string | null }>(
  "name",
  "the official name, else the first (one with neither a family nor a given name is rejected)",
  false,
  (p: Patient) => {
    const name = p.name?.find((n) => n.use === "official") ?? p.name?.[0];
    if (!name?.family && !name?.given?.[0]) fail("Patient.name is required");
    return { family: name?.family ?? null, given: name?.given?.[0] ?? null };
  },
);

const sex: Converter<string> = {
  how: "`male`, `female`, `other` or `unknown` (another is rejected); `unknown` when absent",
  optional: false,
  convert: (v) => {
    const sex = v ? FHIR_GENDER.decode(v as string) : "unknown";
    return sex ?? fail("Patient.gender is not male, female, other or unknown");
  },
};

/**
 * The practice a Patient names as its GP (an Organization), and from when: the day PDS gives, else the day
 * the resource was last updated (meta.lastUpdated). With neither, `from` is null: the registration keeps the
 * day it was first loaded, so loading the same resource again never moves it.
 */
const PRACTICE = rule<{ code: string | null; from: string | null }>(
  "generalPractitioner",
  "the first naming an Organization (by `type`, an ODS code identifier or an `Organization/` reference) that OnePlace can name (else none)",
  true,
  (p: Patient, f) => {
    for (const ref of p.generalPractitioner ?? []) {
      const isOrg =
        ref.type === "Organization" ||
        ref.identifier?.system === ODS_ORGANISATION_SYSTEM ||
        /(?:^|\/)Organization\//.test(ref.reference ?? "");
      if (!isOrg) continue;
      try {
        const code = orgOf(ref, "Patient.generalPractitioner", f.ctx);
        const start = ref.identifier?.period?.start;
        const updated = p.meta?.lastUpdated;
        return {
          code,
          from: start
            ? dateOf(start, "Patient.generalPractitioner period")
            : updated
              ? dateOf(updated, "Patient.meta.lastUpdated")
              : null,
        };
      } catch (error) {
        if (!(error instanceof FhirReject)) throw error;
      }
    }
    return { code: null, from: null };
  },
);

/** Patient: a source record for the master person index, its GP registration and its death. */
export const PATIENT: FhirMapping = readAs("Patient", {
  title: "a source record, linked to one person by the master person index",
  table: "person_record",
  columns: [
    ["source_record_id", ID],
    [
      "nhs_number",
      part(
        IDENTIFIERS,
        "nhs",
        `the one from \`${NHS_NUMBER_SYSTEM}\` (one failing its Modulus 11 check is rejected), without spaces`,
        true,
      ),
    ],
    [
      "mpi_record_link.identifiers",
      part(IDENTIFIERS, "others", "the others, kept as the person's identifiers"),
    ],
    ["family_name", part(NAME, "family", "its `family`", true)],
    ["given_name", part(NAME, "given", "its first `given`", true)],
    ["birth_date", at("birthDate", day)],
    ["sex", at("gender", sex)],
    [
      "postcode",
      rule<string | null>(
        "address",
        "`postalCode` of the home address, else of the first, in capitals",
        true,
        (p: Patient) =>
          (p.address?.find((a) => a.use === "home") ?? p.address?.[0])?.postalCode?.toUpperCase() ?? null,
      ),
    ],
    [
      "mpi_record_link.ethnic_category",
      at(`extension('${FHIR_EXTENSIONS.ethnicCategory}').valueCodeableConcept.coding[0].code`, {
        how: "an NHS ethnic category letter (anything else is left empty)",
        optional: true,
        convert: (v) => ethnicCategoryOf(v as string | undefined),
      }),
    ],
    ["received_at", RECEIVED],
    [
      "registration.practice_code",
      part(
        PRACTICE,
        "code",
        "its organisation code: a registration with that practice (an earlier practice of the same record is closed the day this one starts)",
        true,
      ),
    ],
    [
      "registration.registered_on",
      part(
        PRACTICE,
        "from",
        "from its `identifier.period.start` (as PDS sends it), else the day of `meta.lastUpdated`, else the day it was first loaded (loading it again never moves it)",
        true,
      ),
    ],
    ["death.died_on", at("deceasedDateTime", dayIfGiven())],
  ],
});
