// Joint care plans through the governed reader: a draft without a lead professional saves but cannot be signed
// off; an action without an owner or due date is refused with the reason; two edits of the same version
// conflict; sign-off projects the plan into care_plan so the national condition counts it; every change is in
// the history (who, when, what) and audited; a sharing objection refuses the write.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createReader, type GovernedReader } from "../../src/governance/index.ts";
import { nationalCondition } from "../../src/risk/index.ts";
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
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

const person = makePerson({ familyName: "Planned", givenName: "Iris", birthDate: "1934-03-02" });
const objector = makePerson({ familyName: "Objecting" });
let ctx: TestDb;
let gp: GovernedReader;
let gp2: GovernedReader;
let socialWorker: GovernedReader;
let gpUserId = "";
let swUserId = "";
let practiceTeamId = "";
let socialCareTeamId = "";

const readerAs = async (username: string, role: string, team: "practice" | "socialCare") => {
  const c = await contextFor(ctx.db, username, role, team, "direct-care");
  const { db: _, ...identity } = c;
  return createReader(ctx.db, identity);
};

before(async () => {
  ctx = await openTestDb();
  const db = ctx.db;
  await insertOrganisations(db);
  const teams = await createTeams(db);
  practiceTeamId = teams.practice;
  socialCareTeamId = teams.socialCare;
  for (const p of [person, objector]) await insertPerson(db, p);
  await register(db, person.personId, ORGS.practice);
  await register(db, objector.personId, ORGS.practice);
  await recordObjectionRow(db, objector.personId, ORGS.otherPractice);
  gpUserId = await createUserInRole(db, "gp.plans", "gp", "practice");
  await createUserInRole(db, "gp.second", "gp", "practice");
  swUserId = await createUserInRole(db, "sw.plans", "social-worker", "socialCare");
  gp = await readerAs("gp.plans", "gp", "practice");
  gp2 = await readerAs("gp.second", "gp", "practice");
  socialWorker = await readerAs("sw.plans", "social-worker", "socialCare");
  // The social worker's team is part of the person's care team (a relationship of its own).
  await db.query(
    `INSERT INTO care_team_member (person_id, membership_id, team_id, started_on, source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), $2, '2015-01-01', 'test', 'ctm-1', now())`,
    [person.personId, socialCareTeamId],
  );
  // The person is at high risk in the latest stratification, for the national condition.
  await db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, deficit_mask, deficit_count,
       efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
       emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
       outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
       unplanned_contacts_12m, social_care_now, social_care_12m, care_home, hiu, probability, risk_percentile,
       risk_tier, scored_at)
     VALUES ($1, gen_random_uuid(), current_date, 82, 'female', $2, 0, 1, 'moderate', 1, 1, 2, 0, 5, 0, 1, 0, 0, 0,
             0, 0, 0, 0, 0, false, false, 0.41, 99.4, 'very-high', now())`,
    [person.personId, ORGS.practice],
  );
});

after(() => ctx?.dispose());

const edit = (over: Record<string, unknown> = {}) => ({
  whatMattersToMe: "Staying in my own home with my cat",
  strengths: "Walks daily; supportive daughter",
  needs: "Help with shopping; falls at night",
  contingency: "If unwell, call the practice before 11am",
  crisis: "Call the rapid response team",
  carer: {
    name: "Daughter",
    relationship: "daughter",
    needs: "Respite one day a week",
    assessmentOffered: true,
  },
  endOfLife: "",
  consentToShare: { given: true, recordedOn: "2016-01-04", note: "Agreed at the MDT" },
  lead: null,
  reviewDueOn: null,
  ...over,
});

test("a plan without a lead professional saves as a draft but cannot be signed off, with the reason", async () => {
  const started = await gp.startCarePlan(person.personId);
  assert.equal(started.latest.version, 1);
  assert.equal(started.latest.status, "draft");
  const saved = await gp.editCarePlan(person.personId, started.planId, 1, edit());
  assert.equal(saved.latest.version, 2);
  assert.equal(saved.latest.status, "draft");
  assert.equal(saved.latest.lead, null);
  await assert.rejects(
    gp.signOffCarePlan(person.personId, started.planId, 2),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, "care.plan-not-ready");
      assert.match(e.message, /accountable lead professional/);
      assert.match(e.message, /review/);
      return true;
    },
  );
  const [row] = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_plan WHERE person_id = $1",
    [person.personId],
  );
  assert.equal(row.n, 0, "a draft is never a plan in force");
});

test("an action without an owner or a due date is refused with the reason, and nothing is saved", async () => {
  const [plan] = (await gp.personCarePlans(person.personId)).plans;
  const v = plan.latest.version;
  await assert.rejects(
    gp.addCarePlanAction(person.personId, plan.planId, v, {
      description: "Fit a key safe",
      ownerUserId: null,
      dueOn: "2016-02-01",
    }),
    (e: Error & { code?: string }) => e.code === "care.action-needs-owner" && /owner/.test(e.message),
  );
  await assert.rejects(
    gp.addCarePlanAction(person.personId, plan.planId, v, {
      description: "Fit a key safe",
      ownerUserId: swUserId,
      dueOn: null,
    }),
    (e: Error & { code?: string }) => e.code === "care.action-needs-due-date" && /due date/.test(e.message),
  );
  const after = (await gp.personCarePlans(person.personId)).plans[0];
  assert.equal(after.latest.version, v, "no version was added");
});

test("two people editing the same version: the second gets a conflict, never a silent overwrite", async () => {
  const [plan] = (await gp.personCarePlans(person.personId)).plans;
  const v = plan.latest.version;
  await gp.editCarePlan(person.personId, plan.planId, v, edit({ strengths: "Walks daily" }));
  await assert.rejects(
    gp2.editCarePlan(person.personId, plan.planId, v, edit({ strengths: "Plays the piano" })),
    (e: Error & { code?: string; kind?: string }) =>
      e.code === "care.plan-version-conflict" && e.kind === "conflict",
  );
  const latest = (await gp.personCarePlans(person.personId)).plans[0].latest;
  assert.equal(latest.content.strengths, "Walks daily");
});

test("a social worker contributes an action; sign-off with a lead projects the plan into care_plan and the national condition", async () => {
  let [plan] = (await gp.personCarePlans(person.personId)).plans;
  plan = await socialWorker.addCarePlanAction(person.personId, plan.planId, plan.latest.version, {
    description: "Carer's assessment for the daughter",
    ownerUserId: swUserId,
    dueOn: "2030-02-01",
  });
  plan = await gp.editCarePlan(
    person.personId,
    plan.planId,
    plan.latest.version,
    edit({
      strengths: "Walks daily",
      lead: { userId: gpUserId, role: "gp", teamId: practiceTeamId },
      reviewDueOn: "2030-06-01",
    }),
  );
  // The lead's worklist: a draft they lead waits for their sign-off; once signed off, its review.
  const leadWork = async () =>
    (await gp.careWorklist()).items
      .filter((i) => i.person.personId === person.personId)
      .map((i) => `${i.kind} ${i.dueOn ?? "-"}`);
  assert.deepEqual(await leadWork(), ["plan-sign-off -"]);
  plan = await gp.signOffCarePlan(person.personId, plan.planId, plan.latest.version);
  assert.equal(plan.latest.status, "signed-off");
  assert.deepEqual(await leadWork(), ["plan-review 2030-06-01"]);
  assert.equal(plan.inForce?.lead?.orgCode, ORGS.practice);
  const orgs = new Set(plan.contributors.map((c) => c.organisation));
  assert.ok(
    orgs.has(ORGS.practice) && orgs.has(ORGS.council),
    "contributors from the practice and the council",
  );
  const rows = await ctx.db.query<{
    lead_professional_role: string;
    lead_org_code: string;
    review_due_on: string;
    source_system: string;
  }>(
    "SELECT lead_professional_role, lead_org_code, review_due_on::text, source_system FROM care_plan WHERE person_id = $1",
    [person.personId],
  );
  assert.deepEqual(rows, [
    {
      lead_professional_role: "gp",
      lead_org_code: ORGS.practice,
      review_due_on: "2030-06-01",
      source_system: "oneplace-care",
    },
  ]);
  const condition = await nationalCondition(ctx.db);
  assert.equal(condition.place.highRisk, 1);
  assert.equal(condition.place.withJointCarePlan, 1);
  assert.equal(condition.place.withLeadProfessional, 1);
  // History: who, when, what for every version.
  const history = plan.history;
  assert.equal(history[0].status, "signed-off");
  assert.ok(
    history.some(
      (h) =>
        h.savedBy.name === "sw.plans" && h.changes.some((c) => c.field === "Action" && c.change === "added"),
    ),
  );
  assert.ok(history.some((h) => h.changes.some((c) => c.field === "Lead professional")));
  assert.ok(history.every((h) => h.savedAt && h.savedBy.userId));
  // The action is on the social worker's worklist.
  const work = await socialWorker.careWorklist();
  assert.ok(work.items.some((i) => i.kind === "plan-action" && i.person.personId === person.personId));
  // Every change was audited as a change to this person.
  const [audit] = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE action = 'change' AND allowed AND $1 = ANY(person_ids)",
    [person.personId],
  );
  assert.ok(audit.n >= 6, `changes audited: ${audit.n}`);
});

test("a sharing objection refuses a change to the plan, as it refuses the read", async () => {
  await assert.rejects(
    gp.startCarePlan(objector.personId),
    (e: Error) => e.name === "AccessDenied" || /denied|objection/i.test(e.message),
  );
  const [row] = await ctx.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_plan_version WHERE person_id = $1",
    [objector.personId],
  );
  assert.equal(row.n, 0);
});
