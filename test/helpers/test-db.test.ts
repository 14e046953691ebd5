// The scratch databases every test relies on: copies of one template, so each must start as the template
// left it (empty, or with every migration applied) and never see another test file's rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { migrationStatus } from "../../src/store/index.ts";
import { createTestDatabase, openTestDb, withDatabase } from "./test-db.ts";

test("a migrated scratch database has every migration applied, and two of them share no rows", async () => {
  const [a, b] = await Promise.all([openTestDb(), openTestDb()]);
  try {
    for (const t of [a, b]) {
      const states = new Set((await migrationStatus(t.db)).map((m) => m.state));
      assert.deepEqual([...states], ["applied"]);
    }
    await a.db.exec("CREATE TABLE only_in_a (n int); INSERT INTO only_in_a VALUES (1)");
    const probe = "SELECT to_regclass('only_in_a') IS NOT NULL AS found";
    assert.deepEqual(await a.db.query(probe), [{ found: true }]);
    assert.deepEqual(await b.db.query(probe), [{ found: false }]);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
});

test("an empty scratch database has no tables, and one asked for migrated opens with them", async () => {
  const empty = await createTestDatabase();
  const migrated = await createTestDatabase({ migrated: true });
  try {
    const tables = (database: typeof empty) =>
      withDatabase(database, (db) =>
        db.query<{ n: number }>(
          // Base tables: Citus puts two views of its own (citus_tables, citus_schemas) in public.
          "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        ),
      );
    assert.equal((await tables(empty))[0].n, 0);
    assert.ok((await tables(migrated))[0].n > 20);
  } finally {
    await Promise.all([empty.drop(), migrated.drop()]);
  }
});
