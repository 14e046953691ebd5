// A scratch database for a benchmark: a temporary PGlite directory, or (with DATABASE_URL) a fresh database on
// that server, dropped afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Db, migrate, openDb } from "../src/store/index.ts";

export interface BenchDb {
  db: Db;
  env: Record<string, string>;
  dispose(): Promise<void>;
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function openBenchDb(): Promise<BenchDb> {
  const home = mkdtempSync(join(tmpdir(), "oneplace-bench-"));
  const server = process.env.DATABASE_URL?.trim();
  let url: string | undefined;
  let name: string | undefined;
  if (server) {
    name = `oneplace_bench_${randomBytes(5).toString("hex")}`;
    await onServer(server, `CREATE DATABASE ${name}`);
    const u = new URL(server);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  const db = await openDb({ databaseUrl: url, home });
  await migrate(db);
  return {
    db,
    env: { ONEPLACE_HOME: home, ...(url ? { DATABASE_URL: url } : {}) },
    async dispose() {
      await db.close().catch(() => {});
      if (server && name) await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString("en-GB")}/s`;
}
