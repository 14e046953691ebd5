// One demo user per role, each in a fitting team of the synthetic place: the GP and the MDT coordinator in
// the demo practice (the practice with the most people registered), the nurse, social worker, mental health
// clinician, reablement worker and Local Area Coordinator with caseloads that include people on that
// practice's register. Passwords are random, returned once to be printed once; only their scrypt hashes are
// kept. Running it again leaves existing demo users alone unless asked for new passwords.
import { randomBytes } from "node:crypto";
import {
  assignRole,
  createUser,
  type Operator,
  type PreparedPassword,
  preparePasswords,
  resetPassword,
} from "../governance/index.ts";
import type { Db, Queryable } from "../store/index.ts";
import { practiceTeamCode } from "./care-relationships.ts";
import { SOURCE_SYSTEM } from "./source-systems.ts";

/** The demo users: username, display name, role, and the team (a service team, or "practice"). */
export const DEMO_USERS = [
  { username: "demo.gp", name: "Dr Asha Rahman", role: "gp", team: "practice" },
  { username: "demo.mdt", name: "Joanne Fielding", role: "practice-mdt-coordinator", team: "practice" },
  {
    username: "demo.nurse",
    name: "Sarah Okoye",
    role: "community-clinician",
    team: "community-nursing",
    caseload: SOURCE_SYSTEM.community,
  },
  {
    username: "demo.mh",
    name: "Gareth Lloyd",
    role: "mental-health-clinician",
    team: "community-mental-health",
    caseload: SOURCE_SYSTEM.mentalHealth,
  },
  {
    username: "demo.social",
    name: "Michael Adeyemi",
    role: "social-worker",
    team: "adult-social-care",
    caseload: SOURCE_SYSTEM.socialCare,
  },
  {
    username: "demo.reablement",
    name: "Kerry Dunn",
    role: "reablement-worker",
    team: "reablement",
    caseload: SOURCE_SYSTEM.socialCare,
  },
  {
    username: "demo.lac",
    name: "Femi Cole",
    role: "local-area-coordinator",
    team: "local-area-coordination",
    caseload: SOURCE_SYSTEM.socialCare,
  },
  {
    username: "demo.discharge",
    name: "Lucy Marsh",
    role: "hospital-discharge-team",
    team: "hospital-discharge",
  },
  { username: "demo.analyst", name: "Raj Sandhu", role: "commissioner-analyst", team: "commissioning" },
  { username: "demo.finance", name: "Helen Carter", role: "finance-programme-lead", team: "bcf-programme" },
  {
    username: "demo.board",
    name: "Cllr Peter Grant",
    role: "hwb-board-member",
    team: "health-and-wellbeing-board",
  },
  {
    username: "demo.integration",
    name: "Nikos Pappas",
    role: "integration-engineer",
    team: "oneplace-service",
  },
  { username: "demo.ig", name: "Margaret Osei", role: "ig-officer", team: "oneplace-service" },
  { username: "demo.admin", name: "Chris Bell", role: "administrator", team: "oneplace-service" },
] as const;

export interface DemoUser {
  username: string;
  displayName: string;
  roleCode: string;
  teamCode: string;
  /** Set when the account was created (or its password reset) by this call; never stored in clear. */
  password: string | null;
  /** People on the user's caseload (for the caseload-holding roles). */
  caseload: number;
}

export interface DemoIdentities {
  practiceCode: string;
  users: DemoUser[];
}

const OPERATOR: Operator = { userId: null, name: "cli:demo", channel: "cli" };

/** A random password of 20 characters from the URL-safe alphabet (120 bits). */
export function demoPassword(): string {
  return randomBytes(15).toString("base64url");
}

/**
 * A new password for each demo user, hashed one after another on a thread of their own from now on: `oneplace
 * demo` starts them when the place's rows are made, while the main thread builds the place's indexes and its care
 * history (one core otherwise idle), so the users are written without waiting for 14 scrypt hashes then.
 */
export function prepareDemoPasswords(): Map<string, PreparedPassword> {
  const prepared = preparePasswords(DEMO_USERS.map(() => demoPassword()));
  return new Map(DEMO_USERS.map((demo, i) => [demo.username, prepared[i]]));
}

