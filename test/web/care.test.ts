// Care coordination over HTTP, as a browser sends it (session cookie, forms with the CSRF token): the Care plan
// tab and its changes, refusals with their reasons (no relationship, a sharing objection, a conflicting edit,
// an action without an owner or due date, a sign-off without a lead professional), referrals, the worklist,
// the directory, and the home page's overdue flag. Every page and change is audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addToCareTeam,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  register,
} from "../governance/fixtures.ts";
import { webSuite } from "./harness.ts";
import { sessionFor, type TestSession } from "./session.ts";

const person = makePerson({ familyName: "Careplanned", givenName: "Mabel", birthDate: "1933-04-21" });
const objector = makePerson({ familyName: "Objector" });
const stranger = makePerson({ familyName: "Strangerperson" });
const child = makePerson({ familyName: "Youngperson", givenName: "Kit", birthDate: "2016-06-01" });
let gp: TestSession;
let gp2: TestSession;
let sw: TestSession;
let swUserId = "";
let gpUserId = "";
let practiceTeamId = "";

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    const teams = await createTeams(db);
    practiceTeamId = teams.practice;
    for (const p of [person, objector, stranger, child]) await insertPerson(db, p);
    await register(db, child.personId, ORGS.practice);
    await register(db, person.personId, ORGS.practice);
    await register(db, objector.personId, ORGS.practice);
    await register(db, stranger.personId, ORGS.otherPractice);
    await recordObjectionRow(db, objector.personId, ORGS.otherPractice);
    // Adult social care is part of the person's care team: the social worker contributes to the plan.
    await addToCareTeam(db, person.personId, teams.socialCare);
    gpUserId = await createUserInRole(db, "gp.web", "gp", "practice");
    const gp2Id = await createUserInRole(db, "gp.other", "gp", "practice");
    swUserId = await createUserInRole(db, "sw.web", "social-worker", "socialCare");
    gp = await sessionFor(db, gpUserId);
    gp2 = await sessionFor(db, gp2Id);
    sw = await sessionFor(db, swUserId);
  },
});

const get = (url: string, s: TestSession) => web.app.inject({ method: "GET", url, headers: s.page });
const post = (url: string, s: TestSession, form: Record<string, string>) =>
  web.app.inject({
    method: "POST",
    url,
    headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
    payload: new URLSearchParams({ _csrf: s.csrf, ...form }).toString(),
  });

const planUrl = (id = person.personId) => `/people/${id}/care-plan`;

async function currentPlan(): Promise<{ planId: string; version: string }> {
  const [row] = await web.t.db.query<{ plan_id: string; version: number }>(
    "SELECT plan_id, max(version) AS version FROM care_plan_version WHERE person_id = $1 GROUP BY plan_id",
    [person.personId],
  );
  return { planId: row.plan_id, version: String(row.version) };
}

const editForm = (version: string, over: Record<string, string> = {}) => ({
  baseVersion: version,
  whatMattersToMe: "Staying at home with my garden",
  strengths: "Gardens every day",
  needs: "Help with shopping",
  contingency: "Call the practice",
  crisis: "Call rapid response",
  carerName: "",
  carerRelationship: "",
  carerNeeds: "",
  endOfLife: "",
  consent: "given",
  consentNote: "",
  lead: "",
  leadRole: "",
  reviewDay: "",
  reviewMonth: "",
  reviewYear: "",
  ...over,
});

test("a GP starts a plan from the Care plan tab; the page shows the draft; the start is audited as a change", async () => {
  const empty = await get(planUrl(), gp);
  assert.equal(empty.statusCode, 200, empty.body);
  assert.match(empty.body, /Start a care plan/);
  assert.match(empty.body, /aria-current="page"[^>]*>\s*Care plan|Care plan/);
  const started = await post(planUrl(), gp, {});
  assert.equal(started.statusCode, 303, started.body);
  assert.equal(started.headers.location, planUrl());
  const page = await get(planUrl(), gp);
  assert.match(page.body, /Draft/);
  assert.match(page.body, /Not yet signed off/);
  const [audit] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE action = 'change' AND allowed AND $1 = ANY(person_ids) AND channel = 'web'",
    [person.personId],
  );
  assert.equal(audit.n, 1);
});

