// The one scratch-database helper, for tests and benchmarks (bench/ imports it; nothing in src does). Each
// test file gets a database of its own: a PGlite directory in a temp folder, or, when DATABASE_URL is set, a
// fresh database on that server (node --test runs files in parallel).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import pg from "pg";
import { type Db, migrate, openDb } from "../../src/store/index.ts";

export const serverUrl = process.env.DATABASE_URL?.trim() || undefined;

export interface ScratchOptions {
  /** Names the temp folder and the server database: "oneplace-test" gives oneplace-test-* and oneplace_test_*. */
  prefix?: string;
  /** The server to create the database on; null means none (PGlite only). Defaults to DATABASE_URL. */
  server?: string | null;
}

export interface TestDatabase {
  home: string;
  databaseUrl: string | undefined;
  /** The scratch database's name on the server, if one was made. */
  name: string | undefined;
  /** The environment a child process (the CLI) needs to reach this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function onServer(server: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An empty database for this test file, not yet opened (so a child process can open it). */
export async function createTestDatabase(options: ScratchOptions = {}): Promise<TestDatabase> {
  const { prefix = "oneplace-test", server = serverUrl } = options;
  const home = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let databaseUrl: string | undefined;
  let name: string | undefined;
  if (server) {
    name = `${prefix.replaceAll("-", "_")}_${randomBytes(6).toString("hex")}`;
    await onServer(server, `CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const env: Record<string, string> = { ONEPLACE_HOME: home };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return {
    home,
    databaseUrl,
    name,
    env,
    async drop() {
      if (server && name) await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Opens the test database (as a CLI child would find it), runs fn on it, and closes it again. */
export async function withDatabase<T>(
  database: Pick<TestDatabase, "databaseUrl" | "home">,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export interface TestDb extends TestDatabase {
  db: Db;
  dispose(): Promise<void>;
}

export async function openTestDb(options: ScratchOptions & { migrate?: boolean } = {}): Promise<TestDb> {
  const database = await createTestDatabase(options);
  const db = await openDb({ databaseUrl: database.databaseUrl, home: database.home });
  if (options.migrate !== false) await migrate(db);
  return {
    ...database,
    db,
    async dispose() {
      await db.close().catch(() => {});
      await database.drop();
    },
  };
}

/**
 * A migrated scratch database for the whole test file: opened in a `before` hook (then `setup` runs on it),
 * disposed in an `after` hook (after `teardown`). Read `.db` inside tests, not at module load.
 */
export function useTestDb(hooks: { setup?(db: Db): unknown; teardown?(): unknown } = {}): {
  readonly db: Db;
} {
  let scratch: TestDb | undefined;
  before(async () => {
    scratch = await openTestDb();
    await hooks.setup?.(scratch.db);
  });
  after(async () => {
    try {
      await hooks.teardown?.();
    } finally {
      await scratch?.dispose();
    }
  });
  return {
    get db() {
      if (!scratch) throw new Error("useTestDb: the database opens in the before hook");
      return scratch.db;
    },
  };
}
