// Joint care plans in the database: every save, sign-off and review adds an immutable version
// (care_plan_version); the plan in force (its latest signed-off version) is projected into care_plan in the
// same transaction, so the national condition, registers, metrics, banner and notifier read it unchanged.
// Optimistic concurrency: each change names the version it was made on; if another was saved since, it is
// refused as a conflict (never a silent overwrite), and two saves racing on the same version cannot both
// commit (the version is in the primary key). Callers are the governed reader (src/governance/reader-care.ts)
// and scripts acting as an operator; neither decides access here.
import { conflict, invalid, notFound } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { Db, Queryable } from "../store/index.ts";
import {
  type ActionInput,
  type ActionStatus,
  checkAction,
  checkContent,
  diffContent,
  EMPTY_CONTENT,
  LEAD_ROLES,
  type LeadProfessional,
  type LeadRole,
  type PlanChange,
  type PlanContent,
  signOffProblems,
} from "./plan-content.ts";

/** Plans written here are projected into care_plan under this source system. */
export const PLAN_SOURCE_SYSTEM = "oneplace-care";

export type PlanStatus = "draft" | "signed-off" | "ended";

/** Who is making a change, in which team, and when (the day in England for dates). */
export interface Author {
  userId: string;
  teamId: string;
  at: Date;
  today: string;
}

export interface NamedUser {
  userId: string;
  name: string;
}

export interface PlanVersion {
  personId: string;
  planId: string;
  version: number;
  status: PlanStatus;
  content: PlanContent;
  lead: (LeadProfessional & { name: string; orgName: string | null }) | null;
  reviewDueOn: string | null;
  savedAt: string;
  savedBy: NamedUser & { teamName: string; orgCode: string | null };
  changes: PlanChange[];
}

export interface CarePlan {
  personId: string;
  planId: string;
  /** The newest version: what is being worked on (a draft, or the plan in force itself). */
  latest: PlanVersion;
  /** The latest signed-off version, the plan in force; null until first signed off. */
  inForce: PlanVersion | null;
  /** Every version, newest first: who changed what, when. */
  history: PlanVersion[];
  /** The organisations and people who wrote versions of the plan or hold its actions. */
  contributors: { name: string; organisation: string | null }[];
}

type VersionRow = {
  person_id: string;
  plan_id: string;
  version: number;
  status: PlanStatus;
  content: PlanContent;
  lead_user_id: string | null;
  lead_name: string | null;
  lead_role: string | null;
  lead_org_code: string | null;
  lead_org_name: string | null;
  review_due_on: string | null;
  saved_at: Date | string;
  saved_by_user_id: string;
  saved_by_name: string;
  team_name: string;
  team_org_code: string | null;
  changes: PlanChange[];
};

const VERSION_SELECT = `
  SELECT v.person_id, v.plan_id, v.version, v.status, v.content, v.lead_user_id, lu.display_name AS lead_name,
         v.lead_role, v.lead_org_code, lo.name AS lead_org_name, v.review_due_on::text AS review_due_on,
         v.saved_at, v.saved_by_user_id, su.display_name AS saved_by_name, t.name AS team_name,
         t.org_code AS team_org_code, v.changes
  FROM care_plan_version v
  JOIN app_user su ON su.user_id = v.saved_by_user_id
  JOIN team t ON t.team_id = v.saved_by_team_id
  LEFT JOIN app_user lu ON lu.user_id = v.lead_user_id
  LEFT JOIN organisation lo ON lo.org_code = v.lead_org_code`;

function toVersion(r: VersionRow): PlanVersion {
  return {
    personId: r.person_id,
    planId: r.plan_id,
    version: r.version,
    status: r.status,
    content: { ...EMPTY_CONTENT, ...r.content },
    lead:
      r.lead_user_id && r.lead_role && r.lead_org_code
        ? {
            userId: r.lead_user_id,
            name: r.lead_name ?? "",
            role: r.lead_role as LeadRole,
            orgCode: r.lead_org_code,
            orgName: r.lead_org_name,
          }
        : null,
    reviewDueOn: r.review_due_on,
    savedAt: new Date(r.saved_at).toISOString(),
    savedBy: {
      userId: r.saved_by_user_id,
      name: r.saved_by_name,
      teamName: r.team_name,
      orgCode: r.team_org_code,
    },
    changes: r.changes,
  };
}

