// The place's care coordination history, as OnePlace's care capability would have recorded it over the last two
// years of the history: practice MDTs meeting every four weeks (most practices: the BCF plan says "most primary
// care practices ... have engaged in regular MDT meetings") and locality MDTs every eight weeks; agendas drawn
// from the history (a joint plan about to start, a plan review due, an emergency admission since the last
// meeting, repeated admissions for the locality MDT, open actions carried); joint plans started at an MDT
// written as versioned plans (a draft at the meeting with the lead professional assigned, signed off on the
// plan's start, reviewed at later meetings, ended when the plan ended) with an accountable lead who is a real
// staff user and holds the person on their caseload; actions with owners, organisations and due dates, closed
// at the next meeting after they fall due; referrals agreed at a meeting to the directory's services (accepted,
// declined, completed or still waiting); and the reablement episodes in the history as directory referrals with
// their 91-day follow-up, recorded only once day 91 has passed.
//
// Written after the care relationships (`care-relationships.ts`), through the tables the care capability uses,
// with set-based SQL and deterministic ids: the same place gives the same history, and running it twice adds
// nothing. The joint plans it takes over become OnePlace's plans: their care_plan row is the plan store's
// projection of the latest signed-off version (source 'oneplace-care'), as if made in OnePlace.
import {
  type Db,
  isCitus,
  type Queryable,
  truncateEmptyTables,
  withIndexesDeferred,
} from "../store/index.ts";
import { historyEnd, staffName, uuidSql } from "./care-relationships.ts";
import { analyzeLoaded } from "./load.ts";

/** What the care history step wrote. */
export interface CareHistoryResult {
  meetings: number;
  agendaItems: number;
  actions: number;
  planVersions: number;
  plans: number;
  referrals: number;
  reablementFollowUps: number;
}

/** Days between a team's meetings: practice MDTs every 4 weeks, locality MDTs every 8. */
export const MDT_CADENCE_DAYS = { practice: 28, locality: 56 } as const;
/** How far back from the end of the history OnePlace's MDTs have been meeting. */
export const MDT_HISTORY_DAYS = 728;
/** Share of practices (in tenths) that hold MDT meetings. */
const ENGAGED_TENTHS = 8;
const PLAN_SOURCE = "oneplace-care";

/** A stable non-negative integer from a text expression, in SQL (28 bits of its MD5). */
const hashSql = (expr: string) => `('x' || substr(md5(${expr}), 1, 7))::bit(28)::int`;
/** A time on a day in England, in SQL. */
const at = (day: string, time: string) => `((${day}) + time '${time}') AT TIME ZONE 'Europe/London'`;
/** One of several texts, chosen by a hash. */
const pick = (texts: readonly string[], hash: string) =>
  `(ARRAY[${texts.map((t) => `'${t.replaceAll("'", "''")}'`).join(", ")}])[1 + ${hash} % ${texts.length}]`;

const WHAT_MATTERS = [
  "Staying in my own home and seeing my grandchildren at the weekend.",
  "Getting to the shops and the library on my own again.",
  "Not going back into hospital; keeping my garden going.",
  "Being able to look after my wife at home.",
  "Getting out to church and my lunch club.",
];
const STRENGTHS = [
  "Supportive family nearby; knows their medicines well.",
  "Independent and determined; good neighbours.",
  "Manages personal care; attends a day centre twice a week.",
];
const NEEDS = [
  "Falls at home; breathless on exertion; lives alone.",
  "Poor mobility after a hospital stay; low mood.",
  "Memory problems; several long-term conditions and many medicines.",
  "Carer under strain; help needed with washing and dressing.",
];
const GOALS = [
  ["To walk to the shops again", "Walks 200 metres with a stick by the review"],
  ["To stay out of hospital this winter", "No emergency admission before the review"],
  ["To manage my medicines myself", "Uses the blister pack without prompting for a month"],
];
const START_ACTIONS = [
  "Share the plan with the person and their carer",
  "Arrange a structured medication review",
  "Offer a carer's assessment",
  "Agree an anticipatory care plan with the out-of-hours service",
];
const REVIEW_ACTIONS = [
  "Update the contingency plan after the review",
  "Check progress on the goals with the person at home",
];
const ADMITTED_ACTIONS = [
  "Visit at home within a week of discharge",
  "Medication review after discharge",
  "Check that the discharge letter's changes are made",
];
/** Referrals an MDT agrees, to directory services whose receiving teams hold staff. */
const MDT_REFERRALS = [
  ["local-area-coordination", "Refer to Local Area Coordination for local support"],
  ["telecare", "Refer for telecare: a falls detector and a pendant alarm"],
  ["social-care-assessment", "Refer for an adult social care assessment"],
] as const;
const DECLINE_REASONS = [
  "The person declined the service when contacted.",
  "Needs are met by the support already in place.",
];
const COMPLETE_SUMMARIES = [
  "Support in place; the person is managing at home.",
  "Service provided and closed; the person knows how to come back.",
];

async function count(db: Queryable, sql: string): Promise<number> {
  const rows = await db.query<{ n: number }>(sql);
  return Number(rows[0].n);
}

const COUNTS = {
  meetings: "SELECT count(*) AS n FROM mdt_meeting",
  agendaItems: "SELECT count(*) AS n FROM mdt_agenda_item",
  actions: "SELECT count(*) AS n FROM mdt_action",
  planVersions: "SELECT count(*) AS n FROM care_plan_version",
  plans: `SELECT count(*) AS n FROM care_plan WHERE source_system = '${PLAN_SOURCE}'`,
  referrals: `SELECT count(*) AS n FROM referral WHERE source_system = '${PLAN_SOURCE}'`,
  reablementFollowUps: "SELECT count(*) AS n FROM referral WHERE follow_up_outcome IS NOT NULL",
} as const;

async function counts(db: Queryable): Promise<CareHistoryResult> {
  const out = {} as CareHistoryResult;
  for (const [k, sql] of Object.entries(COUNTS)) out[k as keyof CareHistoryResult] = await count(db, sql);
  return out;
}

/** Statements one at a time: Citus refuses DDL on a distributed or reference table sent with other statements. */
async function execEach(db: Queryable, statements: string): Promise<void> {
  for (const statement of statements.split(/;\s*/)) if (statement.trim()) await db.exec(statement);
}

