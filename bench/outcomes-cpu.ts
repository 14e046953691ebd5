// CPU time of this process and of the PostgreSQL server processes serving its database, for benchmarks on
// a shared machine: wall time there says more about the neighbours than about OnePlace, CPU time does not.
import { readFileSync } from "node:fs";
import type { Db } from "../src/store/index.ts";

const TICKS = 100; // USER_HZ on Linux

/** Seconds of CPU a process has used (utime + stime), 0 if it is gone. */
export function processCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  } catch {
    return 0;
  }
}

/**
 * Seconds of CPU used so far by this process (Node, and PGlite inside it) and, on a server, by the client
 * backends of this database (parallel workers, which come and go, are not counted) with this process's
 * application_name: on a database other benches use at the same time, name this one's connections
 * (`DATABASE_URL=postgres://…/db?application_name=mine`) to count only them.
 */
export async function cpuParts(db: Db): Promise<{ node: number; server: number }> {
  let server = 0;
  if (db.engine === "postgres") {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'
          AND application_name = current_setting('application_name')`,
    );
    for (const r of rows) server += processCpu(r.pid);
  }
  const own = process.cpuUsage();
  return { node: (own.user + own.system) / 1e6, server };
}

/** Seconds of CPU used so far by this process and (on a server) by the backends of this database. */
export async function cpuSeconds(db: Db): Promise<number> {
  const { node, server } = await cpuParts(db);
  return node + server;
}
