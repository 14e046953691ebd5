// Proxy access in the citizen's view over HTTP: staff in a direct-care role with a relationship record that
// a citizen (by their own NHS Number) may act for a person, on a basis, from a start to a review date; the
// proxy, signed in through an NHS-login-shaped provider (test/governance/citizen-idp.ts), chooses whose
// record on /citizen/people, sees only what the basis allows, every read audited as a proxy read, and the
// person sees "your carer … looked". A grant id that is not the proxy's is refused; revoking takes effect on
// the next request.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { createReader, type GovernedReader, type ReaderIdentity } from "../../src/governance/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { type CitizenIdp, type CitizenLogin, startCitizenIdp } from "../governance/citizen-idp.ts";
import {
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { CITIZEN_REDIRECT, citizenCallback, cookieOf } from "./citizen-sign-in.ts";
import { sessionFor, type TestSession } from "./session.ts";

const REDIRECT = CITIZEN_REDIRECT;
const arthur = makePerson({ givenName: "Arthur", familyName: "Cared", birthDate: "1936-05-01" });
const jo = makePerson({ givenName: "Jo", familyName: "Carer", birthDate: "1968-09-12" });
const nell = makePerson({ givenName: "Nell", familyName: "Elsewhere", birthDate: "1940-01-01" });

let idp: CitizenIdp;
let t: TestDb;
let app: Awaited<ReturnType<typeof createWebServer>>;
let gp: TestSession;
let gpReader: GovernedReader;
let nellProxyId: string;

before(async () => {
  idp = await startCitizenIdp();
  t = await openTestDb();
  await insertOrganisations(t.db);
  const teams = await createTeams(t.db);
  for (const p of [arthur, jo, nell]) {
    await insertPerson(t.db, p);
    await register(t.db, p.personId, ORGS.practice);
  }
  const gpUserId = await createUserInRole(t.db, "dr.proxy", "gp", "practice");
  const { db: _db, ...identity } = await contextFor(t.db, "dr.proxy", "gp", "practice", "direct-care");
  gpReader = createReader(t.db, identity as ReaderIdentity);
  const plan = await gpReader.startCarePlan(arthur.personId);
  await gpReader.editCarePlan(arthur.personId, plan.planId, plan.latest.version, {
    whatMattersToMe: "ARTHUR-ONLY my allotment",
    strengths: "",
    needs: "",
    contingency: "",
    crisis: "",
    carer: null,
    endOfLife: "",
    consentToShare: { given: true, recordedOn: "2026-01-05", note: "" },
    lead: { userId: gpUserId, role: "gp", teamId: teams.practice },
    reviewDueOn: "2030-06-30",
  });
  const latest = (await gpReader.personCarePlans(arthur.personId)).plans[0];
  await gpReader.signOffCarePlan(arthur.personId, plan.planId, latest.latest.version);
  // Someone else Jo does not care for, with another carer's grant.
  nellProxyId = (
    await gpReader.recordCitizenProxy(nell.personId, {
      proxyNhsNumber: arthur.nhsNumber,
      proxyBirthDate: arthur.birthDate,
      proxyName: "Arthur Cared",
      relationship: "friend",
      basis: "consent",
      startsOn: "2026-01-01",
      reviewOn: "2028-01-01",
    })
  ).proxyId;
  gp = await sessionFor(t.db, gpUserId);
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
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

async function signIn(login: CitizenLogin & { birthdate: string }) {
  const callback = await citizenCallback(app, idp, login);
  assert.equal(callback.statusCode, 303, callback.body);
  const cookie = cookieOf(callback.headers["set-cookie"], "__Host-oneplace_citizen") ?? "";
  const people = await page("/citizen/people", { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(people.body)?.[1] ?? "";
  return { cookie, csrf, people };
}

const page = (url: string, who: { cookie: string }) =>
  app.inject({ method: "GET", url, headers: { cookie: who.cookie, accept: "text/html" } });
const post = (url: string, headers: Record<string, string>, form: Record<string, string>) =>
  app.inject({
    method: "POST",
    url,
    headers: { ...headers, accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });

const grantForm = (overrides: Record<string, string> = {}) => ({
  _csrf: gp.csrf,
  proxyNhsNumber: jo.nhsNumber,
  birthDay: jo.birthDate.slice(8, 10),
  birthMonth: jo.birthDate.slice(5, 7),
  birthYear: jo.birthDate.slice(0, 4),
  proxyName: "Jo Carer",
  relationship: "daughter",
  basis: "consent",
  startDay: "1",
  startMonth: "1",
  startYear: "2026",
  reviewDay: "1",
  reviewMonth: "1",
  reviewYear: "2028",
  ...overrides,
});

test("staff record proxy access on the Care plan tab: audited as a change; bad input refused with what to do, nothing stored", async () => {
  const url = `/people/${arthur.personId}/care-plan/proxies`;
  const bad = await post(url, gp.page, grantForm({ proxyNhsNumber: "1234567890" }));
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /The carer&#39;s NHS Number is not valid/);
  const self = await post(url, gp.page, grantForm({ proxyNhsNumber: arthur.nhsNumber }));
  assert.equal(self.statusCode, 400);
  assert.match(self.body, /That is the person&#39;s own NHS Number/);
  const late = await post(url, gp.page, grantForm({ reviewYear: "2035" }));
  assert.equal(late.statusCode, 400);
  assert.match(late.body, /Review proxy access within 3 years/);
  const noBirth = await post(url, gp.page, grantForm({ birthDay: "", birthMonth: "", birthYear: "" }));
  assert.equal(noBirth.statusCode, 400);
  assert.match(noBirth.body, /Enter the carer&#39;s date of birth/);
  const parent = await post(url, gp.page, grantForm({ basis: "parent" }));
  assert.equal(parent.statusCode, 400);
  assert.match(parent.body, /for a child under 16/);
  const none = await t.db.query("SELECT 1 FROM citizen_proxy WHERE person_id = $1", [arthur.personId]);
  assert.equal(none.length, 0, "nothing stored");
  const ok = await post(url, gp.page, grantForm());
  assert.equal(ok.statusCode, 303, ok.body);
  const [grant] = await t.db.query<{ basis: string; proxy_nhs_number: string; proxy_birth_date: string }>(
    "SELECT basis, proxy_nhs_number, proxy_birth_date::text AS proxy_birth_date FROM citizen_proxy WHERE person_id = $1",
    [arthur.personId],
  );
  assert.deepEqual(grant, {
    basis: "consent",
    proxy_nhs_number: jo.nhsNumber,
    proxy_birth_date: jo.birthDate,
  });
  const [audit] = await t.db.query<{ action: string; allowed: boolean; role_code: string }>(
    "SELECT action, allowed, role_code FROM audit_event WHERE $1 = ANY(person_ids) ORDER BY seq DESC LIMIT 1",
    [arthur.personId],
  );
  assert.deepEqual(audit, { action: "change", allowed: true, role_code: "gp" });
  const twice = await post(url, gp.page, grantForm());
  assert.equal(twice.statusCode, 409);
  const tab = await page(`/people/${arthur.personId}/care-plan`, gp);
  assert.match(tab.body, /Jo Carer \(daughter\)/);
  assert.match(tab.body, /The person&#39;s consent/);
});

test("a proxy signs in, chooses whose record, sees the plan and only what the basis allows; every read audited as proxy; the person sees 'your carer … looked'", async () => {
  const proxy = await signIn({ sub: "jo-1", nhsNumber: jo.nhsNumber, level: "P9", birthdate: jo.birthDate });
  assert.equal(proxy.people.statusCode, 200);
  assert.match(proxy.people.body, /Arthur Cared/);
  assert.match(proxy.people.body, /My own record/);
  assert.doesNotMatch(proxy.people.body, /Nell/, "only the people this account may act for");
  const proxyId = /name="choice" type="radio" value="([0-9a-f-]{36})"/.exec(proxy.people.body)?.[1] ?? "";
  assert.ok(proxyId);
  const chose = await post(
    "/citizen/people",
    { cookie: proxy.cookie },
    { _csrf: proxy.csrf, choice: proxyId },
  );
  assert.equal(chose.statusCode, 303, chose.body);
  const plan = await page("/citizen", proxy);
  assert.equal(plan.statusCode, 200, plan.body);
  assert.match(plan.body, /ARTHUR-ONLY my allotment/);
  assert.match(plan.body, /You are looking at <strong>Arthur Cared<\/strong>/);
  assert.doesNotMatch(plan.body, /href="\/citizen\/record-access"/, "consent does not cover who has looked");
  const [read] = await t.db.query<{ relationship: string; detail: string; allowed: boolean }>(
    "SELECT relationship, detail, allowed FROM audit_event WHERE $1 = ANY(person_ids) ORDER BY seq DESC LIMIT 1",
    [arthur.personId],
  );
  assert.equal(read.relationship, "proxy");
  assert.equal(read.allowed, true);
  assert.equal(read.detail, `citizen-proxy ${proxyId} GET /citizen`);
  const refused = await page("/citizen/record-access", proxy);
  assert.equal(refused.statusCode, 403);
  assert.match(refused.body, /The person&#39;s consent does not let you see or do this/);
  assert.match(refused.body, /Your care record/, "in the citizen's layout");
  assert.doesNotMatch(refused.body, /Go to your home page/, "not the staff error page");
  // Back to Jo's own record.
  await post("/citizen/people", { cookie: proxy.cookie }, { _csrf: proxy.csrf, choice: "self" });
  assert.doesNotMatch((await page("/citizen", proxy)).body, /ARTHUR-ONLY/);
  // Arthur sees that his carer looked.
  const himself = await signIn({
    sub: "arthur-1",
    nhsNumber: arthur.nhsNumber,
    level: "P9",
    birthdate: arthur.birthDate,
  });
  const looked = await page("/citizen/record-access", himself);
  assert.equal(looked.statusCode, 200);
  assert.match(looked.body, /Your carer Jo Carer \(daughter\), acting for you/);
});

test("a proxy's own identity is their NHS Number and date of birth: an account with the carer's NHS Number but another date of birth is offered nobody", async () => {
  const wrong = await signIn({
    sub: "jo-other",
    nhsNumber: jo.nhsNumber,
    level: "P9",
    birthdate: "1970-01-01",
  });
  assert.doesNotMatch(wrong.people.body, /Arthur Cared/, "the grant names another date of birth");
  const arthurGrant = (
    await t.db.query<{ proxy_id: string }>(
      "SELECT proxy_id::text AS proxy_id FROM citizen_proxy WHERE person_id = $1",
      [arthur.personId],
    )
  )[0].proxy_id;
  const chose = await post(
    "/citizen/people",
    { cookie: wrong.cookie },
    { _csrf: wrong.csrf, choice: arthurGrant },
  );
  assert.equal(chose.statusCode, 403);
  assert.doesNotMatch((await page("/citizen", wrong)).body, /ARTHUR-ONLY/);
});

test("a proxy cannot reach anyone else's record: another grant's id is refused and audited; revoking takes effect at once", async () => {
  const proxy = await signIn({ sub: "jo-2", nhsNumber: jo.nhsNumber, level: "P9", birthdate: jo.birthDate });
  const other = await post(
    "/citizen/people",
    { cookie: proxy.cookie },
    { _csrf: proxy.csrf, choice: nellProxyId },
  );
  assert.equal(other.statusCode, 403);
  assert.match(other.body, /You cannot look at that person&#39;s record/);
  const random = await post(
    "/citizen/people",
    { cookie: proxy.cookie },
    { _csrf: proxy.csrf, choice: randomUUID() },
  );
  assert.equal(random.statusCode, 403);
  const nellReads = await t.db.query(
    "SELECT 1 FROM audit_event WHERE role_code = 'citizen' AND $1 = ANY(person_ids) AND detail NOT LIKE 'citizen-proxy list %'",
    [nell.personId],
  );
  assert.equal(nellReads.length, 0, "nothing of Nell's was read (only her own proxy, Arthur, listed her)");
  const [refusal] = await t.db.query<{ allowed: boolean; reason: string }>(
    "SELECT allowed, reason FROM audit_event WHERE detail LIKE $1 ORDER BY seq DESC LIMIT 1",
    [`citizen-proxy ${nellProxyId} %`],
  );
  assert.equal(refusal.allowed, false);
  assert.match(refusal.reason, /proxy access not in force/);
  // Choose Arthur, then the GP revokes: the next request shows nothing more.
  const proxyId = /name="choice" type="radio" value="([0-9a-f-]{36})"/.exec(proxy.people.body)?.[1] ?? "";
  await post("/citizen/people", { cookie: proxy.cookie }, { _csrf: proxy.csrf, choice: proxyId });
  assert.equal((await page("/citizen", proxy)).statusCode, 200);
  const noReason = await post(`/people/${arthur.personId}/care-plan/proxies/${proxyId}/revoke`, gp.page, {
    _csrf: gp.csrf,
    reason: "",
  });
  assert.equal(noReason.statusCode, 400);
  const revoked = await post(`/people/${arthur.personId}/care-plan/proxies/${proxyId}/revoke`, gp.page, {
    _csrf: gp.csrf,
    reason: "Arthur asked us to stop it",
  });
  assert.equal(revoked.statusCode, 303, revoked.body);
  const after = await page("/citizen", proxy);
  assert.equal(after.statusCode, 403);
  assert.match(after.body, /You can no longer see this person&#39;s record/);
  assert.doesNotMatch(after.body, /ARTHUR-ONLY/);
  const people = await page("/citizen/people", proxy);
  assert.doesNotMatch(people.body, /Arthur Cared/);
});