/** Every version of every plan OnePlace holds for the person, newest first. */
async function readVersions(q: Queryable, personId: string): Promise<PlanVersion[]> {
  const rows = await q.query<VersionRow>(
    `${VERSION_SELECT} WHERE v.person_id = $1 ORDER BY v.plan_id, v.version DESC`,
    [personId],
  );
  return rows.map(toVersion);
}

function planOf(versions: PlanVersion[]): CarePlan {
  const latest = versions[0];
  const contributors = new Map<string, { name: string; organisation: string | null }>();
  for (const v of versions) {
    contributors.set(v.savedBy.userId, { name: v.savedBy.name, organisation: v.savedBy.orgCode });
  }
  for (const a of latest.content.actions) {
    if (!contributors.has(a.ownerUserId)) {
      contributors.set(a.ownerUserId, { name: a.ownerName, organisation: a.ownerOrgCode });
    }
  }
  return {
    personId: latest.personId,
    planId: latest.planId,
    latest,
    inForce: versions.find((v) => v.status === "signed-off") ?? null,
    history: versions,
    contributors: [...contributors.values()],
  };
}

/** The person's plans written in OnePlace: the current one first (not ended), then ended ones. */
export async function readPlans(q: Queryable, personId: string): Promise<CarePlan[]> {
  return plansOf(await readVersions(q, personId));
}

/** Each person's plans, as readPlans gives them, in one statement (a Bulk Data batch renders thousands of people). */
export async function readPlansOfPeople(
  q: Queryable,
  personIds: readonly string[],
): Promise<Map<string, CarePlan[]>> {
  const rows = await q.query<VersionRow>(
    `${VERSION_SELECT} WHERE v.person_id = ANY($1::uuid[]) ORDER BY v.person_id, v.plan_id, v.version DESC`,
    [personIds],
  );
  const byPerson = new Map<string, PlanVersion[]>();
  for (const row of rows) {
    const version = toVersion(row);
    const versions = byPerson.get(version.personId);
    if (versions) versions.push(version);
    else byPerson.set(version.personId, [version]);
  }
  return new Map([...byPerson].map(([personId, versions]) => [personId, plansOf(versions)]));
}

function plansOf(versions: PlanVersion[]): CarePlan[] {
  const byPlan = new Map<string, PlanVersion[]>();
  for (const v of versions) byPlan.set(v.planId, [...(byPlan.get(v.planId) ?? []), v]);
  return [...byPlan.values()]
    .map(planOf)
    .sort((a, b) =>
      a.latest.status === "ended" && b.latest.status !== "ended"
        ? 1
        : b.latest.status === "ended" && a.latest.status !== "ended"
          ? -1
          : b.latest.savedAt.localeCompare(a.latest.savedAt),
    );
}

/** One plan, or not found. */
export async function readPlan(q: Queryable, personId: string, planId: string): Promise<CarePlan> {
  const rows = await q.query<VersionRow>(
    `${VERSION_SELECT} WHERE v.person_id = $1 AND v.plan_id = $2 ORDER BY v.version DESC`,
    [personId, planId],
  );
  if (rows.length === 0) {
    throw notFound("care.no-such-plan", "There is no such care plan for this person.", {
      hint: "Open the person's care plan tab to see their plans.",
    });
  }
  return planOf(rows.map(toVersion));
}

/** Starts a plan (version 1, a draft, nothing but its author). One current plan a person. */
export async function startPlan(db: Db, personId: string, author: Author): Promise<CarePlan> {
  const planId = await db.transaction((tx) => startPlanIn(tx, personId, author));
  return readPlan(db, personId, planId);
}

/** The person's current plan (not ended): its id and latest version, locked on PostgreSQL; null if none. */
async function currentPlanIn(
  q: Queryable,
  personId: string,
): Promise<{ planId: string; version: number } | null> {
  const [row] = await q.query<{ plan_id: string; version: number }>(
    `SELECT plan_id::text AS plan_id, version FROM care_plan_version v WHERE person_id = $1 AND latest
       AND status <> 'ended' ORDER BY saved_at DESC LIMIT 1 FOR UPDATE`,
    [personId],
  );
  return row ? { planId: row.plan_id, version: row.version } : null;
}

