// What the FHIR benchmarks share: the place they run on (DATABASE_URL, else a scratch database with a synthetic
// place of --people people, on PGlite or PostgreSQL with --server), a caller with an API token, and the server
// in its own process (`oneplace serve`) with its resident memory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  type Operator,
} from "../src/governance/index.ts";
import { type Db, migrate, openDb } from "../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, loadSyntheticPlace } from "../src/synth/index.ts";
import { createTestDatabase } from "../test/helpers/test-db.ts";

export interface BenchPlace {
  db: Db;
  databaseUrl: string | undefined;
  home: string;
  /** The environment a server process needs to open the same database. */
  env: Record<string, string>;
  people: number;
  /** The practice with the most registered people. */
  practice: string;
  drop(): Promise<void>;
}

export async function openBenchPlace(options: {
  prefix: string;
  people: number;
  server?: string | null;
}): Promise<BenchPlace> {
  const given = process.env.DATABASE_URL?.trim();
  const scratch = given
    ? null
    : await createTestDatabase({
        prefix: options.prefix,
        server: options.server ?? null,
        durableCommits: true,
      });
  const databaseUrl = given ?? scratch?.databaseUrl;
  const home = scratch?.home ?? mkdtempSync(join(tmpdir(), `${options.prefix}-`));
  const db = await openDb({ databaseUrl, home });
  // A given database is a place someone loaded: the bench reads it and never changes its schema (pointed at a
  // shared or empty database by mistake, it would otherwise migrate it).
  if (given) await refuseUnlessPlace(db);
  else await migrate(db);
  if (scratch && options.people > 0) {
    const started = performance.now();
    await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, people: options.people });
    console.log(
      `Built a synthetic place of ${options.people} people in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  const [{ n: people }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
  const [top] = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
      GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1`,
  );
  return {
    db,
    databaseUrl,
    home,
    env: scratch ? scratch.env : databaseUrl ? { DATABASE_URL: databaseUrl } : {},
    people,
    practice: top?.practice_code ?? "",
    drop: async () => {
      await scratch?.drop();
    },
  };
}

