// The SQL behind the governed reader's person reads. Nothing here decides or audits: these run only after
// reader.ts has had the decision (and its audit row) for exactly the people they read.
import { prepared, type Queryable } from "../store/index.ts";

export interface PersonDemographics {
  personId: string;
  nhsNumber: string | null;
  name: { given: string | null; family: string | null };
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
  /** The practice the person is registered with now, if any. */
  practiceCode: string | null;
}

/** One line of a register or a list: enough to pick the person out, nothing more. */
export interface PersonSummary {
  personId: string;
  nhsNumber: string | null;
  name: { given: string | null; family: string | null };
  birthDate: string | null;
}

/** One source system's record of a person, as the master person index holds it. */
export interface PersonRecord {
  personId: string;
  sourceSystem: string;
  sourceRecordId: string;
  nhsNumber: string | null;
  familyName: string | null;
  givenName: string | null;
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
}

type Text = string | null;

export async function readDemographics(db: Queryable, personId: string): Promise<PersonDemographics | null> {
  // The subquery names the person ($1) rather than correlating with p, so Citus routes it to their shard alone.
  const rows = await db.query(
    `SELECT p.person_id, p.nhs_number, p.given_name, p.family_name, p.birth_date, p.sex, p.postcode,
            (SELECT practice_code FROM registration r WHERE r.person_id = $1 AND r.deregistered_on IS NULL
              ORDER BY registered_on DESC LIMIT 1) AS practice_code
       FROM person p WHERE p.person_id = $1`,
    [personId],
  );
  const p = rows[0];
  if (!p) return null;
  return {
    personId: p.person_id as string,
    nhsNumber: p.nhs_number as Text,
    name: { given: p.given_name as Text, family: p.family_name as Text },
    birthDate: p.birth_date as Text,
    sex: p.sex as Text,
    postcode: p.postcode as Text,
    practiceCode: p.practice_code as Text,
  };
}

// Every list of people a page shows (home panels, worklists, notifications) names them through this: prepared.
const SUMMARIES = prepared(
  "gov.person.summaries",
  `SELECT person_id, nhs_number, given_name, family_name, birth_date FROM person
    WHERE person_id = ANY ($1::uuid[]) ORDER BY family_name, given_name, person_id`,
);

export async function readSummaries(db: Queryable, personIds: readonly string[]): Promise<PersonSummary[]> {
  if (personIds.length === 0) return [];
  const rows = await db.query(SUMMARIES, [personIds]);
  return rows.map((p) => ({
    personId: p.person_id as string,
    nhsNumber: p.nhs_number as Text,
    name: { given: p.given_name as Text, family: p.family_name as Text },
    birthDate: p.birth_date as Text,
  }));
}

/** The people registered at a practice now: candidates, before the access filter. */
export async function registerCandidates(
  db: Queryable,
  practiceCode: string,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ person_id: string }>(
    `SELECT DISTINCT person_id FROM registration WHERE practice_code = $1 AND deregistered_on IS NULL
      LIMIT ${Number(limit)}`,
    [practiceCode],
  );
  return rows.map((r) => r.person_id);
}

export async function readPersonRecords(
  db: Queryable,
  personIds: readonly string[],
): Promise<PersonRecord[]> {
  if (personIds.length === 0) return [];
  const rows = await db.query(
    `SELECT person_id::text AS person_id, source_system, source_record_id, nhs_number, family_name, given_name,
            birth_date, sex, postcode
       FROM person_record WHERE person_id = ANY ($1::uuid[]) ORDER BY person_id, source_system, source_record_id`,
    [personIds],
  );
  return rows.map((r) => ({
    personId: r.person_id as string,
    sourceSystem: r.source_system as string,
    sourceRecordId: r.source_record_id as string,
    nhsNumber: r.nhs_number as Text,
    familyName: r.family_name as Text,
    givenName: r.given_name as Text,
    birthDate: r.birth_date as Text,
    sex: r.sex as Text,
    postcode: r.postcode as Text,
  }));
}

/** The person's latest score from the last full stratification, if they were scored. */
export async function readRiskScore(
  db: Queryable,
  personId: string,
): Promise<{ probability: number | null; riskTier: string | null; riskPercentile: number | null } | null> {
  const [row] = await db.query<{
    probability: number | null;
    risk_tier: string | null;
    risk_percentile: number | null;
  }>("SELECT probability, risk_tier, risk_percentile FROM risk_person WHERE person_id = $1", [personId]);
  return row
    ? { probability: row.probability, riskTier: row.risk_tier, riskPercentile: row.risk_percentile }
    : null;
}
