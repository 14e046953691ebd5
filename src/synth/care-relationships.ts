// The place's teams and the care relationships in its history: a practice team per practice, a locality MDT
// per locality, the community, mental health, social care, reablement, Local Area Coordination and hospital
// discharge services, the commissioning and corporate teams; care-team memberships, referrals and named
// workers' caseloads derived from the generated events (care contacts, social care services and
// assessments, joint care plans, admissions), so that who may see whom follows from what happened.
//
// Runs after the place is loaded (set-based SQL, a few seconds at Thurrock scale). Every row it writes has
// provenance (the system the relationship would come from, a derived source record id, received the night
// after) and a deterministic id, so running it twice adds nothing. Staff are synthetic users without a
// password (they cannot sign in); `demo-identities.ts` adds the people who can.
import { createHash } from "node:crypto";
import type { Db, Queryable } from "../store/index.ts";
import { truncateEmptyTables, withIndexesDeferred } from "../store/index.ts";
import { analyzeLoaded } from "./load.ts";
import { SOURCE_SYSTEM } from "./source-systems.ts";

/** The place's service teams: code, name, kind, and the kind of organisation they belong to. */
export const SERVICE_TEAMS = [
  {
    code: "community-nursing",
    name: "Community nursing",
    kind: "provider-service",
    org: "community",
    staff: { role: "community-clinician", caseload: 40, title: "Nurse" },
  },
  {
    code: "community-therapies",
    name: "Community therapies and falls",
    kind: "provider-service",
    org: "community",
    staff: null,
  },
  {
    code: "intermediate-care",
    name: "Rapid response and intermediate care",
    kind: "provider-service",
    org: "community",
    staff: null,
  },
  {
    code: "community-mental-health",
    name: "Community mental health team",
    kind: "provider-service",
    org: "mental-health",
    staff: { role: "mental-health-clinician", caseload: 30, title: "Care coordinator" },
  },
  {
    code: "adult-social-care",
    name: "Adult social care",
    kind: "provider-service",
    org: "council",
    staff: { role: "social-worker", caseload: 30, title: "Social worker" },
  },
  {
    code: "reablement",
    name: "Reablement",
    kind: "provider-service",
    org: "council",
    staff: { role: "reablement-worker", caseload: 12, title: "Reablement worker" },
  },
  {
    code: "local-area-coordination",
    name: "Local Area Coordination",
    kind: "provider-service",
    org: "council",
    staff: { role: "local-area-coordinator", caseload: 25, title: "Local Area Coordinator" },
  },
  {
    code: "hospital-discharge",
    name: "Integrated discharge team",
    kind: "provider-service",
    org: "acute",
    staff: null,
  },
  {
    code: "commissioning",
    name: "Commissioning and analytics",
    kind: "commissioning",
    org: "ccg",
    staff: null,
  },
  {
    code: "bcf-programme",
    name: "Better Care Fund programme",
    kind: "commissioning",
    org: "ccg",
    staff: null,
  },
  {
    code: "health-and-wellbeing-board",
    name: "Health and Wellbeing Board",
    kind: "commissioning",
    org: "council",
    staff: null,
  },
  { code: "oneplace-service", name: "OnePlace service team", kind: "corporate", org: "ccg", staff: null },
] as const;

export type ServiceTeamCode = (typeof SERVICE_TEAMS)[number]["code"];

/** The team code of a practice's team and of a locality's MDT. */
export const practiceTeamCode = (practiceCode: string) => `practice-${practiceCode}`;
export const localityTeamCode = (localityCode: string) => `mdt-${localityCode}`;

/** What the relationships step wrote. */
export interface CareRelationshipsResult {
  teams: number;
  staff: number;
  careTeamMembers: number;
  referrals: number;
  caseloadEntries: number;
}