/** The practice with the most people registered now: the demo GP's and MDT coordinator's. */
export async function demoPracticeCode(db: Queryable): Promise<string | null> {
  const rows = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
      GROUP BY practice_code ORDER BY count(*) DESC, practice_code LIMIT 1`,
  );
  return rows[0]?.practice_code ?? null;
}

/**
 * Creates the demo users that do not exist yet (with a new random password each) and their caseloads;
 * `newPasswords` resets the passwords of those that do. Needs the place's teams (loadCareRelationships).
 */
export async function seedDemoIdentities(
  db: Db,
  options: {
    newPasswords?: boolean;
    /** Passwords made (and being hashed) beforehand, by username: prepareDemoPasswords. */
    passwords?: ReadonlyMap<string, PreparedPassword>;
  } = {},
): Promise<DemoIdentities> {
  const practiceCode = await demoPracticeCode(db);
  if (!practiceCode) throw new Error("the place has no registered people: load it before the demo users");
  // The accounts first, all at once: each password hash takes a moment of its own (scrypt on the thread pool).
  const accounts = await Promise.all(
    DEMO_USERS.map(async (demo) => {
      const teamCode = demo.team === "practice" ? practiceTeamCode(practiceCode) : demo.team;
      const existing = await db.query("SELECT 1 FROM app_user WHERE username = $1", [demo.username]);
      let password: string | null = null;
      if (existing.length === 0) {
        const prepared = options.passwords?.get(demo.username);
        password = prepared?.password ?? demoPassword();
        await createUser(db, OPERATOR, {
          username: demo.username,
          displayName: demo.name,
          password: prepared ?? password,
        });
        await assignRole(db, OPERATOR, demo.username, demo.role, teamCode);
      } else if (options.newPasswords) {
        password = demoPassword();
        await resetPassword(db, OPERATOR, demo.username, password);
      }
      return { demo, teamCode, password };
    }),
  );
  const users: DemoUser[] = [];
  for (const { demo, teamCode, password } of accounts) {
    const caseload =
      "caseload" in demo ? await giveCaseload(db, demo.username, teamCode, practiceCode, demo.caseload) : 0;
    users.push({
      username: demo.username,
      displayName: demo.name,
      roleCode: demo.role,
      teamCode,
      password,
      caseload,
    });
  }
  return { practiceCode, users };
}

/**
 * A caseload for a demo worker: up to 30 people in the team's care who are registered at the demo practice
 * and 6 from elsewhere; where the team holds few of the practice's people, older people registered there
 * make up 20. Their entries come from the team's own system like every other caseload.
 */
async function giveCaseload(
  db: Queryable,
  username: string,
  teamCode: string,
  practiceCode: string,
  sourceSystem: string,
): Promise<number> {
  const ids = await db.query<{ user_id: string; team_id: string }>(
    `SELECT u.user_id, t.team_id FROM app_user u, team t WHERE u.username = $1 AND t.team_code = $2`,
    [username, teamCode],
  );
  if (ids.length === 0) return 0;
  const { user_id: userId, team_id: teamId } = ids[0];
  const insert = (selectPeople: string, params: unknown[]) =>
    db.query(
      `INSERT INTO caseload_entry (person_id, caseload_entry_id, user_id, team_id, started_on, ended_on,
         source_system, source_record_id, received_at)
       SELECT p.person_id, overlay(overlay(md5('demo-cl:' || $1::uuid::text || ':' || p.person_id) placing '4' from 13) placing '8' from 17)::uuid,
              $1::uuid, $2::uuid, p.started_on, NULL, $3, 'demo-caseload:' || $1::uuid::text || ':' || p.person_id,
              (p.started_on + 1)::timestamp AT TIME ZONE 'UTC' + interval '2 hours'
         FROM (${selectPeople}) p
       ON CONFLICT DO NOTHING`,
      [userId, teamId, sourceSystem, ...params],
    );
  const inCare = (registeredHere: boolean, limit: number) =>
    `SELECT m.person_id, min(m.started_on) AS started_on FROM (
       SELECT person_id, started_on FROM care_team_member WHERE team_id = $2::uuid AND ended_on IS NULL
       UNION ALL
       SELECT person_id, referred_on FROM referral WHERE to_team_id = $2::uuid AND closed_on IS NULL) m
      WHERE ${registeredHere ? "" : "NOT "}EXISTS (SELECT 1 FROM registration r WHERE r.person_id = m.person_id
              AND r.practice_code = $4 AND r.deregistered_on IS NULL)
        AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = m.person_id)
      GROUP BY m.person_id ORDER BY md5(m.person_id::text) LIMIT ${limit}`;
  await insert(inCare(true, 30), [practiceCode]);
  await insert(inCare(false, 6), [practiceCode]);
  const count = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM caseload_entry c
          WHERE c.user_id = $1 AND c.ended_on IS NULL
            AND EXISTS (SELECT 1 FROM registration r WHERE r.person_id = c.person_id
                          AND r.practice_code = $2 AND r.deregistered_on IS NULL)`,
        [userId, practiceCode],
      )
    )[0].n;
  const here = await count();
  if (here < 20) {
    await insert(
      `SELECT r.person_id, r.registered_on AS started_on FROM registration r JOIN person p USING (person_id)
        WHERE r.practice_code = $4 AND r.deregistered_on IS NULL AND p.birth_date <= DATE '1941-01-01'
          AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = r.person_id)
        ORDER BY md5(r.person_id::text || $2::uuid::text) LIMIT ${20 - here}`,
      [practiceCode],
    );
  }
  const rows = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM caseload_entry WHERE user_id = $1 AND ended_on IS NULL",
    [userId],
  );
  return rows[0].n;
}

