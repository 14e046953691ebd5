import { NHS_NUMBER_SYSTEM } from "../core/codes.ts";
import { isIsoDate } from "../core/dates.ts";
import { normaliseNhsNumber } from "../core/nhs-number.ts";
import { normaliseName, normalisePostcode, soundex } from "./compare.ts";
import type { MatchRecord } from "./score.ts";

/** A source system's record of a person, as it arrives: what the MPI links to exactly one person. */
export interface SourceRecordInput {
  sourceSystem: string;
  recordId: string;
  /** As recorded: may be missing or mistyped. */
  nhsNumber: string | null;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  sex: "female" | "male" | "other" | "unknown" | null;
  postcode: string | null;
  receivedAt: string;
  /** Identifiers this record gives the person besides the NHS Number (hospital number, client id). */
  identifiers: { system: string; value: string }[];
  ethnicCategory?: string | null;
}

/** The person_record column each field of a source record is kept in (besides its provenance). */
export const RECORD_COLUMNS = {
  nhs_number: "nhsNumber",
  family_name: "family",
  given_name: "given",
  birth_date: "birthDate",
  sex: "sex",
  postcode: "postcode",
} as const satisfies Record<string, keyof SourceRecordInput>;

export interface Identifier {
  system: string;
  value: string;
}

/** The identifiers a record contributes: its valid NHS Number and its local identifiers. */
export function recordIdentifiers(r: SourceRecordInput, trustedNhs: string | null): Identifier[] {
  const out: Identifier[] = [];
  if (trustedNhs) out.push({ system: NHS_NUMBER_SYSTEM, value: trustedNhs });
  for (const i of r.identifiers) {
    if (!out.some((o) => o.system === i.system && o.value === i.value)) out.push(i);
  }
  return out;
}

export function validNhs(r: { nhsNumber: string | null }): string | null {
  return r.nhsNumber ? normaliseNhsNumber(r.nhsNumber) : null;
}

export function toMatchRecord(r: SourceRecordInput): MatchRecord {
  return {
    nhsNumber: r.nhsNumber,
    family: r.family,
    given: r.given,
    birthDate: r.birthDate,
    sex: r.sex,
    postcode: r.postcode,
  };
}

/** The demographic columns of the person and person_record tables, as a query selects them. */
export type DemographicRow = {
  nhs_number: string | null;
  family_name: string | null;
  given_name: string | null;
  birth_date: string | null;
  sex: string | null;
  postcode: string | null;
};

/** A person or person_record row's demographics, as a record to score. */
export function matchRecordFromRow(r: DemographicRow): MatchRecord {
  return {
    nhsNumber: r.nhs_number,
    family: r.family_name,
    given: r.given_name,
    birthDate: r.birth_date,
    sex: r.sex,
    postcode: r.postcode,
  };
}

/** Day and month swapped, when that is a real date and differs. */
export function swappedBirthDate(iso: string | null): string | null {
  if (!iso || !isIsoDate(iso)) return null;
  const [y, m, d] = iso.split("-");
  if (m === d || Number(d) > 12) return null;
  const swapped = `${y}-${d}-${m}`;
  return isIsoDate(swapped) ? swapped : null;
}

/** The blocking keys a record is filed under. */
export function blockKeys(r: MatchRecord): string[] {
  const keys = new Set<string>();
  const family = normaliseName(r.family);
  const given = normaliseName(r.given);
  if (r.birthDate) keys.add(`d:${r.birthDate}`);
  if (family && given) keys.add(`n:${soundex(family)}:${given[0]}`);
  if (given && r.birthDate) keys.add(`g:${soundex(given)}:${r.birthDate.slice(0, 4)}`);
  const postcode = normalisePostcode(r.postcode);
  if (postcode) keys.add(`p:${postcode}`);
  return [...keys];
}

/** The keys to look a record up under: its own, plus those a swap of day and month or of names would give. */
export function searchKeys(r: MatchRecord): string[] {
  const keys = new Set(blockKeys(r));
  const swapped = swappedBirthDate(r.birthDate);
  if (swapped) keys.add(`d:${swapped}`);
  const family = normaliseName(r.family);
  const given = normaliseName(r.given);
  if (family && given) keys.add(`n:${soundex(given)}:${family[0]}`);
  if (family && r.birthDate) keys.add(`g:${soundex(family)}:${r.birthDate.slice(0, 4)}`);
  return [...keys];
}

/**
 * Which source's view makes the golden record, best first: the GP (registration, traced against the national
 * spine), the hospital, community and mental health systems; social care, whose records most often lack or
 * mistype the NHS Number and keep old addresses, last. Sources not listed rank between.
 */
export const GOLDEN_PRECEDENCE: readonly string[] = [
  "gp",
  "acute-pas",
  "community-ehr",
  "mental-health-ehr",
  "death-registration",
];
export const GOLDEN_LAST: readonly string[] = ["social-care"];
