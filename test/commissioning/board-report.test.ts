// The quarterly board report on a small hand-built place with a plan: its figures, a self-contained HTML
// file, and a picture of it (a screenshot, and the PDF) checked for its headings, figures and charts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { savePlan } from "../../src/commissioning/plan-store.ts";
import { type BoardReportResult, produceBoardReport } from "../../src/commissioning/report/board-report.ts";
import { addDays } from "../../src/core/dates.ts";
import { CHROMIUM_PATH, launchBrowser, browserSkip as skip } from "../helpers/browser.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { P1, P3, TestPlace } from "../outcomes/helpers/place.ts";
import { countColour, decodePng } from "./helpers/png.ts";
import { samplePlan } from "./sample-plan.ts";

let t: TestDb;
let out: string;
let report: BoardReportResult;

before(async () => {
  t = await openTestDb();
  out = mkdtempSync(join(tmpdir(), "oneplace-board-"));
  const place = new TestPlace(t.db);
  await place.organisations();
  // Sixty people aged about 80 over two practices; through 2013 to 2015 some are admitted as emergencies,
  // some placed in care homes, some discharged into reablement, some delayed.
  for (let i = 0; i < 60; i++) {
    const id = await place.person({ born: "1934-03-01", practice: i % 2 ? P1 : P3 });
    const day = addDays("2013-04-01", (i * 37) % 900);
    const spell = await place.spell(id, { admitted: day, discharged: addDays(day, 6) });
    if (i % 3 === 0) await place.spell(id, { admitted: addDays(day, 200), discharged: addDays(day, 203) });
    if (i % 5 === 0)
      await place.delay(id, {
        spell,
        ready: addDays(day, 3),
        ended: addDays(day, 6),
        attribution: i % 2 ? "nhs" : "social-care",
      });
    if (i % 7 === 0) await place.placement(id, { type: "permanent", started: addDays(day, 30) });
    if (i % 4 === 1)
      await place.service(id, { type: "reablement", started: addDays(day, 6), afterSpell: spell });
  }
  const plan = samplePlan();
  await savePlan(t.db, plan, "test");
  report = await produceBoardReport(t.db, {
    quarter: "2015-Q3",
    outDir: out,
    narrative:
      "Emergency admissions fell in the summer. The board is asked to note the risks without owners.",
    pdf: !skip,
    chromium: CHROMIUM_PATH,
  });
});

after(async () => {
  await t?.dispose();
  if (out) rmSync(out, { recursive: true, force: true });
});

test("the report's figures: metrics against the plan, spend to date, payment at risk, risks and findings", () => {
  const d = report.data;
  assert.equal(d.quarter.label, "Q2 2015/16");
  assert.equal(d.asOf, "2015-09-30");
  assert.equal(d.plan?.planId, "sample-place");
  const careHomes = d.metrics.find((m) => m.metricId === "ascof-2a2");
  assert.ok(careHomes?.available);
  assert.equal(careHomes.windowStart, "2014-10-01");
  assert.equal(careHomes.windowEnd, "2015-09-30");
  // Eight quarters to Q2 2015/16, less the first 12-month window, which starts before the data do.
  assert.equal(careHomes.series.length, 7);
  assert.equal(careHomes.series[0].start, "2013-04-01");
  assert.ok(careHomes.target !== null && careHomes.rag !== null);
  const dtoc = d.metrics.find((m) => m.metricId === "dtoc");
  assert.equal(dtoc?.windowStart, "2015-07-01");
  assert.equal(d.spend?.financialYear, "2015/16");
  assert.equal(d.spend?.totals.actualToDate, 145_000);
  assert.equal(d.spend?.totals.plannedSpend, 1_200_000);
  const payment = d.payments[0];
  assert.equal(payment.amount, 200_000);
  assert.equal(payment.targets[0].metricId, "nel");
  assert.equal(payment.atRisk, payment.targets[0].status === "not met" ? 200_000 : 0);
  assert.equal(d.risks.top[0].score, 9);
  assert.equal(d.summary.errors, 0);
  assert.ok(
    d.otherMeasures.some(
      (m) => m.metricId === "high-risk-share" && !m.available && /stratify/.test(m.reason ?? ""),
    ),
  );
});