/** The care records the step writes that a new place has empty. */
const HISTORY_TABLES = ["mdt_meeting", "mdt_attendee", "mdt_agenda_item", "mdt_action", "care_plan_version"];

/** The step's working tables, in the order they are made. */
const WORKING_TABLES = [
  "synth_meeting",
  "synth_item",
  "synth_plan",
  "synth_version",
  "synth_action",
] as const;

/**
 * A working table of the step, made from a query: a temporary table, or on Citus a reference table (a copy on
 * every node, dropped at the end of the step), which the step's queries join to the distributed tables as on one
 * server; a temporary table is on the coordinator only, where Citus cannot join it to a person's shard.
 */
async function stageTable(
  db: Queryable,
  name: (typeof WORKING_TABLES)[number],
  select: string,
  params: unknown[] = [],
): Promise<void> {
  if (!isCitus(db)) {
    await db.query(`CREATE TEMP TABLE ${name} AS ${select}`, params);
    return;
  }
  await db.query(`CREATE TABLE ${name} AS ${select}`, params);
  await db.query("SELECT create_reference_table($1)", [name]);
}

async function dropWorkingTables(db: Queryable): Promise<void> {
  await execEach(db, WORKING_TABLES.map((t) => `DROP TABLE IF EXISTS ${t}`).join("; "));
}

/** Whether the history is there already: a place loaded earlier is left alone once its history is written. */
async function historyWritten(db: Queryable): Promise<boolean> {
  const [{ done }] = await db.query<{ done: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM care_plan_version) OR EXISTS (SELECT 1 FROM mdt_meeting) AS done",
  );
  return done;
}

/** The practice staff and the working tables: who met when, who was discussed and why, the plans and actions. */
async function stage(db: Queryable, end: string): Promise<void> {
  await insertPracticeStaff(db);
  await stageMeetings(db, end);
  await stageAgenda(db, end);
  await stagePlans(db, end);
  await stageActions(db, end);
}

/** The care records, from the working tables: no statement here needs rows another one writes. */
async function write(db: Queryable, end: string): Promise<void> {
  await insertPlans(db);
  await insertMeetingsAndItems(db);
  await insertActions(db);
  await insertMdtReferrals(db, end);
  await recordReablement(db, end);
}

/**
 * On Citus the working tables are made, filled and committed before the transaction that writes the care
 * records, which only reads them. The coordinator holds a copy of every reference table and reaches it either
 * inside the backend (local execution) or over a connection to itself, chosen statement by statement (from what
 * the transaction did before and the connections free on the node); a table made and filled inside one
 * transaction could be read the other way, where it did not exist yet or had no rows (in a full test run the
 * history now and then had no MDT meetings, or failed with "relation synth_item_102228 does not exist"; with
 * local execution off the plans lost their versions). Committed rows read the same either way. The practice
 * staff are committed first too (the working tables read them); written again, they change nothing.
 */
async function loadOnCluster(db: Db): Promise<void> {
  if (await historyWritten(db)) return;
  const end = await historyEnd(db);
  await dropWorkingTables(db); // left by a run that failed part-way
  try {
    await stage(db, end);
    await db.transaction(async (tx) => {
      // One connection a worker for the reads of distributed tables, so the transaction can then write the
      // reference tables (mdt_meeting, mdt_attendee).
      await tx.exec("SET LOCAL citus.multi_shard_modify_mode = 'sequential'");
      await write(tx, end);
    });
  } finally {
    await dropWorkingTables(db);
  }
}

/**
 * Adds the MDT meetings, joint plans, actions and referrals of the last two years of the history. Needs the
 * care relationships (teams and staff). Idempotent: what exists is left as it is.
 */
export async function loadCareHistory(db: Db): Promise<CareHistoryResult> {
  const before = await counts(db);
  if (isCitus(db)) await loadOnCluster(db);
  else {
    await db.transaction(async (tx) => {
      if (await historyWritten(tx)) return;
      // The embedded engine: new files for the history's tables (empty until now), so its rows skip the WAL,
      // and their keys and indexes built once from the rows.
      const empty = db.engine === "pglite" ? await truncateEmptyTables(tx, HISTORY_TABLES) : [];
      const end = await historyEnd(tx);
      await stage(tx, end);
      await withIndexesDeferred(tx, empty, () => write(tx, end), { constraints: true });
      await dropWorkingTables(tx);
    });
  }
  await analyzeLoaded(db, [
    "mdt_meeting",
    "mdt_agenda_item",
    "mdt_action",
    "care_plan_version",
    "referral",
    "care_plan",
  ]);
  const after = await counts(db);
  const diff = {} as CareHistoryResult;
  for (const k of Object.keys(after) as (keyof CareHistoryResult)[]) diff[k] = after[k] - before[k];
  return diff;
}

/** A GP and an MDT coordinator for each practice team, and a coordinator for each locality MDT. */
async function insertPracticeStaff(db: Queryable): Promise<void> {
  const teams = await db.query<{ team_id: string; team_code: string; kind: string }>(
    "SELECT team_id::text AS team_id, team_code, kind FROM team WHERE kind IN ('practice', 'locality-mdt') ORDER BY team_code",
  );
  const users: { id: string; username: string; name: string; role: string; team: string }[] = [];
  for (const t of teams) {
    const people =
      t.kind === "practice"
        ? [
            ["gp", "gp", "GP"],
            ["mdt", "practice-mdt-coordinator", "MDT coordinator"],
          ]
        : [["mdt", "practice-mdt-coordinator", "MDT coordinator"]];
    for (const [suffix, role, title] of people) {
      const username = `staff.${t.team_code}.${suffix}`.toLowerCase();
      users.push({
        id: "",
        username,
        name: `${staffName(t.team_code, suffix === "gp" ? 101 : 102)} (${title}, synthetic)`,
        role,
        team: t.team_id,
      });
    }
  }
  await db.query(
    `INSERT INTO app_user (user_id, username, display_name)
     SELECT ${uuidSql("'user:' || u.username")}, u.username, u.name
       FROM unnest($1::text[], $2::text[]) AS u(username, name)
     ON CONFLICT DO NOTHING`,
    [users.map((u) => u.username), users.map((u) => u.name)],
  );
  await db.query(
    `INSERT INTO user_role (user_id, role_code, team_id, granted_by)
     SELECT ${uuidSql("'user:' || u.username")}, u.role, u.team, 'synth'
       FROM unnest($1::text[], $2::text[], $3::uuid[]) AS u(username, role, team)
     ON CONFLICT DO NOTHING`,
    [users.map((u) => u.username), users.map((u) => u.role), users.map((u) => u.team)],
  );
}

