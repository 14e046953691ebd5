// A scratch database for a benchmark: a temporary PGlite directory, or (with DATABASE_URL) a fresh database on
// that server, dropped afterwards. The tests' scratch-database helper, under the benchmarks' names.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import pg from "pg";
import { openTestDb, type TestDb } from "../test/helpers/test-db.ts";

export type BenchDb = Pick<TestDb, "db" | "env" | "dispose" | "databaseUrl">;

/**
 * ONEPLACE_BENCH_PREFIX names the scratch database (and temp folder), so engineers sharing a server can tell theirs.
 * On a server, commits wait for the disk as a deployed server's do (the tests' scratch databases do not), and the
 * setting is printed beside the figures.
 */
export async function openBenchDb(): Promise<BenchDb> {
  const bench = await openTestDb({
    prefix: process.env.ONEPLACE_BENCH_PREFIX || "oneplace-bench",
    durableCommits: true,
  });
  if (bench.databaseUrl) {
    const [row] = await bench.db.query<{ synchronous_commit: string }>("SHOW synchronous_commit");
    console.log(`commits: synchronous_commit ${row.synchronous_commit} (the server's own setting)`);
  }
  return bench;
}

export function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString("en-GB")}/s`;
}

/** The load average, to print beside every timing (the machine is shared). */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system) a process has used so far, in ms; 0 once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

export interface CpuTimes {
  /** This process (the loader itself; with PGlite, the database too). */
  selfMs: number;
  /** Other processes named at start (e.g. the MLLP listener). */
  othersMs: number;
  /** The PostgreSQL backends serving the bench database (a local server only; 0 for PGlite). */
  serverMs: number;
}

/**
 * CPU time spent from now until stop(): this process, the child processes given, and (on a PostgreSQL server on
 * this machine) every backend connected to the bench database, sampled every 100 ms so that backends that come
 * and go are counted (up to 100 ms of a backend that closes is missed). Wall time on a shared machine says
 * little; CPU time per row is repeatable.
 */
export async function cpuMeter(
  bench: Pick<BenchDb, "databaseUrl">,
  others: number[] = [],
): Promise<{ stop(): Promise<CpuTimes> }> {
  const self0 = process.cpuUsage();
  const others0 = others.map(processCpuMs);
  const seen = new Map<number, { first: number; last: number }>();
  let client: pg.Client | undefined;
  if (bench.databaseUrl) {
    client = new pg.Client({ connectionString: bench.databaseUrl });
    await client.connect();
  }
  const sample = async (initial: boolean) => {
    if (!client) return;
    const rows = (
      await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      )
    ).rows;
    for (const { pid } of rows) {
      const ms = processCpuMs(pid);
      const s = seen.get(pid);
      if (s) s.last = Math.max(s.last, ms);
      else seen.set(pid, { first: initial ? ms : 0, last: ms });
    }
  };
  await sample(true);
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(() => sample(false)).catch(() => {});
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample(false);
      await client?.end();
      const self = process.cpuUsage(self0);
      let serverMs = 0;
      for (const s of seen.values()) serverMs += s.last - s.first;
      return {
        selfMs: (self.user + self.system) / 1000,
        othersMs: others.reduce((sum, pid, i) => sum + processCpuMs(pid) - others0[i], 0),
        serverMs,
      };
    },
  };
}

/** "CPU 12.3 µs/row (loader 5.1, server 7.2)". */
export function cpuPer(t: CpuTimes, n: number, unit: string): string {
  const us = (ms: number) => ((ms * 1000) / n).toFixed(1);
  const parts = t.selfMs ? [`this process ${us(t.selfMs)}`] : [];
  if (t.othersMs) parts.push(`listener ${us(t.othersMs)}`);
  if (t.serverMs) parts.push(`PostgreSQL ${us(t.serverMs)}`);
  return `CPU ${us(t.selfMs + t.othersMs + t.serverMs)} µs/${unit} (${parts.join(", ")})`;
}

/**
 * How busy each side kept a core over a timing, "cores busy: loader 0.71, PostgreSQL 0.93 (of 2)": whether the
 * loader's work and the server's overlapped, or one waited on the other (on a quiet machine; a shared one
 * lowers both).
 */
export function coresBusy(t: CpuTimes, seconds: number): string {
  const busy = (ms: number) => (ms / 1000 / seconds).toFixed(2);
  const parts = [`loader ${busy(t.selfMs)}`];
  if (t.othersMs) parts.push(`listener ${busy(t.othersMs)}`);
  if (t.serverMs) parts.push(`PostgreSQL ${busy(t.serverMs)}`);
  return `cores busy: ${parts.join(", ")} (of ${availableParallelism()})`;
}

/**
 * On a server: a checkpoint now (as a deployed server has made one since rows it keeps were written: a reject is
 * replayed hours or days after its load, and the first change to each page after a checkpoint writes the whole
 * page to the WAL), then the WAL written until stop(), "; WAL 37.8 MB" (the whole server's: on a quiet one, this
 * timing's). Nothing on the embedded engine. A role that may not checkpoint (neither superuser nor pg_checkpoint)
 * is told so and measured without one.
 */
export async function walAfterCheckpoint(bench: Pick<BenchDb, "db" | "databaseUrl">): Promise<{
  stop(): Promise<string>;
}> {
  if (!bench.databaseUrl) return { stop: async () => "" };
  let checkpoint = "";
  try {
    await bench.db.query("CHECKPOINT");
  } catch (error) {
    checkpoint = ` (no checkpoint before: ${(error as Error).message})`;
  }
  // The insert position, not pg_stat_wal: backends report to that at most once a second, so a timing's WAL
  // showed in the next one's.
  const walBytes = async () =>
    Number(
      (
        await bench.db.query<{ b: string }>(
          "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS b",
        )
      )[0].b,
    );
  const before = await walBytes();
  return {
    async stop() {
      return `; WAL ${(((await walBytes()) - before) / 1e6).toFixed(1)} MB${checkpoint}`;
    },
  };
}
