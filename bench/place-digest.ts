// Is it the same place? Each table's row count and an order-independent digest of its rows (the md5 of each
// row's text, sorted and hashed again), for comparing two places made by old and new code. The demo users are
// made anew each run (new ids, creation times), so their rows are digested by username apart from the staff's,
// and the teams and users without their creation times.
//
//   node bench/place-digest.ts HOME          (an embedded database's ONEPLACE_HOME)
//   DATABASE_URL=... node bench/place-digest.ts
import { tmpdir } from "node:os";
import { openDb } from "../src/store/index.ts";

const home = process.argv[2];
if (!home && !process.env.DATABASE_URL) throw new Error("Give an embedded database's home, or DATABASE_URL");
const db = await openDb(home ? { home } : { databaseUrl: process.env.DATABASE_URL, home: tmpdir() });
/** Tables whose rows carry times or ids of their own making, as the columns that say what they are. */
const AS_WRITTEN: Record<string, string> = {
  app_user:
    "SELECT concat_ws('|', x.user_id, x.username, x.display_name) AS r FROM app_user x WHERE x.username LIKE 'staff.%'",
  user_role:
    "SELECT concat_ws('|', x.user_id, x.role_code, x.team_id, x.granted_by) AS r FROM user_role x JOIN app_user u USING (user_id) WHERE u.username LIKE 'staff.%'",
  caseload_entry:
    "SELECT x::text AS r FROM caseload_entry x JOIN app_user u USING (user_id) WHERE u.username LIKE 'staff.%'",
  team: "SELECT concat_ws('|', x.team_id, x.team_code, x.name, x.kind, x.org_code) AS r FROM team x",
  "demo users' roles": `SELECT concat_ws('|', u.username, x.role_code, x.team_id, x.granted_by) AS r
      FROM user_role x JOIN app_user u USING (user_id) WHERE u.username NOT LIKE 'staff.%'`,
  "demo users' caseloads": `SELECT concat_ws('|', u.username, x.person_id, x.team_id, x.started_on, x.ended_on, x.source_system) AS r
      FROM caseload_entry x JOIN app_user u USING (user_id) WHERE u.username NOT LIKE 'staff.%'`,
};
/** Rows of the run itself, not of the place. */
const SKIPPED = new Set(["audit_event", "audit_chain_head", "data_load", "session", "schema_migration"]);
try {
  const tables = await db.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const queries = new Map<string, string>();
  for (const { t } of tables) if (!SKIPPED.has(t)) queries.set(t, `SELECT x::text AS r FROM ${t} x`);
  for (const [name, sql] of Object.entries(AS_WRITTEN)) queries.set(name, sql);
  for (const [name, sql] of [...queries].sort((a, b) => a[0].localeCompare(b[0]))) {
    const [row] = await db.query<{ n: number; d: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS d FROM (SELECT md5(r) AS h FROM (${sql}) q) s`,
    );
    if (row.n > 0) console.log(`${name.padEnd(32)} ${String(row.n).padStart(10)}  ${row.d}`);
  }
} finally {
  await db.close();
}