test("the HTML stands alone: inline styles, no scripts, nothing fetched, a chart and a table for each trend", () => {
  const html = readFileSync(report.html, "utf8");
  assert.match(html, /<style>/);
  assert.doesNotMatch(html, /<script|<link |src="http|href="http|@import|url\(http/i);
  assert.match(html, /<h1>Better Care Fund: quarterly report, Q2 2015\/16<\/h1>/);
  for (const id of [
    "summary",
    "narrative",
    "metrics",
    "plan-figures",
    "other",
    "spend",
    "payment",
    "risks",
    "findings",
    "definitions",
  ]) {
    assert.match(html, new RegExp(`<section id="${id}"`), id);
  }
  const charts = html.match(/<svg class="chart"/g) ?? [];
  const figures = html.match(/<figure>/g) ?? [];
  assert.ok(charts.length >= 5, `${charts.length} charts`);
  assert.equal(charts.length, figures.length);
  assert.match(html, /the figures in the chart/);
  assert.match(html, /Emergency admissions fell in the summer/);
});

let browser: Browser | undefined;
after(async () => browser?.close());

test("a picture of the report shows its headings, figures and charts", { skip }, async () => {
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`file://${report.html}`);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith("file:")),
    [],
    "nothing is fetched",
  );
  const shot = decodePng(await page.screenshot({ fullPage: true }));
  const box = async (selector: string) => {
    const b = await page.locator(selector).first().boundingBox();
    assert.ok(b && b.width > 0 && b.height > 0, `${selector} is visible`);
    return b;
  };
  // Headings: visible, and dark text is drawn where they are.
  for (const heading of [
    "Summary",
    "Metrics against the plan",
    "Spend against plan, 2015/16",
    "Performance payment",
    "Top risks",
    "Validation findings",
  ]) {
    const b = await box(`h2:text-is("${heading}")`);
    assert.ok(countColour(shot, b, [33, 43, 50], 40) > 50, `the heading "${heading}" is drawn`);
  }
  const masthead = await box("header.masthead");
  assert.ok(
    countColour(shot, masthead, [0, 94, 184], 8) > masthead.width * masthead.height * 0.5,
    "NHS blue masthead",
  );
  // Charts: the line of OnePlace values is drawn in blue, the plan trajectory in grey.
  const chart = await box("#chart-ascof-2a2");
  assert.ok(countColour(shot, chart, [0, 94, 184], 30) > 200, "the value line is drawn");
  assert.ok(countColour(shot, chart, [118, 134, 146], 30) > 50, "the trajectory is drawn");
  const spend = await box("#chart-spend");
  assert.ok(countColour(shot, spend, [0, 94, 184], 30) > 300, "actual spend bars are drawn");
  // Figures: the RAG badge for the care-home metric is in its colour, and the table shows the value.
  const m = report.data.metrics.find((x) => x.metricId === "ascof-2a2");
  const colour = { green: [0, 127, 59], amber: [255, 184, 28], red: [213, 40, 27] }[m?.rag ?? "red"] as [
    number,
    number,
    number,
  ];
  const badge = await box(`#metrics table tbody tr:has(th:text-is("Care home admissions 65+")) .rag`);
  assert.ok(countColour(shot, badge, colour, 30) > 50, `the ${m?.rag} badge is drawn`);
  const row = await page
    .locator(`#metrics table tbody tr:has(th:text-is("Care home admissions 65+"))`)
    .textContent();
  assert.match(
    row ?? "",
    new RegExp(
      (m?.value ?? 0)
        .toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
        .replace(".", "\\."),
    ),
  );
  assert.match((await page.locator("#spend").textContent()) ?? "", /£145,000/);
  assert.match((await page.locator("#payment").textContent()) ?? "", /£200,000/);
});

test("the PDF is made, with pages", { skip }, () => {
  assert.ok(report.pdf && existsSync(report.pdf));
  const pdf = readFileSync(report.pdf);
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-");
  const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? [];
  assert.ok(pages.length >= 3, `${pages.length} pages`);
  assert.equal(report.pdfNote, null);
});
