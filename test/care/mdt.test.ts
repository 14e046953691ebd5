// MDT meetings through the governed reader: the agenda drawn from the practice register by the team's rules
// (only people the user may see; the rest counted), scheduling twice refused, the agenda edited, per person the
// discussion, lead professional, a plan started (in the plan store) and actions (an owner and a due date
// required), open actions carried to the next meeting, and another team refused. Every read and change audited.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mdtOutcomeTasks } from "../../src/care/index.ts";
import {
  assignRole,
  createReader,
  createTeam,
  createUser,
  type GovernedReader,
  loadUserInRole,
} from "../../src/governance/index.ts";
import {
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  register,
  TEST_OPERATOR,
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { admitted, leadPlan, stratified } from "./fixtures.ts";

const veryHigh = makePerson({ familyName: "Veryhigh", givenName: "Ada" });
const admittedHigh = makePerson({ familyName: "Admitted", givenName: "Bert" });
const rising = makePerson({ familyName: "Rising", givenName: "Cora" });
const elsewhere = makePerson({ familyName: "Elsewhere", givenName: "Dan" });
const objector = makePerson({ familyName: "Objector", givenName: "Eve" });
const planned = makePerson({ familyName: "Planned", givenName: "Fay" });
let ctx: TestDb;
let gp: GovernedReader;
let sw: GovernedReader;
let gpUserId = "";
let swUserId = "";

const meeting = (over: Record<string, unknown> = {}) => ({
  title: "Monthly practice MDT",
  heldOn: "2026-03-10",
  startsAt: "13:30",
  location: "Riverside surgery",
  cohortId: null,
  rules: ["very-high-new", "admitted-since-last", "review-due", "no-plan"] as (
    | "very-high-new"
    | "admitted-since-last"
    | "review-due"
    | "no-plan"
  )[],
  tiers: ["very-high", "high"],
  size: 40,
  ...over,
});

const readerAs = async (username: string, role: string, team: "practice" | "socialCare") => {
  const { db: _, ...identity } = await contextFor(ctx.db, username, role, team, "direct-care");
  return createReader(ctx.db, identity);
};

before(async () => {
  ctx = await openTestDb();
  const db = ctx.db;
  await insertOrganisations(db);
  await createTeams(db);
  for (const p of [veryHigh, admittedHigh, rising, elsewhere, objector, planned]) await insertPerson(db, p);
  for (const p of [veryHigh, admittedHigh, rising, objector, planned])
    await register(db, p.personId, ORGS.practice);
  await register(db, elsewhere.personId, ORGS.otherPractice);
  await recordObjectionRow(db, objector.personId, ORGS.otherPractice);
  await stratified(db, veryHigh.personId, ORGS.practice, "very-high", 0.6);
  await stratified(db, admittedHigh.personId, ORGS.practice, "high", 0.3);
  await stratified(db, rising.personId, ORGS.practice, "rising", 0.1);
  await stratified(db, elsewhere.personId, ORGS.otherPractice, "very-high", 0.7);
  await stratified(db, objector.personId, ORGS.practice, "very-high", 0.5);
  await stratified(db, planned.personId, ORGS.practice, "high", 0.2);
  // Bert was admitted a week before the meeting and has a plan; Fay has a plan and nothing else is due.
  await admitted(db, admittedHigh.personId, "2026-03-03");
  await leadPlan(db, admittedHigh.personId, "gp", ORGS.practice);
  await leadPlan(db, planned.personId, "gp", ORGS.practice);
  gpUserId = await createUserInRole(db, "gp.mdt", "gp", "practice");
  swUserId = await createUserInRole(db, "sw.mdt", "social-worker", "socialCare");
  gp = await readerAs("gp.mdt", "gp", "practice");
  sw = await readerAs("sw.mdt", "social-worker", "socialCare");
});

after(() => ctx?.dispose());

let meetingId = "";

test("the agenda is drawn by the rules from the team's register, only people the user may see, with reasons", async () => {
  const before = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event");
  const made = await gp.scheduleMdtMeeting(meeting());
  meetingId = made.meetingId;
  assert.equal(made.people, 2);
  assert.equal(made.withheld, 1, "the objector is counted, never stored on the agenda");
  const view = await gp.mdtMeeting(meetingId);
  assert.deepEqual(
    view.meeting.items.map((i) => [view.people.get(i.personId)?.name.family, i.reasons]),
    [
      ["Veryhigh", ["very-high-new", "no-plan"]],
      ["Admitted", ["admitted-since-last"]],
    ],
  );
  const audits = await ctx.db.query<{ action: string; allowed: boolean }>(
    "SELECT action, allowed FROM audit_event ORDER BY occurred_at OFFSET $1",
    [before[0].n],
  );
  assert.ok(audits.length >= 2 && audits.every((a) => a.action === "list"), JSON.stringify(audits));
});

test("scheduling the same meeting twice is refused and changes nothing; bad input names the problem", async () => {
  await assert.rejects(gp.scheduleMdtMeeting(meeting()), /already has a meeting/);
  await assert.rejects(gp.scheduleMdtMeeting(meeting({ startsAt: "", rules: [] })), /at least one rule/);
  await assert.rejects(gp.scheduleMdtMeeting(meeting({ heldOn: "2026-02-30" })), /real date/);
  const [n] = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mdt_meeting");
  assert.equal(n.n, 1);
  assert.equal((await gp.mdtMeetings()).length, 1);
});

test("the agenda is edited: a person added by NHS Number, moved up, and taken off", async () => {
  await gp.addMdtAgendaPerson(meetingId, planned.nhsNumber);
  await gp.addMdtAgendaPerson(meetingId, planned.nhsNumber);
  await gp.moveMdtAgendaPerson(meetingId, planned.personId, "up");
  let view = await gp.mdtMeeting(meetingId);
  assert.deepEqual(
    view.meeting.items.map((i) => view.people.get(i.personId)?.name.family),
    ["Veryhigh", "Planned", "Admitted"],
  );
  await gp.removeMdtAgendaPerson(meetingId, planned.personId);
  view = await gp.mdtMeeting(meetingId);
  assert.equal(view.meeting.items.length, 2);
  await assert.rejects(gp.addMdtAgendaPerson(meetingId, elsewhere.nhsNumber), /relationship/i);
  await assert.rejects(gp.addMdtAgendaPerson(meetingId, "12345"), /10-digit/);
});

test("per person: discussion, lead assigned, a plan started in the plan store, actions need an owner and a due date", async () => {
  await gp.recordMdtDiscussion(meetingId, veryHigh.personId, {
    summary: "Falls at home twice this month",
    decisions: "Refer to the falls service; start a joint plan",
    lead: { userId: gpUserId, role: "gp", outcome: "assigned" },
    plan: "started",
  });
  const [plan] = await ctx.db.query<{ status: string }>(
    "SELECT status FROM care_plan_version WHERE person_id = $1",
    [veryHigh.personId],
  );
  assert.equal(plan.status, "draft");
  await assert.rejects(
    gp.recordMdtDiscussion(meetingId, veryHigh.personId, {
      summary: "x",
      decisions: "",
      lead: null,
      plan: "started",
    }),
    /already has a joint care plan/,
  );
  await assert.rejects(
    gp.addMdtAction(meetingId, veryHigh.personId, {
      description: "Falls referral",
      owner: "",
      organisation: "Practice",
      dueOn: "2026-03-20",
    }),
    /owns the action/,
  );
  await assert.rejects(
    gp.addMdtAction(meetingId, veryHigh.personId, {
      description: "Falls referral",
      owner: "Dr Patel",
      ownerExternal: true,
      organisation: "Practice",
      dueOn: null,
    }),
    /due/,
  );
  await gp.addMdtAction(meetingId, veryHigh.personId, {
    description: "Refer to the falls service",
    owner: "Dr Patel",
    ownerExternal: true,
    organisation: "Riverside practice",
    dueOn: "2026-03-20",
  });
  await gp.addMdtAttendee(meetingId, { name: "Dr Patel", role: "GP", organisation: "Riverside practice" });
  const view = await gp.mdtMeeting(meetingId);
  const item = view.meeting.items[0];
  assert.equal(item.lead?.outcome, "assigned");
  assert.equal(item.plan?.outcome, "started");
  assert.equal(item.actions.length, 1);
  assert.equal(view.meeting.attendees[0].role, "GP");
  await assert.rejects(gp.removeMdtAgendaPerson(meetingId, veryHigh.personId), /recorded/);
  // The outcome as FHIR R4 Tasks: the action for its owner, by its date, based on the plan started.
  const [task] = mdtOutcomeTasks(view.meeting, item);
  assert.equal(task.resourceType, "Task");
  assert.equal(task.status, "requested");
  assert.equal(task.for?.reference, `Patient/${veryHigh.personId}`);
  assert.equal(task.owner?.display, "Dr Patel, Riverside practice");
  assert.equal(task.restriction?.period?.end, "2026-03-20");
  assert.equal(task.basedOn?.[0].reference, `CarePlan/${item.plan?.planId}`);
  assert.equal(task.note?.[0].text, "Refer to the falls service; start a joint plan");
});

test("the lead assigned at the MDT is written into the plan as a new version (audited), and the item links that version", async () => {
  const plans = await gp.personCarePlans(veryHigh.personId);
  const plan = plans.plans[0];
  assert.equal(plan.latest.version, 2, "started (1), then the lead written in (2)");
  assert.equal(plan.latest.lead?.userId, gpUserId);
  assert.equal(plan.latest.lead?.role, "gp");
  assert.equal(plan.latest.lead?.orgCode, ORGS.practice);
  assert.match(plan.latest.changes[0].summary, /assigned at the MDT meeting of 2026-03-10/);
  const item = (await gp.mdtMeeting(meetingId)).meeting.items[0];
  assert.deepEqual(item.plan, { planId: plan.planId, outcome: "started", version: 2 });
  assert.deepEqual(item.lead?.plan, { planId: plan.planId, version: 2 });
  // Confirming the same lead at a review adds no version; the review links the version in force.
  const before = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE action = 'change'",
  );
  await gp.recordMdtDiscussion(meetingId, veryHigh.personId, {
    summary: "Reviewed",
    decisions: "",
    lead: { userId: gpUserId, role: "gp", outcome: "confirmed" },
    plan: "reviewed",
    planVersion: 2,
  });
  const [versions] = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_plan_version WHERE person_id = $1",
    [veryHigh.personId],
  );
  assert.equal(versions.n, 2);
  const after = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE action = 'change'",
  );
  assert.equal(after[0].n, before[0].n + 1, "one change decision audited");
  const reviewed = (await gp.mdtMeeting(meetingId)).meeting.items[0];
  assert.deepEqual(reviewed.plan, { planId: plan.planId, outcome: "reviewed", version: 2 });
  // A lead changed on a stale page is a conflict and writes nothing, neither the plan nor the record.
  await gp.editCarePlan(veryHigh.personId, plan.planId, 2, {
    whatMattersToMe: "Staying at home",
    strengths: "",
    needs: "",
    contingency: "",
    crisis: "",
    carer: plan.latest.content.carer,
    endOfLife: "",
    consentToShare: plan.latest.content.consentToShare,
    lead: { userId: gpUserId, role: "gp", teamId: plan.latest.lead?.orgCode ? await teamOf(gpUserId) : "" },
    reviewDueOn: null,
  });
  await assert.rejects(
    gp.recordMdtDiscussion(meetingId, veryHigh.personId, {
      summary: "Stale page",
      decisions: "",
      lead: { userId: gpUserId, role: "care-coordinator", outcome: "assigned" },
      plan: null,
      planVersion: 2,
    }),
    (e: { code?: string }) => e.code === "care.plan-version-conflict",
  );
  const stale = (await gp.mdtMeeting(meetingId)).meeting.items[0];
  assert.equal(stale.summary, "Reviewed", "the record is unchanged");
  assert.equal((await gp.personCarePlans(veryHigh.personId)).plans[0].latest.version, 3);
  // On the newest version the new lead role is written in as version 4.
  await gp.recordMdtDiscussion(meetingId, veryHigh.personId, {
    summary: "Lead changed",
    decisions: "",
    lead: { userId: gpUserId, role: "care-coordinator", outcome: "assigned" },
    plan: null,
    planVersion: 3,
  });
  const latest = (await gp.personCarePlans(veryHigh.personId)).plans[0].latest;
  assert.equal(latest.version, 4);
  assert.equal(latest.lead?.role, "care-coordinator");
  assert.deepEqual((await gp.mdtMeeting(meetingId)).meeting.items[0].lead?.plan, {
    planId: plan.planId,
    version: 4,
  });
});

