import { discoverMigrations } from "../../src/store/migrate.ts";
import { openDb } from "../../src/store/open.ts";
const db = await openDb({ home: process.argv[2] ?? "/tmp/x", databaseUrl: process.env.DATABASE_URL });
await db.exec("ALTER TABLE risk_run ADD COLUMN IF NOT EXISTS quantiles float8[]");
for (const m of discoverMigrations()) {
  if (m.id.startsWith("0401")) await db.query("UPDATE schema_migration SET checksum = $2 WHERE id = $1", [m.id, m.checksum]);
}
await db.close();
