import { resolve } from "node:path";
import { DatabaseError, type Db } from "./db.ts";
import { openPglite, PGLITE_SETTINGS } from "./pglite-engine.ts";
import { DEFAULT_POOL_SIZE, openPostgres } from "./postgres-engine.ts";

export interface StoreConfig {
  /** postgres://... to use a PostgreSQL server; absent for the embedded engine. */
  databaseUrl?: string | undefined;
  /** Where OnePlace keeps its embedded database and other files. */
  home: string;
  /** Connections to a PostgreSQL server at most (ONEPLACE_DB_POOL); the embedded engine has one. */
  poolSize?: number;
  /** PostgreSQL settings of the embedded engine (ONEPLACE_PGLITE_SETTINGS over PGLITE_SETTINGS). */
  pgliteSettings?: Readonly<Record<string, string>>;
}

const MAX_POOL_SIZE = 100;

/** The store's settings from the environment variables given (src/platform/settings.ts reads them). */
export function storeConfigFromEnv(env: Readonly<Record<string, string | undefined>>): StoreConfig {
  return {
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    home: resolve(env.ONEPLACE_HOME?.trim() || ".oneplace"),
    poolSize: poolSizeFrom(env.ONEPLACE_DB_POOL),
    pgliteSettings: pgliteSettingsFrom(env.ONEPLACE_PGLITE_SETTINGS),
  };
}

/** "shared_buffers=64MB work_mem=2MB" (spaces or commas between) over the embedded engine's defaults. */
function pgliteSettingsFrom(raw: string | undefined): Record<string, string> {
  const settings: Record<string, string> = { ...PGLITE_SETTINGS };
  for (const item of raw?.split(/[\s,]+/) ?? []) {
    if (!item) continue;
    const at = item.indexOf("=");
    if (at <= 0)
      throw new DatabaseError(
        `ONEPLACE_PGLITE_SETTINGS holds "${item}", not name=value`,
        'Write settings as name=value, such as "shared_buffers=64MB work_mem=2MB".',
        { kind: "invalid", code: "store.embedded-setting" },
      );
    settings[item.slice(0, at)] = item.slice(at + 1);
  }
  return settings;
}

function poolSizeFrom(raw: string | undefined): number {
  const text = raw?.trim();
  if (!text) return DEFAULT_POOL_SIZE;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_POOL_SIZE)
    throw new DatabaseError(
      `ONEPLACE_DB_POOL must be a whole number of connections from 1 to ${MAX_POOL_SIZE}`,
      `Unset it for the default of ${DEFAULT_POOL_SIZE}.`,
      { kind: "invalid", code: "store.pool-size" },
    );
  return n;
}

export function pgliteDataDir(home: string): string {
  return resolve(home, "pgdata");
}

export function openDb(config: StoreConfig): Promise<Db> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, { poolSize: config.poolSize })
    : openPglite(pgliteDataDir(config.home), { settings: config.pgliteSettings });
}
