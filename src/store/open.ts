import { resolve } from "node:path";
import type { Db } from "./db.ts";
import { openPglite } from "./pglite-engine.ts";
import { openPostgres } from "./postgres-engine.ts";

export interface StoreConfig {
  /** postgres://... to use a PostgreSQL server; absent for the embedded engine. */
  databaseUrl?: string | undefined;
  /** Where OnePlace keeps its embedded database and other files. */
  home: string;
}

/** The store's settings from the environment variables given (src/platform/settings.ts reads them). */
export function storeConfigFromEnv(env: Readonly<Record<string, string | undefined>>): StoreConfig {
  return {
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    home: resolve(env.ONEPLACE_HOME?.trim() || ".oneplace"),
  };
}

export function pgliteDataDir(home: string): string {
  return resolve(home, "pgdata");
}

export function openDb(config: StoreConfig): Promise<Db> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(pgliteDataDir(config.home));
}
