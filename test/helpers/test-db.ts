// The one scratch-database helper, for tests and benchmarks (bench/ imports it; nothing in src does). Each
// test file gets a database of its own: a PGlite directory in a temp folder, or, when DATABASE_URL is set, a
// fresh database on that server (node --test runs files in parallel).
//
// Making a database from nothing is slow (PGlite's initdb, then every migration: seconds of CPU per test file),
// so each scratch database is a copy of a template made once: a PGlite data directory in scratchRoot (tmpfs
// when the machine has one; copied, never opened in place), or a template database on the server (CREATE
// DATABASE ... TEMPLATE). A template's name carries a fingerprint of the migrations (ids and checksums) and the
// engine's version, so a changed migration gets a new template, never a stale one. The first test process to need a template makes
// it while holding a lock (a directory beside it for PGlite, an advisory lock on the server); the others wait.
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, before } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import {
  type Db,
  declaredLayout,
  discoverMigrations,
  distribute,
  migrate,
  openDb,
  pgliteDataDir,
} from "../../src/store/index.ts";

export const serverUrl = process.env.DATABASE_URL?.trim() || undefined;

/**
 * ONEPLACE_TEST_CITUS=1 with DATABASE_URL naming a database on a Citus coordinator whose workers are registered
 * (../shared/tools/citus/cluster.sh makes one): each scratch database is made on the coordinator and on every
 * worker, with the citus extension in each, the workers added, and (when migrated) laid out with
 * `distribute` as `oneplace db distribute` does: a copy, on every node, of a template cluster database made once
 * (copyCitusTemplate).
 */
export const citusTest = process.env.ONEPLACE_TEST_CITUS === "1" && serverUrl !== undefined;

/** Shards per distributed table in a Citus test database (Citus's default of 32 makes each one slow). */
const CITUS_TEST_SHARDS = 4;

export interface ScratchOptions {
  /** Names the temp folder and the server database: "oneplace-test" gives oneplace-test-* and oneplace_test_*. */
  prefix?: string;
  /** The server to create the database on; null means none (PGlite only). Defaults to DATABASE_URL. */
  server?: string | null;
  /** Start with every migration applied (a copy of the migrated template). Default: an empty database. */
  migrated?: boolean;
  /**
   * Keep the server's own commit setting (a commit waits for its WAL to reach the disk), as a deployed server
   * would: for benchmarks, whose figures must be what a place would see. Tests leave it off (see below).
   */
  durableCommits?: boolean;
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

async function onServer<T>(server: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8"),
  ) as { version: string }
).version;

/** Names what a template holds: the engine and, for a migrated one, every migration's id and checksum. */
function fingerprint(engine: string, migrated: boolean): string {
  const hash = createHash("sha256").update(`${engine}\n`);
  if (migrated) for (const m of discoverMigrations()) hash.update(`${m.id} ${m.checksum}\n`);
  return hash.digest("hex").slice(0, 16);
}

/**
 * Where the PGlite templates and every scratch home are made: ONEPLACE_TEST_TMPDIR if set, else the machine's
 * RAM-backed tmpfs (/dev/shm) when it has one, else the temp folder. A PGlite database is some 1,500 files;
 * on a disk file system copying and removing them per test file, and the engine's reads and writes, cost about
 * a second of system CPU per file, on tmpfs a fraction of that. Nothing else differs: a copy on tmpfs is the same
 * directory of files for the test process and its CLI children (it lives only until the machine restarts).
 */
export const scratchRoot: string = process.env.ONEPLACE_TEST_TMPDIR?.trim() || ramDisk() || tmpdir();

function ramDisk(): string | undefined {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return statSync("/dev/shm").isDirectory() ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}

// ---- PGlite: a data directory made once, copied for each test file --------------------------------------

/** A lock file or pid file the engine may leave in a data directory: never copied from a template. */
const isLockEntry = (name: string) => /lock|\.pid$/i.test(name);