/** A synthetic person the demo's citizen sign-in offers (see src/web/demo-citizen-idp.ts). */
export interface DemoCitizenChoice {
  nhsNumber: string;
  birthDate: string;
  label: string;
}

/**
 * People to sign in as on the demo's citizen pages: alive, with an NHS Number no one else has, and a joint plan
 * in force made at an MDT (signed off, with a lead professional), on the demo practice's register first; then
 * one person with no plan, to show what they see. Chosen by id, so the same place offers the same people.
 */
export async function demoCitizens(db: Queryable, count = 5): Promise<DemoCitizenChoice[]> {
  const practiceCode = await demoPracticeCode(db);
  const rows = await db.query<{
    nhs_number: string;
    birth_date: string;
    name: string;
    with_plan: boolean;
  }>(
    `WITH candidates AS (
       SELECT p.person_id, p.nhs_number, p.birth_date, p.given_name || ' ' || p.family_name AS name,
              EXISTS (SELECT 1 FROM care_plan_version v WHERE v.person_id = p.person_id AND v.latest
                        AND v.status = 'signed-off') AS with_plan,
              EXISTS (SELECT 1 FROM registration r WHERE r.person_id = p.person_id AND r.deregistered_on IS NULL
                        AND r.practice_code = $1) AS at_practice
         FROM person p
         -- Nobody else has the number: an anti-join to the set of shared numbers, which Citus gathers first
         -- (people sharing a number are on different shards, where a correlated look-up cannot reach them).
         LEFT JOIN (SELECT o.nhs_number FROM person o WHERE o.nhs_number IS NOT NULL
                     GROUP BY o.nhs_number HAVING count(*) > 1) shared ON shared.nhs_number = p.nhs_number
        WHERE p.nhs_number IS NOT NULL AND shared.nhs_number IS NULL
          AND EXISTS (SELECT 1 FROM registration r WHERE r.person_id = p.person_id AND r.deregistered_on IS NULL)
          AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = p.person_id)
          AND p.birth_date <= current_date - interval '18 years')
     (SELECT nhs_number, birth_date::text AS birth_date, name, with_plan FROM candidates WHERE with_plan
       ORDER BY at_practice DESC, md5(person_id::text) LIMIT $2::int)
     UNION ALL
     (SELECT nhs_number, birth_date::text, name, with_plan FROM candidates WHERE NOT with_plan AND at_practice
       ORDER BY md5(person_id::text) LIMIT 1)`,
    [practiceCode, count],
  );
  return rows.map((r) => ({
    nhsNumber: r.nhs_number,
    birthDate: r.birth_date,
    label: `${r.name}, born ${r.birth_date}, NHS Number ${r.nhs_number.replace(/^(\d{3})(\d{3})(\d{4})$/, "$1 $2 $3")}: ${r.with_plan ? "has a joint care plan" : "no care plan"}`,
  }));
}
