// Fills the placeholders of bench/web-routes.ts paths from the place and the demo users: a person each role
// may see (and the one of them with the longest history), the demo practice and its locality, another demo
// user, and the first open item of each back-office queue. A placeholder with nothing behind it makes its
// row skipped, never a failure. Benchmarks may query directly: this is set-up, not a face.
import type { Db } from "../src/store/index.ts";
import type { DemoIdentities } from "../src/synth/index.ts";

export interface Placeholders {
  /** The path with its placeholders filled for the role, or null if one of them has nothing behind it. */
  fill(path: string, role: string): string | null;
}

async function first(db: Db, sql: string, params: unknown[] = []): Promise<string | null> {
  try {
    const rows = await db.query<{ v: string | null }>(sql, params);
    return rows[0]?.v ?? null;
  } catch {
    return null; // a table another engineer's branch adds may not be here yet
  }
}

/** The events of one person across the tables the timeline reads, for picking the longest history. */
const EVENT_COUNT = `(SELECT count(*) FROM gp_entry e WHERE e.person_id = x.person_id)
  + (SELECT count(*) FROM hospital_spell e WHERE e.person_id = x.person_id)
  + (SELECT count(*) FROM ae_attendance e WHERE e.person_id = x.person_id)
  + (SELECT count(*) FROM outpatient_attendance e WHERE e.person_id = x.person_id)
  + (SELECT count(*) FROM care_contact e WHERE e.person_id = x.person_id)
  + (SELECT count(*) FROM medication_issue e WHERE e.person_id = x.person_id)`;

export async function resolvePlaceholders(db: Db, demo: DemoIdentities): Promise<Placeholders> {
  const practiceCode = demo.practiceCode;
  const localityCode = await first(db, "SELECT parent_code AS v FROM organisation WHERE org_code = $1", [
    practiceCode,
  ]);
  const perRole = new Map<string, { personId: string | null; longestPersonId: string | null }>();
  for (const user of demo.users) {
    // People the user has a relationship with: their practice's register, else their caseload.
    const candidates = user.teamCode.startsWith("practice-")
      ? `SELECT r.person_id FROM registration r WHERE r.practice_code = '${practiceCode}' AND r.deregistered_on IS NULL
          AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = r.person_id)`
      : `SELECT c.person_id FROM caseload_entry c JOIN app_user u USING (user_id)
          WHERE u.username = '${user.username}' AND c.ended_on IS NULL`;
    const anyone = `SELECT r.person_id FROM registration r WHERE r.practice_code = '${practiceCode}' AND r.deregistered_on IS NULL`;
    // Roles that reach people through no relationship (the integration engineer's demographics, the IG
    // officer's audit search): anyone registered.
    const pool = ["integration-engineer", "ig-officer"].includes(user.roleCode) ? anyone : candidates;
    const personId = await first(
      db,
      `SELECT x.person_id::text AS v FROM (${pool}) x ORDER BY x.person_id LIMIT 1`,
    );
    const longestPersonId = await first(
      db,
      `SELECT x.person_id::text AS v FROM (${pool} LIMIT 20000) x ORDER BY ${EVENT_COUNT} DESC, x.person_id LIMIT 1`,
    );
    perRole.set(user.roleCode, { personId, longestPersonId });
  }
  // Each role's person as find is asked for them: NHS Number, "Given Family" and date of birth.
  const identities = new Map<string, { nhsNumber: string; personName: string; birthDate: string } | null>();
  for (const [role, ids] of perRole) {
    const [row] = ids.personId
      ? await db.query<{ nhsNumber: string; personName: string; birthDate: string }>(
          `SELECT nhs_number AS "nhsNumber", given_name || ' ' || family_name AS "personName",
                  to_char(birth_date, 'YYYY-MM-DD') AS "birthDate"
             FROM person WHERE person_id = $1`,
          [ids.personId],
        )
      : [];
    identities.set(role, row ?? null);
  }
  const shared: Record<string, string | null> = {
    practiceCode,
    localityCode,
    username: demo.users.find((u) => u.roleCode === "community-clinician")?.username ?? null,
    cohortId: await first(db, "SELECT cohort_id AS v FROM risk_cohort ORDER BY cohort_id LIMIT 1"),
    itemId: await first(
      db,
      "SELECT review_id::text AS v FROM mpi_review WHERE status = 'open' ORDER BY created_at LIMIT 1",
    ),
    rejectId: await first(db, "SELECT reject_id::text AS v FROM ingest_reject ORDER BY reject_id LIMIT 1"),
    breakGlassId: await first(
      db,
      "SELECT break_glass_id::text AS v FROM break_glass ORDER BY break_glass_id LIMIT 1",
    ),
    notificationId: await first(
      db,
      "SELECT notification_id::text AS v FROM admission_notification ORDER BY notification_id LIMIT 1",
    ),
  };
  return {
    fill(path, role) {
      const own = perRole.get(role);
      const values: Record<string, string | null> = {
        ...shared,
        personId: own?.personId ?? null,
        longestPersonId: own?.longestPersonId ?? null,
        nhsNumber: identities.get(role)?.nhsNumber ?? null,
        personName: identities.get(role)?.personName ?? null,
        birthDate: identities.get(role)?.birthDate ?? null,
      };
      let missing = false;
      // A placeholder is the whole run of letters after the colon (:longestPersonId is not :personId).
      const filled = path.replace(/:([A-Za-z]+)/g, (whole, name: string) => {
        if (!(name in values)) return whole;
        const v = values[name];
        if (v == null) missing = true;
        return encodeURIComponent(v ?? "");
      });
      return missing ? null : filled;
    },
  };
}
