import { isValidNhsNumber } from "../core/nhs-number.ts";
import {
  compareBirthDate,
  compareFamily,
  compareGiven,
  compareNhsNumber,
  comparePostcode,
  compareSex,
  type NameOutcome,
} from "./compare.ts";

// Fellegi–Sunter scoring. Each field comparison has an outcome; its weight is log2(m/u), where m is how often
// that outcome happens when the two records are the same person and u when they are not. The m and u values
// below are set from what source systems get wrong (nicknames, slips, stale addresses, swapped day and month)
// and how often unrelated people share a value (a date of birth is shared by about 1 in 25,000 pairs).
// The total is compared with two thresholds: at or above UPPER the record links by itself, below LOWER it is
// a new person, and in between it goes to the review queue. A field that flatly disagrees (a different given
// name, a different date of birth, two valid different NHS Numbers) stops an automatic link whatever the total:
// that is what twins and fathers and sons named alike look like.

export interface MatchRecord {
  nhsNumber: string | null;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
}

export interface FieldScore {
  field: "nhs-number" | "family-name" | "given-name" | "birth-date" | "sex" | "postcode";
  outcome: string;
  weight: number;
}

export interface MatchScore {
  total: number;
  fields: FieldScore[];
  /** A field flatly disagrees: never link automatically. */
  blocking: boolean;
}

export const UPPER_THRESHOLD = 19;
export const LOWER_THRESHOLD = 11;
/** With the same valid NHS Number, the demographics need only not contradict it. */
export const NHS_NUMBER_CONFIRM_THRESHOLD = 0;

const w = (m: number, u: number) => Math.log2(m / u);

const WEIGHTS = {
  nhs: { exact: w(0.97, 1e-7), "one-slip": w(0.02, 1e-6), different: w(0.001, 0.99), missing: 0 },
  family: {
    exact: w(0.93, 0.01),
    variant: w(0.04, 0.005),
    similar: w(0.05, 0.02),
    initial: 0,
    different: w(0.02, 0.97),
    missing: 0,
  },
  given: {
    exact: w(0.88, 0.02),
    variant: w(0.06, 0.003),
    similar: w(0.04, 0.01),
    initial: w(0.01, 0.03),
    different: w(0.01, 0.94),
    missing: 0,
  },
  dob: {
    exact: w(0.96, 0.00004),
    swapped: w(0.01, 0.00004),
    "one-part": w(0.025, 0.0012),
    different: w(0.005, 0.9988),
    missing: 0,
  },
  sex: { agree: w(0.98, 0.5), disagree: w(0.02, 0.5), missing: 0 },
  postcode: {
    exact: w(0.75, 0.003),
    sector: w(0.05, 0.01),
    district: w(0.05, 0.05),
    different: w(0.15, 0.937),
    missing: 0,
  },
} as const;

function namesSwapped(a: MatchRecord, b: MatchRecord): boolean {
  const ok = (o: NameOutcome) => o === "exact" || o === "variant" || o === "similar";
  return ok(compareGiven(a.given, b.family)) && ok(compareFamily(a.family, b.given));
}

/** Scores a record against one record of a candidate person. */
export function scorePair(a: MatchRecord, b: MatchRecord): MatchScore {
  const fields: FieldScore[] = [];
  let blocking = false;

  const validA = a.nhsNumber !== null && isValidNhsNumber(a.nhsNumber);
  const validB = b.nhsNumber !== null && isValidNhsNumber(b.nhsNumber);
  let nhs = compareNhsNumber(a.nhsNumber, b.nhsNumber);
  if (nhs === "different" && !(validA && validB)) nhs = "missing"; // a mistyped number far from this one says little
  if (nhs === "one-slip" && validA && validB) nhs = "different"; // two real numbers one slip apart are two people
  if (nhs === "exact" && !(validA && validB)) nhs = "one-slip"; // the same invalid number: a copied slip
  if (nhs === "different") blocking = true;
  fields.push({ field: "nhs-number", outcome: nhs, weight: WEIGHTS.nhs[nhs] });

  let family: NameOutcome = compareFamily(a.family, b.family);
  let given: NameOutcome = compareGiven(a.given, b.given);
  if ((family === "different" || given === "different") && namesSwapped(a, b)) {
    // Given and family names entered the wrong way round: evidence, but weaker than names in place.
    family = "variant";
    given = "similar";
  }
  if (given === "different") blocking = true;
  fields.push({ field: "family-name", outcome: family, weight: WEIGHTS.family[family] });
  fields.push({ field: "given-name", outcome: given, weight: WEIGHTS.given[given] });

  const dob = compareBirthDate(a.birthDate, b.birthDate);
  if (dob === "different") blocking = true;
  fields.push({ field: "birth-date", outcome: dob, weight: WEIGHTS.dob[dob] });

  const sex = compareSex(a.sex, b.sex);
  fields.push({ field: "sex", outcome: sex, weight: WEIGHTS.sex[sex] });

  const postcode = comparePostcode(a.postcode, b.postcode);
  fields.push({ field: "postcode", outcome: postcode, weight: WEIGHTS.postcode[postcode] });

  let total = 0;
  for (const f of fields) total += f.weight;
  return { total, fields, blocking };
}

/** Scores a record against a person: the best score over the person's records (their addresses over time). */
export function scoreAgainstPerson(a: MatchRecord, records: readonly MatchRecord[]): MatchScore | null {
  let best: MatchScore | null = null;
  for (const r of records) {
    const s = scorePair(a, r);
    if (!best || s.total > best.total) best = s;
  }
  return best;
}

export type MatchDecision = "link" | "review" | "new";

export function decide(score: MatchScore | null): MatchDecision {
  if (!score || score.total < LOWER_THRESHOLD) return "new";
  if (score.total >= UPPER_THRESHOLD && !score.blocking) return "link";
  return "review";
}

/** The score without the NHS Number field: what confirms (or contradicts) an NHS Number match. */
export function demographicTotal(score: MatchScore): number {
  let total = 0;
  for (const f of score.fields) if (f.field !== "nhs-number") total += f.weight;
  return total;
}
