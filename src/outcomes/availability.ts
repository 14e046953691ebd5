// What the data can support: the latest activity (the default data cut-off) and whether the tables another
// capability owns exist and hold rows.
import { ident, type Queryable, run, sql } from "../store/index.ts";

const OWNER: Record<string, string> = {
  risk_person: "risk stratification: run 'oneplace stratify'",
  risk_run: "risk stratification: run 'oneplace stratify'",
  efi_deficit: "risk stratification: run 'oneplace stratify' (it records each person's eFI deficits)",
  risk_setting: "risk stratification",
  risk_register_member: "risk registers: 'oneplace cohort register'",
  admission_notification:
    "care coordination: admission notifications are written while 'oneplace serve' runs, for emergency admissions of people on a register or with a care team",
};

/** The reason a definition cannot be computed yet, or null when every table it needs exists with rows. */
export async function missingRequirement(db: Queryable, tables: readonly string[]): Promise<string | null> {
  for (const table of tables) {
    const [{ present }] = await db.query<{ present: boolean }>(
      "SELECT to_regclass($1) IS NOT NULL AS present",
      [table],
    );
    const owner = OWNER[table] ? ` (${OWNER[table]})` : "";
    if (!present) return `needs table ${table}, which does not exist${owner}`;
    if (table === "risk_setting") continue; // defaults apply when empty
    const rows = await run(db, sql`SELECT 1 FROM ${ident(table)} LIMIT 1`);
    if (rows.length === 0) return `needs rows in ${table}, which is empty${owner}`;
  }
  return null;
}

/** The latest English day with hospital, A&E or community activity, or null for an empty database. */
export async function latestActivityDate(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ day: string | null }>(
    `SELECT greatest(
       ((SELECT max(admitted_at) FROM hospital_spell) AT TIME ZONE 'Europe/London')::date,
       ((SELECT max(discharged_at) FROM hospital_spell) AT TIME ZONE 'Europe/London')::date,
       ((SELECT max(arrived_at) FROM ae_attendance) AT TIME ZONE 'Europe/London')::date,
       (SELECT max(contact_on) FROM care_contact))::text AS day`,
  );
  return row?.day ?? null;
}
