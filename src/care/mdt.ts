// MDT meetings: a practice or locality MDT schedules a meeting, its agenda drawn from the team's register (or
// a saved cohort within it) by rules the team sets, edits the agenda, records who attended and, per person,
// the discussion, decisions, actions, the lead professional assigned or confirmed and the joint plan started
// or reviewed. Open actions carry to the team's next meeting. Internal ids only leave here for governance
// (src/governance/reader-mdt.ts) to decide who may be named and audit; every read is set-based (one query
// for the whole agenda, never one per person). Callers decide access; nothing here does.

import { isIsoDate } from "../core/dates.ts";
import { conflict, invalid, notFound } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { cohortMembers, parseCriteria } from "../risk/index.ts";
import type { Db, Queryable } from "../store/index.ts";
import type { Author } from "./plan-store.ts";

/** Why a person is on an agenda: the rules a team sets, a person added by hand, actions carried. */
export const AGENDA_RULES = ["very-high-new", "admitted-since-last", "review-due", "no-plan"] as const;
export type AgendaRule = (typeof AGENDA_RULES)[number];
export type AgendaReason = AgendaRule | "added" | "open-actions";

export const AGENDA_REASON_TEXT: Record<AgendaReason, string> = {
  "very-high-new": "New to the very-high tier (not discussed before)",
  "admitted-since-last": "Admitted since the last meeting",
  "review-due": "Plan review due",
  "no-plan": "No joint plan yet",
  added: "Added by the team",
  "open-actions": "Open actions from an earlier meeting",
};

export const MDT_TIERS = ["very-high", "high", "rising", "low"] as const;
export const MDT_ACTION_STATUSES = ["open", "done", "cancelled"] as const;
export type MdtActionStatus = (typeof MDT_ACTION_STATUSES)[number];
export const LEAD_OUTCOMES = ["assigned", "confirmed"] as const;
export const PLAN_OUTCOMES = ["started", "reviewed"] as const;
/** How many people an agenda drawn by rules holds at most (the highest risk first). */
export const MAX_AGENDA = 200;
export const DEFAULT_AGENDA = 40;
/** Without an earlier meeting, "admitted since the last meeting" looks back this many days. */
export const FIRST_MEETING_LOOKBACK_DAYS = 30;

export interface MdtTeam {
  teamId: string;
  kind: "practice" | "locality";
  orgCode: string;
}

export interface MeetingInput {
  title: string;
  heldOn: string;
  startsAt: string;
  location: string;
  /** A saved cohort narrowed to the team's practice or locality; none: the team's register. */
  cohortId: string | null;
  rules: AgendaRule[];
  tiers: string[];
  size: number;
}

export interface MeetingSummary {
  meetingId: string;
  teamId: string;
  title: string;
  heldOn: string;
  startsAt: string;
  location: string;
  sourceKind: "practice" | "locality" | "cohort";
  sourceCode: string;
  rules: AgendaRule[];
  tiers: string[];
  withheld: number;
  people: number;
  recorded: number;
  openActions: number;
}

export interface Attendee {
  attendeeId: string;
  name: string;
  role: string;
  organisation: string;
}

export interface MdtAction {
  actionId: string;
  personId: string;
  meetingId: string;
  /** The day of the meeting that agreed it (an earlier one for a carried action). */
  agreedOn: string;
  carried: boolean;
  description: string;
  owner: string;
  /** The owner's account, when they have one; null for an owner outside OnePlace. */
  ownerUserId: string | null;
  organisation: string;
  dueOn: string;
  status: MdtActionStatus;
}

export interface AgendaItem {
  personId: string;
  position: number;
  reasons: AgendaReason[];
  summary: string;
  decisions: string;
  lead: {
    userId: string;
    name: string;
    role: string;
    outcome: "assigned" | "confirmed";
    /** The plan version the lead was written into; null when the person had no plan to write it into. */
    plan: { planId: string; version: number } | null;
  } | null;
  plan: { planId: string; outcome: "started" | "reviewed"; version: number | null } | null;
  recordedAt: string | null;
  actions: MdtAction[];
}