test("an action's owner is a user of a team caring for the person (checked on the server) or an explicitly external name; a user's open MDT actions are on their worklist", async () => {
  const owners = await gp.careOwners(veryHigh.personId);
  assert.ok(
    owners.some((o) => o.userId === gpUserId),
    "the practice GP may own actions",
  );
  assert.ok(!owners.some((o) => o.userId === swUserId), "social care has no relationship with her");
  const count = async () =>
    (
      await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mdt_action WHERE person_id = $1", [
        veryHigh.personId,
      ])
    )[0].n;
  const before = await count();
  await assert.rejects(
    gp.addMdtAction(meetingId, veryHigh.personId, {
      description: "Home visit",
      ownerUserId: swUserId,
      owner: "",
      organisation: "",
      dueOn: "2026-03-25",
    }),
    (e: { code?: string }) => e.code === "care.action-owner-no-relationship",
  );
  await assert.rejects(
    gp.addMdtAction(meetingId, veryHigh.personId, {
      description: "Home visit",
      owner: "Someone typed",
      organisation: "Somewhere",
      dueOn: "2026-03-25",
    }),
    /owns the action/,
    "a typed name must be said to be outside OnePlace",
  );
  assert.equal(await count(), before, "nothing written");
  await gp.addMdtAction(meetingId, veryHigh.personId, {
    description: "Medication review",
    ownerUserId: gpUserId,
    owner: "",
    organisation: "",
    dueOn: "2026-03-01",
  });
  const [row] = await ctx.db.query<{ owner: string; owner_user_id: string; owner_external: boolean }>(
    "SELECT owner, owner_user_id::text AS owner_user_id, owner_external FROM mdt_action WHERE description = 'Medication review'",
  );
  assert.equal(row.owner_user_id, gpUserId);
  assert.equal(row.owner, "gp.mdt");
  assert.equal(row.owner_external, false);
  const worklist = await gp.careWorklist();
  const item = worklist.items.find((i) => i.kind === "mdt-action");
  assert.equal(item?.title, "Medication review");
  assert.equal(item?.personId, veryHigh.personId);
  assert.equal(item?.overdue, true, "due before today");
  const swList = await sw.careWorklist();
  assert.ok(!swList.items.some((i) => i.kind === "mdt-action"));
  // The care plan's actions follow the same rule.
  const plan = (await gp.personCarePlans(veryHigh.personId)).plans[0];
  await assert.rejects(
    gp.addCarePlanAction(veryHigh.personId, plan.planId, plan.latest.version, {
      description: "Carer's assessment",
      ownerUserId: swUserId,
      dueOn: "2026-04-01",
    }),
    (e: { code?: string }) => e.code === "care.action-owner-no-relationship",
  );
  const external = await gp.addCarePlanAction(veryHigh.personId, plan.planId, plan.latest.version, {
    description: "Befriending visits",
    ownerUserId: null,
    ownerExternal: true,
    ownerName: "Jo Volunteer",
    ownerOrgCode: "Age UK Thurrock",
    dueOn: "2026-04-01",
  });
  const added = external.latest.content.actions.find((a) => a.description === "Befriending visits");
  assert.deepEqual(
    [added?.ownerName, added?.ownerOrgCode, added?.ownerExternal, added?.ownerUserId],
    ["Jo Volunteer", "Age UK Thurrock", true, ""],
  );
  await gp.setMdtActionStatus(meetingId, veryHigh.personId, await actionId("Medication review"), "done");
  assert.ok(!(await gp.careWorklist()).items.some((i) => i.kind === "mdt-action"), "done: off the worklist");
});

