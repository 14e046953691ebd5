import { discoverMigrations, migrate, migrationStatus } from "../../platform/index.ts";
import { defineCommand } from "../command.ts";
import { engineDescription, out, outJson } from "../context.ts";
import { json } from "../options.ts";

export const dbMigrate = defineCommand({
  name: "db migrate",
  summary: "Apply the database migrations that have not been applied yet, in order.",
  options: { json },
  db: "open",
  async run({ options, db }) {
    const applied = await migrate(db);
    if (options.json) outJson({ engine: db.engine, location: db.location, applied });
    else {
      out(`Database: ${engineDescription(db)}`);
      out(
        applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(", ")}`
          : "Already up to date.",
      );
    }
    return 0;
  },
});

export const dbStatus = defineCommand({
  name: "db status",
  summary: "Show which migrations are applied and which are pending.",
  options: { json },
  db: "open",
  async run({ options, db }) {
    const status = await migrationStatus(db, discoverMigrations());
    const pending = status.filter((s) => s.state !== "applied").length;
    if (options.json) outJson({ engine: db.engine, location: db.location, migrations: status, pending });
    else {
      out(`Database: ${engineDescription(db)}`);
      for (const s of status)
        out(`  ${s.state.padEnd(22)} ${s.id}${s.appliedAt ? `  (${s.appliedAt})` : ""}`);
      out(pending ? `${pending} migration(s) pending: run 'oneplace db migrate'.` : "Up to date.");
    }
    // A changed migration is an error a script should notice.
    return status.some((s) => s.state === "changed-since-applied") ? 1 : 0;
  },
});
