// The embedded engine's PostgreSQL settings: OnePlace's own (memory bounded, WAL kept to crash recovery), which
// ONEPLACE_PGLITE_SETTINGS may change one by one; a malformed one is refused, saying how to write it, before the
// database is opened.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DatabaseError, openDb, storeConfigFromEnv } from "../../src/store/index.ts";
import { PGLITE_SETTINGS } from "../../src/store/pglite-engine.ts";
import { createTestDatabase, serverUrl } from "../helpers/test-db.ts";

test("the embedded engine's settings are OnePlace's unless ONEPLACE_PGLITE_SETTINGS changes some", () => {
  assert.deepEqual(storeConfigFromEnv({}).pgliteSettings, PGLITE_SETTINGS);
  assert.deepEqual(
    storeConfigFromEnv({ ONEPLACE_PGLITE_SETTINGS: " shared_buffers=64MB, work_mem=2MB " }).pgliteSettings,
    { ...PGLITE_SETTINGS, shared_buffers: "64MB", work_mem: "2MB" },
  );
});

test("a setting that is not name=value is refused, saying how to write one", () => {
  for (const bad of ["shared_buffers", "=64MB", "shared_buffers 64MB"]) {
    assert.throws(
      () => storeConfigFromEnv({ ONEPLACE_PGLITE_SETTINGS: bad }),
      (e: unknown) =>
        e instanceof DatabaseError && /not name=value/.test(e.message) && /name=value/.test(e.hint ?? ""),
      bad,
    );
  }
});

test("the embedded engine runs with its settings, and refuses one it cannot take before opening anything", {
  skip: serverUrl ? "the embedded engine's own" : false,
}, async () => {
  const scratch = await createTestDatabase({ server: null });
  try {
    const config = storeConfigFromEnv({ ONEPLACE_PGLITE_SETTINGS: "work_mem=3MB" });
    const db = await openDb({ ...config, home: scratch.home });
    try {
      const show = async (name: string) =>
        (await db.query<{ v: string }>(`SELECT current_setting('${name}') AS v`))[0].v;
      assert.equal(await show("work_mem"), "3MB");
      assert.equal(await show("wal_level"), "minimal");
      assert.equal(await show("shared_buffers"), PGLITE_SETTINGS.shared_buffers);
    } finally {
      await db.close();
    }
    await assert.rejects(
      openDb({ home: scratch.home, pgliteSettings: { work_mem: "3MB'; DROP TABLE person; --" } }),
      (e: unknown) => e instanceof DatabaseError && e.code === "store.embedded-setting",
    );
    // Refused before the lock was taken: the database opens again at once.
    const again = await openDb({ home: scratch.home });
    await again.close();
  } finally {
    await scratch.drop();
  }
});
