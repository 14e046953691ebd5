// Signing in with a real browser: Playwright driving Debian's Chromium, over plain http on 127.0.0.1 with
// the documented development setting (cookies without Secure).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { createLogger } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { createTeams, createUserInRole, insertOrganisations } from "./fixtures.ts";

const executablePath = process.env.ONEPLACE_CHROMIUM || "/usr/bin/chromium";
const skip = !existsSync(executablePath) && !process.env.CI ? `no Chromium at ${executablePath}` : false;
const PASSWORD = "browser sign in phrase";

let t: TestDb;
let app: Awaited<ReturnType<typeof createWebServer>>;
let browser: Browser;
let base: string;

before(async () => {
  if (skip) return;
  t = await openTestDb();
  await insertOrganisations(t.db);
  await createTeams(t.db);
  await createUserInRole(t.db, "dr.browser", "gp", "practice", PASSWORD);
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Browser",
    auth: {
      maxFailedLogins: 5,
      lockoutMinutes: 15,
      sessionIdleMinutes: 30,
      sessionMaxHours: 12,
      loginAttemptsPerMinute: 50,
      cookieSecure: false,
      oidc: null,
    },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  await t?.dispose();
});

test("a GP signs in with the form, sees who they are, and signs out", { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/api/register`, { waitUntil: "load" });
  assert.match(page.url(), /\/login\?next=%2Fapi%2Fregister$/);
  assert.equal(await page.locator("h1").textContent(), "Sign in to OnePlace");
  assert.equal(await page.getByLabel("Username").count(), 1, "the username field has a label");
  assert.equal(await page.getByLabel("Password").getAttribute("type"), "password");

  await page.getByLabel("Username").fill("dr.browser");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState("load");
  assert.match((await page.locator(".nhsuk-error-summary").textContent()) ?? "", /not right/);

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/api/register`);
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

  await page.goto(`${base}/login`);
  assert.equal(await page.locator("h1").textContent(), "You are signed in");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/login`);
  assert.equal(
    (await page.context().cookies()).some((c) => c.name === "oneplace_session"),
    false,
  );
  await page.goto(`${base}/api/me`);
  assert.match(page.url(), /\/login\?next=%2Fapi%2Fme$/, "signed out: sent back to sign in");
  await page.close();
});