async function startPlanIn(q: Queryable, personId: string, author: Author): Promise<string> {
  if (await currentPlanIn(q, personId)) {
    throw conflict("care.plan-exists", "This person already has a joint care plan.", {
      hint: "Open and review the plan they have; end it before starting another.",
    });
  }
  const planId = newId();
  await insertVersion(q, {
    personId,
    planId,
    version: 1,
    status: "draft",
    content: EMPTY_CONTENT,
    lead: null,
    reviewDueOn: null,
    author,
    changes: [{ field: "Plan", change: "added", summary: "started as a draft" }],
  });
  return planId;
}

interface NewVersion {
  personId: string;
  planId: string;
  version: number;
  status: PlanStatus;
  content: PlanContent;
  lead: LeadProfessional | null;
  reviewDueOn: string | null;
  author: Author;
  changes: PlanChange[];
}

async function insertVersion(q: Queryable, v: NewVersion): Promise<void> {
  try {
    await q.query(
      `INSERT INTO care_plan_version (person_id, plan_id, version, status, content, lead_user_id, lead_role,
         lead_org_code, review_due_on, saved_at, saved_by_user_id, saved_by_team_id, changes, latest)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9::date, $10, $11, $12, $13::jsonb, true)`,
      [
        v.personId,
        v.planId,
        v.version,
        v.status,
        JSON.stringify(v.content),
        v.lead?.userId ?? null,
        v.lead?.role ?? null,
        v.lead?.orgCode ?? null,
        v.reviewDueOn,
        v.author.at.toISOString(),
        v.author.userId,
        v.author.teamId,
        JSON.stringify(v.changes),
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw versionConflict();
    throw error;
  }
  // Only a plan's newest version is "latest": what the worklist and the current-plan checks read.
  if (v.version > 1) {
    await q.query(
      "UPDATE care_plan_version SET latest = false WHERE person_id = $1 AND plan_id = $2 AND version < $3 AND latest",
      [v.personId, v.planId, v.version],
    );
  }
}

const versionConflict = () =>
  conflict("care.plan-version-conflict", "Someone else saved this plan while you were editing it.", {
    hint: "Open the plan again to see their changes, then make yours on the newest version.",
  });

/**
 * Adds a version made from the latest one by `change`, if the latest is still `baseVersion`. The read takes a
 * lock on the latest version so two changes in flight on PostgreSQL queue rather than race.
 */
type PlanChangeOf = (latest: PlanVersion) => {
  status?: PlanStatus;
  content?: PlanContent;
  lead?: LeadProfessional | null;
  reviewDueOn?: string | null;
  changes?: PlanChange[];
};

async function changePlan(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  author: Author,
  change: PlanChangeOf,
  alongside?: (tx: Queryable, version: number) => Promise<void>,
): Promise<CarePlan> {
  await db.transaction(async (tx) => {
    const version = await changePlanIn(tx, personId, planId, baseVersion, author, change);
    if (alongside && version !== baseVersion) await alongside(tx, version);
  });
  return readPlan(db, personId, planId);
}

/**
 * A new version with `amend` applied to the content, and `alongside` run in the same transaction (a
 * citizen's contribution marked as taken in, src/governance/citizen-contributions.ts): both or neither.
 */
export async function amendPlan(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  author: Author,
  amend: (content: PlanContent) => PlanContent,
  alongside: (tx: Queryable, version: number) => Promise<void>,
): Promise<CarePlan> {
  return changePlan(
    db,
    personId,
    planId,
    baseVersion,
    author,
    (latest) => ({ content: checkContent(amend(latest.content)) }),
    alongside,
  );
}

/** changePlan inside the caller's transaction; the version now latest (unchanged if nothing changed). */
async function changePlanIn(
  tx: Queryable,
  personId: string,
  planId: string,
  baseVersion: number,
  author: Author,
  change: PlanChangeOf,
): Promise<number> {
  const rows = await tx.query<VersionRow>(
    `${VERSION_SELECT} WHERE v.person_id = $1 AND v.plan_id = $2 ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF v`,
    [personId, planId],
  );
  if (rows.length === 0) throw notFound("care.no-such-plan", "There is no such care plan for this person.");
  const latest = toVersion(rows[0]);
  if (latest.version !== baseVersion) throw versionConflict();
  if (latest.status === "ended") {
    throw invalid("care.plan-ended", "This care plan has ended and cannot be changed.", {
      hint: "Start a new plan for the person if they need one.",
    });
  }
  const next = change(latest);
  const content = next.content ?? latest.content;
  const lead = next.lead === undefined ? latest.lead : next.lead;
  const reviewDueOn = next.reviewDueOn === undefined ? latest.reviewDueOn : next.reviewDueOn;
  const changes = [...diffContent(latest.content, content), ...(next.changes ?? [])];
  if (changes.length === 0) return latest.version;
  const status = next.status ?? "draft";
  await insertVersion(tx, {
    personId,
    planId,
    version: latest.version + 1,
    status,
    content,
    lead,
    reviewDueOn,
    author,
    changes,
  });
  if (status === "signed-off" || status === "ended") await projectPlan(tx, personId, planId);
  return latest.version + 1;
}

/** The fields of the plan the edit form sends (not goals or actions, which have their own forms). */
export interface PlanEdit {
  whatMattersToMe: string;
  strengths: string;
  needs: string;
  contingency: string;
  crisis: string;
  carer: PlanContent["carer"];
  endOfLife: string;
  consentToShare: PlanContent["consentToShare"];
  /** null: no lead yet (a draft may be saved without one). */
  lead: { userId: string; role: string; teamId: string } | null;
  reviewDueOn: string | null;
}

/** Resolves a lead professional: a named, active user holding a role in the team whose organisation leads. */
async function resolveLead(
  q: Queryable,
  lead: { userId: string; role: string; teamId: string | null },
): Promise<LeadProfessional> {
  if (!(LEAD_ROLES as readonly string[]).includes(lead.role)) {
    throw invalid(
      "care.lead-role-unknown",
      `A lead professional leads as one of: ${LEAD_ROLES.join(", ")}.`,
      {
        hint: "Choose the role the lead professional takes for this plan.",
      },
    );
  }
  const [row] = await q.query<{ org_code: string | null }>(
    `SELECT t.org_code FROM user_role ur JOIN team t ON t.team_id = ur.team_id
     JOIN app_user u ON u.user_id = ur.user_id
     WHERE ur.user_id = $1 AND ($2::uuid IS NULL OR ur.team_id = $2) AND u.status = 'active'
     ORDER BY t.org_code IS NULL, t.team_code LIMIT 1`,
    [lead.userId, lead.teamId],
  );
  if (!row) {
    throw invalid("care.lead-not-in-team", "The lead professional chosen does not work in that team.", {
      hint: "Choose a lead professional from the list: each is a person with an active account in a team.",
    });
  }
  if (!row.org_code) {
    throw invalid(
      "care.lead-team-without-organisation",
      "The lead professional's team has no organisation.",
      {
        hint: "An administrator can give the team its organisation code; or choose the lead in another team.",
      },
    );
  }
  return { userId: lead.userId, role: lead.role as LeadRole, orgCode: row.org_code };
}

/** The lead professional's change, in words, if the lead changed at all. */
function leadChanges(
  before: LeadProfessional | null,
  after: LeadProfessional | null,
  note: string,
): PlanChange[] {
  if (
    after?.userId === before?.userId &&
    after?.role === before?.role &&
    after?.orgCode === before?.orgCode
  ) {
    return [];
  }
  return [
    {
      field: "Lead professional",
      change: !before ? "added" : !after ? "removed" : "changed",
      summary: `${after ? `${after.role.replaceAll("-", " ")} at ${after.orgCode}` : "none"}${note}`,
    },
  ];
}

/** What an MDT meeting decided about a person's plan: start one, review it, and the lead assigned or confirmed. */
export interface MdtPlanOutcome {
  plan: "started" | "reviewed" | null;
  /** The plan version the meeting's page showed; a newer one saved since is a conflict. */
  baseVersion: number | null;
  lead: { userId: string; role: string } | null;
  /** Words for the plan's history, e.g. "at the MDT meeting of 2026-03-10". */
  note: string;
}

/**
 * Applies an MDT outcome to the person's joint plan in one transaction: starts the plan (refused if they have
 * one), and writes the lead professional assigned or confirmed into it as a new version (through the same
 * version checks as any edit; a lead unchanged adds no version). Returns the plan and the version the meeting
 * links to, or null when there is no plan to write into (the lead is then recorded on the MDT item only).
 */
export async function applyMdtPlanOutcome(
  db: Db,
  personId: string,
  outcome: MdtPlanOutcome,
  author: Author,
): Promise<{ planId: string; version: number } | null> {
  const lead = outcome.lead ? await resolveLead(db, { ...outcome.lead, teamId: null }) : null;
  return db.transaction(async (tx) => {
    let current = await currentPlanIn(tx, personId);
    if (outcome.plan === "started") {
      if (current) {
        throw conflict("care.plan-exists", "This person already has a joint care plan.", {
          hint: 'Choose "Reviewed the plan" instead.',
        });
      }
      current = { planId: await startPlanIn(tx, personId, author), version: 1 };
    } else if (!current) {
      if (outcome.plan === "reviewed") {
        throw invalid("care.mdt-no-plan-to-review", "This person has no joint care plan to review.", {
          hint: 'Choose "Start a plan" instead.',
        });
      }
      return null;
    } else if (outcome.baseVersion !== null && outcome.baseVersion !== current.version) {
      throw versionConflict();
    }
    if (!lead) return current;
    const planId = current.planId;
    const version = await changePlanIn(tx, personId, planId, current.version, author, (latest) => ({
      lead,
      changes: leadChanges(latest.lead, lead, ` (${outcome.note})`),
    }));
    return { planId, version };
  });
}

export async function editPlan(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  edit: PlanEdit,
  author: Author,
): Promise<CarePlan> {
  const lead = edit.lead ? await resolveLead(db, edit.lead) : null;
  return changePlan(db, personId, planId, baseVersion, author, (latest) => {
    const content = checkContent({
      ...latest.content,
      whatMattersToMe: edit.whatMattersToMe,
      strengths: edit.strengths,
      needs: edit.needs,
      contingency: edit.contingency,
      crisis: edit.crisis,
      carer: edit.carer,
      endOfLife: edit.endOfLife,
      // Consent keeps the day it was first recorded while it stands; a form re-sent later does not move it.
      consentToShare: {
        ...edit.consentToShare,
        recordedOn: !edit.consentToShare.given
          ? null
          : latest.content.consentToShare.given && latest.content.consentToShare.recordedOn
            ? latest.content.consentToShare.recordedOn
            : edit.consentToShare.recordedOn,
      },
    });
    const changes: PlanChange[] = leadChanges(latest.lead, lead, "");
    if (edit.reviewDueOn !== latest.reviewDueOn) {
      changes.push({ field: "Review date", change: "changed", summary: edit.reviewDueOn ?? "none" });
    }
    return { content, lead, reviewDueOn: edit.reviewDueOn, changes };
  });
}

export async function addGoal(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  goal: { description: string; measure: string },
  author: Author,
): Promise<CarePlan> {
  return changePlan(db, personId, planId, baseVersion, author, (latest) => ({
    content: checkContent({
      ...latest.content,
      goals: [
        ...latest.content.goals,
        { goalId: newId(), description: goal.description, measure: goal.measure },
      ],
    }),
  }));
}

/** Adds an action; refused, with the reason, without an owner or a due date, or if the owner is unknown. */
export async function addAction(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  input: ActionInput,
  author: Author,
): Promise<CarePlan> {
  const checked = checkAction(input);
  const owner = input.ownerExternal
    ? { display_name: (input.ownerName ?? "").trim(), org_code: (input.ownerOrgCode ?? "").trim() }
    : (
        await db.query<{ display_name: string; org_code: string | null }>(
          `SELECT u.display_name, (SELECT t.org_code FROM user_role ur JOIN team t ON t.team_id = ur.team_id
                             WHERE ur.user_id = u.user_id AND t.org_code IS NOT NULL ORDER BY t.team_code LIMIT 1) AS org_code
     FROM app_user u WHERE u.user_id = $1 AND u.status = 'active'`,
          [checked.ownerUserId],
        )
      )[0];
  if (!owner) {
    throw invalid("care.action-owner-unknown", "The action's owner is not a person with an active account.", {
      hint: "Choose the owner from the list.",
    });
  }
  return changePlan(db, personId, planId, baseVersion, author, (latest) => ({
    content: checkContent({
      ...latest.content,
      actions: [
        ...latest.content.actions,
        {
          actionId: newId(),
          description: checked.description,
          ownerUserId: checked.ownerUserId,
          ownerName: owner.display_name,
          ownerOrgCode: owner.org_code ?? "",
          ...(input.ownerExternal ? { ownerExternal: true } : {}),
          dueOn: checked.dueOn,
          goalId: input.goalId || null,
          status: "open",
        },
      ],
    }),
  }));
}

export async function setActionStatus(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  actionId: string,
  status: ActionStatus,
  author: Author,
): Promise<CarePlan> {
  return changePlan(db, personId, planId, baseVersion, author, (latest) => {
    if (!latest.content.actions.some((a) => a.actionId === actionId)) {
      throw notFound("care.no-such-action", "The plan has no such action.");
    }
    return {
      content: {
        ...latest.content,
        actions: latest.content.actions.map((a) => (a.actionId === actionId ? { ...a, status } : a)),
      },
    };
  });
}

/**
 * Signs the latest version off (a first sign-off, or a review): refused, with every reason, without an
 * accountable lead professional, a future review date, what matters to the person and consent to share.
 */
export async function signOffPlan(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  author: Author,
): Promise<CarePlan> {
  return changePlan(db, personId, planId, baseVersion, author, (latest) => {
    const problems = signOffProblems(latest.lead, latest.reviewDueOn, latest.content, author.today);
    if (problems.length > 0) {
      throw invalid("care.plan-not-ready", `The plan cannot be signed off yet: ${problems.join("; ")}.`, {
        hint: "Complete these in the plan, save it as a draft, then sign it off.",
      });
    }
    return {
      status: "signed-off",
      changes: [
        { field: "Plan", change: "changed", summary: `signed off; review due ${latest.reviewDueOn}` },
      ],
    };
  });
}

/** Ends the plan (the person no longer needs it, moved away, died): care_plan gets its end date. */
export async function endPlan(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  reason: string,
  author: Author,
): Promise<CarePlan> {
  const why = reason.trim();
  if (why === "") {
    throw invalid("care.end-needs-reason", "Say why the plan is ending.", {
      hint: "For example: goals met, moved out of the area, died.",
    });
  }
  return changePlan(db, personId, planId, baseVersion, author, () => ({
    status: "ended",
    changes: [{ field: "Plan", change: "removed", summary: `ended: ${why.slice(0, 200)}` }],
  }));
}

/**
 * Writes the plan in force into care_plan (one row a plan, keyed by its id): started on its first sign-off,
 * its review date, lead role and organisation from the latest signed-off version, ended when the plan ends.
 */
async function projectPlan(q: Queryable, personId: string, planId: string): Promise<void> {
  await q.query(
    `WITH signed AS (
       SELECT * FROM care_plan_version WHERE person_id = $1::uuid AND plan_id = $2::uuid AND status = 'signed-off'
     ), latest AS (
       SELECT * FROM signed ORDER BY version DESC LIMIT 1
     ), ended AS (
       SELECT min(saved_at) AS at FROM care_plan_version WHERE person_id = $1 AND plan_id = $2 AND status = 'ended'
     )
     INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, ended_on,
       lead_professional_role, lead_org_code, source_system, source_record_id, received_at)
     SELECT $1::uuid, $2::uuid, 'joint-health-social',
            ((SELECT min(saved_at) FROM signed) AT TIME ZONE 'Europe/London')::date,
            l.review_due_on,
            ((SELECT at FROM ended) AT TIME ZONE 'Europe/London')::date,
            l.lead_role, l.lead_org_code, $3, $4, now()
     FROM latest l
     ON CONFLICT (person_id, care_plan_id) DO UPDATE SET
       review_due_on = EXCLUDED.review_due_on, ended_on = EXCLUDED.ended_on,
       lead_professional_role = EXCLUDED.lead_professional_role, lead_org_code = EXCLUDED.lead_org_code,
       received_at = EXCLUDED.received_at`,
    [personId, planId, PLAN_SOURCE_SYSTEM, planId],
  );
}
