// The citizen's own view over HTTP, signed in through an NHS-login-shaped provider in this process
// (test/governance/citizen-idp.ts): the authorization code flow with PKCE, the NHS Number from the provider,
// P9 needed for the record and a plain page below it; /citizen (my care plan), /citizen/referrals,
// /citizen/care-team, /citizen/record-access (who has looked, by organisation and role, never the staff
// member), /citizen/sharing (record and withdraw an objection, and what that does to staff access). Only the
// person's own record, every read audited as a citizen read; a citizen session reaches no staff route.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import {
  AccessDenied,
  authConfigFromEnv,
  citizenActor,
  createReader,
  type GovernedReader,
  type ReaderIdentity,
} from "../../src/governance/index.ts";
import { createLogger, readSettings } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { type CitizenIdp, type CitizenLogin, startCitizenIdp } from "../governance/citizen-idp.ts";
import {
  addToCareTeam,
  contextFor,
  createTeams,
  createUserInRole,
  identifiersOf,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  refer,
  register,
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { CITIZEN_REDIRECT, citizenCallback, cookieOf } from "./citizen-sign-in.ts";
import { sessionFor, type TestSession } from "./session.ts";

const REDIRECT = CITIZEN_REDIRECT;
const me = makePerson({ givenName: "Edith", familyName: "Citizen" });
const other = makePerson({ givenName: "Otto", familyName: "Neighbour" });
const unknownNhsNumber = makePerson().nhsNumber; // valid, held by nobody
// A local record carrying, by a typing slip, a valid NHS Number that is really someone else's.
const slip = makePerson({ givenName: "Tilly", familyName: "Typo", birthDate: "1961-07-09" });
// Two unmerged records with the same NHS Number and date of birth.
const twin = makePerson({ givenName: "Dora", familyName: "Double", birthDate: "1944-03-03" });
const twinCopy = { ...twin, personId: randomUUID() };
// A person the council recorded an objection for, in its own system.
const hattie = makePerson({ givenName: "Hattie", familyName: "Held" });

let idp: CitizenIdp;
let t: TestDb;
let app: Awaited<ReturnType<typeof createWebServer>>;
let gpSession: TestSession;
let gpReader: GovernedReader;
let swReader: GovernedReader;
const logLines: string[] = [];

const readerFor = async (username: string, role: string, team: "practice" | "socialCare") => {
  const { db: _db, ...identity } = await contextFor(t.db, username, role, team, "direct-care");
  return createReader(t.db, identity as ReaderIdentity);
};

/** A signed-off plan with a lead professional and an action, written by the GP through the staff reader. */
async function agreedPlan(personId: string, whatMatters: string, gpUserId: string, teamId: string) {
  const plan = await gpReader.startCarePlan(personId);
  const edited = await gpReader.editCarePlan(personId, plan.planId, plan.latest.version, {
    whatMattersToMe: whatMatters,
    strengths: "My daughter visits every day",
    needs: "Help with shopping",
    contingency: "Call the practice if my breathing gets worse",
    crisis: "Call the rapid response team",
    carer: null,
    endOfLife: "",
    consentToShare: { given: true, recordedOn: "2026-01-05", note: "" },
    lead: { userId: gpUserId, role: "gp", teamId },
    reviewDueOn: "2030-06-30",
  });
  const withAction = await gpReader.addCarePlanAction(personId, plan.planId, edited.latest.version, {
    description: "Fit a key safe",
    ownerUserId: gpUserId,
    dueOn: "2030-01-31",
  });
  await gpReader.signOffCarePlan(personId, plan.planId, withAction.latest.version);
}

before(async () => {
  idp = await startCitizenIdp();
  t = await openTestDb();
  await insertOrganisations(t.db);
  const teams = await createTeams(t.db);
  for (const p of [me, other, slip, twin, twinCopy, hattie]) {
    await insertPerson(t.db, p);
    await register(t.db, p.personId, ORGS.practice);
  }
  await addToCareTeam(t.db, me.personId, teams.socialCare);
  await recordObjectionRow(t.db, hattie.personId, ORGS.council);
  await refer(t.db, me.personId, teams.community);
  // Referrals carrying staff's free text: a reason, a decline's reason, an outcome.
  await refer(t.db, me.personId, teams.socialCare, "2016-02-01");
  await refer(t.db, me.personId, teams.community, "2017-03-01");
  await t.db.query(
    `UPDATE referral SET reason = 'STAFF-REASON daughter says she cannot cope',
       outcome = CASE WHEN closed_on = '2016-02-01' THEN 'declined' ELSE outcome END,
       decline_reason = CASE WHEN closed_on = '2016-02-01' THEN 'STAFF-DECLINE not eligible, see notes' END,
       outcome_summary = CASE WHEN closed_on = '2017-03-01' THEN 'STAFF-OUTCOME discharged, non-engagement' END
     WHERE person_id = $1`,
    [me.personId],
  );
  const gpUserId = await createUserInRole(t.db, "dr.citizenview", "gp", "practice");
  await createUserInRole(t.db, "sw.citizenview", "social-worker", "socialCare");
  gpReader = await readerFor("dr.citizenview", "gp", "practice");
  swReader = await readerFor("sw.citizenview", "social-worker", "socialCare");
  await agreedPlan(me.personId, "Staying in my own home with my cat", gpUserId, teams.practice);
  await agreedPlan(other.personId, "OTTO-ONLY walking to the pier", gpUserId, teams.practice);
  // A staff read of the person: what "who has looked at my record" must show.
  await swReader.person(me.personId);
  gpSession = await sessionFor(t.db, gpUserId);
  app = await createWebServer({
    db: t.db,
    logger: createLogger({
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    }),
    placeName: "Test",
    auth: idp.authConfig(REDIRECT),
    admissionNotifier: false,
  });
});
after(async () => {
  await app?.close();
  await t?.dispose();
  await idp?.close();
});

interface Citizen {
  cookie: string;
  csrf: string;
}

/** The browser's part of a sign-in (citizen-sign-in.ts), as `me` unless the login says otherwise. */
const callbackFor = (login: CitizenLogin, extra = "", cookie = "") =>
  citizenCallback(app, idp, { birthdate: me.birthDate, ...login }, { extra, cookie });

/** A sign-in that works: the citizen's session cookie and the sharing form's CSRF token. */
async function signIn(login: CitizenLogin, extra = "", earlier = ""): Promise<Citizen> {
  const callback = await callbackFor(login, extra, earlier);
  assert.equal(callback.statusCode, 303, callback.body);
  assert.equal(callback.headers.location, "/citizen");
  const cookie = cookieOf(callback.headers["set-cookie"], "__Host-oneplace_citizen");
  assert.ok(cookie, "a citizen session cookie is set");
  const page = await app.inject({
    method: "GET",
    url: "/citizen/sharing",
    headers: { cookie, accept: "text/html" },
  });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
  return { cookie, csrf };
}

const page = (url: string, who: { cookie: string }) =>
  app.inject({ method: "GET", url, headers: { cookie: who.cookie, accept: "text/html" } });
const postForm = (url: string, who: Citizen, form: Record<string, string>) =>
  app.inject({
    method: "POST",
    url,
    headers: { cookie: who.cookie, accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });

const citizenAudit = (personId: string) =>
  t.db.query<{
    actor: string;
    allowed: boolean;
    relationship: string | null;
    action: string;
    detail: string;
  }>(
    `SELECT actor, allowed, relationship, action, detail FROM audit_event
      WHERE role_code = 'citizen' AND $1 = ANY(person_ids) ORDER BY seq`,
    [personId],
  );

test("sign-in is the authorization code flow with PKCE, state, nonce and NHS login's vectors of trust", async () => {
  const before = idp.authorizeRequests.length;
  await signIn({ sub: "flow-check", nhsNumber: me.nhsNumber, level: "P9" });
  const request = idp.authorizeRequests[before];
  assert.equal(request.get("response_type"), "code");
  assert.equal(request.get("code_challenge_method"), "S256");
  assert.ok(request.get("state") && request.get("nonce"));
  assert.equal(request.get("scope"), "openid profile");
  assert.ok(JSON.parse(request.get("vtr") as string).includes("P9.Cp.Cd"));
  const [login] = await t.db.query<{ reason: string }>(
    "SELECT reason FROM audit_event WHERE action = 'login' AND actor LIKE 'citizen:%' AND allowed ORDER BY seq DESC LIMIT 1",
  );
  assert.match(login.reason, /citizen sign-in \(identity proofing level P9\)/);
});

test("my care plan: what matters, the lead professional, actions, crisis plan and review date; only mine; audited as a citizen read", async () => {
  const citizen = await signIn({ sub: "edith-1", nhsNumber: me.nhsNumber, level: "P9" });
  const audited = (await citizenAudit(me.personId)).length;
  const plan = await page("/citizen", citizen);
  assert.equal(plan.statusCode, 200, plan.body);
  assert.equal(plan.headers["cache-control"], "no-store");
  assert.match(plan.body, /Staying in my own home with my cat/);
  assert.match(plan.body, /dr\.citizenview/, "the lead professional is named");
  assert.match(plan.body, /Who leads my care/);
  assert.match(plan.body, /Fit a key safe/);
  assert.match(plan.body, /Call the rapid response team/);
  assert.match(plan.body, /30 June 2030/);
  assert.doesNotMatch(plan.body, /OTTO-ONLY/);
  assert.doesNotMatch(plan.body, new RegExp(me.nhsNumber), "NHS login's traced NHS Number is not shown");
  const rows = await citizenAudit(me.personId);
  assert.equal(rows.length, audited + 1);
  const last = rows.at(-1);
  assert.ok(last?.actor.startsWith("citizen:"));
  assert.equal(last?.allowed, true);
  assert.equal(last?.relationship, "self");
  assert.equal(last?.detail, "citizen GET /citizen");
  const forOther = await t.db.query(
    "SELECT 1 FROM audit_event WHERE role_code = 'citizen' AND $1 = ANY(person_ids)",
    [other.personId],
  );
  assert.equal(forOther.length, 0, "nothing of anyone else's was read");
});

test("no page takes a person: a person id in the query is refused before anything is read", async () => {
  const citizen = await signIn({ sub: "edith-2", nhsNumber: me.nhsNumber, level: "P9" });
  const tried = await app.inject({
    method: "GET",
    url: `/citizen?personId=${other.personId}`,
    headers: { cookie: citizen.cookie },
  });
  assert.equal(tried.statusCode, 400);
  assert.doesNotMatch(tried.body, /OTTO-ONLY/);
});

test("my referrals and my care team, in plain words", async () => {
  const citizen = await signIn({ sub: "edith-3", nhsNumber: me.nhsNumber, level: "P9" });
  const referrals = await page("/citizen/referrals", citizen);
  assert.equal(referrals.statusCode, 200, referrals.body);
  assert.match(referrals.body, /Referred on/);
  assert.match(referrals.body, /1 June 2015/);
  assert.match(referrals.body, /Not accepted/);
  assert.match(referrals.body, /Closed on/);
  assert.match(referrals.body, /1 March 2017/);
  assert.doesNotMatch(referrals.body, /STAFF-/, "no staff free text: reason, decline reason or outcome");
  const team = await page("/citizen/care-team", citizen);
  assert.equal(team.statusCode, 200, team.body);
  assert.match(team.body, /This team is part of your care/);
  assert.match(team.body, /You are registered with this GP practice/);
  assert.match(team.body, /dr\.citizenview, GP/);
});

test("who has looked at my record: organisation and role, never the staff member, and not my own visits", async () => {
  const citizen = await signIn({ sub: "edith-4", nhsNumber: me.nhsNumber, level: "P9" });
  await page("/citizen", citizen);
  const mine = citizenActor(idp.issuer, "edith-4");
  const [counts] = await t.db.query<{ own: number; others: number; staff: number }>(
    `SELECT count(*) FILTER (WHERE role_code = 'citizen' AND actor = $2)::int AS own,
            count(*) FILTER (WHERE role_code = 'citizen' AND actor <> $2)::int AS others,
            count(*) FILTER (WHERE role_code IS DISTINCT FROM 'citizen')::int AS staff
       FROM audit_event WHERE $1 = ANY(person_ids)`,
    [me.personId, mine],
  );
  assert.ok(
    counts.own > 0 && counts.others > 0,
    "earlier sign-ins (other NHS login accounts) read the record",
  );
  const access = await page("/citizen/record-access", citizen);
  assert.equal(access.statusCode, 200, access.body);
  assert.match(access.body, /Social worker/);
  assert.match(access.body, /Looked at your record/);
  assert.match(
    access.body,
    /Someone signed in with NHS login/,
    "another NHS login account's visits are shown",
  );
  assert.match(
    access.body,
    new RegExp(`${counts.others + counts.staff} times in all`),
    "all but this account's own",
  );
  assert.doesNotMatch(access.body, /sw\.citizenview/, "no staff member's name");
  assert.doesNotMatch(access.body, /citizen:/, "no account's audit name");
  assert.equal(
    (await citizenAudit(me.personId)).at(-1)?.detail,
    "citizen GET /citizen/record-access",
    "reading the audit is itself audited",
  );
});

test("recording an objection: the staff outside the practice lose access; twice changes nothing; withdrawing restores it", async () => {
  const citizen = await signIn({ sub: "edith-5", nhsNumber: me.nhsNumber, level: "P9" });
  const sharing = await page("/citizen/sharing", citizen);
  assert.match(sharing.body, /What happens if you object/);
  assert.match(sharing.body, /In an emergency, a professional can still look at your record/);

  const noCsrf = await postForm("/citizen/sharing", citizen, { choice: "object", _csrf: "wrong" });
  assert.equal(noCsrf.statusCode, 403);
  const objected = await postForm("/citizen/sharing", citizen, { choice: "object", _csrf: citizen.csrf });
  assert.equal(objected.statusCode, 303, objected.body);
  assert.equal(objected.headers.location, "/citizen/sharing?done=recorded");
  const again = await postForm("/citizen/sharing", citizen, { choice: "object", _csrf: citizen.csrf });
  assert.equal(again.headers.location, "/citizen/sharing?done=unchanged");
  const held = await t.db.query<{ holding_org_code: string; source_system: string }>(
    "SELECT holding_org_code, source_system FROM sharing_objection WHERE person_id = $1 AND withdrawn_on IS NULL",
    [me.personId],
  );
  assert.deepEqual(held, [{ holding_org_code: ORGS.practice, source_system: "oneplace-citizen" }]);
  const shown = await page("/citizen/sharing?done=recorded", citizen);
  assert.match(shown.body, /Your objection is recorded/);
  assert.match(shown.body, /You have objected to sharing your record/);
  await assert.rejects(swReader.person(me.personId), AccessDenied, "social care is refused now");
  await gpReader.person(me.personId); // the practice holding the objection still sees the record

  const withdrawn = await postForm("/citizen/sharing", citizen, { choice: "withdraw", _csrf: citizen.csrf });
  assert.equal(withdrawn.headers.location, "/citizen/sharing?done=withdrawn");
  await swReader.person(me.personId);
  const changes = (await citizenAudit(me.personId)).filter((r) => r.action === "change");
  assert.equal(changes.length, 3, "each change is audited as the person's own");
});

test("withdrawing withdraws only the objection made here; one the council holds stays, and the page says to ask them", async () => {
  const citizen = await signIn({ sub: "hattie", nhsNumber: hattie.nhsNumber, level: "P9" });
  const before = await page("/citizen/sharing", citizen);
  assert.match(before.body, /Objections held by other organisations/);
  assert.match(before.body, /Synthetic council/);
  assert.doesNotMatch(before.body, /Withdraw my objection/, "nothing here the person can withdraw yet");
  const objected = await postForm("/citizen/sharing", citizen, { choice: "object", _csrf: citizen.csrf });
  assert.equal(objected.headers.location, "/citizen/sharing?done=recorded");
  const withdrawn = await postForm("/citizen/sharing", citizen, { choice: "withdraw", _csrf: citizen.csrf });
  assert.equal(withdrawn.headers.location, "/citizen/sharing?done=withdrawn");
  const inForce = await t.db.query<{ holding_org_code: string; source_system: string }>(
    "SELECT holding_org_code, source_system FROM sharing_objection WHERE person_id = $1 AND withdrawn_on IS NULL",
    [hattie.personId],
  );
  assert.deepEqual(inForce, [{ holding_org_code: ORGS.council, source_system: "test" }]);
  const after = await page("/citizen/sharing?done=withdrawn", citizen);
  assert.match(after.body, /The objection you made here is withdrawn/);
  assert.match(after.body, /Synthetic council/);
  assert.match(after.body, /ask them/);
  const changes = (await citizenAudit(hattie.personId)).filter((r) => r.action === "change");
  assert.deepEqual(
    changes.map((r) => r.detail),
    [
      "citizen POST /citizen/sharing; choice: record an objection",
      "citizen POST /citizen/sharing; choice: withdraw the objection recorded here",
    ],
  );
});

test("below P9 no record: a page saying what the person can do, and refusals audited", async () => {
  const citizen = await signIn({ sub: "edith-p5", nhsNumber: me.nhsNumber, level: "P5" });
  const home = await page("/citizen", citizen);
  assert.equal(home.statusCode, 200);
  assert.match(home.body, /Prove who you are to see your care record/);
  assert.doesNotMatch(home.body, /Staying in my own home/);
  const [viewed] = await t.db.query<{ action: string; allowed: boolean; reason: string; detail: string }>(
    "SELECT action, allowed, reason, detail FROM audit_event WHERE role_code = 'citizen' ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(
    { action: viewed.action, allowed: viewed.allowed, detail: viewed.detail },
    { action: "view", allowed: false, detail: "citizen GET /citizen" },
    "the refused page view is audited at once",
  );
  assert.match(viewed.reason, /P9.*P5/);
  const object = await postForm("/citizen/sharing", citizen, { choice: "object", _csrf: citizen.csrf });
  assert.equal(object.statusCode, 403);
  assert.match(object.body, /P9/);
  const [refused] = await t.db.query<{ reason: string }>(
    "SELECT reason FROM audit_event WHERE role_code = 'citizen' AND NOT allowed ORDER BY seq DESC LIMIT 1",
  );
  assert.match(refused.reason, /P9.*P5/);
  const none = await t.db.query(
    "SELECT 1 FROM sharing_objection WHERE person_id = $1 AND withdrawn_on IS NULL",
    [me.personId],
  );
  assert.equal(none.length, 0, "nothing written");
});

test("an NHS Number nobody holds: a clear page, nobody's record; the number may also come in the ID token", async () => {
  const citizen = await signIn({
    sub: "nobody",
    nhsNumber: unknownNhsNumber,
    level: "P9",
    nhsNumberInIdToken: true,
  });
  const home = await page("/citizen", citizen);
  assert.equal(home.statusCode, 404);
  assert.match(home.body, /OnePlace holds no record for you/);
});

/** The newest citizen audit row for a sign-in, by its subject's actor. */
const lastCitizenRow = async () =>
  (
    await t.db.query<{ action: string; allowed: boolean; reason: string; person_ids: string[] }>(
      "SELECT action, allowed, reason, person_ids FROM audit_event WHERE role_code = 'citizen' ORDER BY seq DESC LIMIT 1",
    )
  )[0];

test("a record holding the NHS Number but another date of birth is not shown: refused and audited", async () => {
  // The real owner of the number (born 1938) signs in; the local record with the slipped number says 1961.
  const owner = await signIn({ sub: "number-owner", nhsNumber: slip.nhsNumber, level: "P9" });
  const home = await page("/citizen", owner);
  assert.equal(home.statusCode, 404);
  assert.match(home.body, /OnePlace holds no record for you/);
  assert.doesNotMatch(home.body, /Tilly|Typo/);
  const row = await lastCitizenRow();
  assert.equal(row.allowed, false);
  assert.match(row.reason, /NHS Number and the date of birth/);
  // The person the record is really about, with the date of birth it holds, sees it.
  const holder = await signIn({
    sub: "slip-holder",
    nhsNumber: slip.nhsNumber,
    birthdate: slip.birthDate,
    level: "P9",
  });
  const theirs = await page("/citizen/care-team", holder);
  assert.equal(theirs.statusCode, 200);
  assert.match(theirs.body, /Tilly/);
});

test("two unmerged records with the same NHS Number and date of birth: nothing shown, contact the practice, audited", async () => {
  const citizen = await signIn({
    sub: "dora",
    nhsNumber: twin.nhsNumber,
    birthdate: twin.birthDate,
    level: "P9",
  });
  const home = await page("/citizen", citizen);
  assert.equal(home.statusCode, 409);
  assert.match(home.body, /Contact your GP practice/);
  assert.doesNotMatch(home.body, /Dora|Double/);
  const row = await lastCitizenRow();
  assert.equal(row.allowed, false);
  assert.match(row.reason, /2 records/);
  assert.deepEqual(row.person_ids, []);
});

test("NHS login gives no date of birth: no record, and the refusal audited", async () => {
  const citizen = await signIn({ sub: "no-dob", nhsNumber: me.nhsNumber, birthdate: "", level: "P9" });
  const home = await page("/citizen", citizen);
  assert.equal(home.statusCode, 403);
  assert.doesNotMatch(home.body, /Staying in my own home/);
  assert.match((await lastCitizenRow()).reason, /no date of birth/);
});

test("the callback's iss is checked (RFC 9207): another provider's is refused and audited, this one's accepted", async () => {
  const login = { sub: "iss-check", nhsNumber: me.nhsNumber, level: "P9" } as const;
  const mixedUp = await callbackFor(login, `&iss=${encodeURIComponent("https://other-provider.example")}`);
  assert.equal(mixedUp.statusCode, 401);
  assert.match(mixedUp.body, /issuer is not this identity provider/);
  assert.equal(cookieOf(mixedUp.headers["set-cookie"], "__Host-oneplace_citizen"), null);
  const [refused] = await t.db.query<{ reason: string }>(
    "SELECT reason FROM audit_event WHERE action = 'login' AND NOT allowed ORDER BY seq DESC LIMIT 1",
  );
  assert.match(refused.reason, /citizen sign-in: the callback's issuer is not this identity provider/);
  const citizen = await signIn(login, `&iss=${encodeURIComponent(idp.issuer)}`);
  assert.equal((await page("/citizen", citizen)).statusCode, 200);
});

test("a citizen session reaches no staff route, and a staff session no citizen page", async () => {
  const citizen = await signIn({ sub: "edith-6", nhsNumber: me.nhsNumber, level: "P9" });
  for (const url of ["/", `/people/${me.personId}`, `/people/${me.personId}/care-plan`, "/find"]) {
    const staffPage = await page(url, citizen);
    assert.equal(staffPage.statusCode, 303, url);
    assert.match(String(staffPage.headers.location), /^\/login/);
  }
  const api = await app.inject({
    method: "GET",
    url: `/api/people/${me.personId}`,
    headers: { cookie: citizen.cookie },
  });
  assert.equal(api.statusCode, 401);
  // The citizen's token under the staff cookie's name is no staff session either.
  const token = citizen.cookie.split("=")[1];
  const disguised = await app.inject({
    method: "GET",
    url: `/api/people/${me.personId}`,
    headers: { cookie: `__Host-oneplace_session=${token}` },
  });
  assert.equal(disguised.statusCode, 401);
  const staff = await page("/citizen", { cookie: gpSession.cookie });
  assert.equal(staff.statusCode, 303);
  assert.equal(staff.headers.location, "/citizen/sign-in");
  const staffPost = await app.inject({
    method: "POST",
    url: "/citizen/sharing",
    headers: { cookie: gpSession.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: `choice=object&_csrf=${gpSession.csrf}`,
  });
  assert.equal(staffPost.statusCode, 401);
});

test("a sign-in that did not start in this browser is refused with the reason, and audited", async () => {
  idp.next = { sub: "edith-7", nhsNumber: me.nhsNumber, level: "P9" };
  const start = await app.inject({ method: "GET", url: "/citizen/sign-in/start" });
  const authorize = await fetch(String(start.headers.location), { redirect: "manual" });
  const back = new URL(String(authorize.headers.get("location")));
  const callback = await app.inject({ method: "GET", url: `/citizen/sign-in/callback${back.search}` });
  assert.equal(callback.statusCode, 401);
  assert.match(callback.body, /did not start in this browser/);
  assert.equal(cookieOf(callback.headers["set-cookie"], "__Host-oneplace_citizen"), null);
  const [row] = await t.db.query<{ reason: string }>(
    "SELECT reason FROM audit_event WHERE action = 'login' AND NOT allowed ORDER BY seq DESC LIMIT 1",
  );
  assert.match(row.reason, /citizen sign-in: the sign-in did not start in this browser/);
});

test("a new sign-in in the same browser ends the session the browser held before", async () => {
  const first = await signIn({ sub: "shared-pc-1", nhsNumber: me.nhsNumber, level: "P9" });
  assert.equal((await page("/citizen", first)).statusCode, 200);
  const second = await signIn(
    { sub: "shared-pc-2", nhsNumber: slip.nhsNumber, birthdate: slip.birthDate, level: "P9" },
    "",
    first.cookie,
  );
  const old = await page("/citizen", first);
  assert.equal(old.statusCode, 303, "the earlier session is gone");
  assert.equal(old.headers.location, "/citizen/sign-in");
  assert.equal((await page("/citizen", second)).statusCode, 200);
  const [ended] = await t.db.query<{ reason: string; actor: string }>(
    "SELECT reason, actor FROM audit_event WHERE action = 'logout' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(ended.actor, citizenActor(idp.issuer, "shared-pc-1"));
  assert.match(ended.reason, /ended by a new sign-in/);
});

test("a citizen key file left set without an issuer does not stop the server: it is not read", () => {
  const config = authConfigFromEnv({
    ONEPLACE_CITIZEN_OIDC_PRIVATE_KEY_FILE: "/nonexistent/citizen-key.pem",
  });
  assert.equal(config.citizenOidc, null);
});

test("the provider unreachable at the callback: a fixed reason on the page, audited; citizens have their own sign-in limit", async () => {
  // The sign-in starts here; the callback reaches a server (just restarted, say) that cannot reach the provider.
  const unreachable = await createWebServer({
    db: t.db,
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    placeName: "Test",
    auth: idp.authConfig(REDIRECT, {
      ONEPLACE_CITIZEN_OIDC_ISSUER: "http://127.0.0.1:9",
      ONEPLACE_LOGIN_RATE_LIMIT: "3",
    }),
    admissionNotifier: false,
  });
  try {
    // Staff sign-in attempts use up staff's limit, not the citizens'.
    for (let i = 0; i < 3; i++) {
      const staff = await unreachable.inject({
        method: "POST",
        url: "/login",
        payload: { username: "nobody", password: "wrong-password", _csrf: "x" },
      });
      assert.notEqual(staff.statusCode, 429);
    }
    idp.next = { sub: "unreachable", nhsNumber: me.nhsNumber, birthdate: me.birthDate, level: "P9" };
    const start = await app.inject({ method: "GET", url: "/citizen/sign-in/start" });
    const state = cookieOf(start.headers["set-cookie"], "__Host-oneplace_citizen_oidc") as string;
    const back = new URL(
      String((await fetch(String(start.headers.location), { redirect: "manual" })).headers.get("location")),
    );
    const callback = await unreachable.inject({
      method: "GET",
      url: `/citizen/sign-in/callback${back.search}`,
      headers: { cookie: state, accept: "text/html" },
    });
    assert.equal(callback.statusCode, 401, callback.body);
    assert.match(callback.body, /the identity provider could not be reached/);
    assert.doesNotMatch(callback.body, /discovery|127\.0\.0\.1|ECONNREFUSED|fetch failed/);
    const [refused] = await t.db.query<{ reason: string }>(
      "SELECT reason FROM audit_event WHERE action = 'login' AND NOT allowed ORDER BY seq DESC LIMIT 1",
    );
    assert.equal(refused.reason, "citizen sign-in: the identity provider could not be reached");
    // The citizens' limit (3 a minute here) is their own: two more starts pass it, the next is refused.
    for (let i = 0; i < 2; i++) {
      const again = await unreachable.inject({ method: "GET", url: "/citizen/sign-in/start" });
      assert.equal(again.statusCode, 502, "not limited by staff's attempts");
    }
    const limited = await unreachable.inject({ method: "GET", url: "/citizen/sign-in/start" });
    assert.equal(limited.statusCode, 429);
  } finally {
    await unreachable.close();
  }
});

test("signing out ends the citizen session", async () => {
  const citizen = await signIn({ sub: "edith-8", nhsNumber: me.nhsNumber, level: "P9" });
  const out = await postForm("/citizen/sign-out", citizen, { _csrf: citizen.csrf });
  assert.equal(out.statusCode, 303);
  const landed = await app.inject({
    method: "GET",
    url: String(out.headers.location),
    headers: { accept: "text/html" },
  });
  assert.equal(landed.statusCode, 200, landed.body);
  assert.match(landed.body, /You have signed out/);
  const after = await page("/citizen", citizen);
  assert.equal(after.statusCode, 303);
  assert.equal(after.headers.location, "/citizen/sign-in");
  const signInPage = await app.inject({
    method: "GET",
    url: "/citizen/sign-in",
    headers: { accept: "text/html" },
  });
  assert.match(signInPage.body, /Continue to NHS login/);
});

test("with a public address configured, a citizen's form is accepted only from its origin, whatever the Host header says", async () => {
  const configured = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Test",
    auth: idp.authConfig(REDIRECT),
    admissionNotifier: false,
    settings: readSettings({ ...process.env, ONEPLACE_PUBLIC_URL: "https://care.example.nhs.uk" }),
  });
  try {
    const citizen = await signIn({ sub: "edith-origin", nhsNumber: me.nhsNumber, level: "P9" });
    const signOut = (headers: Record<string, string>) =>
      configured.inject({
        method: "POST",
        url: "/citizen/sign-out",
        headers: {
          cookie: citizen.cookie,
          "content-type": "application/x-www-form-urlencoded",
          ...headers,
        },
        payload: new URLSearchParams({ _csrf: citizen.csrf }).toString(),
      });
    // A proxy that sets Host to match the forged Origin does not make it this site.
    const forged = await signOut({ origin: "https://evil.example", host: "evil.example" });
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /another site/);
    assert.equal((await page("/citizen", citizen)).statusCode, 200, "still signed in");
    const ours = await signOut({ origin: "https://care.example.nhs.uk", host: "10.1.2.3:3000" });
    assert.equal(ours.statusCode, 303, ours.body);
    assert.equal((await page("/citizen", citizen)).statusCode, 303, "signed out");
  } finally {
    await configured.close();
  }
});

test("an NHS Number that fails its check digit is refused at sign-in; P0 without a number gets the plain page", async () => {
  idp.next = { sub: "bad-number", nhsNumber: "1234567890", level: "P9", nhsNumberInIdToken: true };
  const start = await app.inject({ method: "GET", url: "/citizen/sign-in/start" });
  const state = cookieOf(start.headers["set-cookie"], "__Host-oneplace_citizen_oidc") as string;
  const authorize = await fetch(String(start.headers.location), { redirect: "manual" });
  const back = new URL(String(authorize.headers.get("location")));
  const refused = await app.inject({
    method: "GET",
    url: `/citizen/sign-in/callback${back.search}`,
    headers: { cookie: state, accept: "text/html" },
  });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.body, /the NHS Number it gave is not valid/);
  assert.equal(cookieOf(refused.headers["set-cookie"], "__Host-oneplace_citizen"), null);

  const low = await signIn({ sub: "p0-account", level: "P0" });
  const home = await page("/citizen", low);
  assert.match(home.body, /NHS login has not checked your identity/);
  assert.equal((await page("/citizen/record-access", low)).statusCode, 200, "the plain page, not the record");
});

test("with a private key the client authenticates to the provider with private_key_jwt (RS512), as NHS login requires", async () => {
  const keyed = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Test",
    auth: idp.authConfig(REDIRECT, {}, { privateKey: true }),
    admissionNotifier: false,
  });
  try {
    idp.next = { sub: "edith-key", nhsNumber: me.nhsNumber, level: "P9" };
    const start = await keyed.inject({ method: "GET", url: "/citizen/sign-in/start" });
    const state = cookieOf(start.headers["set-cookie"], "__Host-oneplace_citizen_oidc") as string;
    const authorize = await fetch(String(start.headers.location), { redirect: "manual" });
    const back = new URL(String(authorize.headers.get("location")));
    const callback = await keyed.inject({
      method: "GET",
      url: `/citizen/sign-in/callback${back.search}`,
      headers: { cookie: state },
    });
    assert.equal(callback.statusCode, 303, callback.body);
    assert.equal(idp.clientAuthentications.at(-1), "private_key_jwt RS512");
  } finally {
    await keyed.close();
    idp.authConfig(REDIRECT); // the other tests' server authenticates with its secret again
  }
});