/** The synthetic users of a team, as an array in username order (SQL, for picking one by a hash). */
const STAFF_CTE = `staff AS (SELECT ur.team_id, array_agg(ur.user_id ORDER BY u.username) AS ids
    FROM user_role ur JOIN app_user u USING (user_id) WHERE ur.granted_by = 'synth' AND u.username NOT LIKE '%.mdt'
    GROUP BY ur.team_id)`;
const userOf = (username: string) => uuidSql(username);

/** Meetings: engaged practices every 4 weeks on a Tuesday to Thursday, locality MDTs every 8 weeks. */
async function stageMeetings(db: Queryable, end: string): Promise<void> {
  await stageTable(
    db,
    "synth_meeting",
    `WITH bounds AS (SELECT $1::date AS end_on, $1::date - ${MDT_HISTORY_DAYS} AS era),
          tuesday AS (SELECT era + ((9 - extract(isodow FROM era)::int) % 7) AS first_on, end_on FROM bounds),
          teams AS (
            SELECT t.team_id, t.team_code, t.org_code, t.name,
                   CASE WHEN t.kind = 'practice' THEN 'practice' ELSE 'locality' END AS kind,
                   ${hashSql("'mdt:' || t.team_code")} AS h
              FROM team t
             WHERE t.kind = 'locality-mdt'
                OR (t.kind = 'practice' AND ${hashSql("'mdt:' || t.team_code")} % 10 < ${ENGAGED_TENTHS}))
     SELECT ${uuidSql("'mdt-meeting:' || t.team_code || ':' || k")} AS meeting_id, t.team_id, t.team_code, t.org_code,
            t.name AS team_name, t.kind, k,
            d.first_on + (t.h % 3) + CASE WHEN t.kind = 'practice' THEN k * ${MDT_CADENCE_DAYS.practice}
                                          ELSE 14 + k * ${MDT_CADENCE_DAYS.locality} END AS held_on,
            ${userOf("'user:staff.' || lower(t.team_code) || '.mdt'")} AS coordinator_id
       FROM teams t CROSS JOIN tuesday d
       CROSS JOIN LATERAL generate_series(0, ${Math.ceil(MDT_HISTORY_DAYS / MDT_CADENCE_DAYS.practice)}) AS k
      WHERE d.first_on + (t.h % 3) + CASE WHEN t.kind = 'practice' THEN k * ${MDT_CADENCE_DAYS.practice}
                                          ELSE 14 + k * ${MDT_CADENCE_DAYS.locality} END <= d.end_on`,
    [end],
  );
  await execEach(
    db,
    // The day of the meeting before this one, of the organisation's meetings of the same kind (prev_on) and of
    // the team's (team_prev_on), so that "the next meeting after a day" is a join (prev_on <= day < held_on),
    // not a look-up a row.
    `ALTER TABLE synth_meeting ADD COLUMN prev_on date, ADD COLUMN team_prev_on date;
    UPDATE synth_meeting m SET prev_on = x.prev_on, team_prev_on = x.team_prev_on
      FROM (SELECT meeting_id, lag(held_on) OVER (PARTITION BY kind, org_code ORDER BY held_on) AS prev_on,
                   lag(held_on) OVER (PARTITION BY team_id ORDER BY held_on) AS team_prev_on
              FROM synth_meeting) x
     WHERE x.meeting_id = m.meeting_id;
    CREATE INDEX ON synth_meeting (org_code, held_on); CREATE INDEX ON synth_meeting (team_id, held_on);
    ANALYZE synth_meeting`,
  );
}

/** The meeting (alias m) of an organisation that is the next after a day, as a join condition in SQL. */
const nextMeetingAfter = (m: string, day: string) =>
  `${m}.held_on > ${day} AND (${m}.prev_on IS NULL OR ${m}.prev_on <= ${day})`;

/** A registration (alias r) in force on a day, in SQL. */
const registeredOn = (r: string, day: string) =>
  `${r}.registered_on <= ${day} AND (${r}.deregistered_on IS NULL OR ${r}.deregistered_on > ${day})`;

/** The practice a person was registered with on a day, in SQL (a lateral subquery's body). */
const practiceOnSql = (person: string, day: string) =>
  `SELECT r.practice_code FROM registration r WHERE r.person_id = ${person} AND r.registered_on <= ${day}
     AND (r.deregistered_on IS NULL OR r.deregistered_on > ${day}) ORDER BY r.registered_on DESC LIMIT 1`;

/**
 * Who each meeting discussed and why: joint plans about to start (the plan is started at the meeting, its lead
 * assigned), plan reviews falling due, emergency admissions since the last meeting (people 65 and over, four a
 * meeting at most) and, for locality MDTs, people 65 and over admitted twice in the 91 days before (six at most).
 */
