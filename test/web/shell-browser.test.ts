// The shell in a real browser with a real sign-in: a GP signs in and lands on their home, sees who they are
// and their navigation, reaches a missing page (the layout around it),
// switches role, and signs out from the header; axe-core checks every page visited and the keyboard reaches
// the skip link first.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { assignRole } from "../../src/governance/index.ts";
import {
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEAMS,
  TEST_OPERATOR,
} from "../governance/fixtures.ts";
import { assertAxeClean, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "shell journey pass phrase";
const patient = makePerson({ familyName: "Journeyperson", givenName: "Jean" });

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.shell", "gp", "practice", PASSWORD);
  await assignRole(db, TEST_OPERATOR, "dr.shell", "practice-mdt-coordinator", TEAMS.practice.teamCode);
  await insertPerson(db, patient);
  await register(db, patient.personId, ORGS.practice);
  await admit(db, patient.personId, ORGS.acute, new Date(Date.now() - 3_600_000).toISOString());
});

const axe = (page: Page) => assertAxeClean(page);

test("a GP signs in to their home, finds their way, is told why when refused, switches role and signs out", {
  skip,
}, async () => {
  const page = await web.browser.newPage();
  await signInWithForm(page, web.base, "dr.shell", PASSWORD, "/");
  assert.equal(await page.title(), "Home – OnePlace");
  const account = page.getByRole("navigation", { name: "Your account" });
  assert.match((await account.textContent()) ?? "", /dr\.shell[\s\S]*GP, Riverside practice/);
  const main = page.getByRole("navigation", { name: "Main" });
  assert.equal(await main.getByRole("link", { name: "Home" }).getAttribute("aria-current"), "page");
  assert.equal(await main.getByRole("link", { name: "Find a person" }).getAttribute("href"), "/find");
  assert.match((await page.locator("main").textContent()) ?? "", /JOURNEYPERSON, Jean/);
  assert.match((await page.locator("main").textContent()) ?? "", /Admitted since yesterday/);
  await axe(page);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate("document.activeElement?.textContent?.trim()"), "Skip to main content");

  // A page that is not there: the NHS.UK 404 inside the layout, still signed in.
  const refused = await page.goto(`${web.base}/no-such-page`);
  assert.equal(refused?.status(), 404);
  assert.equal(await page.title(), "Page not found – OnePlace");
  assert.equal(await page.getByRole("navigation", { name: "Your account" }).count(), 1);
  await axe(page);

  // Switch role: the two roles held, as radios; the header then says the new role.
  await page.getByRole("link", { name: "Switch role" }).click();
  await page.waitForURL(`${web.base}/account/role`);
  assert.equal(await page.title(), "Switch role – OnePlace");
  await axe(page);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${web.base}/`);
  await page.getByRole("link", { name: "Switch role" }).click();
  await page.getByLabel("Practice MDT coordinator, Riverside practice").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(`${web.base}/`);
  assert.match(
    (await page.getByRole("navigation", { name: "Your account" }).textContent()) ?? "",
    /Practice MDT coordinator, Riverside practice/,
  );

  await page
    .getByRole("navigation", { name: "Your account" })
    .getByRole("button", { name: "Sign out" })
    .click();
  await page.waitForURL(`${web.base}/login`);
  await page.goto(`${web.base}/`);
  assert.match(page.url(), /\/login\?next=%2F$/, "signed out: home needs a sign-in again");
  await page.close();
});