test("the server's log lines carry no name, NHS Number, date of birth or postcode of the citizen", () => {
  assert.ok(logLines.length > 20, "requests were logged");
  const text = logLines.join("\n");
  for (const identifier of identifiersOf(me))
    assert.ok(!text.includes(identifier), `the log names ${identifier}`);
});

const staffPost = (url: string, form: Record<string, string>) =>
  app.inject({
    method: "POST",
    url,
    headers: { ...gpSession.page, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ ...form, _csrf: gpSession.csrf }).toString(),
  });

test("what matters to me: the person adds it, the lead professional sees 'Added by the person on …' and takes it into the next plan version; the person sees its status", async () => {
  const citizen = await signIn({ sub: "edith-words", nhsNumber: me.nhsNumber, level: "P9" });
  const form = await page("/citizen/what-matters", citizen);
  assert.equal(form.statusCode, 200, form.body);
  assert.match(
    form.body,
    /<form method="post" action="\/citizen\/what-matters"/,
    "a plain form: no script needed",
  );
  const sent = await postForm("/citizen/what-matters", citizen, {
    _csrf: citizen.csrf,
    kind: "what-matters",
    body: "  Getting to church on Sundays with my neighbour  ",
  });
  assert.equal(sent.statusCode, 303, sent.body);
  assert.equal(sent.headers.location, "/citizen/what-matters?done=added");
  const [stored] = await t.db.query<{ body: string; submitted_by: string; status: string }>(
    "SELECT body, submitted_by, status FROM citizen_contribution WHERE person_id = $1",
    [me.personId],
  );
  assert.equal(
    stored.body,
    "Getting to church on Sundays with my neighbour",
    "trimmed, the person's own words",
  );
  assert.match(stored.submitted_by, /^citizen:/, "saved as the citizen's own, not against a staff user");
  assert.equal(stored.status, "waiting");
  const [audit] = await t.db.query<{ action: string; detail: string; relationship: string }>(
    `SELECT action, detail, relationship FROM audit_event WHERE role_code = 'citizen' AND $1 = ANY(person_ids)
      ORDER BY seq DESC LIMIT 1`,
    [me.personId],
  );
  assert.equal(audit.action, "change");
  assert.equal(audit.relationship, "self");
  assert.match(audit.detail, /POST \/citizen\/what-matters; added to my care plan: what-matters/);
  const waiting = await page("/citizen/what-matters?done=added", citizen);
  assert.match(waiting.body, /Your lead professional will read what you added/);
  assert.match(waiting.body, /Getting to church on Sundays/);
  assert.match(waiting.body, /Waiting/);

  // The lead professional's Care plan tab.
  const tab = await app.inject({
    method: "GET",
    url: `/people/${me.personId}/care-plan`,
    headers: gpSession.page,
  });
  assert.equal(tab.statusCode, 200);
  assert.match(tab.body, /Added by the person on \d{1,2} [A-Z][a-z]+ \d{4}/);
  assert.match(tab.body, /Getting to church on Sundays with my neighbour/);
  const action = /action="(\/people\/[^"]+\/care-plan\/contributions\/[^"]+)"/.exec(tab.body)?.[1] ?? "";
  const planId = /name="planId" value="([^"]+)"/.exec(tab.body)?.[1] ?? "";
  const baseVersion = /name="baseVersion" value="([^"]+)"/.exec(tab.body)?.[1] ?? "";
  assert.ok(action && planId && baseVersion);
  // A version moved on since the page was opened: a conflict, nothing taken.
  const stale = await staffPost(action, {
    decision: "take",
    planId,
    baseVersion: String(Number(baseVersion) - 1),
  });
  assert.equal(stale.statusCode, 409, stale.body);
  assert.equal(
    (
      await t.db.query("SELECT 1 FROM citizen_contribution WHERE person_id = $1 AND status = 'waiting'", [
        me.personId,
      ])
    ).length,
    1,
  );
  const took = await staffPost(action, { decision: "take", planId, baseVersion });
  assert.equal(took.statusCode, 303, took.body);
  const [version] = await t.db.query<{
    version: number;
    what: string;
    status: string;
    saved_by_user_id: string;
  }>(
    `SELECT version, content->>'whatMattersToMe' AS what, status, saved_by_user_id FROM care_plan_version
      WHERE person_id = $1 ORDER BY version DESC LIMIT 1`,
    [me.personId],
  );
  assert.equal(version.version, Number(baseVersion) + 1);
  assert.equal(
    version.what,
    "Staying in my own home with my cat\n\nGetting to church on Sundays with my neighbour",
  );
  assert.equal(version.status, "draft", "the next version is a draft for the lead to agree with the person");
  const [taken] = await t.db.query<{ status: string; plan_version: number }>(
    "SELECT status, plan_version FROM citizen_contribution WHERE person_id = $1",
    [me.personId],
  );
  assert.deepEqual(taken, { status: "taken", plan_version: version.version });
  const [change] = await t.db.query<{ action: string; role_code: string }>(
    "SELECT action, role_code FROM audit_event WHERE $1 = ANY(person_ids) AND role_code = 'gp' ORDER BY seq DESC LIMIT 1",
    [me.personId],
  );
  assert.equal(change.action, "change");
  const again = await staffPost(action, { decision: "take", planId, baseVersion: String(version.version) });
  assert.equal(again.statusCode, 409, "taken once only");
  const after = await page("/citizen/what-matters", citizen);
  assert.match(after.body, /Added to your plan/);
  assert.match(after.body, /Your care team added this to your care plan on/);
  // Put the plan back as agreed, for the tests that read it.
  await gpReader.signOffCarePlan(me.personId, planId, version.version);
});

