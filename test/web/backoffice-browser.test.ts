// The integration engineer's journeys in a real browser: sign in, open the review queue, compare an item side
// by side, decide it with a reason using the keyboard, and see it in the person's history; and from feed health
// to a source's open rejects, replayed all at once (a form, no script) once its patients have arrived. Axe on
// every page.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/index.ts";
import { createTeams, createUserInRole, insertOrganisations } from "../governance/fixtures.ts";
import { CODED_HEADER, csvFolder, PATIENT_HEADER } from "../helpers/csv-files.ts";
import { testNhsNumber } from "../helpers/nhs-numbers.ts";
import { prepareBackoffice } from "./backoffice-data.ts";
import {
  assertAxeClean,
  axeViolations,
  browserSuite,
  signInWithForm,
  browserSkip as skip,
} from "./harness.ts";

const PASSWORD = "back office sign in phrase";
const { file } = csvFolder("oneplace-backoffice-browser");
const entry = (id: string, patient: string) =>
  `${id},${patient},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "eng.browser", "integration-engineer", "service", PASSWORD);
  await prepareBackoffice(db);
  // Four rows about two patients a practice had not sent; then one of them arrives.
  const coded = [
    CODED_HEADER,
    entry("e1", "late1"),
    entry("e2", "late1"),
    entry("e3", "late1"),
    entry("e4", "late2"),
  ];
  await loadCsvFile(db, file("coded.csv", coded), { source: "gp-late" });
  const patient = `late1,${testNhsNumber(9101)},Late,Ann,1950-01-01,female,,,`;
  await loadCsvFile(db, file("patients.csv", [PATIENT_HEADER, patient]), { source: "gp-late" });
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

test("from feed health to a source's open rejects, all replayed with one press once its patients arrive", {
  skip,
}, async () => {
  const page = await web.browser.newPage();
  await signInWithForm(page, web.base, "eng.browser", PASSWORD, "/feeds");
  await assertAxeClean(page, "feed health");
  await page.getByRole("link", { name: "4 open rejects from gp-late" }).click();
  await page.waitForURL(/\/rejects\?source=gp-late$/);
  await assertAxeClean(page, "the source's open rejects");
  assert.equal(await page.locator("tbody tr").count(), 4);

  await page.getByRole("button", { name: "Replay all 4 open rejects" }).click();
  await page.waitForURL(/\/rejects\?source=gp-late&accepted=3&of=4$/);
  await assertAxeClean(page, "the list after the replay");
  assert.match(
    (await page.locator(".nhsuk-notification-banner").textContent()) ?? "",
    /Replayed 4 rejects: 3 accepted and closed; 1 still rejected, its reason updated/,
  );
  const rows = page.locator("tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(
    (await rows.first().textContent()) ?? "",
    /no record with this id has been received from gp-late/,
  );
  await page.close();
});
