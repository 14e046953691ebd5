// The integration engineer's journey in a real browser: sign in, open the review queue, compare an item side
// by side, decide it with a reason using the keyboard, and see it in the person's history; axe on every page.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTeams, createUserInRole, insertOrganisations } from "../governance/fixtures.ts";
import { prepareBackoffice } from "./backoffice-data.ts";
import { axeViolations, browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "back office sign in phrase";

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "eng.browser", "integration-engineer", "service", PASSWORD);
  await prepareBackoffice(db);
});

test("an integration engineer resolves a review-queue item", { skip }, async () => {
  const page = await web.browser.newPage();
  const problems: string[] = [];
  const check = async (where: string) => {
    for (const v of await axeViolations(page)) problems.push(`${where}: ${v}`);
  };

  await signInWithForm(page, web.base, "eng.browser", PASSWORD, "/mpi/review");
  assert.equal(await page.title(), "Identity review queue – OnePlace");
  await check("queue");

  await page.getByRole("link", { name: /Compare social-care record s3/ }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.title(), "Review social-care record s3 – OnePlace");
  const table = (await page.locator("table").first().textContent()) ?? "";
  assert.match(table, /Marjorie/);
  assert.match(table, /Margaret/);
  await check("item");

  // An empty submit: the error summary takes focus and links to the fields.
  await page.getByRole("button", { name: "Record decision" }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.title(), "Error: Review social-care record s3 – OnePlace");
  assert.match((await page.locator(".nhsuk-error-summary").textContent()) ?? "", /Select whether/);
  await check("item with errors");

  // With the keyboard only: the radio, the reason, then Enter on the button.
  await page.getByLabel("Same person: link this record to the candidate").focus();
  await page.keyboard.press("Space");
  await page.getByLabel("Reason").focus();
  await page.keyboard.type("Same person: date of birth keyed day-first, Marjorie for Margaret");
  await page.getByRole("button", { name: "Record decision" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(`${web.base}/mpi/review?decided=link`);
  assert.match(
    (await page.locator(".nhsuk-notification-banner").textContent()) ?? "",
    /linked to the candidate/,
  );
  assert.match((await page.locator("main").textContent()) ?? "", /Nothing is waiting for review/);
  await check("queue after the decision");

  const candidate = (
    await web.t.db.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = 'gp' AND source_record_id = 'g1'",
    )
  )[0].person_id;
  await page.goto(`${web.base}/mpi/people/${candidate}/history`, { waitUntil: "load" });
  assert.match((await page.locator("main").textContent()) ?? "", /Reviewer linked/);
  assert.match((await page.locator("main").textContent()) ?? "", /Marjorie for Margaret/);
  await check("history");

  assert.deepEqual(problems, []);
  await page.close();
});