test("adding to my plan: nothing written, too long, or no choice is refused with what to do, and nothing is stored", async () => {
  const citizen = await signIn({ sub: "edith-words-2", nhsNumber: me.nhsNumber, level: "P9" });
  const count = async () =>
    (await t.db.query("SELECT 1 FROM citizen_contribution WHERE person_id = $1", [me.personId])).length;
  const before = await count();
  const empty = await postForm("/citizen/what-matters", citizen, {
    _csrf: citizen.csrf,
    kind: "goal",
    body: "   ",
  });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /There is a problem/);
  assert.match(empty.body, /Write what you would like to add/);
  assert.match(empty.body, /href="#contribution-body"/);
  const long = "a".repeat(2_001);
  const tooLong = await postForm("/citizen/what-matters", citizen, {
    _csrf: citizen.csrf,
    kind: "goal",
    body: long,
  });
  assert.equal(tooLong.statusCode, 400);
  assert.match(tooLong.body, /2001 characters long; the most is 2000/);
  assert.match(tooLong.body, new RegExp(`>${long}</textarea>`), "what the person wrote is kept in the form");
  const noKind = await postForm("/citizen/what-matters", citizen, {
    _csrf: citizen.csrf,
    body: "To walk to the shops",
  });
  assert.equal(noKind.statusCode, 400);
  assert.match(noKind.body, /Choose what you are adding/);
  assert.match(noKind.body, /href="#contribution-kind"/);
  const noToken = await app.inject({
    method: "POST",
    url: "/citizen/what-matters",
    headers: { cookie: citizen.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: "kind=goal&body=x&_csrf=wrong",
  });
  assert.equal(noToken.statusCode, 403);
  assert.equal(await count(), before, "nothing stored");
});