async function refuseUnlessPlace(db: Db): Promise<void> {
  const [{ person }] = await db.query<{ person: string | null }>(
    "SELECT to_regclass('person')::text AS person",
  );
  const people = person ? (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM person"))[0].n : 0;
  if (people > 0) return;
  await db.close();
  throw new Error(
    "DATABASE_URL names a database with no place in it. Load one there first (oneplace db migrate, then oneplace synth), or leave DATABASE_URL unset and pass --server to build a scratch place.",
  );
}

/**
 * A GP of the place's largest practice (a day's API token) and `reads` people registered there, in a fixed
 * pseudo-random order: whose whole record the person-read benches ask for.
 */
export async function largestPracticeReads(
  db: Db,
  operatorName: string,
  reads: number,
): Promise<{ token: string; personIds: string[] }> {
  const [largest] = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
      GROUP BY practice_code ORDER BY count(*) DESC, practice_code LIMIT 1`,
  );
  const token = await benchCaller(
    db,
    { userId: null, name: operatorName, channel: "bench" },
    {
      username: "scale-bench-gp",
      role: "gp",
      teamCode: "scale-bench-practice",
      kind: "practice",
      orgCode: largest.practice_code,
      purpose: "direct-care",
    },
  );
  const sample = await db.query<{ person_id: string }>(
    `SELECT person_id::text FROM registration WHERE practice_code = $1 AND deregistered_on IS NULL
      ORDER BY md5(person_id::text) LIMIT $2`,
    [largest.practice_code, reads],
  );
  return { token, personIds: sample.map((r) => r.person_id) };
}

/** A user in a role in a team (made when missing) and a day's API token for it. */
export async function benchCaller(
  db: Db,
  operator: Operator,
  c: {
    username: string;
    role: string;
    teamCode: string;
    kind: string;
    orgCode: string | null;
    purpose: string;
  },
): Promise<string> {
  const [existing] = await db.query("SELECT 1 FROM app_user WHERE username = $1", [c.username]);
  if (!existing) {
    const [team] = await db.query("SELECT 1 FROM team WHERE team_code = $1", [c.teamCode]);
    if (!team)
      await createTeam(db, operator, {
        teamCode: c.teamCode,
        name: c.teamCode,
        kind: c.kind as never,
        orgCode: c.orgCode,
      });
    await createUser(db, operator, { username: c.username, displayName: c.username });
    await assignRole(db, operator, c.username, c.role, c.teamCode);
  }
  const { token } = await createApiToken(db, operator, {
    username: c.username,
    roleCode: c.role,
    teamCode: c.teamCode,
    name: "bench",
    days: 1,
    purpose: c.purpose as never,
  });
  return token;
}

export interface BenchServer {
  base: string;
  process: ChildProcess;
  rss(): { now: number; peak: number };
  /**
   * CPU seconds used so far by the server process and, on PostgreSQL, by the server's own backends (its
   * connections carry an application_name of their own, so other sessions on the machine are not counted).
   */
  cpu(): Promise<CpuSample>;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** CPU seconds so far: the server's, and each of its PostgreSQL backends' by process id (null on PGlite). */
export interface CpuSample {
  server: number;
  database: Map<number, number> | null;
  /**
   * Transactions committed or rolled back in the database so far (PostgreSQL's statistics, which lag by up to
   * a second; null on PGlite): outside a transaction each statement is one, so per request, the statements sent.
   */
  transactions?: number | null;
}

/** User plus system CPU seconds of a process, from /proc (0 once it has gone). */
export function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of a process and its children (a cluster's workers), from /proc. */
export function processTreeCpu(pid: number): number {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {}
  }
  return pids.reduce((sum, p) => sum + processCpu(p), 0);
}

/**
 * `oneplace serve` in its own process on a random port, once /health answers; `workers` > 1 runs that many
 * server processes (`serve --workers`), whose CPU is counted with the primary's.
 */
export async function startBenchServer(env: Record<string, string>, workers = 1): Promise<BenchServer> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const appName = `oneplace-bench-${process.pid}-${port}`;
  // BENCH_SERVER_NODE_FLAGS: V8 flags for the server that NODE_OPTIONS cannot carry (--no-liftoff-only).
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const server = spawn(
    process.execPath,
    [
      ...flags,
      "bin/oneplace.js",
      "serve",
      "--port",
      String(port),
      "--no-mllp",
      ...(workers > 1 ? ["--workers", String(workers)] : []),
    ],
    {
      env: { ...process.env, ...env, ONEPLACE_LOG_LEVEL: "warn", PGAPPNAME: appName },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {}
    if (i > 3000) throw new Error("the server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    process: server,
    rss() {
      const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
    },
    async cpu() {
      const server_ = processTreeCpu(server.pid as number);
      const url = env.DATABASE_URL;
      if (!url) return { server: server_, database: null };
      // A backend that ends between two samples (the pool closes idle connections) loses what it used since
      // the first: figures from a busy run, where connections stay open, are whole.
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
          [appName],
        );
        const database = new Map(rows.map((r) => [r.pid, processCpu(r.pid)]));
        const [{ n }] = (
          await client.query<{ n: string }>(
            `SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`,
          )
        ).rows;
        return { server: server_, database, transactions: Number(n) };
      } finally {
        await client.end();
      }
    },
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the last requests answered first
      server.kill("SIGTERM");
    },
  };
}

/** CPU per request in ms of the server process and of its PostgreSQL backends (null on PGlite). */
export function cpuPerRequestMs(
  before: CpuSample,
  after: CpuSample,
  requests: number,
): { server: number; database: number | null; transactions: number | null } {
  const per = (s: number) => (s * 1000) / Math.max(1, requests);
  let database: number | null = null;
  if (before.database && after.database) {
    let used = 0;
    for (const [pid, seconds] of after.database) used += seconds - (before.database.get(pid) ?? 0);
    database = per(used);
  }
  const transactions =
    before.transactions != null && after.transactions != null
      ? (after.transactions - before.transactions) / Math.max(1, requests)
      : null;
  return { server: per(after.server - before.server), database, transactions };
}

/** CPU per request of the server process and of its PostgreSQL backends, in ms. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): string {
  const ms = (s: number) => ((s * 1000) / Math.max(1, requests)).toFixed(2);
  let database = "";
  if (before.database && after.database) {
    let used = 0;
    for (const [pid, seconds] of after.database) used += seconds - (before.database.get(pid) ?? 0);
    database = ` + PostgreSQL ${ms(used)}`;
  }
  return `CPU/request: server ${ms(after.server - before.server)}${database} ms`;
}
