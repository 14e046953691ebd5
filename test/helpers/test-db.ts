// Each test file gets a database of its own: a PGlite directory in a temp folder, or, when DATABASE_URL is
// set, a fresh database on that server (node --test runs files in parallel).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Db } from "../../src/store/db.ts";
import { migrate } from "../../src/store/migrate.ts";
import { openDb } from "../../src/store/open.ts";

export interface TestDb {
  db: Db;
  /** The environment a child process (the CLI) needs to reach the same database. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export const serverUrl = process.env.DATABASE_URL?.trim() || undefined;

export async function openTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const home = mkdtempSync(join(tmpdir(), "oneplace-test-"));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (serverUrl) {
    const name = `oneplace_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const db = await openDb({ databaseUrl, home });
  if (options.migrate !== false) await migrate(db);
  const env: Record<string, string> = { ONEPLACE_HOME: home };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return {
    db,
    env,
    async dispose() {
      await db.close().catch(() => {});
      await dropDatabase();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