test("refused without a relationship, and with a sharing objection: 403 with the reason, nothing written", async () => {
  for (const who of [stranger, objector]) {
    const page = await get(planUrl(who.personId), gp);
    assert.equal(page.statusCode, 403);
    const start = await post(planUrl(who.personId), gp, {});
    assert.equal(start.statusCode, 403);
    assert.match(start.body, who === objector ? /objection|object/i : /relationship/i);
  }
  const [row] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_plan_version WHERE person_id = ANY($1::uuid[])",
    [[stranger.personId, objector.personId]],
  );
  assert.equal(row.n, 0);
  const refusals = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE NOT allowed AND action = 'change' AND $1 = ANY(person_ids)",
    [stranger.personId],
  );
  assert.equal(refusals[0].n, 1, "the refused change is audited");
});

test("two people editing the same version: the second is a 409 conflict and the first edit stands", async () => {
  const { planId, version } = await currentPlan();
  const first = await post(
    `${planUrl()}/${planId}`,
    gp,
    editForm(version, { strengths: "Gardens every day" }),
  );
  assert.equal(first.statusCode, 303, first.body);
  const second = await post(`${planUrl()}/${planId}`, gp2, editForm(version, { strengths: "Plays bowls" }));
  assert.equal(second.statusCode, 409);
  assert.match(second.body, /Someone else saved this plan while you were editing it/);
  assert.match(second.body, /Plays bowls/, "the second person's words are kept in the form, not lost");
  const [row] = await web.t.db.query<{ strengths: string }>(
    `SELECT content ->> 'strengths' AS strengths FROM care_plan_version WHERE person_id = $1 ORDER BY version DESC LIMIT 1`,
    [person.personId],
  );
  assert.equal(row.strengths, "Gardens every day");
});

test("an action without an owner or a due date is refused with the reason (400), and nothing is saved", async () => {
  const { planId, version } = await currentPlan();
  const url = `${planUrl()}/${planId}/actions`;
  const noOwner = await post(url, sw, {
    baseVersion: version,
    description: "Carer's assessment",
    ownerUserId: "",
    dueDay: "1",
    dueMonth: "3",
    dueYear: "2031",
  });
  assert.equal(noOwner.statusCode, 400);
  assert.match(noOwner.body, /An action needs an owner/);
  const noDue = await post(url, sw, {
    baseVersion: version,
    description: "Carer's assessment",
    ownerUserId: swUserId,
    dueDay: "",
    dueMonth: "",
    dueYear: "",
  });
  assert.equal(noDue.statusCode, 400);
  assert.match(noDue.body, /An action needs a due date/);
  assert.equal((await currentPlan()).version, version);
  const added = await post(url, sw, {
    baseVersion: version,
    description: "Carer's assessment",
    ownerUserId: swUserId,
    dueDay: "1",
    dueMonth: "3",
    dueYear: "2031",
  });
  assert.equal(added.statusCode, 303, added.body);
});

