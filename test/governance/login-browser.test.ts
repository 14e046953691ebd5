// Signing in with a real browser: Playwright driving Debian's Chromium, over plain http on 127.0.0.1 with
// the documented development setting (cookies without Secure).
import assert from "node:assert/strict";
import { test } from "node:test";
import { browserSuite, browserSkip as skip, submitSignIn } from "../web/harness.ts";
import { createTeams, createUserInRole, insertOrganisations } from "./fixtures.ts";

const PASSWORD = "browser sign in phrase";

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.browser", "gp", "practice", PASSWORD);
});

test("a GP signs in with the form, sees who they are, and signs out", { skip }, async () => {
  const page = await web.browser.newPage();
  await page.goto(`${web.base}/api/register`, { waitUntil: "load" });
  assert.match(page.url(), /\/login\?next=%2Fapi%2Fregister$/);
  assert.equal(await page.locator("h1").textContent(), "Sign in to OnePlace");
  assert.equal(await page.getByLabel("Username").count(), 1, "the username field has a label");
  assert.equal(await page.getByLabel("Password").getAttribute("type"), "password");

  await submitSignIn(page, "dr.browser", "not the password");
  await page.waitForLoadState("load");
  assert.match((await page.locator(".nhsuk-error-summary").textContent()) ?? "", /not right/);

  await submitSignIn(page, "dr.browser", PASSWORD);
  await page.waitForURL(`${web.base}/api/register`);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "oneplace_session");
  assert.ok(session);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Lax");
  assert.equal(
    await page.evaluate("document.cookie.includes('oneplace_session')"),
    false,
    "scripts cannot read it",
  );

  await page.goto(`${web.base}/login`);
  assert.equal(await page.locator("h1").textContent(), "You are signed in");
  await page
    .getByRole("navigation", { name: "Your account" })
    .getByRole("button", { name: "Sign out" })
    .click();
  await page.waitForURL(`${web.base}/login`);
  assert.equal(
    (await page.context().cookies()).some((c) => c.name === "oneplace_session"),
    false,
  );
  await page.goto(`${web.base}/api/me`);
  assert.match(page.url(), /\/login\?next=%2Fapi%2Fme$/, "signed out: sent back to sign in");
  await page.close();
});