export interface Meeting extends MeetingSummary {
  attendees: Attendee[];
  items: AgendaItem[];
}

export interface AgendaCandidate {
  personId: string;
  reasons: AgendaReason[];
}

const TEXT_MAX = 4_000;
function text(value: string | undefined, field: string, max = TEXT_MAX): string {
  const t = (value ?? "").trim();
  if (t.length > max) throw invalid("care.mdt-text-too-long", `${field} is longer than ${max} characters.`);
  return t;
}

/** Checks a meeting's details; each problem in words a coordinator can act on. */
export function checkMeeting(input: MeetingInput): MeetingInput {
  const title = text(input.title, "The title", 200);
  if (!title)
    throw invalid("care.mdt-title", "Enter a title for the meeting.", {
      hint: "For example: Monthly practice MDT.",
    });
  if (!isIsoDate(input.heldOn)) {
    throw invalid("care.mdt-date", "Enter the date of the meeting as a real date.", {
      hint: "For example, 27 3 2026.",
    });
  }
  const startsAt = input.startsAt.trim();
  if (startsAt && !/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(startsAt)) {
    throw invalid("care.mdt-time", "Enter the start time as hours and minutes, for example 13:30.");
  }
  const rules = [...new Set(input.rules)];
  for (const r of rules) {
    if (!(AGENDA_RULES as readonly string[]).includes(r))
      throw invalid("care.mdt-rule", `There is no agenda rule "${r}".`);
  }
  if (rules.length === 0) {
    throw invalid("care.mdt-rules", "Choose at least one rule to draw the agenda.", {
      hint: "For example: new to the very-high tier, or no joint plan yet.",
    });
  }
  const tiers = [...new Set(input.tiers)];
  for (const t of tiers) {
    if (!(MDT_TIERS as readonly string[]).includes(t))
      throw invalid("care.mdt-tier", `There is no risk tier "${t}".`);
  }
  if (tiers.length === 0)
    throw invalid("care.mdt-tiers", "Choose at least one risk tier to draw the agenda from.");
  if (!Number.isInteger(input.size) || input.size < 1 || input.size > MAX_AGENDA) {
    throw invalid("care.mdt-size", `The agenda holds between 1 and ${MAX_AGENDA} people.`);
  }
  return {
    ...input,
    title,
    startsAt,
    location: text(input.location, "The location", 200),
    rules,
    tiers,
    cohortId: input.cohortId?.trim() || null,
  };
}

/**
 * The people the rules put on the agenda of a meeting of `team` on `heldOn`, highest risk first, with their
 * reasons, followed by anyone with actions still open from the team's earlier meetings. One query over the
 * register (indexes on risk_person's practice or locality, each fact probed by person), ids only.
 */