async function stageAgenda(db: Queryable, end: string): Promise<void> {
  await stageTable(
    db,
    "synth_item",
    `WITH ${STAFF_CTE},
     started AS (
       SELECT cp.person_id, cp.care_plan_id AS plan_id, cp.started_on, cp.ended_on,
              greatest(91, coalesce(cp.review_due_on - cp.started_on, 182)) AS review_days,
              CASE WHEN cp.lead_professional_role IN ('gp', 'community-matron', 'district-nurse', 'social-worker', 'care-coordinator')
                   THEN cp.lead_professional_role ELSE 'community-matron' END AS lead_role,
              m.meeting_id, m.held_on, m.team_id, m.team_code
         FROM care_plan cp
         JOIN LATERAL (${practiceOnSql("cp.person_id", "cp.started_on")}) pr ON true
         JOIN synth_meeting m ON m.kind = 'practice' AND m.org_code = pr.practice_code
                              AND m.held_on > cp.started_on - ${MDT_CADENCE_DAYS.practice} AND m.held_on <= cp.started_on
        WHERE cp.plan_type = 'joint-health-social' AND cp.source_system <> '${PLAN_SOURCE}'
          AND cp.started_on <= $1::date)
     SELECT s.person_id, s.meeting_id, 0 AS priority, 'no-plan' AS reason, s.plan_id, 'started' AS plan_outcome,
            0 AS review_no, s.started_on, s.ended_on, s.review_days, s.lead_role,
            CASE s.lead_role
              WHEN 'gp' THEN ${userOf("'user:staff.' || lower(s.team_code) || '.gp'")}
              ELSE (st.ids)[1 + ${hashSql("s.person_id::text")} % cardinality(st.ids)] END AS lead_user_id
       FROM started s
       LEFT JOIN team lt ON lt.team_code = CASE s.lead_role WHEN 'social-worker' THEN 'adult-social-care'
                                                  WHEN 'care-coordinator' THEN 'community-mental-health'
                                                  ELSE 'community-nursing' END
       LEFT JOIN staff st ON st.team_id = lt.team_id`,
    [end],
  );
  // Indexed before the inserts below, which look up items by plan and by person and meeting: the admissions'
  // NOT EXISTS probes (person_id, meeting_id) once a discharge, a scan of the table each without the index.
  await execEach(
    db,
    "CREATE INDEX ON synth_item (plan_id); CREATE INDEX ON synth_item (person_id, meeting_id)",
  );
  // Reviews of those plans at the practice's meetings, every review interval until the plan ends.
  await db.query(
    `INSERT INTO synth_item
     SELECT s.person_id, m.meeting_id, 1, 'review-due', s.plan_id, 'reviewed', rk, s.started_on, s.ended_on,
            s.review_days, s.lead_role, s.lead_user_id
       FROM synth_item s
       JOIN synth_meeting sm ON sm.meeting_id = s.meeting_id
       CROSS JOIN LATERAL generate_series(1, 12) AS rk
       JOIN synth_meeting m ON m.team_id = sm.team_id
                           AND m.held_on > s.started_on + rk * s.review_days - ${MDT_CADENCE_DAYS.practice}
                           AND m.held_on <= s.started_on + rk * s.review_days
      WHERE s.plan_outcome = 'started' AND s.started_on + rk * s.review_days <= least(s.ended_on - 1, $1::date)`,
    [end],
  );
  // Emergency admissions since the practice's last meeting: each discharge goes to the next meeting of the
  // practice the person was registered with. Joins, not a look-up a discharge: on the embedded engine a
  // practice and a meeting looked up for each of Thurrock's 35,000 discharges was 9 s of CPU, and on a
  // cluster each look-up is a statement on a reference table's copy.
  await db.query(
    `INSERT INTO synth_item
     SELECT person_id, meeting_id, 2, 'admitted-since-last', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM (SELECT s.person_id, m.meeting_id,
                    row_number() OVER (PARTITION BY m.meeting_id ORDER BY md5(s.person_id::text || m.meeting_id::text)) AS n
               FROM (${spellsAtPractice("discharged_at", `h.discharge_method = 'discharged' AND h.discharged_at >= ${at(`$1::date - ${MDT_HISTORY_DAYS + 28}`, "00:00")}`)}) s
               JOIN synth_meeting m ON m.kind = 'practice' AND m.org_code = s.practice_code AND ${nextMeetingAfter("m", "s.day")}
               JOIN person p ON p.person_id = s.person_id AND p.birth_date <= m.held_on - interval '65 years'
              WHERE NOT EXISTS (SELECT 1 FROM death x WHERE x.person_id = s.person_id AND x.died_on <= m.held_on)
              GROUP BY s.person_id, m.meeting_id) x
      WHERE n <= 4
        AND NOT EXISTS (SELECT 1 FROM synth_item i WHERE i.person_id = x.person_id AND i.meeting_id = x.meeting_id)`,
    [end],
  );
  // Locality MDTs: people admitted twice or more in 91 days, at the locality's next meeting after the second
  // (if within 91 days).
  await db.query(
    `INSERT INTO synth_item
     SELECT person_id, meeting_id, 2, 'admitted-since-last', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM (SELECT s.person_id, m.meeting_id,
                    row_number() OVER (PARTITION BY m.meeting_id ORDER BY md5(s.person_id::text || m.meeting_id::text)) AS n
               FROM (${spellsAtPractice("admitted_at", `h.admitted_at >= ${at(`$1::date - ${MDT_HISTORY_DAYS + 56}`, "00:00")}`)}) s
               JOIN organisation o ON o.org_code = s.practice_code
               JOIN synth_meeting m ON m.kind = 'locality' AND m.org_code = o.parent_code AND ${nextMeetingAfter("m", "s.day")}
                                   AND m.held_on <= s.day + 91
               JOIN person p ON p.person_id = s.person_id AND p.birth_date <= m.held_on - interval '65 years'
              WHERE EXISTS (SELECT 1 FROM hospital_spell e WHERE e.person_id = s.person_id
                              AND e.admission_method = 'emergency' AND e.admitted_at < s.admitted_at
                              AND e.admitted_at >= m.held_on - 91)
                AND NOT EXISTS (SELECT 1 FROM death x WHERE x.person_id = s.person_id AND x.died_on <= m.held_on)
              GROUP BY s.person_id, m.meeting_id) x
      WHERE n <= 6`,
    [end],
  );
}

/**
 * Emergency spells (alias h in the condition) with the day (in England) of their admission or discharge and
 * the practice the person was registered with that day (the latest registration started), in SQL: every
 * registration in force joined and the latest kept, a join Citus runs beside each person's shard.
 */
const spellsAtPractice = (moment: "admitted_at" | "discharged_at", where: string) =>
  `SELECT DISTINCT ON (h.person_id, h.spell_id) h.person_id, h.spell_id, h.admitted_at, d.day, r.practice_code
     FROM hospital_spell h
     CROSS JOIN LATERAL (SELECT (h.${moment} AT TIME ZONE 'Europe/London')::date AS day) d
     JOIN registration r ON r.person_id = h.person_id AND ${registeredOn("r", "d.day")}
    WHERE h.admission_method = 'emergency' AND ${where}
    ORDER BY h.person_id, h.spell_id, r.registered_on DESC, r.registration_id DESC`;

/**
 * The plans started at a meeting, and their versions: a draft at the meeting with the lead assigned, signed off by
 * the lead on the plan's start, a signed-off version at each review, and an ended version if the plan ended.
 */