test("the lead professional closes what the person added with a reason; the person reads it; a close needs a reason", async () => {
  const citizen = await signIn({ sub: "edith-words-3", nhsNumber: me.nhsNumber, level: "P9" });
  await postForm("/citizen/what-matters", citizen, {
    _csrf: citizen.csrf,
    kind: "preference",
    body: "Visits after ten",
  });
  const [c] = await t.db.query<{ contribution_id: string }>(
    "SELECT contribution_id FROM citizen_contribution WHERE person_id = $1 AND status = 'waiting'",
    [me.personId],
  );
  const url = `/people/${me.personId}/care-plan/contributions/${c.contribution_id}`;
  const noReason = await staffPost(url, { decision: "close", reason: " " });
  assert.equal(noReason.statusCode, 400);
  assert.match(noReason.body, /Say why this is not going into the plan/);
  const closed = await staffPost(url, { decision: "close", reason: "We changed the visit times with you" });
  assert.equal(closed.statusCode, 303, closed.body);
  const mine = await page("/citizen/what-matters", citizen);
  assert.match(mine.body, /Not added/);
  assert.match(mine.body, /They said: We changed the visit times with you/);
  // Another person's staff page shows nothing of Edith's words.
  const otto = await app.inject({
    method: "GET",
    url: `/people/${other.personId}/care-plan`,
    headers: gpSession.page,
  });
  assert.doesNotMatch(otto.body, /Visits after ten|Getting to church/);
});
