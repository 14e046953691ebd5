import { chromium } from "playwright-core";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
await page.goto(`file://${process.argv[2]}`);
for (const [sel, name] of [["#summary","summary"],["#metrics","metrics"],["#other","other"],["#spend","spend"],["#payment","payment"],["#risks","risks"]]) {
  await page.locator(sel).screenshot({ path: `/tmp/oc-board/${name}.png` });
}
await browser.close();
