// MDT meetings over HTTP, as a browser sends them (session cookie, forms with the CSRF token): scheduling with
// the error summary for bad input, the agenda drawn from the register (the objector withheld and counted),
// editing it, recording a person (and refusing an action without an owner), the minutes page and PDF, another
// team refused, and no session sent to sign in. Every page and change audited.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { stratified } from "../care/fixtures.ts";
import {
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
import { pdfText } from "./pdf-text.ts";
import { sessionFor, type TestSession } from "./session.ts";

const CHROMIUM = process.env.ONEPLACE_CHROMIUM ?? "/usr/bin/chromium";
const pdfSkip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
const ada = makePerson({ familyName: "Agendaperson", givenName: "Ada" });
const objector = makePerson({ familyName: "Objectorperson" });
let gp: TestSession;
let sw: TestSession;
let gpUserId = "";
let swUserId = "";

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    for (const p of [ada, objector]) await insertPerson(db, p);
    await register(db, ada.personId, ORGS.practice);
    await register(db, objector.personId, ORGS.practice);
    await recordObjectionRow(db, objector.personId, ORGS.otherPractice);
    await stratified(db, ada.personId, ORGS.practice, "very-high", 0.6);
    await stratified(db, objector.personId, ORGS.practice, "very-high", 0.5);
    gpUserId = await createUserInRole(db, "gp.mdtweb", "gp", "practice");
    const swId = await createUserInRole(db, "sw.mdtweb", "social-worker", "socialCare");
    swUserId = swId;
    gp = await sessionFor(db, gpUserId);
    sw = await sessionFor(db, swId);
  },
});

const get = (url: string, s: TestSession) => web.app.inject({ method: "GET", url, headers: s.page });
const post = (url: string, s: TestSession, form: Record<string, string | string[]>) => {
  const body = new URLSearchParams({ _csrf: s.csrf });
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  return web.app.inject({
    method: "POST",
    url,
    headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
    payload: body.toString(),
  });
};

const schedule = (over: Record<string, string | string[]> = {}) => ({
  title: "Monthly practice MDT",
  day: "10",
  month: "3",
  year: "2026",
  startsAt: "13:30",
  location: "Surgery",
  cohortId: "",
  "rule-very-high-new": "yes",
  "rule-no-plan": "yes",
  "tier-very-high": "yes",
  "tier-high": "yes",
  size: "40",
  ...over,
});

let meetingUrl = "";

test("a bad date re-shows the form with the error summary (400) and schedules nothing", async () => {
  const page = await get("/care/mdt/new", gp);
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /Schedule an MDT meeting/);
  const bad = await post("/care/mdt", gp, schedule({ day: "31", month: "2" }));
  assert.equal(bad.statusCode, 400, bad.body);
  assert.match(bad.body, /nhsuk-error-summary/);
  assert.match(bad.body, /real date/);
  assert.match(bad.body, /value="Monthly practice MDT"/, "what was typed is kept");
  const [n] = await web.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM mdt_meeting");
  assert.equal(n.n, 0);
});

test("scheduling draws the agenda: the person named, the objector only counted; the list shows the meeting", async () => {
  const made = await post("/care/mdt", gp, schedule());
  assert.equal(made.statusCode, 303, made.body);
  meetingUrl = made.headers.location as string;
  assert.match(meetingUrl, /^\/care\/mdt\/[0-9a-f-]{36}$/);
  const agenda = await get(meetingUrl, gp);
  assert.equal(agenda.statusCode, 200, agenda.body);
  assert.match(agenda.body, /Ada Agendaperson/);
  assert.doesNotMatch(agenda.body, /Objectorperson/);
  assert.match(agenda.body, /1 person meeting the rules could not be shown/);
  const again = await post("/care/mdt", gp, schedule());
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /already has a meeting/);
  const list = await get("/care/mdt", gp);
  assert.match(list.body, /Monthly practice MDT/);
});

test("recording: an action without an owner is refused with the reason; with one it is saved; minutes show it", async () => {
  const personUrl = `${meetingUrl}/people/${ada.personId}`;
  const page = await get(personUrl, gp);
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /Record the discussion/);
  const recorded = await post(personUrl, gp, {
    summary: "Falls twice this month",
    decisions: "Start a joint plan",
    lead: gpUserId,
    leadRole: "gp",
    leadOutcome: "assigned",
    plan: "started",
  });
  assert.equal(recorded.statusCode, 303, recorded.body);
  const noOwner = await post(`${personUrl}/actions`, gp, {
    description: "Refer to falls service",
    owner: "",
    organisation: "Riverside practice",
    dueDay: "20",
    dueMonth: "3",
    dueYear: "2026",
  });
  assert.equal(noOwner.statusCode, 400);
  assert.match(noOwner.body, /who owns the action/);
  const ok = await post(`${personUrl}/actions`, gp, {
    description: "Refer to falls service",
    ownerUserId: "external",
    owner: "Dr Patel",
    organisation: "Riverside practice",
    dueDay: "20",
    dueMonth: "3",
    dueYear: "2026",
  });
  assert.equal(ok.statusCode, 303, ok.body);
  const attended = await post(`${meetingUrl}/attendees`, gp, {
    name: "Sam Patel",
    role: "Social worker",
    organisation: "Adult social care",
  });
  assert.equal(attended.statusCode, 303);
  const minutes = await get(`${meetingUrl}/minutes`, gp);
  assert.equal(minutes.statusCode, 200);
  for (const expected of [
    /Falls twice this month/,
    /Refer to falls service/,
    /Dr Patel, Riverside practice/,
    /Sam Patel/,
    /Started/,
  ]) {
    assert.match(minutes.body, expected);
  }
  const audits = await web.t.db.query<{ action: string }>(
    "SELECT action FROM audit_event WHERE $1 = ANY(person_ids) AND allowed AND channel = 'web'",
    [ada.personId],
  );
  assert.ok(audits.filter((a) => a.action === "change").length >= 2, JSON.stringify(audits));
  assert.ok(audits.some((a) => a.action === "view"));
});

