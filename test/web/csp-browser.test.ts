// The Content Security Policy in a real browser: a signed-in page runs its JavaScript (nhsuk-frontend's
// "js-enabled" classes and its components, started from static files) with no CSP violation reported, and an
// inline script is refused, as the policy says.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { createTeams, createUserInRole, insertOrganisations } from "../governance/fixtures.ts";
import { browserSuite, signInWithForm, browserSkip as skip } from "./harness.ts";

const PASSWORD = "content security pass phrase";

const web = browserSuite({}, async (db) => {
  await insertOrganisations(db);
  await createTeams(db);
  await createUserInRole(db, "dr.csp", "gp", "practice", PASSWORD);
});

/** Records every CSP violation and console error on the page, from before its first script runs. */
async function watch(page: Page): Promise<{ violations: string[]; errors: string[] }> {
  const seen = { violations: [] as string[], errors: [] as string[] };
  await page.exposeFunction("reportViolation", (v: string) => seen.violations.push(v));
  // Injected by the browser before the page's own scripts (not an inline script: the policy does not apply).
  await page.addInitScript(
    `document.addEventListener("securitypolicyviolation", (e) => window.reportViolation(e.violatedDirective + " " + (e.blockedURI || "inline")));`,
  );
  page.on("console", (m) => {
    if (m.type() === "error") seen.errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(e.message));
  return seen;
}

test("pages run their JavaScript with no CSP violation; an inline script is refused", { skip }, async () => {
  const page = await web.browser.newPage();
  const seen = await watch(page);
  await signInWithForm(page, web.base, "dr.csp", PASSWORD, "/");
  for (const path of ["/", "/find"]) {
    await page.goto(`${web.base}${path}`, { waitUntil: "load" });
    // The static init module has run: nhsuk-frontend's classes on <body> and its header started.
    await page.waitForSelector("[data-nhsuk-header-init]", { timeout: 10_000 });
    const classes = (await page.evaluate("document.body.className")) as string;
    assert.match(classes, /\bjs-enabled\b/, path);
    assert.match(classes, /\bnhsuk-frontend-supported\b/, path);
  }
  assert.deepEqual(seen.violations, [], "no CSP violation on pages that use JavaScript");
  assert.deepEqual(seen.errors, [], "no script error");

  // The policy is in force: an inline script added to the page does not run, and is reported.
  const ran = await page.evaluate(`(async () => {
    const s = document.createElement("script");
    s.textContent = "window.inlineRan = true";
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 200));
    return window.inlineRan === true;
  })()`);
  assert.equal(ran, false, "an inline script is refused");
  assert.deepEqual(seen.violations, ["script-src-elem inline"]);
  await page.close();
});
