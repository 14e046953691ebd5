// The SQL behind the home page (reader-home.ts). Person queries return internal ids (candidates) with the
// date and word each panel shows; nothing here decides or audits: reader-home.ts filters the ids through the
// access policy, with its audit row, before any name is read. The other queries are counts about work
// (feeds, reviews, break-glass, accounts), never about a person's record.
import { prepared, type Queryable } from "../store/index.ts";

/** The most people a panel considers: far more than any practice's day, and bounded. */
export const HOME_CANDIDATES = 1_000;

/** A person a panel is about, before the access filter: their id, a date and a word. */
export interface Candidate {
  personId: string;
  date: string | null;
  detail: string | null;
}

type Row = Record<string, unknown>;

const iso = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v);

function candidates(rows: Row[]): Candidate[] {
  return rows.map((r) => ({
    personId: String(r.person_id),
    date: iso(r.on),
    detail: (r.detail as string | null) ?? null,
  }));
}

const REGISTERED_AT = (practice: string, day: string) =>
  `r.practice_code = ${practice} AND r.registered_on <= ${day} AND (r.deregistered_on IS NULL OR r.deregistered_on > ${day})`;
const PLAN_CURRENT = (day: string) =>
  `cp.started_on <= ${day} AND (cp.ended_on IS NULL OR cp.ended_on > ${day})`;
const REVIEW_WINDOW_DAYS = 14;
/** The start of a day in the place's time zone, from a date parameter. */
const SINCE = (param: string) => `(${param}::date::timestamp AT TIME ZONE 'Europe/London')`;

const ORGANISATION_NAME_SQL = prepared(
  "gov.home.organisation",
  "SELECT name FROM organisation WHERE org_code = $1",
);

export async function organisationName(db: Queryable, orgCode: string): Promise<string | null> {
  const [row] = await db.query<{ name: string }>(ORGANISATION_NAME_SQL, [orgCode]);
  return row?.name ?? null;
}

const PRACTICE_REGISTER_COUNTS_SQL = prepared(
  "gov.home.register-counts",
  `SELECT count(*) AS n, count(*) FILTER (WHERE risk_tier IN ('very-high', 'high')) AS high
       FROM risk_person WHERE practice_code = $1`,
);

/** The practice's people now, and those in the two highest risk tiers, from the latest stratification. */
export async function practiceRegisterCounts(
  db: Queryable,
  practiceCode: string,
): Promise<{ stratified: number; highRisk: number }> {
  const [row] = await db.query<{ n: number; high: number }>(PRACTICE_REGISTER_COUNTS_SQL, [practiceCode]);
  return { stratified: Number(row?.n ?? 0), highRisk: Number(row?.high ?? 0) };
}

const PRACTICE_ADMISSIONS_SQL = prepared(
  "gov.home.practice-admissions",
  `SELECT hs.person_id, hs.admitted_at AS on,
              initcap(hs.admission_method) || ', ' || coalesce(o.name, hs.provider_code) AS detail
         FROM hospital_spell hs
         LEFT JOIN organisation o ON o.org_code = hs.provider_code
        WHERE hs.admitted_at >= ${SINCE("$3")}
          AND EXISTS (SELECT 1 FROM registration r WHERE r.person_id = hs.person_id AND ${REGISTERED_AT("$1::text", "$2::date")})
        ORDER BY hs.admitted_at DESC LIMIT ${HOME_CANDIDATES}`,
);

/** People registered at the practice (on the day) admitted to hospital since the start of a day, newest first. */
export async function practiceAdmissions(
  db: Queryable,
  practiceCode: string,
  day: string,
  since: string,
): Promise<Candidate[]> {
  return candidates(await db.query(PRACTICE_ADMISSIONS_SQL, [practiceCode, day, since]));
}

const PRACTICE_REVIEWS_DUE_SQL = prepared(
  "gov.home.practice-reviews",
  `SELECT cp.person_id, min(cp.review_due_on)::text AS on,
              CASE WHEN min(cp.review_due_on) < $2::date THEN 'overdue' ELSE NULL END AS detail
         FROM registration r JOIN care_plan cp ON cp.person_id = r.person_id
        WHERE ${REGISTERED_AT("$1::text", "$2::date")} AND ${PLAN_CURRENT("$2::date")}
          AND cp.review_due_on <= $2::date + ${REVIEW_WINDOW_DAYS}
        GROUP BY cp.person_id ORDER BY min(cp.review_due_on), cp.person_id LIMIT ${HOME_CANDIDATES}`,
);