export async function agendaCandidates(
  db: Queryable,
  team: MdtTeam,
  input: Pick<MeetingInput, "heldOn" | "rules" | "tiers" | "size" | "cohortId">,
): Promise<AgendaCandidate[]> {
  let cohortIds: string[] | null = null;
  if (input.cohortId) {
    const [row] = await db.query<{ definition: unknown }>(
      "SELECT definition FROM risk_cohort WHERE cohort_id = $1",
      [input.cohortId],
    );
    if (!row) {
      throw notFound("care.mdt-no-cohort", `There is no saved cohort "${input.cohortId}".`, {
        hint: "Choose one of the saved cohorts, or draw the agenda from the team's register.",
      });
    }
    cohortIds = (await cohortMembers(db, parseCriteria(row.definition))).map((m) => m.personId);
  }
  const area = team.kind === "practice" ? "rp.practice_code" : "rp.locality_code";
  const rules = new Set(input.rules);
  const rows = await db.query<{ person_id: string; reasons: AgendaReason[] }>(
    `WITH last AS (
       SELECT max(held_on) AS held_on FROM mdt_meeting WHERE team_id = $2 AND held_on < $3::date
     ),
     since AS (
       SELECT coalesce((SELECT held_on FROM last), $3::date - ${FIRST_MEETING_LOOKBACK_DAYS}) AS day
     ),
     flagged AS (
       SELECT rp.person_id, rp.probability, array_remove(ARRAY[
           CASE WHEN $5 AND rp.risk_tier = 'very-high' AND NOT EXISTS (
             SELECT 1 FROM mdt_agenda_item ai JOIN mdt_meeting m ON m.meeting_id = ai.meeting_id
              WHERE ai.person_id = rp.person_id AND m.team_id = $2 AND m.held_on < $3::date) THEN 'very-high-new' END,
           CASE WHEN $6 AND EXISTS (
             SELECT 1 FROM hospital_spell hs WHERE hs.person_id = rp.person_id
                AND hs.admitted_at >= (SELECT day FROM since)::timestamp AT TIME ZONE 'Europe/London'
                AND hs.admitted_at < ($3::date + 1)::timestamp AT TIME ZONE 'Europe/London') THEN 'admitted-since-last' END,
           CASE WHEN $7 AND EXISTS (
             SELECT 1 FROM care_plan cp WHERE cp.person_id = rp.person_id AND cp.review_due_on <= $3::date
                AND cp.started_on <= $3::date AND (cp.ended_on IS NULL OR cp.ended_on > $3::date)) THEN 'review-due' END,
           CASE WHEN $8 AND NOT EXISTS (
             SELECT 1 FROM care_plan cp WHERE cp.person_id = rp.person_id AND cp.plan_type = 'joint-health-social'
                AND cp.started_on <= $3::date AND (cp.ended_on IS NULL OR cp.ended_on > $3::date)) THEN 'no-plan' END
         ], NULL) AS reasons
         FROM risk_person rp
        WHERE ${area} = $1 AND rp.risk_tier = ANY($4::text[])
          AND ($10::uuid[] IS NULL OR rp.person_id = ANY($10::uuid[]))
     ),
     ruled AS (
       SELECT person_id, reasons, probability FROM flagged WHERE cardinality(reasons) > 0
        ORDER BY probability DESC NULLS LAST, person_id LIMIT $9
     ),
     carried AS (
       SELECT DISTINCT a.person_id FROM mdt_action a JOIN mdt_meeting m ON m.meeting_id = a.meeting_id
        WHERE a.team_id = $2 AND a.status = 'open' AND m.held_on < $3::date
     )
     SELECT coalesce(r.person_id, c.person_id)::text AS person_id,
            coalesce(r.reasons, '{}') || CASE WHEN c.person_id IS NULL THEN '{}'::text[] ELSE '{open-actions}'::text[] END AS reasons
       FROM ruled r FULL JOIN carried c ON c.person_id = r.person_id
      ORDER BY r.probability DESC NULLS LAST, 1`,
    [
      team.orgCode,
      team.teamId,
      input.heldOn,
      input.tiers,
      rules.has("very-high-new"),
      rules.has("admitted-since-last"),
      rules.has("review-due"),
      rules.has("no-plan"),
      input.size,
      cohortIds,
    ],
  );
  return rows.map((r) => ({ personId: r.person_id, reasons: r.reasons }));
}

/** Saves a meeting and its agenda (the people given, in order). The same team, day and time twice: refused. */
export async function createMeeting(
  db: Db,
  team: MdtTeam,
  input: MeetingInput,
  agenda: readonly AgendaCandidate[],
  withheld: number,
  author: Author,
): Promise<string> {
  const meetingId = newId();
  await db.transaction(async (tx) => {
    const inserted = await tx.query<{ meeting_id: string }>(
      `INSERT INTO mdt_meeting (meeting_id, team_id, title, held_on, starts_at, location, source_kind, source_code,
         rules, tiers, withheld, created_by_user_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (team_id, held_on, starts_at) DO NOTHING RETURNING meeting_id`,
      [
        meetingId,
        team.teamId,
        input.title,
        input.heldOn,
        input.startsAt,
        input.location,
        input.cohortId ? "cohort" : team.kind,
        input.cohortId ?? team.orgCode,
        input.rules,
        input.tiers,
        withheld,
        author.userId,
        author.at,
      ],
    );
    if (inserted.length === 0) {
      throw conflict("care.mdt-exists", "Your team already has a meeting scheduled for that day and time.", {
        hint: "Open that meeting from the list, or choose another day or time.",
      });
    }
    if (agenda.length > 0) {
      await tx.query(
        `INSERT INTO mdt_agenda_item (person_id, meeting_id, position, reasons)
         SELECT a.person_id, $1, a.position, ARRAY(SELECT jsonb_array_elements_text(a.reasons))
           FROM jsonb_to_recordset($2::jsonb) AS a(person_id uuid, position int, reasons jsonb)`,
        [
          meetingId,
          JSON.stringify(
            agenda.map((a, i) => ({ person_id: a.personId, position: i + 1, reasons: a.reasons })),
          ),
        ],
      );
    }
  });
  return meetingId;
}

