import { type Queryable, runWrites, type Write, withNhsNumberRoutes } from "../store/index.ts";
import { GOLDEN_LAST, GOLDEN_PRECEDENCE } from "./records.ts";

// The golden record of each person, recomputed from the source records linked to them: the best record (one
// with a trusted NHS Number first, then by source precedence, then the latest) gives names, date of birth, sex
// and postcode; the postcode gives the small area; the ethnic category comes from the best record that has
// one. A person left with no records is removed (their records went to someone else).

// The people's links are read first, on their own: on a Citus cluster the links are on the coordinator and the
// records distributed by person, and a statement that writes person cannot join the two directly. `best` is each
// person's best record.
const BEST = `
links AS MATERIALIZED (
  SELECT person_id, source_system, source_record_id, nhs_number, ethnic_category FROM mpi_record_link
   WHERE person_id = ANY($1::uuid[])
), candidates AS (
  SELECT pr.person_id, pr.source_system, pr.source_record_id, pr.family_name, pr.given_name, pr.birth_date,
         pr.sex, pr.postcode, pr.received_at, l.nhs_number, l.ethnic_category,
         COALESCE(array_position($2::text[], pr.source_system),
                  CASE WHEN pr.source_system = ANY($3::text[]) THEN 1000 ELSE 100 END) AS rank
  FROM person_record pr
  JOIN links l ON l.source_system = pr.source_system AND l.source_record_id = pr.source_record_id
                        AND l.person_id = pr.person_id
  WHERE pr.person_id = ANY($1::uuid[]) AND pr.birth_date IS NOT NULL
), best AS (
  SELECT DISTINCT ON (person_id) *
  FROM candidates
  ORDER BY person_id, (nhs_number IS NOT NULL) DESC, rank, received_at DESC, source_system, source_record_id
)`;

const ETHNIC = `
ethnic AS (
  SELECT DISTINCT ON (person_id) person_id, ethnic_category
  FROM candidates WHERE ethnic_category IS NOT NULL
  ORDER BY person_id, rank, received_at DESC
)`;

const GOLDEN_INSERT = `
INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, postcode, area_code,
                    ethnic_category, source_system, source_record_id, received_at)
SELECT b.person_id, b.nhs_number, COALESCE(b.family_name, ''), COALESCE(b.given_name, ''), b.birth_date,
       CASE WHEN b.sex IN ('female', 'male', 'other', 'unknown') THEN b.sex ELSE 'unknown' END,
       b.postcode, pa.area_code, e.ethnic_category, b.source_system, b.source_record_id, b.received_at
FROM best b
LEFT JOIN ethnic e ON e.person_id = b.person_id
LEFT JOIN postcode_area pa ON pa.postcode = b.postcode
ON CONFLICT (person_id) DO UPDATE SET
  nhs_number = excluded.nhs_number, family_name = excluded.family_name, given_name = excluded.given_name,
  birth_date = excluded.birth_date, sex = excluded.sex, postcode = excluded.postcode,
  area_code = excluded.area_code, ethnic_category = excluded.ethnic_category,
  source_system = excluded.source_system, source_record_id = excluded.source_record_id,
  received_at = excluded.received_at
WHERE (person.nhs_number, person.family_name, person.given_name, person.birth_date, person.sex, person.postcode,
       person.area_code, person.ethnic_category, person.source_system, person.source_record_id, person.received_at)
  IS DISTINCT FROM
      (excluded.nhs_number, excluded.family_name, excluded.given_name, excluded.birth_date, excluded.sex,
       excluded.postcode, excluded.area_code, excluded.ethnic_category, excluded.source_system,
       excluded.source_record_id, excluded.received_at)`;

const RECOMPUTE_SQL = `WITH ${BEST}, ${ETHNIC} ${GOLDEN_INSERT}`;

// Not correlated with person: on a Citus cluster the links are on the coordinator.
const REMOVE_UNLINKED_SQL = `DELETE FROM person p WHERE p.person_id = ANY($1::uuid[])
  AND p.person_id NOT IN (SELECT l.person_id FROM mpi_record_link l WHERE l.person_id = ANY($1::uuid[]))`;

/**
 * Recomputes the golden records of these people, and removes those left without any record, keeping their NHS
 * Numbers' routes in step.
 */
export async function recomputeGolden(q: Queryable, personIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(personIds)];
  if (ids.length === 0) return;
  await withNhsNumberRoutes(q, ids, async () => {
    await q.query(RECOMPUTE_SQL, [ids, GOLDEN_PRECEDENCE, GOLDEN_LAST]);
    await q.query(REMOVE_UNLINKED_SQL, [ids]);
  });
}

const ADD_IDENTIFIERS_SQL = `
WITH links AS MATERIALIZED (
  SELECT person_id, source_system, source_record_id, identifiers FROM mpi_record_link WHERE person_id = ANY($1::uuid[])
)
INSERT INTO person_identifier (person_id, system, value, source_system, received_at)
SELECT DISTINCT ON (l.person_id, i.system, i.value) l.person_id, i.system, i.value, l.source_system, pr.received_at
FROM links l
JOIN person_record pr ON pr.person_id = l.person_id AND pr.source_system = l.source_system
                     AND pr.source_record_id = l.source_record_id
CROSS JOIN LATERAL jsonb_to_recordset(l.identifiers) AS i(system text, value text)
WHERE l.person_id = ANY($1::uuid[])
ORDER BY l.person_id, i.system, i.value, pr.received_at, l.source_system
ON CONFLICT (person_id, system, value) DO NOTHING`;

/** Adds the identifiers these people's records give them (idempotent). */
export async function addIdentifiers(q: Queryable, personIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(personIds)];
  if (ids.length === 0) return;
  await q.query(ADD_IDENTIFIERS_SQL, [ids]);
}

/** Rebuilds the identifiers of people whose records changed hands (merge, unmerge, relink). */
export async function rebuildIdentifiers(q: Queryable, personIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(personIds)];
  if (ids.length === 0) return;
  await q.query("DELETE FROM person_identifier WHERE person_id = ANY($1::uuid[])", [ids]);
  await q.query(ADD_IDENTIFIERS_SQL, [ids]);
}

/**
 * recomputeGolden then addIdentifiers for people who only gained records (a link never takes a record from
 * anyone, so nobody is left without one to remove), their NHS Numbers' routes kept in step. Both read the
 * records and links, which must be written by an earlier statement. The people's numbers are read before and
 * after, and only a changed one is written. (The routes written inside the golden records' own statement, joined
 * to person as it was, made a master person index load three times slower on one server: 24,000 patients in
 * batches took 31-40 s against 10; this form 13 s. Citus cannot join the routes to person anyway.)
 */
export async function writeGoldenAndIdentifiers(q: Queryable, personIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(personIds)];
  if (ids.length === 0) return;
  const params = [ids, GOLDEN_PRECEDENCE, GOLDEN_LAST];
  const identifiers: Write = { text: ADD_IDENTIFIERS_SQL, params: [ids] };
  await withNhsNumberRoutes(q, ids, () => runWrites(q, [{ text: RECOMPUTE_SQL, params }, identifiers]));
}