async function actionId(description: string): Promise<string> {
  const [row] = await ctx.db.query<{ action_id: string }>(
    "SELECT action_id::text AS action_id FROM mdt_action WHERE description = $1",
    [description],
  );
  return row.action_id;
}

async function teamOf(userId: string): Promise<string> {
  const [row] = await ctx.db.query<{ team_id: string }>(
    "SELECT team_id::text AS team_id FROM user_role WHERE user_id = $1 LIMIT 1",
    [userId],
  );
  return row.team_id;
}

test("open actions carry to the next meeting; a person discussed is no longer new to the very-high tier", async () => {
  const next = await gp.scheduleMdtMeeting(meeting({ heldOn: "2026-04-14" }));
  const view = await gp.mdtMeeting(next.meetingId);
  const ada = view.meeting.items.find((i) => i.personId === veryHigh.personId);
  assert.ok(ada, "carried for her open action");
  // She has been discussed (not new any more); a draft plan is not yet a joint plan in force.
  assert.deepEqual(ada.reasons, ["no-plan", "open-actions"]);
  assert.equal(ada.actions[0].carried, true);
  assert.ok(
    !view.meeting.items.some((i) => i.personId === admittedHigh.personId),
    "no admission since the last meeting",
  );
  await gp.setMdtActionStatus(next.meetingId, veryHigh.personId, ada.actions[0].actionId, "done");
  const third = await gp.scheduleMdtMeeting(meeting({ heldOn: "2026-05-12" }));
  const later = (await gp.mdtMeeting(third.meetingId)).meeting.items.find(
    (i) => i.personId === veryHigh.personId,
  );
  assert.deepEqual(later?.reasons, ["no-plan"], "the action was closed: nothing carried");
});

test("another team cannot open the practice's meeting; a team that is not an MDT has no meetings", async () => {
  await createTeam(ctx.db, TEST_OPERATOR, {
    teamCode: "other-practice",
    name: "Other practice",
    kind: "practice",
    orgCode: ORGS.otherPractice,
  });
  await createUser(ctx.db, TEST_OPERATOR, { username: "gp.other", displayName: "gp.other", password: null });
  await assignRole(ctx.db, TEST_OPERATOR, "gp.other", "gp", "other-practice");
  const found = await loadUserInRole(ctx.db, "gp.other", "gp", "other-practice");
  assert.ok(found);
  const otherGp = createReader(ctx.db, { ...found, purpose: "direct-care", origin: { channel: "test" } });
  await assert.rejects(otherGp.mdtMeeting(meetingId), /another team's MDT/);
  const [refusal] = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE NOT allowed AND reason LIKE '%another team%'",
  );
  assert.equal(refusal.n, 1, "the refusal is audited");
  assert.deepEqual(await otherGp.mdtMeetings(), [], "their own team has no meetings");
  await assert.rejects(sw.mdtMeetings(), /practice or locality MDT/);
  await assert.rejects(sw.mdtMeeting(meetingId), /practice or locality MDT/);
});