type MeetingRow = {
  meeting_id: string;
  team_id: string;
  title: string;
  held_on: string;
  starts_at: string;
  location: string;
  source_kind: MeetingSummary["sourceKind"];
  source_code: string;
  rules: AgendaRule[];
  tiers: string[];
  withheld: number;
  people: number;
  recorded: number;
  open_actions: number;
};

// The meetings chosen by `where` and `order` (on mdt_meeting m), then their counts. The counts are read for
// the chosen meetings' ids rather than by a subquery per meeting: a Citus cluster cannot correlate the
// distributed agenda and actions with the reference table of meetings, and one server plans this as an index
// probe per meeting either way.
const summarySql = (where: string, order = "", limit = "") => `
  WITH m AS MATERIALIZED (
    SELECT m.meeting_id, m.team_id, m.title, m.held_on, m.starts_at, m.location, m.source_kind, m.source_code,
           m.rules, m.tiers, m.withheld
      FROM mdt_meeting m WHERE ${where} ${order} ${limit})
  SELECT m.meeting_id::text AS meeting_id, m.team_id::text AS team_id, m.title, m.held_on::text AS held_on, m.starts_at,
         m.location, m.source_kind, m.source_code, m.rules, m.tiers, m.withheld,
         coalesce(ai.people, 0) AS people, coalesce(ai.recorded, 0) AS recorded,
         coalesce(a.open_actions, 0) AS open_actions
    FROM m
    LEFT JOIN (SELECT meeting_id, count(*)::int AS people, count(recorded_at)::int AS recorded FROM mdt_agenda_item
                WHERE meeting_id IN (SELECT meeting_id FROM m) GROUP BY meeting_id) ai ON ai.meeting_id = m.meeting_id
    LEFT JOIN (SELECT meeting_id, count(*)::int AS open_actions FROM mdt_action
                WHERE status = 'open' AND meeting_id IN (SELECT meeting_id FROM m) GROUP BY meeting_id) a
           ON a.meeting_id = m.meeting_id
   ${order}`;

const toSummary = (r: MeetingRow): MeetingSummary => ({
  meetingId: r.meeting_id,
  teamId: r.team_id,
  title: r.title,
  heldOn: r.held_on,
  startsAt: r.starts_at,
  location: r.location,
  sourceKind: r.source_kind,
  sourceCode: r.source_code,
  rules: r.rules,
  tiers: r.tiers,
  withheld: r.withheld,
  people: r.people,
  recorded: r.recorded,
  openActions: r.open_actions,
});

/** A team's meetings, latest first (no person named: counts only). */
export async function listMeetings(db: Queryable, teamId: string, limit = 100): Promise<MeetingSummary[]> {
  const rows = await db.query<MeetingRow>(
    summarySql("m.team_id = $1", "ORDER BY m.held_on DESC, m.starts_at DESC", "LIMIT $2"),
    [teamId, limit],
  );
  return rows.map(toSummary);
}

/** A meeting's heading (no person): not-found when there is none. */
export async function meetingSummary(db: Queryable, meetingId: string): Promise<MeetingSummary> {
  const [row] = await db.query<MeetingRow>(summarySql("m.meeting_id = $1"), [meetingId]);
  if (!row)
    throw notFound("care.mdt-no-meeting", "There is no such MDT meeting.", {
      hint: "Open it from your team's list of meetings.",
    });
  return toSummary(row);
}

