// Care coordination in a real browser (Playwright driving Chromium), signed in with the form, every form a plain
// HTML form: a GP starts a joint care plan for a person on their list, assigns themself as the accountable lead
// professional, adds an action for a social worker, and signs it off; the printable plan; the social worker
// finds the action on their worklist and adds one of their own to the plan; a referral to
// reablement is made, accepted by the reablement team from their worklist, and completed with its episode and
// 91-day outcome. axe-core checks every page visited (no violations).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  addToCareTeam,
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
} from "../governance/fixtures.ts";
import { assertAxeClean, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "care plan browser phrase";
const person = makePerson({ familyName: "Planjourney", givenName: "Rose", birthDate: "1930-11-03" });

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  const teams = await createTeams(db);
  await createUserInRole(db, "dr.plan", "gp", "practice", PASSWORD);
  await createUserInRole(db, "sw.plan", "social-worker", "socialCare", PASSWORD);
  await createUserInRole(db, "reab.plan", "reablement-worker", "reablement", PASSWORD);
  await insertPerson(db, person);
  await register(db, person.personId, ORGS.practice);
  await addToCareTeam(db, person.personId, teams.socialCare);
  await admit(db, person.personId, ORGS.acute, "2016-02-01T09:00:00Z", "2016-02-08T15:00:00Z");
});

async function signIn(browser: Browser, username: string, next: string): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signInWithForm(page, web.base, username, PASSWORD, next);
  return page;
}

const planPath = () => `/people/${person.personId}/care-plan`;
const today = new Date();
const [day, month, year] = [today.getDate(), today.getMonth() + 1, today.getFullYear()].map(String);

