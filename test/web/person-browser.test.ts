// A person's single view in a real browser (Playwright driving Chromium), signed in with the form: a GP
// opens a person on their register, reads the Summary, moves to the Timeline across organisations and
// filters it; a social worker with no relationship is refused, told why, breaks glass with a reason and
// sees the record. axe-core checks every page visited.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
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

const PASSWORD = "single view browser phrase";
const person = makePerson({ familyName: "Journeyperson", givenName: "Iris" });

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.journey", "gp", "practice", PASSWORD);
  await createUserInRole(db, "sw.journey", "social-worker", "socialCare", PASSWORD);
  await insertPerson(db, person);
  await register(db, person.personId, ORGS.practice);
  await admit(db, person.personId, ORGS.acute, "2016-01-10T08:00:00Z", "2016-01-14T12:00:00Z");
  await db.query(
    `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code,
         source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'Z90001', '2015-04-20', 'condition', 'snomed', '38341003', 'gp-z90001', 'g1', now())`,
    [person.personId],
  );
  await db.query(
    `INSERT INTO care_contact (person_id, contact_id, setting, provider_code, service, contact_on, contact_mode,
         source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'community', 'ZZC01', 'district-nursing', '2016-01-20', 'home-visit',
               'community-zzc01', 'cc1', now())`,
    [person.personId],
  );
});

async function signIn(browser: Browser, username: string, next: string): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signInWithForm(page, web.base, username, PASSWORD, next);
  return page;
}

const axe = (page: Page) => assertAxeClean(page);

test("a GP opens a person's Summary, then the Timeline across organisations, and filters it", {
  skip,
}, async () => {
  const page = await signIn(web.browser, "dr.journey", `/people/${person.personId}`);
  assert.equal(await page.title(), "Iris Journeyperson – Summary – OnePlace");
  assert.equal((await page.locator("h1").textContent())?.trim(), "Iris Journeyperson");
  await axe(page);

  await page.getByRole("link", { name: "Timeline" }).click();
  await page.waitForURL(`${web.base}/people/${person.personId}/timeline`);
  assert.equal(await page.title(), "Iris Journeyperson – Timeline – OnePlace");
  const rows = page.locator("table tbody tr");
  assert.equal(await rows.count(), 3);
  const first = (await rows.first().textContent()) ?? "";
  assert.match(first, /20 January 2016/, "newest first");
  assert.match(first, /community-zzc01/, "the source system of each row");
  await axe(page);

  await page.getByLabel("Kind of event").selectOption("hospital-spell");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.waitForURL(/kind=hospital-spell/);
  assert.equal(await rows.count(), 1);
  assert.match((await rows.first().textContent()) ?? "", /Hospital admission/);
  await axe(page);
  await page.context().close();
});

test("a social worker with no relationship is refused, breaks glass with a reason, and sees the record", {
  skip,
}, async () => {
  const page = await signIn(web.browser, "sw.journey", `/people/${person.personId}`);
  assert.equal(await page.title(), "You cannot see this record – OnePlace");
  assert.match(
    (await page.locator("[data-refusal-reason]").textContent()) ?? "",
    /No legitimate relationship/,
  );
  assert.equal(await page.getByText("Journeyperson").count(), 0, "nothing of the person before break-glass");
  await axe(page);

  await page.getByRole("button", { name: "Break glass and open the record" }).click();
  await page.waitForLoadState("load");
  assert.match((await page.locator(".nhsuk-error-summary").textContent()) ?? "", /Enter why/);
  await axe(page);

  await page
    .getByLabel("Why do you need to see this record now?")
    .fill("Found collapsed at home, need history");
  await page.getByRole("button", { name: "Break glass and open the record" }).click();
  await page.waitForURL(`${web.base}/people/${person.personId}`);
  assert.equal(await page.title(), "Iris Journeyperson – Summary – OnePlace");
  assert.match((await page.locator(".nhsuk-card--warning").textContent()) ?? "", /You broke glass/);
  await axe(page);
  await page.context().close();
});
