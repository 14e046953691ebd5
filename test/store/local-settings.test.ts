// Settings for the rest of a transaction reach the backends that run its work: on a Citus cluster the workers'
// connections (each shard's part of a statement runs there), where a plain SET LOCAL stays on the coordinator.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setLocal } from "../../src/store/index.ts";
import { insertPerson, makePerson } from "../governance/fixtures.ts";
import { useTestDb } from "../helpers/test-db.ts";

const store = useTestDb({
  async setup(db) {
    // Enough people for every shard of person to hold some.
    for (let i = 0; i < 24; i++) await insertPerson(db, makePerson({ familyName: `Settings${i}` }));
  },
});

/** work_mem as each backend that reads a row of person sees it (every shard's, on a cluster). */
const SEEN =
  "SELECT DISTINCT current_setting('work_mem') || left(person_id::text, 0) AS work_mem FROM person";

test("SET LOCAL settings reach every backend of the transaction, connections opened before them too, and end with it", async () => {
  const db = store.db;
  const [before] = await db.query<{ work_mem: string }>("SHOW work_mem");
  const seen = await db.transaction(async (tx) => {
    await tx.query("SELECT count(*) FROM person");
    await setLocal(tx, { work_mem: "'77MB'", jit: "off" });
    const first = await tx.query<{ work_mem: string }>(SEEN);
    await setLocal(tx, { work_mem: "'78MB'" });
    return [first, await tx.query<{ work_mem: string }>(SEEN)];
  });
  assert.deepEqual(seen, [[{ work_mem: "77MB" }], [{ work_mem: "78MB" }]]);
  const after = await db.query<{ work_mem: string }>(SEEN);
  assert.deepEqual(after, [{ work_mem: before.work_mem }], "a SET LOCAL ends with its transaction");
});
