import { discoverMigrations, migrate, migrationStatus } from "../../store/migrate.ts";
import type { Command } from "../command.ts";
import { engineDescription, out, outJson, withDb } from "../context.ts";

export const dbMigrate: Command = {
  name: "db migrate",
  summary: "Apply the database migrations that have not been applied yet, in order.",
  usage: "oneplace db migrate [--json]",
  options: { json: { type: "boolean", description: "Print the result as JSON" } },
  async run({ values }) {
    return withDb(async (db) => {
      const applied = await migrate(db);
      if (values.json) outJson({ engine: db.engine, location: db.location, applied });
      else {
        out(`Database: ${engineDescription(db)}`);
        out(
          applied.length
            ? `Applied ${applied.length} migration(s): ${applied.join(", ")}`
            : "Already up to date.",
        );
      }
      return 0;
    });
  },
};

export const dbStatus: Command = {
  name: "db status",
  summary: "Show which migrations are applied and which are pending.",
  usage: "oneplace db status [--json]",
  options: { json: { type: "boolean", description: "Print the status as JSON" } },
  async run({ values }) {
    return withDb(async (db) => {
      const status = await migrationStatus(db, discoverMigrations());
      const pending = status.filter((s) => s.state !== "applied").length;
      if (values.json) outJson({ engine: db.engine, location: db.location, migrations: status, pending });
      else {
        out(`Database: ${engineDescription(db)}`);
        for (const s of status)
          out(`  ${s.state.padEnd(22)} ${s.id}${s.appliedAt ? `  (${s.appliedAt})` : ""}`);
        out(pending ? `${pending} migration(s) pending: run 'oneplace db migrate'.` : "Up to date.");
      }
      // A changed migration is an error a script should notice.
      return status.some((s) => s.state === "changed-since-applied") ? 1 : 0;
    });
  },
};