/** The agenda's people in order (ids only), for governance to decide who may be named. */
export async function agendaPeople(db: Queryable, meetingId: string): Promise<string[]> {
  const rows = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mdt_agenda_item WHERE meeting_id = $1 ORDER BY position, person_id",
    [meetingId],
  );
  return rows.map((r) => r.person_id);
}

/**
 * The whole meeting for the people given (those governance allowed): attendance, each item's record, and the
 * actions agreed at it plus those still open from the team's earlier meetings. Three queries, whatever the
 * agenda's length.
 */
export async function readMeeting(
  db: Queryable,
  meetingId: string,
  personIds: readonly string[],
): Promise<Meeting> {
  const summary = await meetingSummary(db, meetingId);
  const [attendees, items, actions] = await Promise.all([
    db.query<{ attendee_id: string; name: string; role: string; organisation: string }>(
      "SELECT attendee_id::text AS attendee_id, name, role, organisation FROM mdt_attendee WHERE meeting_id = $1 ORDER BY role, name",
      [meetingId],
    ),
    db.query<{
      person_id: string;
      position: number;
      reasons: AgendaReason[];
      summary: string;
      decisions: string;
      lead_user_id: string | null;
      lead_name: string | null;
      lead_role: string | null;
      lead_outcome: "assigned" | "confirmed" | null;
      plan_id: string | null;
      plan_outcome: "started" | "reviewed" | null;
      plan_version: number | null;
      lead_plan_id: string | null;
      lead_plan_version: number | null;
      recorded_at: Date | string | null;
    }>(
      `SELECT ai.person_id::text AS person_id, ai.position, ai.reasons, ai.summary, ai.decisions,
              ai.lead_user_id::text AS lead_user_id, u.display_name AS lead_name, ai.lead_role, ai.lead_outcome,
              ai.plan_id::text AS plan_id, ai.plan_outcome, ai.plan_version, ai.lead_plan_id::text AS lead_plan_id,
              ai.lead_plan_version, ai.recorded_at
         FROM mdt_agenda_item ai LEFT JOIN app_user u ON u.user_id = ai.lead_user_id
        WHERE ai.meeting_id = $1 AND ai.person_id = ANY($2::uuid[])
        ORDER BY ai.position, ai.person_id`,
      [meetingId, personIds],
    ),
    db.query<{
      action_id: string;
      person_id: string;
      meeting_id: string;
      agreed_on: string;
      description: string;
      owner: string;
      owner_user_id: string | null;
      organisation: string;
      due_on: string;
      status: MdtActionStatus;
    }>(
      `SELECT a.action_id::text AS action_id, a.person_id::text AS person_id, a.meeting_id::text AS meeting_id,
              m.held_on::text AS agreed_on, a.description, a.owner, a.owner_user_id::text AS owner_user_id, a.organisation, a.due_on::text AS due_on, a.status
         FROM mdt_action a JOIN mdt_meeting m ON m.meeting_id = a.meeting_id
        WHERE a.person_id = ANY($2::uuid[]) AND a.team_id = $3
          AND (a.meeting_id = $1 OR a.closed_in_meeting_id = $1 OR (a.status = 'open' AND m.held_on < $4::date))
        ORDER BY a.due_on, a.action_id`,
      [meetingId, personIds, summary.teamId, summary.heldOn],
    ),
  ]);
  const byPerson = new Map<string, MdtAction[]>();
  for (const a of actions) {
    const list = byPerson.get(a.person_id) ?? [];
    list.push({
      actionId: a.action_id,
      personId: a.person_id,
      meetingId: a.meeting_id,
      agreedOn: a.agreed_on,
      carried: a.meeting_id !== meetingId,
      description: a.description,
      owner: a.owner,
      ownerUserId: a.owner_user_id,
      organisation: a.organisation,
      dueOn: a.due_on,
      status: a.status,
    });
    byPerson.set(a.person_id, list);
  }
  return {
    ...summary,
    attendees: attendees.map((a) => ({
      attendeeId: a.attendee_id,
      name: a.name,
      role: a.role,
      organisation: a.organisation,
    })),
    items: items.map((i) => ({
      personId: i.person_id,
      position: i.position,
      reasons: i.reasons,
      summary: i.summary,
      decisions: i.decisions,
      lead:
        i.lead_user_id && i.lead_outcome
          ? {
              userId: i.lead_user_id,
              name: i.lead_name ?? "",
              role: i.lead_role ?? "",
              outcome: i.lead_outcome,
              plan:
                i.lead_plan_id && i.lead_plan_version !== null
                  ? { planId: i.lead_plan_id, version: i.lead_plan_version }
                  : null,
            }
          : null,
      plan:
        i.plan_id && i.plan_outcome
          ? { planId: i.plan_id, outcome: i.plan_outcome, version: i.plan_version }
          : null,
      recordedAt: i.recorded_at ? new Date(i.recorded_at).toISOString() : null,
      actions: byPerson.get(i.person_id) ?? [],
    })),
  };
}

