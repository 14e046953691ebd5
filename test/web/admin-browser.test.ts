// An administrator's journey in a real browser, signed in with the form: find users, create one (the
// one-time password shown once), give them a second role, lock and unlock them, create a team. axe-core
// checks every page on the way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { seedUsers } from "../governance/fixtures.ts";
import { axeViolations, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "administrator's long phrase";

const web = browserSuite({}, async (db) => {
  await seedUsers(db, [
    ["admin.browser", "administrator", "service", PASSWORD],
    ["gp.browser", "gp", "practice"],
  ]);
});

test("an administrator finds users, creates one, changes their roles and lock, and creates a team", {
  skip,
}, async () => {
  const page = await web.browser.newPage();
  const problems: string[] = [];
  const check = async (what: string) => {
    for (const v of await axeViolations(page)) problems.push(`${what}: ${v}`);
  };

  await signInWithForm(page, web.base, "admin.browser", PASSWORD, "/admin/users");
  assert.equal(await page.title(), "Users – OnePlace");
  await check("users");

  await page.getByLabel("Role").selectOption("gp");
  await page.getByRole("button", { name: "Find users" }).click();
  await page.waitForURL(/role=gp/);
  assert.equal(await page.locator("tbody tr").count(), 1);
  assert.match((await page.locator("tbody").textContent()) ?? "", /gp\.browser/);

  await page.goto(`${web.base}/admin/users`);
  await page.getByRole("button", { name: "Create a user" }).click();
  assert.equal(await page.locator("h1").textContent(), "Create a user");
  await page.getByRole("button", { name: "Create the user" }).click();
  await page.waitForLoadState("load");
  assert.match(
    (await page.locator(".nhsuk-error-summary").textContent()) ?? "",
    /Enter the person's full name/,
  );
  await check("new user with problems");
  await page.getByLabel("Full name").fill("Wendy Browser");
  await page.getByLabel("Username").fill("wendy.browser");
  await page.getByLabel("Role").selectOption("community-clinician");
  await page.getByLabel("Team").selectOption("district-nursing");
  await page.getByRole("button", { name: "Create the user" }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.locator("h1").textContent(), "Account created for Wendy Browser");
  assert.match((await page.locator("#one-time-password").textContent()) ?? "", /^[A-Za-z0-9_-]{20}$/);
  await check("one-time password");

  await page.getByRole("link", { name: "Go to the account" }).click();
  await page.waitForURL(`${web.base}/admin/users/wendy.browser`);
  assert.equal(await page.title(), "Wendy Browser – Users – OnePlace");
  await check("account");
  await page.locator("#roleCode").selectOption("social-worker");
  await page.locator("#teamCode").selectOption("adult-social-care");
  await page.getByRole("button", { name: "Give the role" }).click();
  await page.waitForURL(/done=role-assigned/);
  assert.match((await page.locator(".nhsuk-notification-banner").textContent()) ?? "", /The role was given/);
  assert.equal(await page.locator("tbody tr").count(), 2);
  await check("account after a role was given");
  await page.getByRole("button", { name: "Lock the account" }).click();
  await page.waitForURL(/done=locked/);
  assert.match((await page.locator("main .nhsuk-tag").first().textContent()) ?? "", /Locked/);
  await page.getByRole("button", { name: "Unlock the account" }).click();
  await page.waitForURL(/done=unlocked/);

  await page.goto(`${web.base}/admin/teams`);
  assert.equal(await page.title(), "Teams – OnePlace");
  await check("teams");
  await page.getByLabel("Name", { exact: true }).fill("Falls team");
  await page.getByLabel("Team code").fill("falls-team");
  await page.getByLabel("Kind").selectOption("provider-service");
  await page.getByRole("button", { name: "Create the team" }).click();
  await page.waitForURL(/done=team-created/);
  assert.match((await page.locator("tbody").textContent()) ?? "", /Falls team/);

  assert.deepEqual(problems, []);
  await page.close();
});
