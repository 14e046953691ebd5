// Every view, rendered with each example context kept beside it, checked by axe-core inside Chromium.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { nhsukStylesheet, VIEWS_DIR } from "../../src/web/nhsuk.ts";
import { createWebViews } from "../../src/web/plugins/views.ts";
import type { ViewFixture } from "../../src/web/views/fixtures.ts";
import { browserSkip, launchBrowser } from "./harness.ts";

// Views rendered from their fixtures open no database, so what this finds cannot depend on the engine: it runs in
// the suite's pass on the embedded engine, and not again when the suite runs against a server (CI's second and
// third passes, where it took 80-90 s of a core each).
const skip =
  browserSkip ||
  (process.env.DATABASE_URL?.trim() ? "opens no database: checked in the embedded engine's pass" : false);

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Base templates that pages extend: rendered through every page, never on their own. */
const LAYOUTS = new Set(["layout.njk"]);

const pages = readdirSync(VIEWS_DIR)
  .filter((f) => f.endsWith(".njk") && !LAYOUTS.has(f))
  .sort();

async function fixturesOf(view: string): Promise<ViewFixture[]> {
  const module = await import(
    new URL(`../../src/web/views/${view.replace(/\.njk$/, ".fixtures.ts")}`, import.meta.url).href
  );
  return module.fixtures;
}

let browser: Browser;
before(async () => {
  if (skip) return;
  browser = await launchBrowser();
});
after(() => browser?.close());

test("every page view has example contexts beside it", async () => {
  assert.ok(pages.length >= 2, pages.join(", "));
  for (const view of pages) {
    const fixtures = await fixturesOf(view);
    assert.ok(fixtures.length > 0, `${view} has no fixtures`);
    for (const f of fixtures) assert.ok(f.name && f.context, `${view}: a fixture needs a name and a context`);
  }
});

test("every fixture of every view renders and has no axe violations", { skip }, async () => {
  const views = createWebViews();
  const css = await nhsukStylesheet();
  const problems: string[] = [];
  let checked = 0;
  // One page for every fixture: each setContent replaces the whole document (a new page each cost about a second of
  // Chromium's time, 177 fixtures in all). Nothing else loads: the page is checked as rendered, from memory.
  const page = await browser.newPage();
  await page.route("**/*", (route) => route.abort());
  for (const view of pages) {
    for (const fixture of await fixturesOf(view)) {
      const html = views
        .render(view, fixture.context)
        .replace(
          /<link rel="stylesheet" href="[^"]*nhsuk-frontend\.min\.css">/,
          () => `<style>${css}</style>`,
        );
      assert.match(html, /<style>/, `${view}: the NHS.UK stylesheet is inlined`);
      await page.setContent(html, { waitUntil: "load" });
      await page.addScriptTag({ path: AXE });
      const violations = (await page.evaluate(
        "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => v.id + ': ' + v.nodes.length))",
      )) as string[];
      for (const v of violations) problems.push(`${view} (${fixture.name}): ${v}`);
      checked++;
    }
  }
  await page.close();
  assert.deepEqual(problems, []);
  assert.ok(checked >= 6, `${checked} fixtures checked`);
});
