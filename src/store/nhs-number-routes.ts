import { deferWrite, type Queryable } from "./db.ts";
import { isCitus } from "./layout.ts";
import { prepared } from "./prepared.ts";

// person_by_nhs_number (migration 1089): who holds each NHS Number, keyed by the number. On a Citus cluster it
// is sharded on the number (layout "nhs-number"), so a look-up by NHS Number reads one shard of it and then the
// person's own shard, where `person WHERE nhs_number = $1` went to every shard of person.
//
// Every writer of person's NHS Number keeps it in step in the same transaction: the master person index's
// golden record (mpi/golden.ts: every link, update, merge, unmerge, relink and change of number, whichever
// feed brought the record), the synthetic load (a row beside each person's, in its COPY), and fixtures that
// write person directly. test/mpi/nhs-number-routes.test.ts checks it on every engine.

/** The NHS Numbers these people hold now; a person not in `person` is not in the map. */
export async function nhsNumbersHeld(
  q: Queryable,
  personIds: readonly string[],
): Promise<Map<string, string | null>> {
  if (personIds.length === 0) return new Map();
  const rows = await q.query<{ person_id: string; nhs_number: string | null }>(
    "SELECT person_id::text AS person_id, nhs_number FROM person WHERE person_id = ANY($1::uuid[])",
    [personIds],
  );
  return new Map(rows.map((r) => [r.person_id, r.nhs_number]));
}

// The number is in each statement's filter, so that Citus sends it to the shards of those numbers alone.
const DROP_ROUTES = `DELETE FROM person_by_nhs_number WHERE nhs_number = ANY($1::text[])
  AND (nhs_number, person_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))`;
const ADD_ROUTES = `INSERT INTO person_by_nhs_number (nhs_number, person_id)
  SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING`;

/**
 * After writes to person: the routes of these people made what their rows say now, given the numbers they
 * held before (nhsNumbersHeld). Only a number that changed is written.
 */
export async function keepNhsNumberRoutes(
  q: Queryable,
  personIds: readonly string[],
  before: ReadonlyMap<string, string | null>,
): Promise<void> {
  const after = await nhsNumbersHeld(q, personIds);
  const gone: [string, string][] = [];
  const added: [string, string][] = [];
  for (const id of new Set(personIds)) {
    const was = before.get(id) ?? null;
    const now = after.get(id) ?? null;
    if (was === now) continue;
    if (was !== null) gone.push([was, id]);
    if (now !== null) added.push([now, id]);
  }
  if (gone.length > 0) await q.query(DROP_ROUTES, [gone.map((g) => g[0]), gone.map((g) => g[1])]);
  if (added.length > 0) await q.query(ADD_ROUTES, [added.map((a) => a[0]), added.map((a) => a[1])]);
}

// On one server: these people's routes made what person says now, in one statement that reads nothing back to
// the caller, so it is deferred with the write (a batch's whole MPI write then travels with its COMMIT, where the
// numbers read before and after cost two round trips, and the routes' write a third). A route that is still
// right is neither deleted nor written again (its key conflicts); the routes to drop are found by person
// (migration 1091's index). Not on Citus: there the routes are sharded on the number, and a look-up by person
// would go to every shard.
const SYNC_ROUTES = prepared(
  "store.nhs-number-routes-sync",
  `WITH held AS MATERIALIZED (
     SELECT person_id, nhs_number FROM person WHERE person_id = ANY($1::uuid[])
   ), gone AS (
     DELETE FROM person_by_nhs_number r WHERE r.person_id = ANY($1::uuid[])
       AND NOT EXISTS (SELECT 1 FROM held h WHERE h.person_id = r.person_id AND h.nhs_number = r.nhs_number)
   )
   INSERT INTO person_by_nhs_number (nhs_number, person_id)
   SELECT nhs_number, person_id FROM held WHERE nhs_number IS NOT NULL
   ON CONFLICT DO NOTHING`,
);

/**
 * Runs `write` (which writes these people's rows in person) with their NHS Number routes kept in step: on one
 * server by one statement after it, deferred with it (SYNC_ROUTES); on Citus by their numbers read before and
 * after, and only a changed one written.
 */
export async function withNhsNumberRoutes<T>(
  q: Queryable,
  personIds: readonly string[],
  write: () => Promise<T>,
): Promise<T> {
  const ids = [...new Set(personIds)];
  if (!isCitus(q)) {
    const result = await write();
    if (ids.length > 0) await deferWrite(q, SYNC_ROUTES, [ids]);
    return result;
  }
  const before = await nhsNumbersHeld(q, ids);
  const result = await write();
  await keepNhsNumberRoutes(q, ids, before);
  return result;
}

const ROUTED_ONE = prepared(
  "store.nhs-number-route",
  "SELECT person_id::text AS person_id FROM person_by_nhs_number WHERE nhs_number = $1 ORDER BY person_id",
);
const ROUTED_MANY = prepared(
  "store.nhs-number-routes",
  `SELECT nhs_number, person_id::text AS person_id FROM person_by_nhs_number WHERE nhs_number = ANY($1::text[])
   ORDER BY nhs_number, person_id`,
);

/** The people holding this NHS Number, from its routes: one shard on Citus. */
export async function peopleHoldingNhsNumber(q: Queryable, nhsNumber: string): Promise<string[]> {
  return (await q.query<{ person_id: string }>(ROUTED_ONE, [nhsNumber])).map((r) => r.person_id);
}

/** Each of these NHS Numbers' holders, from their routes: the shards of those numbers on Citus. */
export async function peopleHoldingNhsNumbers(
  q: Queryable,
  nhsNumbers: readonly string[],
): Promise<{ nhs_number: string; person_id: string }[]> {
  if (nhsNumbers.length === 0) return [];
  if (nhsNumbers.length === 1)
    return (await peopleHoldingNhsNumber(q, nhsNumbers[0])).map((person_id) => ({
      nhs_number: nhsNumbers[0],
      person_id,
    }));
  return q.query<{ nhs_number: string; person_id: string }>(ROUTED_MANY, [[...new Set(nhsNumbers)]]);
}