async function stagePlans(db: Queryable, end: string): Promise<void> {
  await stageTable(
    db,
    "synth_plan",
    `SELECT i.person_id, i.plan_id, i.meeting_id, m.held_on, m.coordinator_id, m.team_id AS meeting_team_id,
            i.started_on, CASE WHEN i.ended_on <= $1::date THEN i.ended_on END AS ended_on, i.review_days,
            i.lead_role, i.lead_user_id, lt.team_id AS lead_team_id, lt.org_code AS lead_org_code,
            (SELECT count(*) FROM synth_item r WHERE r.plan_id = i.plan_id AND r.plan_outcome = 'reviewed')::int AS reviews,
            ${hashSql("i.plan_id::text")} AS h
       FROM synth_item i
       JOIN synth_meeting m ON m.meeting_id = i.meeting_id
       JOIN LATERAL (SELECT ur.team_id, t.org_code FROM user_role ur JOIN team t USING (team_id)
                      WHERE ur.user_id = i.lead_user_id ORDER BY t.team_code LIMIT 1) lt ON true
      WHERE i.plan_outcome = 'started'`,
    [end],
  );
  const content = `jsonb_build_object(
      'whatMattersToMe', ${pick(WHAT_MATTERS, "p.h")},
      'strengths', ${pick(STRENGTHS, "(p.h / 7)")},
      'needs', ${pick(NEEDS, "(p.h / 11)")},
      'goals', jsonb_build_array(jsonb_build_object('goalId', ${uuidSql("'goal:' || p.plan_id")}::text,
        'description', ${pick(
          GOALS.map((g) => g[0]),
          "(p.h / 13)",
        )}, 'measure', ${pick(
          GOALS.map((g) => g[1]),
          "(p.h / 13)",
        )})),
      'actions', '[]'::jsonb,
      'contingency', 'If things get worse at home, call the practice first; out of hours, call 111 and say there is a plan.',
      'crisis', 'In a crisis call the Rapid Response and Assessment Service; in an emergency call 999.',
      'carer', NULL, 'endOfLife', '',
      'consentToShare', jsonb_build_object('given', true, 'recordedOn', p.held_on::text, 'note', ''))`;
  // Version 1: the draft at the meeting; 2: signed off; 3..: reviews; last: ended.
  await stageTable(
    db,
    "synth_version",
    `SELECT p.person_id, p.plan_id, v.version, v.status, ${content} AS content, p.lead_user_id, p.lead_role,
            p.lead_org_code, v.review_due_on, v.saved_at, v.saved_by, v.saved_team, v.changes,
            v.version = 2 + p.reviews + CASE WHEN p.ended_on IS NULL THEN 0 ELSE 1 END AS latest
       FROM synth_plan p
       CROSS JOIN LATERAL (
         SELECT 1 AS version, 'draft' AS status, NULL::date AS review_due_on, ${at("p.held_on", "14:00")} AS saved_at,
                p.coordinator_id AS saved_by, p.meeting_team_id AS saved_team,
                jsonb_build_array(jsonb_build_object('field', 'Plan', 'change', 'added', 'summary', 'started as a draft'),
                  jsonb_build_object('field', 'Lead professional', 'change', 'added',
                    'summary', replace(p.lead_role, '-', ' ') || ' at ' || p.lead_org_code || ' (assigned at the MDT meeting of ' || p.held_on || ')')) AS changes
         UNION ALL
         SELECT 2, 'signed-off', p.started_on + p.review_days,
                ${at("p.started_on", "16:30")}, p.lead_user_id, p.lead_team_id,
                jsonb_build_array(jsonb_build_object('field', 'Plan', 'change', 'changed',
                  'summary', 'signed off; review due ' || (p.started_on + p.review_days)))
         UNION ALL
         SELECT 2 + r.review_no, 'signed-off', p.started_on + (r.review_no + 1) * p.review_days,
                ${at("m.held_on", "15:00")}, p.lead_user_id, p.lead_team_id,
                jsonb_build_array(jsonb_build_object('field', 'Review date', 'change', 'changed',
                  'summary', (p.started_on + (r.review_no + 1) * p.review_days)::text || ' (reviewed at the MDT meeting of ' || m.held_on || ')'))
           FROM synth_item r JOIN synth_meeting m ON m.meeting_id = r.meeting_id
          WHERE r.plan_id = p.plan_id AND r.plan_outcome = 'reviewed'
         UNION ALL
         SELECT 3 + p.reviews, 'ended', NULL, ${at("p.ended_on", "12:00")}, p.lead_user_id, p.lead_team_id,
                jsonb_build_array(jsonb_build_object('field', 'Plan', 'change', 'removed', 'summary', 'ended: the plan''s goals were met or the person moved on'))
          WHERE p.ended_on IS NOT NULL) v`,
  );
  // The plan store's projection of each plan: the review date of its latest signed-off version, and when it
  // was last saved.
  await execEach(
    db,
    `ALTER TABLE synth_plan ADD COLUMN review_due_on date, ADD COLUMN received_at timestamptz;
    UPDATE synth_plan p SET review_due_on = v.review_due_on, received_at = v.received_at
      FROM (SELECT person_id, plan_id, max(saved_at) AS received_at,
                   (array_agg(review_due_on ORDER BY version DESC) FILTER (WHERE status = 'signed-off'))[1] AS review_due_on
              FROM synth_version GROUP BY person_id, plan_id) v
     WHERE v.person_id = p.person_id AND v.plan_id = p.plan_id`,
  );
  // Agenda items carry the plan version their outcome made, and where the lead was written.
  await execEach(
    db,
    `ALTER TABLE synth_item ADD COLUMN plan_version int;
    UPDATE synth_item SET plan_version = CASE WHEN plan_outcome = 'started' THEN 1 ELSE 2 + review_no END
     WHERE plan_outcome IS NOT NULL`,
  );
}

