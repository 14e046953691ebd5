// Code systems and code-shape checks. OPCS-4 is deliberately absent until its UK Core
// system URI is confirmed.

export const SNOMED_CT_SYSTEM = "http://snomed.info/sct";
export const ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10";
export const DMD_SYSTEM = "https://dmd.nhs.uk";
export const NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";
export const ODS_ORGANISATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code";
export const LOCAL_CODE_SYSTEM_PREFIX = "urn:oneplace:local:";

export type Coding = { system: string; code: string; display?: string };

/** The system URI for a local code system, e.g. localCodeSystem("care-plan-status"). */
export function localCodeSystem(name: string): string {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name)) {
    throw new RangeError(
      `Not a local code system name: ${JSON.stringify(name)} (expected lowercase words joined by hyphens, e.g. care-plan-status)`,
    );
  }
  return LOCAL_CODE_SYSTEM_PREFIX + name;
}

const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** True when a digit string (check digit last) passes the Verhoeff check. */
export function passesVerhoeff(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = VERHOEFF_D[c][VERHOEFF_P[i % 8][d]];
  }
  return c === 0;
}

// Short-format partition identifiers: 0x = International release, 1x = extension
// (namespace present); x0 concept, x1 description, x2 relationship.
const SNOMED_PARTITIONS = new Set(["00", "01", "02", "10", "11", "12"]);

/**
 * A well-formed SNOMED CT identifier (concept, description or relationship). SCTIDs run to
 * 18 digits, beyond Number.MAX_SAFE_INTEGER, so they are only ever handled as strings.
 */
export function isValidSnomedId(s: string): boolean {
  if (typeof s !== "string" || !/^[1-9]\d{5,17}$/.test(s)) return false;
  if (!SNOMED_PARTITIONS.has(s.slice(-3, -1))) return false;
  return passesVerhoeff(s);
}

const ICD10_PATTERN = /^[A-Z]\d{2}(?:\.?[0-9A-Z]{1,2})?$/;

/** ICD-10 code shape, with or without the dot: "I63", "I63.9", "I639", "S72.0". Upper case only. */
export function isValidIcd10Code(s: string): boolean {
  return typeof s === "string" && ICD10_PATTERN.test(s);
}

/** Trimmed, upper case, with a dot after the third character when there is more ("i639" -> "I63.9"); null if not ICD-10 shaped. */
export function normaliseIcd10(s: string): string | null {
  if (typeof s !== "string") return null;
  const upper = s.trim().toUpperCase();
  if (!ICD10_PATTERN.test(upper)) return null;
  const compact = upper.replace(".", "");
  return compact.length === 3 ? compact : `${compact.slice(0, 3)}.${compact.slice(3)}`;
}
