import { chromium } from "playwright-core";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
await page.goto("file:///tmp/board-out/bcf-board-2015-Q3.html");
await page.screenshot({ path: "/tmp/board-out/top.png" });
await page.locator("#metric-ascof-2a2").screenshot({ path: "/tmp/board-out/metric.png" });
await page.locator("#plan-figures").screenshot({ path: "/tmp/board-out/planfig.png" });
await browser.close();