test("sign-off without a lead professional is refused with the reason; with one it is signed off and in care_plan", async () => {
  let { planId, version } = await currentPlan();
  const refused = await post(`${planUrl()}/${planId}/sign-off`, gp, { baseVersion: version });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /Assign an accountable lead professional/);
  const withLead = await post(
    `${planUrl()}/${planId}`,
    gp,
    editForm(version, {
      lead: `${gpUserId}:${practiceTeamId}`,
      leadRole: "gp",
      reviewDay: "1",
      reviewMonth: "6",
      reviewYear: "2031",
    }),
  );
  assert.equal(withLead.statusCode, 303, withLead.body);
  ({ version } = await currentPlan());
  const signed = await post(`${planUrl()}/${planId}/sign-off`, gp, { baseVersion: version });
  assert.equal(signed.statusCode, 303, signed.body);
  const page = await get(planUrl(), gp);
  assert.match(page.body, /Signed off/);
  assert.match(page.body, /gp\.web, gp, Riverside/);
  const [row] = await web.t.db.query<{ lead_professional_role: string }>(
    "SELECT lead_professional_role FROM care_plan WHERE person_id = $1",
    [person.personId],
  );
  assert.equal(row.lead_professional_role, "gp");
  const print = await get(`${planUrl()}/${planId}/print`, sw);
  assert.equal(print.statusCode, 200);
  assert.match(print.body, /Joint health and social care plan/);
  assert.match(print.body, /Carer&#39;s assessment|Carer's assessment/);
});

test("the worklist names the social worker's action; the home page flags overdue items; the directory lists the BCF schemes", async () => {
  const work = await get("/care/worklist", sw);
  assert.equal(work.statusCode, 200);
  assert.match(work.body, /Mabel Careplanned/);
  assert.match(work.body, /Carer&#39;s assessment|Carer's assessment/);
  const services = await get("/care/services", gp);
  assert.equal(services.statusCode, 200);
  for (const name of [
    "Rapid Response and Assessment Service",
    "Joint Reablement Team",
    "Intermediate care",
    "Telecare",
    "Local Area Coordinators",
    "Voluntary",
  ]) {
    assert.match(services.body, new RegExp(name));
  }
  // An overdue action: due yesterday.
  const { planId, version } = await currentPlan();
  const yesterday = new Date(Date.now() - 86_400_000);
  const added = await post(`${planUrl()}/${planId}/actions`, gp, {
    baseVersion: version,
    description: "Phone the daughter",
    ownerUserId: gpUserId,
    dueDay: String(yesterday.getUTCDate()),
    dueMonth: String(yesterday.getUTCMonth() + 1),
    dueYear: String(yesterday.getUTCFullYear()),
  });
  assert.equal(added.statusCode, 303, added.body);
  const home = await get("/", gp);
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /1 overdue/);
});

test("a form with a field the route does not take is refused (400) before anything is read", async () => {
  const { planId, version } = await currentPlan();
  const res = await post(`${planUrl()}/${planId}/sign-off`, gp, { baseVersion: version, leadUserId: "x" });
  assert.equal(res.statusCode, 400);
});

test("referrals over HTTP: refused without consent (400, the words kept); only the receiving team decides (403)", async () => {
  const url = `/people/${person.personId}/referrals`;
  const form = await get(`${url}/new`, gp);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Joint Reablement Team/);
  const noConsent = await post(url, gp, {
    serviceCode: "reablement",
    reason: "Home after a fall",
    urgency: "urgent",
    consent: "",
  });
  assert.equal(noConsent.statusCode, 400);
  assert.match(noConsent.body, /Record the person&#39;s consent to the referral|Record the person's consent/);
  assert.match(noConsent.body, /Home after a fall/);
  const made = await post(url, gp, {
    serviceCode: "reablement",
    reason: "Home after a fall",
    urgency: "urgent",
    consent: "given",
  });
  assert.equal(made.statusCode, 303, made.body);
  const referralUrl = String(made.headers.location);
  assert.match(referralUrl, /\/referrals\/[0-9a-f-]{36}$/);
  const notTheirs = await post(`${referralUrl}/decision`, sw, { baseVersion: "1", decision: "accept" });
  assert.equal(notTheirs.statusCode, 403);
  assert.match(notTheirs.body, /Only the team the person was referred to can decide the referral/);
  const strangerReferral = await post(`/people/${stranger.personId}/referrals`, gp, {
    serviceCode: "reablement",
    reason: "x",
    urgency: "routine",
    consent: "given",
  });
  assert.equal(strangerReferral.statusCode, 403);
  const [row] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM referral WHERE person_id = $1",
    [stranger.personId],
  );
  assert.equal(row.n, 0);
});

