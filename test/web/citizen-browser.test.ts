// The citizen's journey in a real browser (Playwright driving Chromium), without JavaScript tricks: sign in
// through the NHS-login-shaped provider in this process, see my care plan and who leads it (and nobody else's), see who has looked
// at my record (a social worker's read, by role and organisation), and record an objection to sharing. axe-core
// checks every page visited; the journey is also checked at a phone's width.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createReader, type ReaderIdentity } from "../../src/governance/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { type CitizenIdp, startCitizenIdp } from "../governance/citizen-idp.ts";
import {
  addToCareTeam,
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
} from "../governance/fixtures.ts";
import { freePort } from "../helpers/free-port.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { assertAxeClean, launchBrowser, browserSkip as skip } from "./harness.ts";

const me = makePerson({ givenName: "Iris", familyName: "Journey" });
// Walter's daughter Rose acts for him (his consent); Vera is cared for by someone else.
const walter = makePerson({ givenName: "Walter", familyName: "Proxied", birthDate: "1933-03-03" });
const rose = makePerson({ givenName: "Rose", familyName: "Daughter", birthDate: "1965-06-06" });
const vera = makePerson({ givenName: "Vera", familyName: "Neighbour", birthDate: "1937-07-07" });
let idp: CitizenIdp;
let t: TestDb;
let app: Awaited<ReturnType<typeof createWebServer>>;
let base = "";
let browser: Browser;
let veraGrant = "";

before(async () => {
  if (skip) return;
  idp = await startCitizenIdp();
  t = await openTestDb();
  await insertOrganisations(t.db);
  const teams = await createTeams(t.db);
  await insertPerson(t.db, me);
  await register(t.db, me.personId, ORGS.practice);
  await addToCareTeam(t.db, me.personId, teams.socialCare);
  const gpId = await createUserInRole(t.db, "dr.journey", "gp", "practice");
  await createUserInRole(t.db, "sw.journey", "social-worker", "socialCare");
  const reader = async (username: string, role: string, team: "practice" | "socialCare") => {
    const { db: _db, ...identity } = await contextFor(t.db, username, role, team, "direct-care");
    return createReader(t.db, identity as ReaderIdentity);
  };
  const gp = await reader("dr.journey", "gp", "practice");
  const plan = await gp.startCarePlan(me.personId);
  const edited = await gp.editCarePlan(me.personId, plan.planId, plan.latest.version, {
    whatMattersToMe: "Getting back to my allotment",
    strengths: "",
    needs: "",
    contingency: "Ring the practice if I fall",
    crisis: "Call the rapid response team",
    carer: null,
    endOfLife: "",
    consentToShare: { given: true, recordedOn: "2026-01-05", note: "" },
    lead: { userId: gpId, role: "gp", teamId: teams.practice },
    reviewDueOn: "2030-06-30",
  });
  await gp.signOffCarePlan(me.personId, plan.planId, edited.latest.version);
  await (await reader("sw.journey", "social-worker", "socialCare")).person(me.personId);
  for (const p of [walter, rose, vera]) {
    await insertPerson(t.db, p);
    await register(t.db, p.personId, ORGS.practice);
  }
  const walterPlan = await gp.startCarePlan(walter.personId);
  const walterEdited = await gp.editCarePlan(walter.personId, walterPlan.planId, walterPlan.latest.version, {
    whatMattersToMe: "WALTER-ONLY pigeons",
    strengths: "",
    needs: "",
    contingency: "",
    crisis: "",
    carer: null,
    endOfLife: "",
    consentToShare: { given: true, recordedOn: "2026-01-05", note: "" },
    lead: { userId: gpId, role: "gp", teamId: teams.practice },
    reviewDueOn: "2030-06-30",
  });
  await gp.signOffCarePlan(walter.personId, walterPlan.planId, walterEdited.latest.version);
  const grant = {
    relationship: "daughter",
    basis: "consent",
    startsOn: "2026-01-01",
    reviewOn: "2028-06-01",
  };
  await gp.recordCitizenProxy(walter.personId, {
    ...grant,
    proxyNhsNumber: rose.nhsNumber,
    proxyBirthDate: rose.birthDate,
    proxyName: "Rose Daughter",
  });
  veraGrant = (
    await gp.recordCitizenProxy(vera.personId, {
      ...grant,
      proxyNhsNumber: me.nhsNumber,
      proxyBirthDate: me.birthDate,
      proxyName: "Iris Journey",
    })
  ).proxyId;

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Browser",
    auth: idp.authConfig(`${base}/citizen/sign-in/callback`, { ONEPLACE_COOKIE_SECURE: "false" }),
    admissionNotifier: false,
    hsts: false,
  });
  await app.listen({ host: "127.0.0.1", port });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
  await t?.dispose();
  await idp?.close();
});

