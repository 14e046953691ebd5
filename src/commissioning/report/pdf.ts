// The HTML report printed to PDF by a headless Chromium (playwright-core driving the system's browser). No
// browser, no PDF: the caller says so.
import { existsSync } from "node:fs";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function haveChromium(chromium: string): boolean {
  return existsSync(chromium);
}

/** Prints the HTML to an A4 PDF with page numbers; returns the number of bytes written. */
export async function printPdf(
  html: string,
  path: string,
  footer: string,
  browserPath: string,
): Promise<void> {
  // Loaded here, not at the top: it is a large module, and every CLI command and server start would pay for it.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: browserPath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    // Nothing may be fetched: the report is self-contained, and a request would mean it is not.
    await page.route("**/*", (route) =>
      route.request().url().startsWith("data:") ? route.continue() : route.abort(),
    );
    await page.setContent(html, { waitUntil: "load" });
    await page.emulateMedia({ media: "print" });
    await page.pdf({
      path,
      format: "A4",
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: "<span></span>",
      footerTemplate: `<div style="font-size:8px;width:100%;padding:0 12mm;color:#4c6272;display:flex;justify-content:space-between"><span>${footer.replace(/[<>&]/g, "")}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
      margin: { top: "12mm", bottom: "16mm", left: "12mm", right: "12mm" },
    });
  } finally {
    await browser.close();
  }
}