/** Current care plans of the practice's people whose review is due within two weeks or overdue, soonest first. */
export async function practiceReviewsDue(
  db: Queryable,
  practiceCode: string,
  day: string,
): Promise<Candidate[]> {
  return candidates(await db.query(PRACTICE_REVIEWS_DUE_SQL, [practiceCode, day]));
}

const PRACTICE_NEW_ON_REGISTER_SQL = prepared(
  "gov.home.new-on-register",
  `SELECT m.person_id, m.joined_on::text AS on,
              CASE rp.risk_tier WHEN 'very-high' THEN 'Very high' WHEN 'high' THEN 'High' WHEN 'rising' THEN 'Rising'
                                WHEN 'low' THEN 'Low' ELSE NULL END AS detail
         FROM risk_register rr
         JOIN risk_register_member m ON m.register_id = rr.register_id AND m.org_code = $1
         LEFT JOIN risk_person rp ON rp.person_id = m.person_id
        WHERE rr.scope = 'practice' AND m.left_on IS NULL AND m.joined_on = rr.refreshed_on
          AND rr.register_id IN (SELECT f.register_id FROM risk_register_member f
                                  JOIN risk_register fr ON fr.register_id = f.register_id AND fr.scope = 'practice'
                                 WHERE f.org_code = $1 AND f.joined_on < fr.refreshed_on)
        ORDER BY rp.probability DESC NULLS LAST, m.person_id LIMIT ${HOME_CANDIDATES}`,
);

/**
 * People who joined a saved practice register (risk_register, scope practice) for this practice at its
 * latest refresh, highest score first. A register's first refresh adds everyone, so nobody is "new" then.
 * (Whether there was an earlier refresh is an uncorrelated subquery: on a Citus cluster a subquery correlated
 * on register_id, not the distribution column, cannot run.)
 */
export async function practiceNewOnRegister(db: Queryable, practiceCode: string): Promise<Candidate[]> {
  return candidates(await db.query(PRACTICE_NEW_ON_REGISTER_SQL, [practiceCode]));
}

const CASELOAD_OF_SQL = prepared(
  "gov.home.caseload",
  `SELECT person_id, min(started_on)::text AS on, NULL AS detail FROM caseload_entry
        WHERE user_id = $1::uuid AND team_id = $2::uuid AND started_on <= $3::date
          AND (ended_on IS NULL OR ended_on >= $3::date)
        GROUP BY person_id ORDER BY min(started_on) DESC, person_id LIMIT ${HOME_CANDIDATES}`,
);

/** The user's own caseload in the team on the day, most recent first. */
export async function caseloadOf(
  db: Queryable,
  userId: string,
  teamId: string,
  day: string,
): Promise<Candidate[]> {
  return candidates(await db.query(CASELOAD_OF_SQL, [userId, teamId, day]));
}

const OPEN_REFERRALS_SQL = prepared(
  "gov.home.open-referrals",
  `SELECT person_id, min(referred_on)::text AS on, min(service) AS detail FROM referral
        WHERE to_team_id = $1::uuid AND referred_on <= $2::date AND (closed_on IS NULL OR closed_on > $2::date)
        GROUP BY person_id ORDER BY min(referred_on), person_id LIMIT ${HOME_CANDIDATES}`,
);

/** Referrals to the team still open on the day: the team's tasks, oldest first. */
export async function openReferrals(db: Queryable, teamId: string, day: string): Promise<Candidate[]> {
  return candidates(await db.query(OPEN_REFERRALS_SQL, [teamId, day]));
}

/**
 * The team's people on the day, as SQL over $1 (user), $2 (team), $3 (day): the user's caseload in the team,
 * the team's care-team memberships and the referrals to it still open.
 */
const TEAMS_PEOPLE = `SELECT person_id FROM caseload_entry
   WHERE user_id = $1::uuid AND team_id = $2::uuid AND started_on <= $3::date AND (ended_on IS NULL OR ended_on >= $3::date)
  UNION SELECT person_id FROM care_team_member
   WHERE team_id = $2::uuid AND started_on <= $3::date AND (ended_on IS NULL OR ended_on >= $3::date)
  UNION SELECT person_id FROM referral
   WHERE to_team_id = $2::uuid AND referred_on <= $3::date AND (closed_on IS NULL OR closed_on > $3::date)`;