test("a referral to a service whose access criteria the person does not meet is warned about and needs a reason; the reason is recorded", async () => {
  const url = `/people/${child.personId}/referrals`;
  const form = {
    serviceCode: "reablement",
    reason: "Needs support at home",
    urgency: "routine",
    consent: "given",
  };
  const warned = await post(url, gp, form);
  assert.equal(warned.statusCode, 400, warned.body);
  assert.match(warned.body, /Check the service&#39;s access criteria|Check the service's access criteria/);
  assert.match(warned.body, /for people aged 18 and over/);
  assert.match(warned.body, /Needs support at home/, "what was typed is kept");
  const none = await web.t.db.query("SELECT 1 FROM referral WHERE person_id = $1", [child.personId]);
  assert.equal(none.length, 0, "nothing written without a reason");
  const made = await post(url, gp, {
    ...form,
    criteriaReason: "Agreed with the reablement lead: a young carer",
  });
  assert.equal(made.statusCode, 303, made.body);
  const [row] = await web.t.db.query<{ criteria_not_met: string[]; criteria_reason: string }>(
    "SELECT criteria_not_met, criteria_reason FROM referral WHERE person_id = $1",
    [child.personId],
  );
  assert.deepEqual(row.criteria_not_met, ["for people aged 18 and over"]);
  assert.equal(row.criteria_reason, "Agreed with the reablement lead: a young carer");
  const page = await get(String(made.headers.location), gp);
  assert.match(page.body, /Access criteria not met/);
  assert.match(page.body, /Referred anyway because: Agreed with the reablement lead/);
});

test("ending a plan: a reason is required (400, nothing written); then it ends with its history kept, care_plan ended, audited, and a new plan can start", async () => {
  const { planId, version } = await currentPlan();
  const endUrl = `${planUrl()}/${planId}/end`;
  const tab = await get(planUrl(), gp);
  assert.match(tab.body, new RegExp(`action="${planUrl()}/${planId}/end"`));
  const noReason = await post(endUrl, gp, { baseVersion: version, endReason: " " });
  assert.equal(noReason.statusCode, 400, noReason.body);
  assert.match(noReason.body, /Say why the plan is ending/);
  assert.equal((await currentPlan()).version, version, "nothing written");
  const stale = await post(endUrl, gp, { baseVersion: String(Number(version) - 1), endReason: "Moved away" });
  assert.equal(stale.statusCode, 409);
  const ended = await post(endUrl, gp, { baseVersion: version, endReason: "Moved out of the area" });
  assert.equal(ended.statusCode, 303, ended.body);
  const versions = await web.t.db.query<{ version: number; status: string; latest: boolean }>(
    "SELECT version, status, latest FROM care_plan_version WHERE person_id = $1 AND plan_id = $2 ORDER BY version",
    [person.personId, planId],
  );
  assert.equal(versions.length, Number(version) + 1, "every earlier version kept");
  assert.deepEqual(
    versions.filter((v) => v.latest).map((v) => [v.version, v.status]),
    [[Number(version) + 1, "ended"]],
    "only the newest version is the plan's latest",
  );
  const [projected] = await web.t.db.query<{ ended_on: string | null }>(
    "SELECT ended_on::text AS ended_on FROM care_plan WHERE care_plan_id = $1",
    [planId],
  );
  assert.ok(projected.ended_on, "the plan in force is ended in care_plan");
  const [audit] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE $1 = ANY(person_ids) AND action = 'change' AND detail LIKE '%/end'",
    [person.personId],
  );
  assert.ok(audit.n >= 1, "the end is an audited change");
  const after = await get(planUrl(), gp);
  assert.match(after.body, /Earlier plans/);
  assert.match(after.body, /ended: Moved out of the area/);
  const restarted = await post(planUrl(), gp, {});
  assert.equal(restarted.statusCode, 303, "a new plan can be started");
});
