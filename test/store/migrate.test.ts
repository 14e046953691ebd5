import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { discoverMigrations, migrate, migrationStatus } from "../../src/store/migrate.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
before(async () => {
  t = await openTestDb({ migrate: false });
});
after(() => t.dispose());

test("migrations are found in every capability folder and ordered by number", () => {
  const ids = discoverMigrations().map((m) => m.id);
  assert.ok(ids.length >= 4);
  assert.deepEqual(ids, [...ids].sort());
  assert.equal(ids[0], "0001_reference");
});

test("two migrations with one number are refused", () => {
  const src = mkdtempSync(join(tmpdir(), "oneplace-mig-"));
  for (const folder of ["a", "b"]) {
    mkdirSync(join(src, folder, "migrations"), { recursive: true });
    writeFileSync(join(src, folder, "migrations", `0007_${folder}.sql`), "SELECT 1;");
  }
  assert.throws(() => discoverMigrations(src), /share the number 0007/);
});

test("migrate applies each pending migration once and records it", async () => {
  const before = await migrationStatus(t.db);
  assert.ok(before.every((s) => s.state === "pending"));
  const applied = await migrate(t.db);
  assert.deepEqual(
    applied,
    before.map((s) => s.id),
  );
  assert.deepEqual(await migrate(t.db), []);
  const after = await migrationStatus(t.db);
  assert.ok(after.every((s) => s.state === "applied" && s.appliedAt));
  const tables = await t.db.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('person', 'hospital_spell', 'care_home_placement')",
  );
  assert.equal(tables[0].n, 3);
});

test("an applied migration that was edited is reported and blocks migrate", async () => {
  await t.db.query("UPDATE schema_migration SET checksum = 'edited' WHERE id = '0002_person'");
  const status = await migrationStatus(t.db);
  assert.equal(status.find((s) => s.id === "0002_person")?.state, "changed-since-applied");
  await assert.rejects(
    migrate(t.db),
    onePlaceError("conflict", "store.migrations-changed", /changed after they were applied: 0002_person/),
  );
});

test("a failing migration is rolled back whole and names itself", async () => {
  const migrations = [
    {
      id: "9001_bad",
      path: "inline",
      sql: "CREATE TABLE half_made (id int); SELECT no_such_column FROM half_made;",
      checksum: "x",
    },
  ];
  await assert.rejects(migrate(t.db, migrations), /Migration 9001_bad failed/);
  const rows = await t.db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_made'");
  assert.equal(rows.length, 0);
});
