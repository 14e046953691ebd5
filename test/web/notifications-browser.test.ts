// No unknown patients, as the lead professional lives it: a GP signs in, an ADT A01 for a person on the
// practice's register arrives over MLLP, the notification appears on their notifications page, and they mark
// it read with the form (JavaScript only as the browser's own). Every page visited passes axe.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  MllpClient,
  type MllpServer,
  parseMessage,
  readAck,
  startMllpServer,
} from "../../src/ingest/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { emergencyA01, leadPlan, putOnRegister } from "../care/fixtures.ts";
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

const PASSWORD = "notified browser phrase";
const person = makePerson({ familyName: "Browsernotified", givenName: "Olive", birthDate: "1937-09-09" });
let mllp: MllpServer | undefined;

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.notified", "gp", "practice", PASSWORD);
  await insertPerson(db, person);
  await register(db, person.personId, ORGS.practice);
  await putOnRegister(db, person.personId);
  await leadPlan(db, person.personId, "gp", ORGS.practice);
  await db.query("INSERT INTO ingest_code_map VALUES ('acute-pas', 'ward-kind', 'AMU', 'assessment')");
  mllp = await startMllpServer({ db, port: 0, logger: createLogger({ level: "silent" }) });
});
after(() => mllp?.close());

async function sendA01(port: number): Promise<void> {
  const now = new Date();
  const client = await MllpClient.connect(port);
  try {
    const ack = readAck(
      parseMessage(
        await client.send(
          emergencyA01(person, {
            at: now,
            controlId: `browser-${now.getTime()}`,
            recordId: "RH910001",
            visitNumber: "V-BROWSER-1",
            minutesAgo: 30,
          }),
        ),
      ),
    );
    assert.equal(ack.code, "AA", JSON.stringify(ack));
  } finally {
    await client.close();
  }
}

test("a GP is told of their patient's emergency admission and marks it read", { skip }, async () => {
  const context = await web.browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signInWithForm(page, web.base, "dr.notified", PASSWORD, "/notifications");
  assert.equal(await page.title(), "Notifications – OnePlace");
  assert.match((await page.locator(".nhsuk-inset-text").textContent()) ?? "", /You have no notifications/);
  assert.deepEqual(await axeViolations(page), []);

  await sendA01(mllp?.port as number);
  const acked = performance.now();
  let seen = false;
  while (!seen && performance.now() - acked < 5_000) {
    await page.reload({ waitUntil: "load" });
    seen = (await page.getByRole("link", { name: "Olive Browsernotified" }).count()) === 1;
    if (!seen) await page.waitForTimeout(100);
  }
  assert.ok(seen, "the notification is on the page within 5 s of the ACK");
  assert.equal(await page.title(), "Notifications (1 unread) – OnePlace");
  const row = page.locator("tbody tr").first();
  assert.match((await row.textContent()) ?? "", /Emergency admission to Synthetic acute trust/);
  assert.match((await row.textContent()) ?? "", /New/);
  assert.deepEqual(await axeViolations(page), []);

  // Keyboard only: the row's button is reachable and names whom it is about.
  const mark = page.getByRole("button", {
    name: "Mark as read the notification about Olive Browsernotified",
  });
  await mark.focus();
  const posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.keyboard.press("Enter");
  assert.equal((await posted).status(), 303);
  await page.waitForFunction("document.title === 'Notifications – OnePlace'");
  await page.waitForLoadState("load");
  assert.equal(page.url(), `${web.base}/notifications`);
  assert.match((await page.locator("tbody tr").first().textContent()) ?? "", /Read/);
  assert.equal(await page.getByRole("button", { name: /Mark as read/ }).count(), 0);
  assert.deepEqual(await axeViolations(page), []);

  await context.close();
});
