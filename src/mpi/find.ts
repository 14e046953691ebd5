// Finding a person for a practitioner: by NHS Number (the golden record or any identifier the MPI gave the
// person), or by name and date of birth (and postcode), tolerant of the same slips the MPI forgives when it
// links records: nicknames, misspelt or swapped names, day and month swapped, one part of the date wrong,
// a stale postcode. Candidates come from the date of birth and its slips (index look-ups on birth_date in the
// golden record and in every source's record); each is scored with scorePair against the golden record and
// every record a source holds, and kept when its names and date of birth are the same person's by the MPI's
// own comparisons. Nothing here decides access or audits: the governed reader does, before anyone is shown.
import { NHS_NUMBER_SYSTEM } from "../core/codes.ts";
import { daysInMonth, isIsoDate } from "../core/dates.ts";
import { isValidNhsNumber } from "../core/nhs-number.ts";
import { prepared, type Queryable } from "../store/index.ts";
import { oneSlipNeighbours } from "./compare.ts";
import { swappedBirthDate } from "./records.ts";
import { type FieldScore, LOWER_THRESHOLD, type MatchRecord, type MatchScore, scorePair } from "./score.ts";

/** What someone typed to find a person by their details. */
export interface DemographicQuery {
  family: string | null;
  given: string | null;
  /** YYYY-MM-DD. */
  birthDate: string;
  postcode: string | null;
}

/** One person the details match, with how well (before any access decision). */
export interface DemographicMatch {
  personId: string;
  score: number;
  /** Every field typed agreed exactly with one record of the person. */
  exact: boolean;
  /** The slips between what was typed and the record that matched best, in words ("day and month swapped"). */
  differences: string[];
  /** The source system whose record matched best; null when it was the golden record. */
  matchedSource: string | null;
}

/** At most this many people come back from one search, best first. */
export const MAX_FIND_MATCHES = 100;

// Find by NHS Number runs these on every search: prepared.
const BY_NHS_NUMBER = prepared(
  "mpi.find.nhs-number",
  `SELECT person_id::text AS person_id FROM person WHERE nhs_number = $1
   UNION
   SELECT person_id::text FROM person_identifier WHERE system = $2 AND value = $1`,
);

/** The people holding a valid NHS Number now: on their golden record, or as an identifier the MPI gave them. */
export async function peopleByNhsNumber(db: Queryable, nhsNumber: string): Promise<string[]> {
  const rows = await db.query<{ person_id: string }>(BY_NHS_NUMBER, [nhsNumber, NHS_NUMBER_SYSTEM]);
  return rows.map((r) => r.person_id).sort();
}

/**
 * The people whose NHS Number is one keying slip (one digit changed, or two neighbours swapped) from ten
 * digits that fail the check digit: whom a mistyped number most likely meant.
 */
export async function peopleNearNhsNumber(db: Queryable, digits: string): Promise<string[]> {
  const near = oneSlipNeighbours(digits).filter(isValidNhsNumber);
  if (near.length === 0) return [];
  const rows = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM person WHERE nhs_number = ANY ($1::text[]) ORDER BY nhs_number",
    [near],
  );
  return rows.map((r) => r.person_id);
}

/** The dates a date of birth may have been recorded as, by the slips compareBirthDate forgives. */
export function birthDateVariants(iso: string): { dates: string[]; monthFrom: string; monthTo: string } {
  const [y, m, d] = iso.split("-");
  const year = Number(y);
  const dates = new Set<string>([iso]);
  const swapped = swappedBirthDate(iso);
  if (swapped) dates.add(swapped);
  for (const other of [year - 1, year + 1]) {
    const candidate = `${String(other).padStart(4, "0")}-${m}-${d}`;
    if (isIsoDate(candidate)) dates.add(candidate);
  }
  for (let month = 1; month <= 12; month++) {
    const candidate = `${y}-${String(month).padStart(2, "0")}-${d}`;
    if (isIsoDate(candidate)) dates.add(candidate);
  }
  const month = Number(m);
  return {
    dates: [...dates],
    monthFrom: `${y}-${m}-01`,
    monthTo: `${y}-${m}-${String(daysInMonth(year, month)).padStart(2, "0")}`,
  };
}

const SAME: Record<string, readonly string[]> = {
  "family-name": ["exact", "variant", "similar"],
  "given-name": ["exact", "variant", "similar", "initial", "missing"],
  "birth-date": ["exact", "swapped", "one-part"],
};

const IN_WORDS: Record<string, Record<string, string>> = {
  "family-name": { variant: "names entered the wrong way round", similar: "family name spelt differently" },
  "given-name": {
    variant: "a short form of the given name",
    similar: "given name spelt differently",
    initial: "given name recorded as an initial",
  },
  "birth-date": {
    swapped: "day and month of birth swapped",
    "one-part": "one part of the date of birth differs",
  },
  postcode: {
    sector: "postcode differs in its last letters",
    district: "postcode in the same district",
    different: "a different postcode",
  },
};

function differencesOf(fields: FieldScore[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const words = IN_WORDS[f.field]?.[f.outcome];
    if (words && !out.includes(words)) out.push(words);
  }
  return out;
}

/** The same person by the MPI's comparisons: names and date of birth agree, allowing the slips it forgives. */
export function isFindMatch(score: MatchScore): boolean {
  for (const f of score.fields) {
    const allowed = SAME[f.field];
    if (allowed && !allowed.includes(f.outcome)) return false;
  }
  return score.total >= LOWER_THRESHOLD;
}

