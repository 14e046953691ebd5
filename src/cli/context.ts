import type { Db } from "../store/db.ts";
import { migrate } from "../store/migrate.ts";
import { openDb, storeConfigFromEnv } from "../store/open.ts";

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Opens the database the environment names, runs fn, and always closes it. */
export async function withDb<T>(fn: (db: Db) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const db = await openDb(storeConfigFromEnv());
  try {
    if (options.migrate) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function engineDescription(db: Db): string {
  return db.engine === "pglite" ? `embedded database in ${db.location}` : `PostgreSQL at ${db.location}`;
}