/** A version-4-shaped UUID from a name, the same every time (SQL: `uuid_of(text)` below, for set-based rows). */
export function uuidOf(name: string): string {
  const h = createHash("md5").update(name).digest("hex").split("");
  h[12] = "4";
  h[16] = "8";
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The same as uuidOf, in SQL, over a text expression. */
export const uuidSql = (expr: string) =>
  `overlay(overlay(md5(${expr}) placing '4' from 13) placing '8' from 17)::uuid`;

/** received_at for a relationship recorded on a date: the nightly extract at 02:00 the next day. */
const receivedSql = (dateExpr: string) =>
  `((${dateExpr}) + 1)::timestamp AT TIME ZONE 'UTC' + interval '2 hours'`;

const FIRST_NAMES = [
  "Amelia",
  "Priya",
  "Tom",
  "Grace",
  "Kwame",
  "Sophie",
  "Daniel",
  "Aisha",
  "Liam",
  "Hannah",
  "Marek",
  "Chloe",
  "Samuel",
  "Fatima",
  "Owen",
  "Ruth",
  "Joseph",
  "Leah",
  "Ben",
  "Nadia",
];
const FAMILY_NAMES = [
  "Hart",
  "Okafor",
  "Patel",
  "Brennan",
  "Walsh",
  "Nowak",
  "Ellis",
  "Khan",
  "Fraser",
  "Mensah",
  "Doyle",
  "Reid",
  "Ahmed",
  "Turner",
  "Byrne",
  "Lewis",
  "Shah",
  "Price",
  "Quinn",
  "Ward",
];

/** A staff member's name: deterministic from the team and their number. */
export function staffName(teamCode: string, n: number): string {
  const h = createHash("md5").update(`${teamCode}:${n}`).digest();
  return `${FIRST_NAMES[h[0] % FIRST_NAMES.length]} ${FAMILY_NAMES[h[1] % FAMILY_NAMES.length]}`;
}

const ORG_KIND_OF_TEAM = {
  community: "community",
  "mental-health": "mental-health",
  council: "council",
  acute: "acute",
  ccg: "ccg",
} as const;

async function firstOrg(db: Queryable, kind: string): Promise<string | null> {
  const rows = await db.query<{ org_code: string }>(
    "SELECT org_code FROM organisation WHERE kind = $1 ORDER BY org_code LIMIT 1",
    [kind],
  );
  return rows[0]?.org_code ?? null;
}

async function count(db: Queryable, table: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

/** The tables of the relationships themselves, which a new place has empty. */
const RELATIONSHIP_TABLES = ["care_team_member", "referral", "caseload_entry"];

/**
 * Adds the teams, staff and care relationships to a loaded place. Idempotent: teams and staff that exist are
 * reused, relationship rows that exist are left as they are.
 */
export async function loadCareRelationships(db: Db): Promise<CareRelationshipsResult> {
  const before = {
    teams: await count(db, "team"),
    staff: await count(db, "app_user"),
    careTeamMembers: await count(db, "care_team_member"),
    referrals: await count(db, "referral"),
    caseloadEntries: await count(db, "caseload_entry"),
  };
  await db.transaction(async (tx) => {
    // The embedded engine: new files for the tables still empty (a new place), so the rows written into them
    // skip the WAL (wal_level minimal), and their keys and indexes built once from the rows, as the load's are.
    const empty = db.engine === "pglite" ? await truncateEmptyTables(tx, RELATIONSHIP_TABLES) : [];
    await withIndexesDeferred(
      tx,
      empty,
      async () => {
        await insertTeams(tx);
        const end = await historyEnd(tx);
        await insertCareTeams(tx, end);
        await insertReferrals(tx, end);
        await insertStaffAndCaseloads(tx);
      },
      { constraints: true },
    );
  });
  await analyzeLoaded(db, ["team", "care_team_member", "referral", "caseload_entry"]);
  return {
    teams: (await count(db, "team")) - before.teams,
    staff: (await count(db, "app_user")) - before.staff,
    careTeamMembers: (await count(db, "care_team_member")) - before.careTeamMembers,
    referrals: (await count(db, "referral")) - before.referrals,
    caseloadEntries: (await count(db, "caseload_entry")) - before.caseloadEntries,
  };
}

async function insertTeams(db: Queryable): Promise<void> {
  // A team per practice and an MDT per locality, named after them.
  await db.query(
    `INSERT INTO team (team_id, team_code, name, kind, org_code)
     SELECT ${uuidSql("'team:' || t.code")}, t.code, t.name, t.kind, t.org_code
       FROM (SELECT 'practice-' || org_code AS code, regexp_replace(name, ' \\(synthetic\\)$', '') || ' practice team' AS name,
                    'practice' AS kind, org_code
               FROM organisation WHERE kind = 'practice'
             UNION ALL
             SELECT 'mdt-' || org_code, regexp_replace(name, ' \\(synthetic\\)$', '') || ' locality MDT', 'locality-mdt', org_code
               FROM organisation WHERE kind = 'locality') t
     ON CONFLICT (team_code) DO NOTHING`,
  );
  for (const team of SERVICE_TEAMS) {
    const org = await firstOrg(db, ORG_KIND_OF_TEAM[team.org]);
    await db.query(
      `INSERT INTO team (team_id, team_code, name, kind, org_code) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (team_code) DO NOTHING`,
      [uuidOf(`team:${team.code}`), team.code, team.name, team.kind, org],
    );
  }
}

export async function historyEnd(db: Queryable): Promise<string> {
  const rows = await db.query<{ end_on: string | null }>(
    `SELECT to_char(greatest((SELECT max(contact_on) FROM care_contact),
                             (SELECT max(admitted_at)::date FROM hospital_spell),
                             (SELECT max(started_on) FROM social_care_service)), 'YYYY-MM-DD') AS end_on`,
  );
  return rows[0].end_on ?? new Date().toISOString().slice(0, 10);
}

/** The team id of a team code, in SQL. */
const teamId = (code: string) => `(SELECT team_id FROM team WHERE team_code = '${code}')`;

const CONTACT_TEAMS: Record<string, string[]> = {
  "community-nursing": [
    "district-nursing",
    "community-matron",
    "continence",
    "heart-failure-nurse",
    "respiratory-nurse",
  ],
  "community-therapies": ["physiotherapy", "falls-prevention", "podiatry", "stroke-rehabilitation"],
  "intermediate-care": ["intermediate-care", "rapid-response"],
};

async function insertCareTeams(db: Queryable, end: string): Promise<void> {
  const community = SOURCE_SYSTEM.community;
  // Community services: one membership per person and team, from the first contact; still open if the
  // person was seen in the last eight weeks of the history, otherwise ended a fortnight after the last.
  for (const [team, services] of Object.entries(CONTACT_TEAMS)) {
    await db.query(
      `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system,
         source_record_id, received_at)
       SELECT person_id, ${uuidSql(`'ctm:${team}:' || person_id`)}, ${teamId(team)}, first_on,
              CASE WHEN last_on >= $2::date - 56 THEN NULL ELSE last_on + 14 END,
              '${community}', 'care-team:${team}:' || person_id, ${receivedSql("first_on")}
         FROM (SELECT person_id, min(contact_on) AS first_on, max(contact_on) AS last_on
                 FROM care_contact WHERE setting = 'community' AND service = ANY($1::text[])
                GROUP BY person_id) c
       ON CONFLICT DO NOTHING`,
      [services, end],
    );
  }
  await db.query(
    `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system,
       source_record_id, received_at)
     SELECT person_id, ${uuidSql("'ctm:cmht:' || person_id")}, ${teamId("community-mental-health")}, first_on,
            CASE WHEN last_on >= $1::date - 90 THEN NULL ELSE last_on + 28 END,
            '${SOURCE_SYSTEM.mentalHealth}', 'care-team:community-mental-health:' || person_id, ${receivedSql("first_on")}
       FROM (SELECT person_id, min(contact_on) AS first_on, max(contact_on) AS last_on
               FROM care_contact WHERE setting = 'mental-health' GROUP BY person_id) c
     ON CONFLICT DO NOTHING`,
    [end],
  );
  // Adult social care: from the first long-term service; open while any service is.
  await db.query(
    `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system,
       source_record_id, received_at)
     SELECT person_id, ${uuidSql("'ctm:asc:' || person_id")}, ${teamId("adult-social-care")}, first_on,
            CASE WHEN open_count > 0 THEN NULL ELSE last_end END,
            '${SOURCE_SYSTEM.socialCare}', 'care-team:adult-social-care:' || person_id, ${receivedSql("first_on")}
       FROM (SELECT person_id, min(started_on) AS first_on, max(ended_on) AS last_end,
                    count(*) FILTER (WHERE ended_on IS NULL) AS open_count
               FROM social_care_service WHERE service_type NOT IN ('reablement', 'equipment')
              GROUP BY person_id) s
     ON CONFLICT DO NOTHING`,
  );
  // Reablement: one membership per episode.
  await db.query(
    `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system,
       source_record_id, received_at)
     SELECT person_id, ${uuidSql("'ctm:reablement:' || service_id")}, ${teamId("reablement")}, started_on, ended_on,
            '${SOURCE_SYSTEM.socialCare}', 'care-team:reablement:' || service_id, ${receivedSql("started_on")}
       FROM social_care_service WHERE service_type = 'reablement'
     ON CONFLICT DO NOTHING`,
  );
  // The locality MDT of the person's practice (at the plan's start) holds everyone with a joint plan.
  await db.query(
    `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, ended_on, source_system,
       source_record_id, received_at)
     SELECT cp.person_id, ${uuidSql("'ctm:mdt:' || cp.care_plan_id")}, t.team_id, cp.started_on, cp.ended_on,
            cp.source_system, 'care-team:mdt:' || cp.care_plan_id, ${receivedSql("cp.started_on")}
       FROM care_plan cp
       JOIN LATERAL (SELECT practice_code FROM registration r
                      WHERE r.person_id = cp.person_id AND r.registered_on <= cp.started_on
                      ORDER BY r.registered_on DESC LIMIT 1) r ON true
       JOIN organisation p ON p.org_code = r.practice_code
       JOIN team t ON t.team_code = 'mdt-' || p.parent_code
      WHERE cp.plan_type = 'joint-health-social'
     ON CONFLICT DO NOTHING`,
  );
}

async function insertReferrals(db: Queryable, end: string): Promise<void> {
  const socialCare = SOURCE_SYSTEM.socialCare;
  // Every social care service began with a referral: from the practice, the community team or the hospital.
  await db.query(
    `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on,
       outcome, source_system, source_record_id, received_at)
     SELECT s.person_id, ${uuidSql("'ref:scs:' || s.service_id")},
            CASE WHEN s.service_type = 'reablement' THEN ${teamId("reablement")} ELSE ${teamId("adult-social-care")} END,
            CASE
              WHEN s.referral_source = 'hospital-discharge' THEN ${teamId("hospital-discharge")}
              WHEN s.referral_source = 'community' THEN ${teamId("community-nursing")}
              WHEN s.referral_source = 'gp' THEN gp.team_id
            END,
            CASE WHEN s.service_type = 'reablement' THEN 'reablement' ELSE 'adult-social-care' END,
            s.started_on - CASE WHEN s.referral_source = 'hospital-discharge' THEN 2 ELSE 10 END,
            s.started_on, 'accepted', '${socialCare}', 'referral:' || s.service_id,
            ${receivedSql("s.started_on - CASE WHEN s.referral_source = 'hospital-discharge' THEN 2 ELSE 10 END")}
       FROM social_care_service s
       -- A lateral join, not a subquery in the CASE: Citus cannot plan a correlated subquery there (and it
       -- sends a simple CASE x WHEN ... to the workers wrongly, so the CASE above is a searched one).
       LEFT JOIN LATERAL (SELECT t.team_id FROM registration r JOIN team t ON t.team_code = 'practice-' || r.practice_code
                           WHERE s.referral_source = 'gp' AND r.person_id = s.person_id AND r.registered_on <= s.started_on
                           ORDER BY r.registered_on DESC LIMIT 1) gp ON true
      WHERE s.service_type IN ('reablement', 'home-care', 'day-care', 'direct-payment', 'telecare', 'meals')
     ON CONFLICT DO NOTHING`,
  );
  // An assessment that led nowhere was still a referral, closed with its outcome.
  await db.query(
    `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on,
       outcome, source_system, source_record_id, received_at)
     SELECT a.person_id, ${uuidSql("'ref:asm:' || a.assessment_id")}, ${teamId("adult-social-care")}, NULL,
            'care-act-assessment', a.assessed_on - 14, a.assessed_on,
            CASE WHEN a.outcome = 'no-services' THEN 'declined' ELSE 'completed' END,
            '${socialCare}', 'referral:' || a.assessment_id, ${receivedSql("a.assessed_on - 14")}
       FROM social_care_assessment a
      WHERE a.assessment_type = 'needs' AND a.outcome IN ('universal-services', 'no-services')
     ON CONFLICT DO NOTHING`,
  );
  // Community nursing: the practice refers for the first district nursing or matron visit.
  await db.query(
    `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on,
       outcome, source_system, source_record_id, received_at)
     SELECT c.person_id, ${uuidSql("'ref:cn:' || c.person_id")}, ${teamId("community-nursing")},
            (SELECT t.team_id FROM registration r JOIN team t ON t.team_code = 'practice-' || r.practice_code
              WHERE r.person_id = c.person_id AND r.registered_on <= c.first_on
              ORDER BY r.registered_on DESC LIMIT 1),
            'community-nursing', c.first_on - 3, c.first_on, 'accepted',
            '${SOURCE_SYSTEM.community}', 'referral:community-nursing:' || c.person_id, ${receivedSql("c.first_on - 3")}
       FROM (SELECT person_id, min(contact_on) AS first_on FROM care_contact
              WHERE service IN ('district-nursing', 'community-matron') GROUP BY person_id) c
     ON CONFLICT DO NOTHING`,
  );
  // Open at the end of the history: Local Area Coordination for older people home from an emergency
  // admission in its last two months (one in three, chosen by id), referred by their practice.
  await db.query(
    `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on,
       outcome, source_system, source_record_id, received_at)
     SELECT h.person_id, ${uuidSql("'ref:lac:' || h.spell_id")}, ${teamId("local-area-coordination")},
            (SELECT t.team_id FROM registration r JOIN team t ON t.team_code = 'practice-' || r.practice_code
              WHERE r.person_id = h.person_id AND r.deregistered_on IS NULL
              ORDER BY r.registered_on DESC LIMIT 1),
            'local-area-coordination', least(h.discharged_at::date + 7, $1::date), NULL, NULL,
            '${socialCare}', 'referral:lac:' || h.spell_id, ${receivedSql("least(h.discharged_at::date + 7, $1::date)")}
       FROM hospital_spell h JOIN person p USING (person_id)
      WHERE h.admission_method = 'emergency' AND h.discharged_at >= $1::date - 60
        AND h.discharge_method = 'discharged' AND p.birth_date <= $1::date - interval '75 years'
        AND ('x' || substr(md5(h.spell_id::text), 1, 4))::bit(16)::int % 3 = 0
     ON CONFLICT DO NOTHING`,
    [end],
  );
}

/** Named workers for the teams that hold caseloads, each given an even share of the team's people. */
async function insertStaffAndCaseloads(db: Queryable): Promise<void> {
  for (const team of SERVICE_TEAMS) {
    if (!team.staff) continue;
    const rows = await db.query<{ team_id: string }>("SELECT team_id FROM team WHERE team_code = $1", [
      team.code,
    ]);
    if (rows.length === 0) continue;
    const tid = rows[0].team_id;
    // Not correlated with the team row: Citus cannot plan a subquery on a distributed table correlated on
    // anything but person_id.
    const [{ open }] = await db.query<{ open: number }>(
      `SELECT (SELECT count(*)::int FROM care_team_member WHERE team_id = $1 AND ended_on IS NULL)
            + (SELECT count(*)::int FROM referral WHERE to_team_id = $1 AND closed_on IS NULL) AS open`,
      [tid],
    );
    const n = Math.max(1, Math.min(80, Math.ceil(open / team.staff.caseload)));
    const staffIds: string[] = [];
    for (let i = 1; i <= n; i++) {
      const username = `staff.${team.code}.${String(i).padStart(2, "0")}`;
      const userId = uuidOf(`user:${username}`);
      staffIds.push(userId);
      await db.query(
        `INSERT INTO app_user (user_id, username, display_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [userId, username, `${staffName(team.code, i)} (${team.staff.title}, synthetic)`],
      );
      await db.query(
        `INSERT INTO user_role (user_id, role_code, team_id, granted_by) VALUES ($1, $2, $3, 'synth')
         ON CONFLICT DO NOTHING`,
        [userId, team.staff.role, tid],
      );
    }
    // Each membership (open or ended) and each referral to the team is a worker's caseload entry for its
    // span, the worker chosen by the person's id so the shares are even and stable.
    await db.query(
      `INSERT INTO caseload_entry (person_id, caseload_entry_id, user_id, team_id, started_on, ended_on,
         source_system, source_record_id, received_at)
       SELECT x.person_id, ${uuidSql("'cl:' || x.ref")}, ($1::uuid[])[1 + (('x' || substr(md5(x.person_id::text), 1, 7))::bit(28)::int % $3)],
              $2::uuid, x.started_on, x.ended_on, x.source_system, 'caseload:' || x.ref, x.received_at
         FROM (SELECT person_id, membership_id::text AS ref, started_on, ended_on, source_system, received_at
                 FROM care_team_member WHERE team_id = $2
               UNION ALL
               SELECT person_id, referral_id::text, referred_on, closed_on, source_system, received_at
                 FROM referral WHERE to_team_id = $2 AND closed_on IS NULL) x
       ON CONFLICT DO NOTHING`,
      [staffIds, tid, n],
    );
  }
}