type CandidateRow = {
  person_id: string;
  source_system: string | null;
  family_name: string | null;
  given_name: string | null;
  birth_date: string | null;
  sex: string | null;
  postcode: string | null;
};

/**
 * The people whose golden record, or any source's record of them, matches the details typed, best first.
 * The query record carries no NHS Number and no sex, so only names, date of birth and postcode score.
 */
export async function peopleByDemographics(
  db: Queryable,
  query: DemographicQuery,
): Promise<DemographicMatch[]> {
  const { dates, monthFrom, monthTo } = birthDateVariants(query.birthDate);
  // One row of JSON, not a row per record: on PGlite, reading ~1,000 rows of seven fields out of the engine cost
  // more CPU than finding them (5 ms of a search's 20). On PostgreSQL the server's json_agg costs about what
  // Node saves (at Thurrock scale ~1 ms a search more in all; the page was within its target there).
  const [found] = await db.query<{ rows: string | null }>(
    `WITH candidate AS (
       SELECT person_id FROM person WHERE birth_date = ANY ($1::date[]) OR birth_date BETWEEN $2::date AND $3::date
       UNION
       SELECT person_id FROM person_record
        WHERE birth_date = ANY ($1::date[]) OR birth_date BETWEEN $2::date AND $3::date
     )
     SELECT json_agg(json_build_array(person_id, source_system, family_name, given_name, birth_date, sex,
                                      postcode))::text AS rows
       FROM (SELECT p.person_id::text AS person_id, NULL::text AS source_system, p.family_name, p.given_name,
                    p.birth_date::text AS birth_date, p.sex, p.postcode
               FROM person p JOIN candidate c ON c.person_id = p.person_id
             UNION ALL
             SELECT r.person_id::text, r.source_system, r.family_name, r.given_name, r.birth_date::text, r.sex,
                    r.postcode
               FROM person_record r JOIN candidate c ON c.person_id = r.person_id) found`,
    [dates, monthFrom, monthTo],
  );
  const rows: CandidateRow[] = (JSON.parse(found?.rows ?? "[]") as (string | null)[][]).map(
    ([person_id, source_system, family_name, given_name, birth_date, sex, postcode]) => ({
      person_id: person_id as string,
      source_system,
      family_name,
      given_name,
      birth_date,
      sex,
      postcode,
    }),
  );
  const typed: MatchRecord = {
    nhsNumber: null,
    family: query.family,
    given: query.given,
    birthDate: query.birthDate,
    sex: null,
    postcode: query.postcode,
  };
  const best = new Map<string, { score: MatchScore; source: string | null }>();
  for (const r of rows) {
    const score = scorePair(typed, {
      nhsNumber: null,
      family: r.family_name,
      given: r.given_name,
      birthDate: r.birth_date,
      sex: r.sex,
      postcode: r.postcode,
    });
    if (!isFindMatch(score)) continue;
    const held = best.get(r.person_id);
    // The golden record comes first for a person; a source's record replaces it only by scoring higher.
    if (!held || score.total > held.score.total) best.set(r.person_id, { score, source: r.source_system });
  }
  return [...best]
    .map(([personId, { score, source }]) => ({
      personId,
      score: score.total,
      exact: score.fields.every((f) => f.outcome === "exact" || f.outcome === "missing"),
      differences: differencesOf(score.fields),
      matchedSource: source,
    }))
    .sort((a, b) => b.score - a.score || a.personId.localeCompare(b.personId))
    .slice(0, MAX_FIND_MATCHES);
}

/** What a search result shows to tell people apart, read only for the people the reader disclosed. */
export interface FoundPersonRow {
  personId: string;
  nhsNumber: string | null;
  name: { given: string | null; family: string | null };
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
  practiceCode: string | null;
  practiceName: string | null;
  diedOn: string | null;
}

const FOUND_PEOPLE = prepared(
  "mpi.find.found-people",
  `SELECT p.person_id::text AS person_id, p.nhs_number, p.given_name, p.family_name, p.birth_date::text AS birth_date,
            p.sex, p.postcode, reg.practice_code, o.name AS practice_name, d.died_on::text AS died_on
       FROM person p
       LEFT JOIN LATERAL (
         SELECT practice_code FROM registration r
          WHERE r.person_id = p.person_id AND r.deregistered_on IS NULL
          ORDER BY registered_on DESC LIMIT 1
       ) reg ON true
       LEFT JOIN organisation o ON o.org_code = reg.practice_code
       LEFT JOIN death d ON d.person_id = p.person_id
      WHERE p.person_id = ANY ($1::uuid[])`,
);

export async function readFoundPeople(
  db: Queryable,
  personIds: readonly string[],
): Promise<FoundPersonRow[]> {
  if (personIds.length === 0) return [];
  const rows = await db.query<{
    person_id: string;
    nhs_number: string | null;
    given_name: string | null;
    family_name: string | null;
    birth_date: string | null;
    sex: string | null;
    postcode: string | null;
    practice_code: string | null;
    practice_name: string | null;
    died_on: string | null;
  }>(FOUND_PEOPLE, [personIds]);
  return rows.map((r) => ({
    personId: r.person_id,
    nhsNumber: r.nhs_number,
    name: { given: r.given_name, family: r.family_name },
    birthDate: r.birth_date,
    sex: r.sex,
    postcode: r.postcode,
    practiceCode: r.practice_code,
    practiceName: r.practice_name,
    diedOn: r.died_on,
  }));
}