/** The plans' versions, the plan store's projection (OnePlace's plan now) and the lead's caseload. */
async function insertPlans(db: Queryable): Promise<void> {
  await db.exec(
    `INSERT INTO care_plan_version (person_id, plan_id, version, status, content, lead_user_id, lead_role, lead_org_code,
       review_due_on, saved_at, saved_by_user_id, saved_by_team_id, changes, latest)
     SELECT person_id, plan_id, version, status, content, lead_user_id, lead_role, lead_org_code, review_due_on,
            saved_at, saved_by, saved_team, changes, latest
       FROM synth_version
     ON CONFLICT DO NOTHING`,
  );
  // The plan store's projection: the plan in force is OnePlace's, from the latest signed-off version.
  await db.query(
    `UPDATE care_plan cp
        SET source_system = '${PLAN_SOURCE}', source_record_id = cp.care_plan_id::text, review_due_on = p.review_due_on,
            lead_professional_role = p.lead_role, lead_org_code = p.lead_org_code, ended_on = p.ended_on,
            received_at = p.received_at
       FROM synth_plan p
      WHERE cp.person_id = p.person_id AND cp.care_plan_id = p.plan_id`,
  );
  // The lead holds the person on their caseload for the plan's life.
  await db.query(
    `INSERT INTO caseload_entry (person_id, caseload_entry_id, user_id, team_id, started_on, ended_on, source_system,
       source_record_id, received_at)
     SELECT p.person_id, ${uuidSql("'cl:lead:' || p.plan_id")}, p.lead_user_id, p.lead_team_id, p.held_on, p.ended_on,
            '${PLAN_SOURCE}', 'caseload:lead:' || p.plan_id, ${at("p.held_on", "14:00")}
       FROM synth_plan p
     ON CONFLICT DO NOTHING`,
  );
}

/**
 * One or two actions per person discussed, owned by the lead (plans) or the practice's GP (admissions); closed
 * (done, one in 25 cancelled) at the team's first meeting on or after the due date, open if there is none yet.
 * People with an action closed at a meeting are on its agenda for it ('open-actions').
 */
async function stageActions(db: Queryable, end: string): Promise<void> {
  await stageTable(
    db,
    "synth_action",
    `WITH base AS (
       -- With the registration in force on the meeting's day (the latest started): every such registration
       -- joined, the latest kept, not a LIMITed subquery, which Citus cannot correlate with a reference table.
       -- Only the registrations of people on an agenda: on a cluster, the distributed side of an outer join
       -- from a reference table is pulled to the coordinator, and unfiltered that was every registration of
       -- the place (3.9 million in an 18-place region, for some 200,000 agenda items).
       SELECT DISTINCT ON (i.person_id, i.meeting_id, i.reason, i.lead_user_id)
              i.person_id, i.meeting_id, i.reason, m.team_id, m.held_on, m.coordinator_id, m.kind,
              coalesce(i.lead_user_id, ${userOf("'user:staff.practice-' || lower(pr.practice_code) || '.gp'")}) AS owner_user_id,
              ${hashSql("i.person_id::text || i.meeting_id::text")} AS h
         FROM synth_item i JOIN synth_meeting m ON m.meeting_id = i.meeting_id
         LEFT JOIN (SELECT r.person_id, r.registration_id, r.practice_code, r.registered_on, r.deregistered_on
                      FROM registration r WHERE EXISTS (SELECT 1 FROM synth_item x WHERE x.person_id = r.person_id)) pr
                ON pr.person_id = i.person_id AND ${registeredOn("pr", "m.held_on")}
        ORDER BY i.person_id, i.meeting_id, i.reason, i.lead_user_id, pr.registered_on DESC, pr.registration_id DESC)
     SELECT b.*, n, ${uuidSql("'mdt-action:' || b.meeting_id || ':' || b.person_id || ':' || n")} AS action_id,
            r.refer_to,
            CASE WHEN r.refer_to IS NOT NULL THEN (CASE r.refer_to ${MDT_REFERRALS.map(([s, d]) => `WHEN '${s}' THEN '${d}'`).join(" ")} END)
                 WHEN b.reason = 'no-plan' THEN ${pick(START_ACTIONS, "(b.h / 5 + n)")}
                 WHEN b.reason = 'review-due' THEN ${pick(REVIEW_ACTIONS, "(b.h / 5 + n)")}
                 ELSE ${pick(ADMITTED_ACTIONS, "(b.h / 5 + n)")} END AS description,
            b.held_on + 14 * n AS due_on
       FROM base b CROSS JOIN LATERAL generate_series(1, 2) AS n
       CROSS JOIN LATERAL (SELECT CASE WHEN n = 2 AND b.h % 3 = 0
                    THEN (ARRAY[${MDT_REFERRALS.map(([s]) => `'${s}'`).join(", ")}])[1 + (b.h / 3) % ${MDT_REFERRALS.length}] END AS refer_to) r
      WHERE b.owner_user_id IS NOT NULL AND (n = 1 OR b.h % 2 = 0)`,
  );
  await execEach(
    db,
    `ALTER TABLE synth_action ADD COLUMN closed_id uuid, ADD COLUMN closed_on date, ADD COLUMN status text;
     UPDATE synth_action a SET closed_id = c.meeting_id, closed_on = c.held_on
       FROM synth_meeting c
      WHERE c.team_id = a.team_id AND c.held_on >= a.due_on AND (c.team_prev_on IS NULL OR c.team_prev_on < a.due_on)
        AND c.held_on <= '${end}'::date;
     UPDATE synth_action SET status = CASE WHEN closed_id IS NULL THEN 'open' WHEN h % 25 = 0 THEN 'cancelled' ELSE 'done' END`,
  );
  await db.exec(`INSERT INTO synth_item (person_id, meeting_id, priority, reason)
    SELECT DISTINCT a.person_id, a.closed_id, 3, 'open-actions' FROM synth_action a WHERE a.closed_id IS NOT NULL`);
}

