// A GP works the practice's risk register in a real browser: signs in, opens the register from the list of
// registers, filters it with the form, sorts by a column header, pages on and finds the CSV link; then the
// model report as a commissioner. axe-core checks every page visited; the pages load no script of their own.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import {
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
} from "../governance/fixtures.ts";
import { assertAxeClean, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";
import { insertRiskPerson, insertRiskRun } from "./register-fixtures.ts";

const PASSWORD = "correct horse battery staple 42";
const TIERS = ["very-high", "high", "rising", "low"] as const;
const people = Array.from({ length: 30 }, (_, i) =>
  makePerson({ familyName: `Browser${String(i).padStart(2, "0")}`, givenName: "Pat" }),
);

const web = browserSuite({ placeName: "Test" }, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "gp.browser", "gp", "practice", PASSWORD);
  await createUserInRole(db, "analyst.browser", "commissioner-analyst", "commissioning", PASSWORD);
  const runId = await insertRiskRun(db, "2016-04-01");
  for (const [i, p] of people.entries()) {
    await insertPerson(db, p);
    await register(db, p.personId, ORGS.practice);
    await insertRiskPerson(db, runId, "2016-04-01", {
      personId: p.personId,
      practiceCode: ORGS.practice,
      localityCode: ORGS.locality,
      age: 60 + i,
      tier: TIERS[i % 4],
      probability: 0.6 - i * 0.01,
      efiCategory: "mild",
      deficitCount: 6,
    });
  }
});

const axe = (page: Page) => assertAxeClean(page);
const signIn = (page: Page, username: string, path: string) =>
  signInWithForm(page, web.base, username, PASSWORD, path);

const shownNames = (page: Page) =>
  page.locator("table tbody tr td:first-child a, table tbody tr th:first-child a").allTextContents();

test("a GP filters, sorts and pages the practice register with plain links and a GET form", {
  skip,
}, async () => {
  const context = await web.browser.newContext();
  const page = await context.newPage();
  await signIn(page, "gp.browser", "/registers");
  assert.equal(await page.title(), "Registers – OnePlace");
  await axe(page);

  await page.getByRole("link", { name: /Riverside \(synthetic\) \(Z90001\): practice register/ }).click();
  await page.waitForURL(/\/registers\/practice\/Z90001$/);
  assert.equal(await page.title(), "Riverside (synthetic) (Z90001) – Risk register – OnePlace");
  assert.match((await page.getByRole("status").textContent()) ?? "", /Showing 1 to 25 of 30 people/);
  assert.equal((await shownNames(page)).length, 25);
  await axe(page);

  // Page 2 by the numbered pagination.
  await page.getByRole("link", { name: "Page 2" }).click();
  assert.match(page.url(), /page=2/);
  assert.equal((await shownNames(page)).length, 5);
  await axe(page);

  // Filter to the very high tier with the form (a GET: the URL is the view).
  await page.getByLabel("Very high").check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  assert.match(page.url(), /tier=very-high/);
  assert.doesNotMatch(page.url(), /page=2/);
  const veryHigh = await shownNames(page);
  assert.equal(veryHigh.length, 8);
  assert.match(veryHigh[0], /BROWSER00/);
  await axe(page);

  // Sort by name from the column header, then the other way.
  await page.getByRole("link", { name: "Name", exact: true }).click();
  assert.match(page.url(), /sort=name&dir=asc/);
  assert.match(page.url(), /tier=very-high/);
  await page.getByRole("link", { name: "Name", exact: true }).click();
  assert.match(page.url(), /sort=name&dir=desc/);
  assert.match((await shownNames(page))[0], /BROWSER28/);
  assert.equal(await page.locator("th[aria-sort=descending]").count(), 1);
  await axe(page);

  // The GP may export: the link carries the filters and the sort.
  const csv = await page
    .getByRole("link", { name: /Download this register as a CSV file/ })
    .getAttribute("href");
  assert.match(csv ?? "", /tier=very-high.*format=csv/);
  await context.close();
});

test("a commissioner reads the model report: no model yet, explained", { skip }, async () => {
  const context = await web.browser.newContext();
  const page = await context.newPage();
  await signIn(page, "analyst.browser", "/analytics/model");
  assert.equal(await page.title(), "Risk model report – OnePlace");
  assert.match((await page.locator("main").textContent()) ?? "", /No risk model has been trained yet/);
  await axe(page);
  await context.close();
});
