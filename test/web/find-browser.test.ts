// Finding a person in a real browser, as a GP: sign in with the form, find a patient by name with slips in
// what was typed, see who else matched only as a count, mistype an NHS Number and be told why, then find
// the patient by NHS Number typed with spaces and land on their record. Keyboard only, and axe on every page.
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
import { axeViolations, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "find a person phrase";

const patient = makePerson({ familyName: "Thompson", givenName: "Margaret", birthDate: "1941-05-09" });
const namesake = makePerson({ familyName: "Thompson", givenName: "Margaret", birthDate: "1941-05-09" });

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.find", "gp", "practice", PASSWORD);
  for (const p of [patient, namesake]) await insertPerson(db, p);
  await register(db, patient.personId, ORGS.practice);
  await register(db, namesake.personId, ORGS.otherPractice);
});

const axe = (page: Page) => axeViolations(page, { seriousOnly: true });

async function typeInto(page: Page, label: string | RegExp, text: string): Promise<void> {
  await page.getByLabel(label, { exact: typeof label === "string" }).focus();
  await page.keyboard.type(text);
}

test("a GP finds a patient by name with slips, is told about a mistyped NHS Number, and opens the record by NHS Number", {
  skip,
}, async () => {
  const page = await web.browser.newPage();
  await signInWithForm(page, web.base, "dr.find", PASSWORD, "/find", { keyboard: true });
  assert.equal(await page.title(), "Find a person – OnePlace");
  assert.deepEqual(await axe(page), []);

  // By name: "Maggie Tompson", day and month swapped.
  await typeInto(page, "Name", "Maggie Tompson");
  await typeInto(page, "Day", "5");
  await typeInto(page, "Month", "9");
  await typeInto(page, "Year", "1941");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/find\?name=Maggie\+Tompson&day=5&month=9&year=1941/);
  assert.equal(await page.title(), "1 person found – Find a person – OnePlace");
  const row = page.locator("table tbody tr");
  assert.equal(await row.count(), 1);
  assert.match((await row.textContent()) ?? "", /THOMPSON, Margaret/);
  assert.match((await row.textContent()) ?? "", /Close match: .*day and month of birth swapped/);
  assert.match(
    (await page.locator(".nhsuk-card--warning").textContent()) ?? "",
    /1 more person matches whom you may not see/,
  );
  assert.equal(await page.getByText(namesake.nhsNumber.slice(6)).count(), 0);
  assert.deepEqual(await axe(page), []);

  // A mistyped NHS Number: the error summary links to the field and says why.
  const spaced = `${patient.nhsNumber.slice(0, 3)} ${patient.nhsNumber.slice(3, 6)} ${patient.nhsNumber.slice(6)}`;
  const wrong = `${spaced.slice(0, -1)}${(Number(spaced.slice(-1)) + 1) % 10}`;
  await page.getByLabel("NHS Number").fill("");
  await typeInto(page, "NHS Number", wrong);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/find\?nhsNumber=/);
  assert.equal(await page.title(), "Error: Find a person – OnePlace");
  const summary = page.locator(".nhsuk-error-summary");
  assert.match((await summary.textContent()) ?? "", /check digit/);
  assert.equal(await summary.locator('a[href="#nhsNumber"]').count(), 1);
  assert.equal(await page.getByLabel("NHS Number").inputValue(), wrong, "what was typed is kept");
  assert.deepEqual(await axe(page), []);

  // The right number, typed with spaces: straight to the person's record.
  await page.getByLabel("NHS Number").fill("");
  await typeInto(page, "NHS Number", spaced);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${web.base}/people/${patient.personId}`);
  await page.close();
});