test("the lead assigned over HTTP is in the plan's newest version; a stale page's plan version is a 409 that writes nothing", async () => {
  const personUrl = `${meetingUrl}/people/${ada.personId}`;
  const [latest] = await web.t.db.query<{ version: number; lead_user_id: string; lead_role: string }>(
    `SELECT version, lead_user_id::text AS lead_user_id, lead_role FROM care_plan_version
      WHERE person_id = $1 AND latest`,
    [ada.personId],
  );
  assert.deepEqual(latest, { version: 2, lead_user_id: gpUserId, lead_role: "gp" });
  const page = await get(personUrl, gp);
  assert.match(page.body, /name="planVersion" value="2"/);
  assert.match(page.body, /written into the joint plan as version 2/);
  const minutes = await get(`${meetingUrl}/minutes`, gp);
  assert.match(minutes.body, /plan version 2/);
  const stale = await post(personUrl, gp, {
    summary: "Changed on a stale page",
    lead: gpUserId,
    leadRole: "care-coordinator",
    leadOutcome: "assigned",
    planVersion: "1",
  });
  assert.equal(stale.statusCode, 409, stale.body);
  const [n] = await web.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM care_plan_version WHERE person_id = $1",
    [ada.personId],
  );
  assert.equal(n.n, 2);
  const [item] = await web.t.db.query<{ summary: string }>(
    "SELECT summary FROM mdt_agenda_item WHERE person_id = $1",
    [ada.personId],
  );
  assert.equal(item.summary, "Falls twice this month");
});

test("an MDT action's owner is picked from the teams caring for the person; another team's user is refused (400); the owner's worklist shows it", async () => {
  const personUrl = `${meetingUrl}/people/${ada.personId}`;
  const page = await get(personUrl, gp);
  const from = page.body.indexOf('name="ownerUserId"');
  const ownerSelect = page.body.slice(from, page.body.indexOf("</select>", from));
  assert.match(ownerSelect, new RegExp(`<option value="${gpUserId}"`));
  assert.doesNotMatch(
    ownerSelect,
    new RegExp(`<option value="${swUserId}"`),
    "social care has no relationship",
  );
  assert.match(ownerSelect, /Someone outside OnePlace/);
  const refused = await post(`${personUrl}/actions`, gp, {
    description: "Home visit",
    ownerUserId: swUserId,
    dueDay: "1",
    dueMonth: "4",
    dueYear: "2026",
  });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /not an active member of a team caring for this person/);
  const ok = await post(`${personUrl}/actions`, gp, {
    description: "Review her medicines",
    ownerUserId: gpUserId,
    dueDay: "1",
    dueMonth: "4",
    dueYear: "2026",
  });
  assert.equal(ok.statusCode, 303, ok.body);
  const worklist = await get("/care/worklist", gp);
  assert.equal(worklist.statusCode, 200);
  assert.match(worklist.body, /MDT action/);
  assert.match(worklist.body, /Review her medicines/);
  const home = await get("/", gp);
  assert.match(home.body, /worklist/i);
});

test("the minutes as a PDF: printed by Chromium, a PDF whose text holds the minutes", {
  skip: pdfSkip,
}, async () => {
  const pdf = await web.app.inject({ method: "GET", url: `${meetingUrl}/minutes.pdf`, headers: gp.page });
  assert.equal(pdf.statusCode, 200, pdf.body.slice(0, 500));
  assert.equal(pdf.headers["content-type"], "application/pdf");
  const bytes = pdf.rawPayload;
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
  writeFileSync("/tmp/mdt-minutes-test.pdf", bytes);
  const text = pdfText(bytes);
  for (const expected of [
    "Minutes: Monthly practice MDT",
    "No joint plan yet",
    "Ada Agendaperson",
    "Falls twice this month",
    "Refer to falls service",
    "Sam Patel",
  ]) {
    assert.ok(text.includes(expected), `the PDF's text lacks "${expected}"`);
  }
  assert.ok(!text.includes("Objectorperson"));
});

test("another team is refused the meeting; without a session a browser goes to sign in", async () => {
  const other = await get(meetingUrl, sw);
  assert.equal(other.statusCode, 400);
  assert.match(other.body, /practice or locality MDT/);
  const anonymous = await web.app.inject({
    method: "GET",
    url: meetingUrl,
    headers: { accept: "text/html" },
  });
  assert.equal(anonymous.statusCode, 303);
  assert.match(String(anonymous.headers.location), /^\/login/);
});