async function insertMeetingsAndItems(db: Queryable): Promise<void> {
  await db.exec(
    `INSERT INTO mdt_meeting (meeting_id, team_id, title, held_on, starts_at, location, source_kind, source_code, rules,
       tiers, withheld, created_by_user_id, created_at, version)
     SELECT m.meeting_id, m.team_id,
            CASE WHEN m.kind = 'practice' THEN 'Practice MDT' ELSE 'Locality MDT' END || ', ' || to_char(m.held_on, 'FMDD Mon YYYY'),
            m.held_on, CASE WHEN m.kind = 'practice' THEN '13:00' ELSE '10:00' END,
            CASE WHEN m.kind = 'practice' THEN 'Practice meeting room' ELSE 'Locality hub' END,
            m.kind, m.org_code, '{very-high-new,admitted-since-last,review-due,no-plan}', '{very-high,high}', 0,
            m.coordinator_id, ${at("m.held_on - 7", "09:30")}, 1
       FROM synth_meeting m
     ON CONFLICT DO NOTHING;
     INSERT INTO mdt_attendee (meeting_id, attendee_id, name, role, organisation)
     WITH pool AS MATERIALIZED (
       -- The two teams' synthetic staff, read once: looked up in each meeting's subquery, the staff of a team
       -- were found by a scan of user_role joined to a scan of app_user for every meeting (on a cluster, on
       -- every node's copy of these reference tables).
       SELECT t.team_code, u.username, u.display_name
         FROM team t JOIN user_role ur ON ur.team_id = t.team_id JOIN app_user u ON u.user_id = ur.user_id
        WHERE t.team_code IN ('community-nursing', 'adult-social-care') AND ur.granted_by = 'synth')
     -- The GP and the coordinator joined, not looked up in a subquery a meeting: the GP's id, made from the team's
     -- code, was then computed for every user scanned (754 meetings x 192 users at Thurrock's size).
     SELECT m.meeting_id, ${uuidSql("'mdt-attendee:' || m.meeting_id || ':' || a.role")}, a.name, a.role, a.org
       FROM synth_meeting m
       LEFT JOIN app_user gp ON gp.user_id = ${userOf("'user:staff.' || lower(m.team_code) || '.gp'")}
       LEFT JOIN app_user co ON co.user_id = m.coordinator_id
       CROSS JOIN LATERAL (VALUES
         ('GP', gp.display_name, m.team_name),
         ('MDT coordinator', co.display_name, m.team_name),
         ('Community matron', (SELECT display_name FROM pool WHERE team_code = 'community-nursing'
                                ORDER BY md5(username || m.meeting_id::text) LIMIT 1), 'Community health services'),
         ('Social worker', (SELECT display_name FROM pool WHERE team_code = 'adult-social-care'
                             ORDER BY md5(username || m.meeting_id::text) LIMIT 1), 'Adult social care')
       ) AS a(role, name, org)
      WHERE a.name IS NOT NULL
     ON CONFLICT DO NOTHING;
     INSERT INTO mdt_agenda_item (person_id, meeting_id, position, reasons, summary, decisions, lead_user_id, lead_role,
       lead_outcome, plan_id, plan_outcome, plan_version, lead_plan_id, lead_plan_version, recorded_by_user_id, recorded_at)
     SELECT g.person_id, g.meeting_id,
            row_number() OVER (PARTITION BY g.meeting_id ORDER BY g.priority, md5(g.person_id::text)),
            g.reasons, g.summary, g.decisions, p.lead_user_id, p.lead_role,
            CASE WHEN p.plan_outcome = 'started' THEN 'assigned' WHEN p.plan_outcome = 'reviewed' THEN 'confirmed' END,
            p.plan_id, p.plan_outcome, p.plan_version,
            CASE WHEN p.plan_id IS NOT NULL THEN p.plan_id END, p.plan_version,
            m.coordinator_id, ${at("m.held_on", "15:30")}
       FROM (SELECT i.person_id, i.meeting_id, min(i.priority) AS priority,
                    array_agg(DISTINCT i.reason ORDER BY i.reason) AS reasons,
                    CASE min(i.priority)
                      WHEN 0 THEN 'Discussed: several long-term conditions and rising needs at home. Agreed a joint plan.'
                      WHEN 1 THEN 'Plan reviewed with the team: progress against the goals and any change since.'
                      WHEN 2 THEN 'Discussed after an emergency admission: what led to it and what would help at home.'
                      ELSE 'Actions from the last meeting reviewed.' END AS summary,
                    CASE min(i.priority)
                      WHEN 0 THEN 'Start a joint plan; lead professional assigned.'
                      WHEN 1 THEN 'Continue the plan; lead professional confirmed.'
                      WHEN 2 THEN 'Follow up at home; consider a joint plan at the next review.'
                      ELSE 'Actions closed.' END AS decisions
               FROM synth_item i GROUP BY i.person_id, i.meeting_id) g
       JOIN synth_meeting m ON m.meeting_id = g.meeting_id
       LEFT JOIN LATERAL (SELECT i.plan_id, i.plan_outcome, i.plan_version, i.lead_user_id, i.lead_role FROM synth_item i
                           WHERE i.person_id = g.person_id AND i.meeting_id = g.meeting_id AND i.plan_id IS NOT NULL
                           ORDER BY i.priority LIMIT 1) p ON true
     ON CONFLICT DO NOTHING`,
  );
}

async function insertActions(db: Queryable): Promise<void> {
  await db.exec(
    `INSERT INTO mdt_action (person_id, action_id, meeting_id, team_id, description, owner, organisation, due_on, status,
       created_by_user_id, created_at, closed_in_meeting_id, updated_at, owner_user_id, owner_external)
     SELECT a.person_id, a.action_id, a.meeting_id, a.team_id, a.description, u.display_name,
            coalesce(org.name, 'Unknown'),
            a.due_on, a.status, a.coordinator_id, ${at("a.held_on", "15:30")}, a.closed_id,
            ${at("coalesce(a.closed_on, a.held_on)", "15:45")}, a.owner_user_id, false
       FROM synth_action a JOIN app_user u ON u.user_id = a.owner_user_id
       -- Each owner's organisation found once (a few hundred staff), not in a subquery an action (8,839 at
       -- Thurrock's size, each a scan of the roles and the teams).
       LEFT JOIN (SELECT DISTINCT ON (ur.user_id) ur.user_id, coalesce(o.name, t.name) AS name
                    FROM user_role ur JOIN team t ON t.team_id = ur.team_id
                    LEFT JOIN organisation o ON o.org_code = t.org_code
                   ORDER BY ur.user_id, t.org_code IS NULL, t.team_code) org ON org.user_id = a.owner_user_id
     ON CONFLICT DO NOTHING`,
  );
}

/**
 * The referrals the MDT actions asked for, to the directory's services: made the day after the meeting by the
 * action's owner, decided by the receiving team within the service's response time; most accepted and later
 * completed, some declined with a reason, the latest still waiting.
 */