async function requireItem(db: Queryable, meetingId: string, personId: string): Promise<void> {
  const [row] = await db.query("SELECT 1 FROM mdt_agenda_item WHERE meeting_id = $1 AND person_id = $2", [
    meetingId,
    personId,
  ]);
  if (!row)
    throw notFound("care.mdt-not-on-agenda", "This person is not on the meeting's agenda.", {
      hint: "Add them to the agenda first.",
    });
}

/** Adds a person at the end of the agenda; already on it: nothing changes. */
export async function addToAgenda(db: Queryable, meetingId: string, personId: string): Promise<void> {
  await db.query(
    `INSERT INTO mdt_agenda_item (person_id, meeting_id, position, reasons)
     SELECT $2, $1, coalesce((SELECT max(position) FROM mdt_agenda_item WHERE meeting_id = $1), 0) + 1, '{added}'
     ON CONFLICT (person_id, meeting_id) DO NOTHING`,
    [meetingId, personId],
  );
}

/** Takes a person off the agenda; refused once something is recorded for them (the minutes keep it). */
export async function removeFromAgenda(db: Queryable, meetingId: string, personId: string): Promise<void> {
  await requireItem(db, meetingId, personId);
  const [held] = await db.query(
    `SELECT 1 FROM mdt_agenda_item WHERE meeting_id = $1 AND person_id = $2 AND recorded_at IS NOT NULL
     UNION ALL SELECT 1 FROM mdt_action WHERE meeting_id = $1 AND person_id = $2 LIMIT 1`,
    [meetingId, personId],
  );
  if (held) {
    throw conflict(
      "care.mdt-item-recorded",
      "The meeting has recorded a discussion or actions for this person.",
      {
        hint: "What was recorded stays in the minutes; it cannot be taken off the agenda.",
      },
    );
  }
  await db.query("DELETE FROM mdt_agenda_item WHERE meeting_id = $1 AND person_id = $2", [
    meetingId,
    personId,
  ]);
}

/** Moves a person one place up or down the agenda (swapping with their neighbour). */
export async function moveOnAgenda(
  db: Db,
  meetingId: string,
  personId: string,
  direction: "up" | "down",
): Promise<void> {
  await requireItem(db, meetingId, personId);
  await db.transaction(async (tx) => {
    // Moves on one agenda take turns by the meeting's row: a Citus cluster locks no rows of a read across shards
    // (FOR UPDATE), and the agenda is spread over them by person.
    await tx.query("SELECT 1 FROM mdt_meeting WHERE meeting_id = $1 FOR UPDATE", [meetingId]);
    const order = await tx.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mdt_agenda_item WHERE meeting_id = $1 ORDER BY position, person_id",
      [meetingId],
    );
    const ids = order.map((r) => r.person_id);
    const at = ids.indexOf(personId);
    const to = direction === "up" ? at - 1 : at + 1;
    if (at < 0 || to < 0 || to >= ids.length) return;
    [ids[at], ids[to]] = [ids[to], ids[at]];
    await tx.query(
      `UPDATE mdt_agenda_item ai SET position = o.position
         FROM unnest($2::uuid[]) WITH ORDINALITY AS o(person_id, position)
        WHERE ai.meeting_id = $1 AND ai.person_id = o.person_id AND ai.position <> o.position`,
      [meetingId, ids],
    );
  });
}

