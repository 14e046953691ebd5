import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseError, type Db } from "./db.ts";

export interface Migration {
  id: string; // file name without .sql, e.g. 0002_person
  path: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  id: string;
  state: "applied" | "pending" | "changed-since-applied";
  appliedAt: string | null;
}

const SRC_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const MIGRATION_NAME = /^\d{4}_[a-z0-9_]+\.sql$/;
// Any fixed number: serialises migration runs from several processes on one server.
const MIGRATION_LOCK = 727_001;

/** Every capability folder may own migrations in src/<folder>/migrations; they run in file-name order. */
export function discoverMigrations(srcDir: string = SRC_DIR): Migration[] {
  const found: Migration[] = [];
  for (const entry of readdirSync(srcDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(srcDir, entry.name, "migrations");
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const file of files.filter((f) => MIGRATION_NAME.test(f))) {
      const path = join(dir, file);
      const sql = readFileSync(path, "utf8");
      found.push({ id: basename(file, ".sql"), path, sql, checksum: sha256(sql) });
    }
  }
  found.sort((a, b) => a.id.localeCompare(b.id));
  for (let i = 1; i < found.length; i++) {
    if (found[i].id.slice(0, 4) === found[i - 1].id.slice(0, 4)) {
      throw new DatabaseError(
        `Two migrations share the number ${found[i].id.slice(0, 4)}: ${found[i - 1].path}, ${found[i].path}`,
        undefined,
        { kind: "conflict", code: "store.migration-numbers" },
      );
    }
  }
  return found;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

async function ensureMigrationTable(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

export async function migrationStatus(db: Db, migrations = discoverMigrations()): Promise<MigrationStatus[]> {
  await ensureMigrationTable(db);
  const rows = await db.query<{ id: string; checksum: string; applied_at: Date }>(
    "SELECT id, checksum, applied_at FROM schema_migration",
  );
  const applied = new Map(rows.map((r) => [r.id, r]));
  return migrations.map((m) => {
    const row = applied.get(m.id);
    if (!row) return { id: m.id, state: "pending", appliedAt: null };
    return {
      id: m.id,
      state: row.checksum === m.checksum ? "applied" : "changed-since-applied",
      appliedAt: row.applied_at.toISOString(),
    };
  });
}

/** Applies pending migrations in order, each in its own transaction. Returns the ids applied. */
export async function migrate(db: Db, migrations = discoverMigrations()): Promise<string[]> {
  const status = await migrationStatus(db, migrations);
  const changed = status.filter((s) => s.state === "changed-since-applied");
  if (changed.length > 0) {
    throw new DatabaseError(
      `Migrations changed after they were applied: ${changed.map((s) => s.id).join(", ")}`,
      "Applied migrations must never be edited; add a new migration instead.",
      { kind: "conflict", code: "store.migrations-changed" },
    );
  }
  const applied: string[] = [];
  for (const m of migrations) {
    if (status.find((s) => s.id === m.id)?.state === "applied") continue;
    const didApply = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const already = await tx.query("SELECT 1 FROM schema_migration WHERE id = $1", [m.id]);
      if (already.length > 0) return false;
      try {
        await tx.exec(m.sql);
      } catch (cause) {
        throw new DatabaseError(`Migration ${m.id} failed: ${(cause as Error).message}`, undefined, {
          cause,
          code: "store.migration-failed",
        });
      }
      await tx.query("INSERT INTO schema_migration (id, checksum) VALUES ($1, $2)", [m.id, m.checksum]);
      return true;
    });
    if (didApply) applied.push(m.id);
  }
  return applied;
}