test("sign in through the test NHS login, see my plan, who looked at my record, and record an objection", {
  skip,
}, async () => {
  idp.next = { sub: "iris-journey", nhsNumber: me.nhsNumber, birthdate: me.birthDate, level: "P9" };
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled: true });
  const page = await context.newPage();
  await page.goto(`${base}/citizen`);
  assert.equal(new URL(page.url()).pathname, "/citizen/sign-in");
  await assertAxeClean(page);

  await page.getByRole("button", { name: "Continue to NHS login" }).click();
  await page.waitForURL(`${base}/citizen`);
  assert.equal(await page.title(), "My care plan – Your care record – OnePlace");
  const plan = (await page.locator("main").textContent()) ?? "";
  assert.match(plan, /Getting back to my allotment/);
  assert.match(plan, /dr\.journey/);
  assert.match(plan, /Call the rapid response team/);
  assert.doesNotMatch(plan, /WALTER-ONLY/);
  await assertAxeClean(page);

  // Nobody else's record: no citizen page takes a person, and a staff page sends the browser to staff sign-in.
  const asked = await page.goto(`${base}/citizen?personId=${walter.personId}`);
  assert.equal(asked?.status(), 400);
  assert.doesNotMatch((await page.content()) ?? "", /WALTER-ONLY/);
  await page.goto(`${base}/people/${walter.personId}/care-plan`);
  assert.equal(new URL(page.url()).pathname, "/login");
  assert.doesNotMatch((await page.content()) ?? "", /WALTER-ONLY|Walter/);
  await page.goto(`${base}/citizen`);

  await page.getByRole("link", { name: "Who has looked at my record" }).click();
  await page.waitForURL(`${base}/citizen/record-access`);
  const access = (await page.locator("main").textContent()) ?? "";
  assert.match(access, /Social worker/);
  assert.doesNotMatch(access, /sw\.journey/);
  await assertAxeClean(page);

  await page.getByRole("link", { name: "Sharing my record" }).click();
  await page.waitForURL(`${base}/citizen/sharing`);
  await assertAxeClean(page);
  await page.getByRole("button", { name: "Object to sharing my record" }).click();
  await page.waitForURL(`${base}/citizen/sharing?done=recorded`);
  assert.match((await page.locator("main").textContent()) ?? "", /Your objection is recorded/);
  await assertAxeClean(page);
  const held = await t.db.query(
    "SELECT 1 FROM sharing_objection WHERE person_id = $1 AND withdrawn_on IS NULL",
    [me.personId],
  );
  assert.equal(held.length, 1);

  // On a phone's width the plan reads the same, and stays clean.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${base}/citizen`);
  assert.match((await page.locator("main").textContent()) ?? "", /Getting back to my allotment/);
  await assertAxeClean(page);
  await context.close();
});

/**
 * axe runs as script, and this journey runs without it: the page as the carer sees it is checked again in a
 * script-enabled page that shares the sign-in, at the same address (so the styles apply) with the same markup.
 */
async function assertAxeCleanAsShown(context: BrowserContext, page: Page): Promise<void> {
  const checker = await browser.newContext({ storageState: await context.storageState() });
  try {
    const copy = await checker.newPage();
    await copy.goto(page.url());
    await copy.setContent(await page.content());
    await assertAxeClean(copy);
  } finally {
    await checker.close();
  }
}

test("a carer signs in, chooses the person they act for, sees their plan, adds what matters, and cannot reach anyone else's; without JavaScript", {
  skip,
}, async () => {
  idp.next = { sub: "rose-journey", nhsNumber: rose.nhsNumber, birthdate: rose.birthDate, level: "P9" };
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/citizen/sign-in`);
  await page.getByRole("button", { name: "Continue to NHS login" }).click();
  await page.waitForURL(`${base}/citizen`);
  await page.getByRole("link", { name: "Look at the record of someone you care for" }).click();
  await page.waitForURL(`${base}/citizen/people`);
  const choices = (await page.locator("main").textContent()) ?? "";
  assert.match(choices, /Walter Proxied/);
  assert.doesNotMatch(choices, /Vera/);
  await assertAxeCleanAsShown(context, page);
  await page.getByLabel("Walter Proxied").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${base}/citizen`);
  const plan = (await page.locator("main").textContent()) ?? "";
  assert.match(plan, /WALTER-ONLY pigeons/);
  assert.match(
    (await page.locator("body").textContent()) ?? "",
    /You are looking at Walter Proxied's record/,
  );
  assert.equal(await page.getByRole("link", { name: "Who has looked at my record" }).count(), 0);
  await assertAxeCleanAsShown(context, page);

  await page.getByRole("link", { name: "Add to my care plan" }).click();
  await page.waitForURL(`${base}/citizen/what-matters`);
  await assertAxeCleanAsShown(context, page);
  await page.getByRole("button", { name: "Send to my care team" }).click();
  assert.match((await page.locator("main").textContent()) ?? "", /Choose what you are adding/);
  await assertAxeCleanAsShown(context, page);
  await page.getByLabel("What matters to me").check();
  await page.getByLabel("In your own words").fill("Dad wants to keep his pigeons");
  await page.getByRole("button", { name: "Send to my care team" }).click();
  await page.waitForURL(`${base}/citizen/what-matters?done=added`);
  assert.match((await page.locator("main").textContent()) ?? "", /added on .* by your carer/);
  await assertAxeCleanAsShown(context, page);
  const [added] = await t.db.query<{ person_id: string; proxy_id: string | null }>(
    "SELECT person_id, proxy_id FROM citizen_contribution WHERE body = 'Dad wants to keep his pigeons'",
  );
  assert.equal(added.person_id, walter.personId);
  assert.ok(added.proxy_id);

  // Someone else's grant, sent as the choice: refused, in the citizen layout, nothing of Vera's shown.
  const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute("value")) ?? "";
  const refused = await context.request.post(`${base}/citizen/people`, {
    form: { _csrf: csrf, choice: veraGrant },
    headers: { accept: "text/html", origin: base },
  });
  assert.equal(refused.status(), 403);
  assert.doesNotMatch(await refused.text(), /Vera/);
  const record = await context.request.get(`${base}/citizen/record-access`, {
    headers: { accept: "text/html" },
  });
  assert.equal(record.status(), 403, "consent does not cover who has looked");
  await page.goto(`${base}/citizen/record-access`);
  assert.match((await page.locator("main").textContent()) ?? "", /does not let you see or do this/);
  await assertAxeCleanAsShown(context, page);
  await context.close();
});