export interface AttendeeInput {
  name: string;
  role: string;
  organisation: string;
}

/** Records someone present, by role. */
export async function addAttendee(db: Queryable, meetingId: string, input: AttendeeInput): Promise<void> {
  const name = text(input.name, "The name", 200);
  const role = text(input.role, "The role", 100);
  if (!name || !role) {
    throw invalid("care.mdt-attendee", "Enter the attendee's name and role.", {
      hint: "For example: Dr A Patel, GP.",
    });
  }
  await meetingSummary(db, meetingId);
  await db.query(
    `INSERT INTO mdt_attendee (meeting_id, attendee_id, name, role, organisation)
     SELECT $1, $2, $3, $4, $5
      WHERE NOT EXISTS (SELECT 1 FROM mdt_attendee WHERE meeting_id = $1 AND name = $3 AND role = $4)`,
    [meetingId, newId(), name, role, text(input.organisation, "The organisation", 200)],
  );
}

export interface DiscussionInput {
  summary: string;
  decisions: string;
  lead: { userId: string; role: string; outcome: "assigned" | "confirmed" } | null;
  /** The plan started or reviewed and the version the meeting links to. */
  plan: { planId: string; outcome: "started" | "reviewed"; version: number } | null;
  /** The plan version the lead professional was written into, if any. */
  leadPlan?: { planId: string; version: number } | null;
}

/** Checks a record before anything is written: the person is on the agenda, something is said, a real lead. */
export async function checkDiscussion(
  db: Queryable,
  meetingId: string,
  personId: string,
  input: Pick<DiscussionInput, "summary" | "decisions" | "lead"> & { plan: unknown },
): Promise<{ summary: string; decisions: string }> {
  await requireItem(db, meetingId, personId);
  const summary = text(input.summary, "The discussion summary");
  const decisions = text(input.decisions, "The decisions");
  if (!summary && !decisions && !input.lead && !input.plan) {
    throw invalid("care.mdt-empty-record", "Enter a summary of the discussion or the decisions made.");
  }
  if (input.lead) {
    const [user] = await db.query("SELECT 1 FROM app_user WHERE user_id = $1 AND status = 'active'", [
      input.lead.userId,
    ]);
    if (!user) throw invalid("care.mdt-lead", "Choose a lead professional with an active account.");
  }
  return { summary, decisions };
}

/** Records (or corrects) the discussion of one person. */
export async function recordDiscussion(
  db: Queryable,
  meetingId: string,
  personId: string,
  input: DiscussionInput,
  author: Author,
): Promise<void> {
  const { summary, decisions } = await checkDiscussion(db, meetingId, personId, input);
  await db.query(
    `UPDATE mdt_agenda_item SET summary = $3, decisions = $4, lead_user_id = $5, lead_role = $6, lead_outcome = $7,
            plan_id = coalesce($8, plan_id), plan_outcome = coalesce($9, plan_outcome),
            plan_version = CASE WHEN $8::uuid IS NULL THEN plan_version ELSE $12::int END,
            lead_plan_id = CASE WHEN $5::uuid IS NULL THEN NULL ELSE $13::uuid END,
            lead_plan_version = CASE WHEN $5::uuid IS NULL THEN NULL ELSE $14::int END,
            recorded_by_user_id = $10, recorded_at = $11
      WHERE meeting_id = $1 AND person_id = $2`,
    [
      meetingId,
      personId,
      summary,
      decisions,
      input.lead?.userId ?? null,
      input.lead?.role ?? null,
      input.lead?.outcome ?? null,
      input.plan?.planId ?? null,
      input.plan?.outcome ?? null,
      author.userId,
      author.at,
      input.plan?.version ?? null,
      input.leadPlan?.planId ?? null,
      input.leadPlan?.version ?? null,
    ],
  );
}

