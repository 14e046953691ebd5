// The scratch databases every test relies on: copies of one template, so each must start as the template
// left it (empty, or with every migration applied) and never see another test file's rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { migrationStatus } from "../../src/store/index.ts";
import { citusTest, createTestDatabase, openTestDb, withDatabase } from "./test-db.ts";

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

test("a test's database on a server commits without waiting for the disk; a benchmark's keeps the server's setting", async (t) => {
  const probe = "SHOW synchronous_commit";
  const forTest = await openTestDb();
  try {
    if (forTest.db.engine === "pglite") return t.skip("the embedded engine has no server setting to keep");
    if (citusTest)
      return t.skip("a Citus test database is a copy of the cluster's template, made fast by the cluster");
    const forBench = await openTestDb({ durableCommits: true });
    try {
      assert.deepEqual(await forTest.db.query(probe), [{ synchronous_commit: "off" }]);
      assert.deepEqual(await forBench.db.query(probe), [{ synchronous_commit: "on" }]);
    } finally {
      await forBench.dispose();
    }
  } finally {
    await forTest.dispose();
  }
});