test("a GP starts a plan, assigns the lead professional, adds an action and signs it off", {
  skip,
}, async () => {
  const page = await signIn(web.browser, "dr.plan", planPath());
  assert.equal(await page.title(), "Rose Planjourney – Care plan – OnePlace");
  await assertAxeClean(page);
  await page.getByRole("button", { name: "Start a care plan" }).click();
  await page.waitForURL(`${web.base}${planPath()}`);
  assert.match((await page.locator("main").textContent()) ?? "", /Not yet signed off/);
  await assertAxeClean(page);

  await page.getByRole("link", { name: /Edit the plan/ }).click();
  assert.match(await page.title(), /Edit care plan/);
  await assertAxeClean(page);
  await page.getByLabel("Lead professional").selectOption({ label: "dr.plan, GP, Riverside practice" });
  await page.getByLabel("Their role as lead").selectOption("gp");
  await page.locator("#review-day").fill("1");
  await page.locator("#review-month").fill("6");
  await page.locator("#review-year").fill(String(today.getFullYear() + 1));
  await page.getByLabel("What matters to me").fill("Staying in my flat near my sister");
  await page.getByLabel("Crisis plan: who to call and what to do").fill("Call the rapid response team");
  await page.getByLabel("Yes", { exact: true }).check();
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.waitForURL(`${web.base}${planPath()}`);

  await page.getByLabel("What will be done").fill("Carer's assessment for her sister");
  await page
    .getByLabel("Who will do it")
    .selectOption({ label: "sw.plan, Social worker, Adult social care" });
  // The tab has other date fields (proxy access): the action's own, by their ids.
  await page.locator("#action-due-day").fill("15");
  await page.locator("#action-due-month").fill("3");
  await page.locator("#action-due-year").fill(String(today.getFullYear() + 1));
  await page.getByRole("button", { name: "Add action" }).click();
  await page.waitForURL(`${web.base}${planPath()}`);
  assert.match((await page.locator("main").textContent()) ?? "", /Carer's assessment for her sister/);

  await page.getByRole("button", { name: "Sign off the plan" }).click();
  await page.waitForURL(`${web.base}${planPath()}`);
  const main = (await page.locator("main").textContent()) ?? "";
  assert.match(main, /Signed off/);
  assert.match(main, /dr\.plan, gp, Riverside/);
  assert.match(main, /History: every change/);
  await assertAxeClean(page);

  await page.getByRole("link", { name: /Printable plan/ }).click();
  assert.equal(await page.title(), "Rose Planjourney – Joint care plan – OnePlace");
  assert.match((await page.locator("main").textContent()) ?? "", /Staying in my flat near my sister/);
  await assertAxeClean(page);
  await page.context().close();
});

test("the social worker finds the action on their worklist and contributes an action of their own to the plan", {
  skip,
}, async () => {
  const page = await signIn(web.browser, "sw.plan", "/care/worklist");
  const main = (await page.locator("main").textContent()) ?? "";
  assert.match(main, /Rose Planjourney/);
  assert.match(main, /Carer's assessment for her sister/);
  await assertAxeClean(page);

  await page.goto(`${web.base}${planPath()}`);
  await page.getByLabel("What will be done").fill("Day centre place on Tuesdays");
  await page
    .getByLabel("Who will do it")
    .selectOption({ label: "sw.plan, Social worker, Adult social care" });
  await page.locator("#action-due-day").fill("1");
  await page.locator("#action-due-month").fill("4");
  await page.locator("#action-due-year").fill(String(today.getFullYear() + 1));
  await page.getByRole("button", { name: "Add action" }).click();
  await page.waitForURL(`${web.base}${planPath()}`);
  const plan = (await page.locator("main").textContent()) ?? "";
  assert.match(plan, /Day centre place on Tuesdays/);
  assert.match(plan, /Carer's assessment for her sister/);
  await assertAxeClean(page);
  await page.context().close();

  // The new version is the social worker's, saved in their team: the plan has a contributor from social care.
  const [latest] = await web.t.db.query<{ author: string; owner: string; status: string }>(
    `SELECT u.username AS author, o.username AS owner, v.status
       FROM care_plan_version v JOIN app_user u ON u.user_id = v.saved_by_user_id,
         jsonb_array_elements(v.content -> 'actions') a JOIN app_user o ON o.user_id::text = a ->> 'ownerUserId'
      WHERE v.person_id = $1 AND v.latest AND a ->> 'description' = 'Day centre place on Tuesdays'`,
    [person.personId],
  );
  assert.deepEqual(latest, { author: "sw.plan", owner: "sw.plan", status: "draft" });
});

test("a referral to reablement is made, accepted and completed with its episode and 91-day outcome", {
  skip,
}, async () => {
  const gp = await signIn(web.browser, "dr.plan", planPath());
  await gp.getByRole("link", { name: /Make a referral/ }).click();
  await assertAxeClean(gp);
  await gp.getByLabel("Joint Reablement Team (JRT)").check();
  await gp.getByLabel("Why are you referring?").fill("Home after a fall; needs help to regain confidence");
  await gp.getByLabel("Urgent").check();
  await gp.getByLabel("The person agreed to the referral").check();
  await gp.getByRole("button", { name: "Send referral" }).click();
  await gp.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
  assert.match((await gp.locator("main").textContent()) ?? "", /Awaiting decision/);
  await assertAxeClean(gp);
  const referralUrl = gp.url();
  await gp.context().close();

  const team = await signIn(web.browser, "reab.plan", "/care/worklist");
  assert.match((await team.locator("main").textContent()) ?? "", /Accept or decline the referral/);
  await team.getByRole("link", { name: "Rose Planjourney" }).click();
  assert.equal(team.url(), referralUrl);
  await assertAxeClean(team);
  await team.getByRole("button", { name: "Accept the referral" }).click();
  await team.waitForURL(referralUrl);
  assert.match((await team.locator("main").textContent()) ?? "", /Accepted/);
  await assertAxeClean(team);

  await team.getByLabel("Outcome").fill("Independent with washing and dressing; telecare fitted");
  for (const [id, value] of [
    ["#episodeStart-day", day],
    ["#episodeStart-month", month],
    ["#episodeStart-year", year],
    ["#episodeEnd-day", day],
    ["#episodeEnd-month", month],
    ["#episodeEnd-year", year],
  ] as const)
    await team.locator(id).fill(value);
  await team.getByLabel("Completed").check();
  await team.getByLabel("The hospital stay it followed").selectOption({ index: 1 });
  await team.getByRole("button", { name: "Complete the referral" }).click();
  await team.waitForURL(referralUrl);
  const completed = (await team.locator("main").textContent()) ?? "";
  assert.match(completed, /Completed/);
  assert.match(completed, /Due 9 May 2016/, "day 91 after the 8 February discharge");
  await assertAxeClean(team);

  await team.getByLabel("At home").check();
  await team.getByRole("button", { name: "Record the 91-day follow-up" }).click();
  // Recording the follow-up closes the referral (and the team's relationship with it): back to the worklist.
  await team.waitForURL(`${web.base}/care/worklist`);
  assert.match((await team.locator("main").textContent()) ?? "", /Nothing is waiting for you/);
  await assertAxeClean(team);
  await team.context().close();

  const rows = await web.t.db.query<{ follow_up_outcome: string; closed: boolean }>(
    "SELECT follow_up_outcome, closed_on IS NOT NULL AS closed FROM referral WHERE person_id = $1",
    [person.personId],
  );
  assert.deepEqual(rows, [{ follow_up_outcome: "at-home", closed: true }]);
  const [service] = await web.t.db.query<{ service_type: string }>(
    "SELECT service_type FROM social_care_service WHERE person_id = $1",
    [person.personId],
  );
  assert.equal(service.service_type, "reablement");
});