export interface MdtActionInput {
  description: string;
  /** The owner's account (the caller has checked they may own it); null for an owner outside OnePlace. */
  ownerUserId?: string | null;
  /** An owner outside OnePlace, said so explicitly: their typed name and organisation. */
  ownerExternal?: boolean;
  owner: string;
  organisation: string;
  dueOn: string | null;
}

/** An action agreed for a person: it needs what, who (and their organisation) and by when. */
export async function addMdtAction(
  db: Queryable,
  meetingId: string,
  personId: string,
  input: MdtActionInput,
  author: Author,
): Promise<string> {
  const description = text(input.description, "The action");
  let owner = text(input.owner, "The owner", 200);
  let organisation = text(input.organisation, "The organisation", 200);
  if (!description) throw invalid("care.mdt-action-description", "Enter what the action is.");
  if (input.ownerUserId && input.ownerExternal) {
    throw invalid(
      "care.mdt-action-owner-both",
      "Choose an owner from the list or type one outside OnePlace, not both.",
    );
  }
  if (input.ownerUserId) {
    const [user] = await db.query<{ display_name: string; org: string | null }>(
      `SELECT u.display_name, (SELECT coalesce(o.name, t.name) FROM user_role ur JOIN team t ON t.team_id = ur.team_id
                                 LEFT JOIN organisation o ON o.org_code = t.org_code
                                WHERE ur.user_id = u.user_id ORDER BY t.org_code IS NULL, t.team_code LIMIT 1) AS org
         FROM app_user u WHERE u.user_id = $1 AND u.status = 'active'`,
      [input.ownerUserId],
    );
    if (!user) throw invalid("care.mdt-action-owner", "The owner chosen does not have an active account.");
    owner = user.display_name;
    organisation = organisation || (user.org ?? "");
  } else if (!input.ownerExternal || !owner) {
    throw invalid("care.mdt-action-owner", "Enter who owns the action.", {
      hint: "Every action needs a named owner: choose them from the list, or say they are outside OnePlace and type their name.",
    });
  }
  if (!organisation) throw invalid("care.mdt-action-organisation", "Enter the owner's organisation.");
  if (!input.dueOn || !isIsoDate(input.dueOn)) {
    throw invalid("care.mdt-action-due", "Enter the date the action is due as a real date.", {
      hint: "For example, 27 3 2026.",
    });
  }
  await requireItem(db, meetingId, personId);
  const summary = await meetingSummary(db, meetingId);
  const actionId = newId();
  await db.query(
    `INSERT INTO mdt_action (person_id, action_id, meeting_id, team_id, description, owner, organisation, due_on,
       status, created_by_user_id, created_at, updated_at, owner_user_id, owner_external)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $10, $11, $12
      WHERE NOT EXISTS (SELECT 1 FROM mdt_action WHERE meeting_id = $3 AND person_id = $1 AND description = $5
                          AND owner = $6 AND due_on = $8)`,
    [
      personId,
      actionId,
      meetingId,
      summary.teamId,
      description,
      owner,
      organisation,
      input.dueOn,
      author.userId,
      author.at,
      input.ownerUserId ?? null,
      !input.ownerUserId,
    ],
  );
  return actionId;
}

/** Marks an action done, cancelled or open again, at this meeting (carried actions are closed here). */
export async function setMdtActionStatus(
  db: Queryable,
  meetingId: string,
  personId: string,
  actionId: string,
  status: MdtActionStatus,
  author: Author,
): Promise<void> {
  if (!(MDT_ACTION_STATUSES as readonly string[]).includes(status))
    throw invalid("care.mdt-action-status", `There is no action status "${status}".`);
  const summary = await meetingSummary(db, meetingId);
  const updated = await db.query(
    `UPDATE mdt_action SET status = $4, closed_in_meeting_id = CASE WHEN $4 = 'open' THEN NULL ELSE $1::uuid END, updated_at = $5
      WHERE person_id = $2 AND action_id = $3 AND team_id = $6 RETURNING 1`,
    [meetingId, personId, actionId, status, author.at, summary.teamId],
  );
  if (updated.length === 0) throw notFound("care.mdt-no-action", "There is no such action for this person.");
}