function copyDataDir(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !(dirname(src) === from && isLockEntry(basename(src))),
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs make() under a lock directory unless `ready()` already holds; waits while another process makes it. */
async function onceAcrossProcesses(
  lock: string,
  ready: () => boolean,
  make: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  while (!ready()) {
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Another process holds it: wait, unless it died holding it.
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {}
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {}
      const stale = Number.isInteger(holder) ? !processAlive(holder) : age > 60_000;
      if (stale) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`test-db: waited too long for ${lock} to be released`);
      else await sleep(200);
      continue;
    }
    try {
      writeFileSync(join(lock, "pid"), String(process.pid));
      if (!ready()) await make();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

const pgliteTemplates = new Map<boolean, Promise<string>>();

/** The PGlite template data directory: initdb only, or with every migration applied. */
function pgliteTemplate(migrated: boolean): Promise<string> {
  let made = pgliteTemplates.get(migrated);
  if (!made) {
    made = makePgliteTemplate(migrated);
    pgliteTemplates.set(migrated, made);
  }
  return made;
}

async function makePgliteTemplate(migrated: boolean): Promise<string> {
  const path = join(
    scratchRoot,
    `oneplace-template-${migrated ? "migrated" : "empty"}-${fingerprint(`pglite ${PGLITE_VERSION}`, migrated)}`,
  );
  const base = migrated ? await pgliteTemplate(false) : undefined;
  await onceAcrossProcesses(
    `${path}.lock`,
    () => existsSync(path),
    async () => {
      const home = mkdtempSync(join(scratchRoot, "oneplace-template-build-"));
      try {
        if (base) copyDataDir(base, pgliteDataDir(home));
        const db = await openDb({ home });
        try {
          if (migrated) await migrate(db);
        } finally {
          await db.close();
        }
        // Whole or not at all: the directory appears under its name only once the engine has shut down.
        renameSync(pgliteDataDir(home), path);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
  return path;
}

// ---- PostgreSQL: a template database made once per server --------------------------------------------------

const serverTemplates = new Map<string, Promise<string>>();

function serverTemplate(server: string): Promise<string> {
  let made = serverTemplates.get(server);
  if (!made) {
    made = makeServerTemplate(server);
    serverTemplates.set(server, made);
  }
  return made;
}

async function makeServerTemplate(server: string): Promise<string> {
  // On Citus too the template is plain tables without the extension (whose maintenance daemon would hold a
  // connection to it): each copy gets the extension, its workers and its layout (makeCitusDatabase).
  const fp = fingerprint("postgres", true);
  const name = `oneplace_template_${fp}`;
  return onServer(server, async (client) => {
    const isTemplate = async () =>
      (await client.query("SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", [name]))
        .rowCount === 1;
    if (await isTemplate()) return name;
    // Session-level: released if this process dies while making the template.
    const key = BigInt.asIntN(64, BigInt(`0x${fp}`)).toString();
    await client.query("SELECT pg_advisory_lock($1::bigint)", [key]);
    try {
      if (await isTemplate()) return name;
      const build = `${name}_build`;
      await client.query(`DROP DATABASE IF EXISTS ${build} WITH (FORCE)`);
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); // half-made by a process that died
      await client.query(`CREATE DATABASE ${build}`);
      const url = new URL(server);
      url.pathname = `/${build}`;
      const db = await openDb({ databaseUrl: url.toString(), home: tmpdir() });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await client.query(`ALTER DATABASE ${build} RENAME TO ${name}`);
      // Nobody connects to a template, so CREATE DATABASE ... TEMPLATE never finds it in use.
      await client.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      return name;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
    }
  });
}

/**
 * A scratch database on the server, a copy of `template` if given. Its commits do not wait for the WAL to reach
 * the disk (synchronous_commit off, set on the database so every connection to it has it, the CLI's too): a
 * scratch database is never recovered after a crash, and on a shared disk the flush was most of a small
 * commit's time. What a commit makes visible, and when, is unchanged. `durable` keeps the server's setting.
 */
async function createServerDatabase(
  server: string,
  name: string,
  template: string | undefined,
  durable: boolean,
): Promise<void> {
  await onServer(server, async (client) => {
    await client.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
    if (!durable) await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
}

/** A database for this test file (empty, or migrated if asked), not yet opened (so a child process can open it). */
export async function createTestDatabase(options: ScratchOptions = {}): Promise<TestDatabase> {
  const { prefix = "oneplace-test", server = serverUrl, migrated = false, durableCommits = false } = options;
  const home = mkdtempSync(join(scratchRoot, `${prefix}-`));
  let databaseUrl: string | undefined;
  let name: string | undefined;
  if (server) {
    name = `${prefix.replaceAll("-", "_")}_${randomBytes(6).toString("hex")}`;
    if (citusTest) await copyCitusTemplate(server, name, migrated);
    else
      await createServerDatabase(
        server,
        name,
        migrated ? await serverTemplate(server) : undefined,
        durableCommits,
      );
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  } else {
    copyDataDir(await pgliteTemplate(migrated), pgliteDataDir(home));
  }
  const env: Record<string, string> = { ONEPLACE_HOME: home };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return {
    home,
    databaseUrl,
    name,
    env,
    async drop() {
      if (server && name) {
        const dropped = name;
        if (citusTest) await dropCitusDatabase(server, dropped);
        else
          await onServer(server, (client) => client.query(`DROP DATABASE IF EXISTS ${dropped} WITH (FORCE)`));
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

// ---- Citus: the same database on the coordinator and every worker --------------------------------------

/** The workers registered with the coordinator in DATABASE_URL's own database, as server URLs. */
async function citusWorkers(server: string): Promise<string[]> {
  const rows = await onServer(server, (client) =>
    client.query<{ nodename: string; nodeport: number }>(
      "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' ORDER BY nodeid",
    ),
  );
  if (rows.rows.length === 0)
    throw new Error(
      `ONEPLACE_TEST_CITUS: ${new URL(server).host} has no Citus workers registered in its database`,
    );
  return rows.rows.map((r) => {
    const url = new URL(server);
    url.hostname = r.nodename;
    url.port = String(r.nodeport);
    url.pathname = "/postgres";
    return url.toString();
  });
}

/**
 * Making a Citus database is slow (the extension on every node, the workers added, then some hundred tables laid
 * out, each a DDL statement on every node: 30-60 s), so as on one server it is done once, into a template, and
 * each test file gets a copy. A Citus database is one database of the same name on every node (the coordinator
 * reaches a worker's shards by its own database's name), and everything else that makes it a cluster (the nodes,
 * the shards and where they are, the metadata the workers keep) is rows inside those databases. So copying the
 * template on every node under one new name makes a new cluster database: no Citus call, a second or two.
 */
const citusTemplates = new Map<string, Promise<string>>();

function citusTemplate(server: string, migrated: boolean): Promise<string> {
  const key = `${server} ${migrated}`;
  let made = citusTemplates.get(key);
  if (!made) {
    made = makeCitusTemplate(server, migrated);
    citusTemplates.set(key, made);
  }
  return made;
}

async function makeCitusTemplate(server: string, migrated: boolean): Promise<string> {
  const workers = await citusWorkers(server);
  const citus = await onServer(server, async (client) => {
    const rows = await client.query<{ v: string }>(
      "SELECT default_version AS v FROM pg_available_extensions WHERE name = 'citus'",
    );
    return rows.rows[0]?.v ?? "none";
  });
  // The layout each table is declared with, and the nodes, make a different cluster as much as a migration does.
  const layout = migrated ? JSON.stringify(declaredLayout()) : "";
  const fp = fingerprint(
    `citus ${citus} shards ${CITUS_TEST_SHARDS} nodes ${workers.join(" ")} ${layout}`,
    migrated,
  );
  const name = `oneplace_citus_${migrated ? "migrated" : "empty"}_${fp}`;
  const plain = migrated ? await serverTemplate(server) : undefined;
  return onServer(server, async (client) => {
    const ready = async () =>
      (await client.query("SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", [name]))
        .rowCount === 1;
    if (await ready()) return name;
    const lock = BigInt.asIntN(64, BigInt(`0x${fp}`)).toString();
    await client.query("SELECT pg_advisory_lock($1::bigint)", [lock]);
    try {
      if (await ready()) return name;
      const nodes = [server, ...workers];
      // Half-made by a process that died: on the coordinator it is not yet a template (marked last, below).
      await dropCitusDatabase(server, name);
      await client.query(plain ? `CREATE DATABASE ${name} TEMPLATE ${plain}` : `CREATE DATABASE ${name}`);
      for (const worker of workers) {
        await onServer(worker, (c) => c.query(`CREATE DATABASE ${name}`));
        await onServer(inDatabase(worker, name), (c) => c.query("CREATE EXTENSION citus"));
      }
      const databaseUrl = inDatabase(server, name);
      const coordinator = new URL(server);
      await onServer(databaseUrl, async (c) => {
        await c.query("CREATE EXTENSION citus");
        await c.query("SELECT citus_set_coordinator_host($1, $2)", [
          coordinator.hostname,
          Number(coordinator.port || 5432),
        ]);
        for (const worker of workers) {
          const url = new URL(worker);
          await c.query("SELECT citus_add_node($1, $2)", [url.hostname, Number(url.port)]);
        }
      });
      if (migrated) {
        const db = await openDb({ databaseUrl, home: tmpdir() });
        try {
          await distribute(db, { shardCount: CITUS_TEST_SHARDS });
        } finally {
          await db.close();
        }
      }
      // A database can be copied only while nobody is connected to it: Citus keeps a maintenance daemon in each
      // database that has the extension (it starts again only when someone connects).
      await closeCitusDatabase(nodes, name);
      // Workers first: the coordinator's mark is what says the whole template is ready.
      for (const node of [...workers, server])
        await onServer(node, (c) => c.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE true`));
      return name;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [lock]);
    }
  });
}

function inDatabase(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Ends every connection to a cluster database on every node and refuses new ones. Each node's Citus maintenance
 * daemon connects to the others (2PC recovery, deadlock detection) and connects again when its connection ends,
 * so connections are refused everywhere first; a daemon stops on SIGTERM, though a busy one takes a moment.
 */
async function closeCitusDatabase(nodes: string[], name: string): Promise<void> {
  const exists = "SELECT 1 FROM pg_database WHERE datname = $1";
  const present = await Promise.all(
    nodes.map((node) =>
      onServer(node, async (c) => {
        if (!(await c.query(exists, [name])).rowCount) return false;
        await c.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
        return true;
      }),
    ),
  );
  await Promise.all(
    nodes
      .filter((_, i) => present[i])
      .map((node) =>
        onServer(node, async (c) => {
          for (let tries = 0; ; tries++) {
            const left = await c.query(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
              [name],
            );
            if (left.rowCount === 0) return;
            if (tries > 300) throw new Error(`test-db: ${name} on ${new URL(node).host} is still in use`);
            await sleep(100);
          }
        }),
      ),
  );
}

/** Drops a cluster database on every node. */
async function dropCitusDatabase(server: string, name: string): Promise<void> {
  const nodes = [server, ...(await citusWorkers(server))];
  await closeCitusDatabase(nodes, name);
  await Promise.all(nodes.map((node) => onServer(node, (c) => c.query(`DROP DATABASE IF EXISTS ${name}`))));
}

/** A new cluster database: the template copied on every node under one name (see citusTemplate). */
async function copyCitusTemplate(server: string, name: string, migrated: boolean): Promise<void> {
  const template = await citusTemplate(server, migrated);
  const workers = await citusWorkers(server);
  await Promise.all(
    [server, ...workers].map((node) =>
      onServer(node, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`)),
    ),
  );
  // For a table a test distributes itself (a database's settings are not copied with it).
  await onServer(server, (c) =>
    c.query(`ALTER DATABASE ${name} SET citus.shard_count = ${CITUS_TEST_SHARDS}`),
  );
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

/**
 * An open scratch database, migrated unless `migrate: false` (then empty). `poolSize: 1` on a server gives one
 * connection, so the statements prepared on it (pg_prepared_statements) are those the test's statements ran.
 */
export async function openTestDb(
  options: ScratchOptions & { migrate?: boolean; poolSize?: number } = {},
): Promise<TestDb> {
  const migrated = options.migrate !== false;
  const database = await createTestDatabase({ ...options, migrated });
  const db = await openDb({
    databaseUrl: database.databaseUrl,
    home: database.home,
    poolSize: options.poolSize,
  });
  // A no-op on the template's copy; kept so that a migration added since is applied all the same.
  if (migrated) await migrate(db);
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
export function useTestDb(hooks: { setup?(db: Db): unknown; teardown?(): unknown; poolSize?: number } = {}): {
  readonly db: Db;
} {
  let scratch: TestDb | undefined;
  before(async () => {
    scratch = await openTestDb({ poolSize: hooks.poolSize });
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
