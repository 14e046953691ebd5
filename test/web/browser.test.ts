// The status page in a real browser: Playwright driving Debian's Chromium (CI installs it).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { browserSuite, browserSkip as skip } from "./harness.ts";

const web = browserSuite({ placeName: "Thurrock (synthetic)" }, async (db) => {
  await db.exec(`
    INSERT INTO organisation (org_code, name, kind, source_system) VALUES ('ZZL01', 'Grays', 'locality', 'test');
    INSERT INTO organisation (org_code, name, kind, parent_code, source_system) VALUES ('Z90001', 'Riverside (synthetic)', 'practice', 'ZZL01', 'test');
  `);
});

test("the status page renders with the NHS.UK styles, a heading, a summary and an accessible table", {
  skip,
}, async () => {
  const page = await web.browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const response = await page.goto(`${web.base}/status`);
  assert.equal(response?.status(), 200);
  assert.equal(await page.title(), "Status – OnePlace");
  assert.equal(await page.locator("h1").textContent(), "What is loaded");
  // The stylesheet loaded: the header takes NHS blue.
  const headerColour = await page.evaluate(
    "getComputedStyle(document.querySelector('header')).backgroundColor",
  );
  assert.equal(headerColour, "rgb(0, 94, 184)");
  assert.equal(
    await page
      .locator("table caption")
      .textContent()
      .then((s) => s?.trim()),
    "Events by kind",
  );
  assert.equal(await page.locator("table tbody tr").count(), 13);
  assert.match((await page.locator(".nhsuk-summary-list").textContent()) ?? "", /GP practices\s+1/);
  // The empty-database prompt tells the user what to run.
  assert.match((await page.locator(".nhsuk-inset-text").textContent()) ?? "", /npx oneplace synth/);
  // Skip link is the first focusable element.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate("document.activeElement?.textContent?.trim()"), "Skip to main content");
  await page.screenshot({
    path: join(mkdtempSync(join(tmpdir(), "oneplace-shot-")), "status.png"),
    fullPage: true,
  });
  assert.deepEqual(errors, []);
  await page.close();
});
