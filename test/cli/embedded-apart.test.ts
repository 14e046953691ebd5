// A serving command's new embedded database is made in a child process and moved into place whole.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { makeEmbeddedDatabaseApart } from "../../src/cli/embedded-apart.ts";
import { DatabaseError, migrationStatus, openDb, pgliteDataDir } from "../../src/platform/index.ts";
import { serverUrl } from "../helpers/test-db.ts";

const homes: string[] = [];
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});
function scratchHome(): string {
  const home = mkdtempSync(join(tmpdir(), "oneplace-apart-"));
  homes.push(home);
  return home;
}

// The embedded engine's own: on a server run of the suite these would only repeat the PGlite run.
const embedded = { skip: serverUrl ? "the embedded engine's own" : false };

describe("a serving command's new embedded database", embedded, () => {
  test("is made and migrated in a child process, then moved into place with nothing else left", async () => {
    const home = scratchHome();
    assert.equal(makeEmbeddedDatabaseApart({ home }), true);
    assert.deepEqual(readdirSync(home), ["pgdata"]);
    const db = await openDb({ home });
    try {
      const status = await migrationStatus(db);
      assert.ok(status.length > 50);
      assert.deepEqual(
        status.filter((m) => m.state !== "applied").map((m) => m.id),
        [],
      );
    } finally {
      await db.close();
    }
    // Made now: left alone.
    assert.equal(makeEmbeddedDatabaseApart({ home }), false);
  });

  test("a failing child leaves no data directory and names its reason", () => {
    const home = scratchHome();
    const saved = process.env.ONEPLACE_PGLITE_SETTINGS;
    process.env.ONEPLACE_PGLITE_SETTINGS = "not-a-setting";
    try {
      assert.throws(
        () => makeEmbeddedDatabaseApart({ home }),
        (e: unknown) =>
          e instanceof DatabaseError &&
          e.message.includes("Cannot make the embedded database") &&
          e.message.includes("not-a-setting"),
      );
    } finally {
      if (saved === undefined) delete process.env.ONEPLACE_PGLITE_SETTINGS;
      else process.env.ONEPLACE_PGLITE_SETTINGS = saved;
    }
    assert.deepEqual(readdirSync(home), []);
  });

  test("a database begun meanwhile by another process is neither replaced nor touched", async () => {
    const home = scratchHome();
    const dataDir = pgliteDataDir(home);
    // Another process begins the home's database while the child works (the child takes seconds).
    const other = spawn(process.execPath, [
      "-e",
      `setTimeout(() => { const fs = require("node:fs"); fs.mkdirSync(${JSON.stringify(dataDir)}, { recursive: true }); fs.writeFileSync(${JSON.stringify(join(dataDir, "begun"))}, "x"); }, 300)`,
    ]);
    const otherDone = new Promise((resolve) => other.on("close", resolve));
    assert.equal(makeEmbeddedDatabaseApart({ home }), false);
    await otherDone;
    assert.deepEqual(readdirSync(dataDir), ["begun"]);
    assert.deepEqual(readdirSync(home), ["pgdata"]);
  });

  test("a data directory that holds something is left for the engine to judge; a server is left alone", () => {
    const home = scratchHome();
    mkdirSync(pgliteDataDir(home));
    writeFileSync(join(pgliteDataDir(home), "something"), "x");
    assert.equal(makeEmbeddedDatabaseApart({ home }), false);
    assert.equal(existsSync(join(pgliteDataDir(home), "PG_VERSION")), false);
    assert.equal(
      makeEmbeddedDatabaseApart({ home: scratchHome(), databaseUrl: "postgres://nowhere/x" }),
      false,
    );
  });
});