async function insertMdtReferrals(db: Queryable, end: string): Promise<void> {
  await db.query(
    `WITH ${STAFF_CTE},
     r AS (
       SELECT a.person_id, a.action_id, a.team_id AS from_team_id, a.owner_user_id, a.held_on, a.h, a.description,
              s.service_code, t.team_id AS to_team_id, coalesce(s.response_days, 5) AS response_days,
              a.held_on + 1 AS referred_on, (st.ids)[1 + (a.h / 7) % cardinality(st.ids)] AS decider
         FROM synth_action a
         JOIN care_service s ON s.service_code = a.refer_to
         JOIN team t ON t.team_code = s.team_code
         JOIN staff st ON st.team_id = t.team_id
         JOIN person p ON p.person_id = a.person_id AND p.birth_date <= a.held_on - interval '18 years'
        WHERE a.held_on + 1 <= $1::date),
     d AS (
       SELECT r.*,
              CASE WHEN r.referred_on + r.response_days > $1::date THEN 'waiting'
                   WHEN r.h % 20 < 3 THEN 'declined'
                   WHEN r.referred_on + 42 <= $1::date THEN 'completed'
                   ELSE 'accepted' END AS state,
              r.referred_on + least(r.response_days, 3) AS decided_on,
              r.referred_on + 21 + r.h % 21 AS completed_on
         FROM r)
     INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, closed_on, outcome,
       source_system, source_record_id, received_at, service_code, reason, urgency, consent, referred_by_user_id,
       referred_at, due_on, decided_by_user_id, decided_at, decline_reason, outcome_summary, version)
     SELECT d.person_id, ${uuidSql("'ref:mdt:' || d.action_id")}, d.to_team_id, d.from_team_id, d.service_code,
            d.referred_on,
            CASE d.state WHEN 'declined' THEN d.decided_on WHEN 'completed' THEN d.completed_on END,
            CASE d.state WHEN 'waiting' THEN NULL ELSE d.state END,
            '${PLAN_SOURCE}', 'referral:mdt:' || d.action_id, ${at("d.referred_on", "10:00")},
            d.service_code, 'Agreed at the MDT meeting of ' || d.held_on || ': ' || d.description, 'routine', 'given',
            d.owner_user_id, ${at("d.referred_on", "10:00")}, d.referred_on + d.response_days,
            CASE WHEN d.state <> 'waiting' THEN d.decider END,
            CASE WHEN d.state <> 'waiting' THEN ${at("d.decided_on", "11:00")} END,
            CASE WHEN d.state = 'declined' THEN ${pick(DECLINE_REASONS, "(d.h / 11)")} END,
            CASE WHEN d.state = 'completed' THEN ${pick(COMPLETE_SUMMARIES, "(d.h / 13)")} END,
            CASE d.state WHEN 'waiting' THEN 1 WHEN 'completed' THEN 3 ELSE 2 END
       FROM d
     ON CONFLICT DO NOTHING`,
    [end],
  );
}

/**
 * The reablement episodes of the last two years as directory referrals (the referral the relationships step
 * derived from each episode): decided on referral, completed with the episode once it ended, and the 91-day
 * follow-up (from the discharge the episode followed, or its start) recorded only once day 91 has passed by
 * the end of the history: where the person was on day 91, as ASCOF 2B counts it.
 */
async function recordReablement(db: Queryable, end: string): Promise<void> {
  // Where the person was on day 91 is looked up beside the episode's own rows (one SELECT over the services),
  // not from a CTE of episodes: Citus cannot correlate a subquery with a CTE's rows.
  const dueOn = `(coalesce((h.discharged_at AT TIME ZONE 'Europe/London')::date, s.started_on) + 91)`;
  await db.query(
    `WITH ${STAFF_CTE},
     f AS (
       SELECT s.person_id, ${uuidSql("'ref:scs:' || s.service_id")} AS referral_id, s.started_on, s.ended_on,
              s.after_spell_id, ${dueOn} AS due_on,
              (st.ids)[1 + ${hashSql("s.service_id::text")} % cardinality(st.ids)] AS worker,
              CASE WHEN ${dueOn} > $1::date THEN NULL
                   WHEN EXISTS (SELECT 1 FROM death d WHERE d.person_id = s.person_id AND d.died_on <= ${dueOn}) THEN 'died'
                   WHEN EXISTS (SELECT 1 FROM hospital_spell x WHERE x.person_id = s.person_id
                                  AND x.patient_class = 'inpatient'
                                  AND x.admitted_at < ${at(`${dueOn} + 1`, "00:00")}
                                  AND (x.discharged_at IS NULL OR x.discharged_at >= ${at(`${dueOn} + 1`, "00:00")})) THEN 'in-hospital'
                   WHEN EXISTS (SELECT 1 FROM care_home_placement c WHERE c.person_id = s.person_id
                                  AND c.placement_type <> 'respite' AND c.started_on <= ${dueOn}
                                  AND (c.ended_on IS NULL OR c.ended_on > ${dueOn})) THEN 'in-care-home'
                   ELSE 'at-home' END AS follow_up
         FROM social_care_service s
         LEFT JOIN hospital_spell h ON h.person_id = s.person_id AND h.spell_id = s.after_spell_id
         JOIN team t ON t.team_code = 'reablement'
         JOIN staff st ON st.team_id = t.team_id
        WHERE s.service_type = 'reablement' AND s.started_on > $1::date - ${MDT_HISTORY_DAYS}
          AND s.ended_on IS NOT NULL AND s.ended_on <= $1::date)
     UPDATE referral r
        SET service_code = 'reablement', urgency = 'urgent', consent = 'given',
            reason = CASE WHEN f.after_spell_id IS NULL THEN 'Support at home to regain independence.'
                          ELSE 'Reablement after a hospital stay.' END,
            referred_at = ${at("r.referred_on", "10:00")}, due_on = r.referred_on + 1,
            decided_by_user_id = f.worker, decided_at = ${at("r.referred_on", "12:00")},
            outcome = 'completed', outcome_summary = 'Reablement episode completed.',
            episode_started_on = f.started_on, episode_ended_on = f.ended_on, after_spell_id = f.after_spell_id,
            follow_up_due_on = f.due_on, follow_up_outcome = f.follow_up,
            follow_up_recorded_by_user_id = CASE WHEN f.follow_up IS NOT NULL THEN f.worker END,
            follow_up_recorded_at = CASE WHEN f.follow_up IS NOT NULL THEN ${at("f.due_on", "11:00")} END,
            closed_on = CASE WHEN f.follow_up IS NOT NULL THEN f.due_on END,
            version = CASE WHEN f.follow_up IS NOT NULL THEN 4 ELSE 3 END
       FROM f
      WHERE r.person_id = f.person_id AND r.referral_id = f.referral_id AND r.service_code IS NULL`,
    [end],
  );
}