const TEAM_ADMISSIONS_SQL = prepared(
  "gov.home.team-admissions",
  `SELECT hs.person_id, hs.admitted_at AS on,
              initcap(hs.admission_method) || ', ' || coalesce(o.name, hs.provider_code) AS detail
         FROM hospital_spell hs LEFT JOIN organisation o ON o.org_code = hs.provider_code
        WHERE hs.admitted_at >= ${SINCE("$4")} AND hs.person_id IN (${TEAMS_PEOPLE})
        ORDER BY hs.admitted_at DESC LIMIT ${HOME_CANDIDATES}`,
);

/** The team's people (TEAMS_PEOPLE) admitted to hospital since the start of a day, newest first. */
export async function teamAdmissions(
  db: Queryable,
  userId: string,
  teamId: string,
  day: string,
  since: string,
): Promise<Candidate[]> {
  return candidates(await db.query(TEAM_ADMISSIONS_SQL, [userId, teamId, day, since]));
}

const TEAM_REVIEWS_DUE_SQL = prepared(
  "gov.home.team-reviews",
  `SELECT cp.person_id, min(cp.review_due_on)::text AS on,
              CASE WHEN min(cp.review_due_on) < $3::date THEN 'overdue' ELSE NULL END AS detail
         FROM care_plan cp
        WHERE cp.person_id IN (${TEAMS_PEOPLE}) AND ${PLAN_CURRENT("$3::date")}
          AND cp.review_due_on <= $3::date + ${REVIEW_WINDOW_DAYS}
        GROUP BY cp.person_id ORDER BY min(cp.review_due_on), cp.person_id LIMIT ${HOME_CANDIDATES}`,
);

/** The team's people (TEAMS_PEOPLE) with a current care plan due for review within two weeks or overdue. */
export async function teamReviewsDue(
  db: Queryable,
  userId: string,
  teamId: string,
  day: string,
): Promise<Candidate[]> {
  return candidates(await db.query(TEAM_REVIEWS_DUE_SQL, [userId, teamId, day]));
}

export interface BreakGlassCounts {
  awaiting: number;
  reviewedSince: number;
  oldest: { breakGlassId: string; at: string; username: string; roleName: string; reason: string }[];
}

/** Break-glass accesses awaiting review (the oldest few, with who and why), and those reviewed since. */
export async function breakGlassCounts(
  db: Queryable,
  reviewedSince: Date,
  show: number,
): Promise<BreakGlassCounts> {
  const [counts] = await db.query<{ awaiting: number; reviewed: number }>(
    `SELECT count(*) FILTER (WHERE reviewed_at IS NULL) AS awaiting,
            count(*) FILTER (WHERE reviewed_at >= $1::timestamptz) AS reviewed
       FROM break_glass`,
    [reviewedSince.toISOString()],
  );
  const rows = await db.query(
    `SELECT b.break_glass_id, b.started_at, u.username, coalesce(r.name, b.role_code) AS role_name, b.reason
       FROM break_glass b JOIN app_user u USING (user_id) LEFT JOIN app_role r ON r.role_code = b.role_code
      WHERE b.reviewed_at IS NULL ORDER BY b.started_at, b.break_glass_id LIMIT ${Number(show)}`,
  );
  return {
    awaiting: Number(counts?.awaiting ?? 0),
    reviewedSince: Number(counts?.reviewed ?? 0),
    oldest: rows.map((r) => ({
      breakGlassId: String(r.break_glass_id),
      at: iso(r.started_at) as string,
      username: String(r.username),
      roleName: String(r.role_name),
      reason: String(r.reason),
    })),
  };
}

/** Accounts by state, and teams: the administrator's counts. */
export async function accountCounts(
  db: Queryable,
  at: Date,
): Promise<{ active: number; locked: number; teams: number }> {
  const [row] = await db.query<{ active: number; locked: number; teams: number }>(
    `SELECT count(*) FILTER (WHERE status = 'active' AND (locked_until IS NULL OR locked_until <= $1::timestamptz)) AS active,
            count(*) FILTER (WHERE status <> 'active' OR locked_until > $1::timestamptz) AS locked,
            (SELECT count(*) FROM team) AS teams
       FROM app_user`,
    [at.toISOString()],
  );
  return {
    active: Number(row?.active ?? 0),
    locked: Number(row?.locked ?? 0),
    teams: Number(row?.teams ?? 0),
  };
}
