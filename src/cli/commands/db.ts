import { discoverMigrations, migrate, migrationStatus } from "../../platform/index.ts";
import { engineDescription } from "../context.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

export const dbMigrate = defineReport({
  name: "db migrate",
  summary: "Apply the database migrations that have not been applied yet, in order.",
  options: { json },
  db: "open",
  load: async ({ db }) => ({ engine: db.engine, location: db.location, applied: await migrate(db) }),
  show: ({ applied }, { db }) => [
    `Database: ${engineDescription(db)}`,
    applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "Already up to date.",
  ],
});

export const dbStatus = defineReport({
  name: "db status",
  summary: "Show which migrations are applied and which are pending.",
  options: { json },
  db: "open",
  async load({ db }) {
    const migrations = await migrationStatus(db, discoverMigrations());
    const pending = migrations.filter((s) => s.state !== "applied").length;
    return { engine: db.engine, location: db.location, migrations, pending };
  },
  show: ({ migrations, pending }, { db }) => [
    `Database: ${engineDescription(db)}`,
    ...migrations.map((s) => `  ${s.state.padEnd(22)} ${s.id}${s.appliedAt ? `  (${s.appliedAt})` : ""}`),
    pending ? `${pending} migration(s) pending: run 'oneplace db migrate'.` : "Up to date.",
  ],
  // A changed migration is an error a script should notice.
  exitCode: ({ migrations }) => (migrations.some((s) => s.state === "changed-since-applied") ? 1 : 0),
});
