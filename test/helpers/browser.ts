// Debian's Chromium driven by Playwright, as every browser test launches it: the settings' path and the board
// report's flags. On a developer's machine without Chromium a browser test is skipped with the reason; CI
// always runs it.
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { CHROMIUM_ARGS } from "../../src/commissioning/index.ts";
import { readSettings } from "../../src/platform/index.ts";

export const CHROMIUM_PATH = readSettings().chromium;

export const browserSkip: string | false =
  !existsSync(CHROMIUM_PATH) && !process.env.CI
    ? `no Chromium at ${CHROMIUM_PATH}: install it or set ONEPLACE_CHROMIUM`
    : false;

/**
 * The address of a Chromium started once for the whole run by the suite's global setup
 * (test/helpers/browser-server.ts, `npm run test:suite`); unset when a file runs on its own.
 */
export const SHARED_BROWSER_ENV = "ONEPLACE_TEST_BROWSER_WS";

/**
 * A browser for one test file: a connection to the run's shared Chromium when there is one (closing it closes
 * the file's pages and contexts, not the browser), else a Chromium of its own. A launch is about a second of
 * CPU; the suite has some twenty files that need one. Playwright is loaded here, not when this module is: some
 * sixty files import the web test harness and most never open a browser, and loading Playwright costs each
 * process about 0.7 s of CPU.
 */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const shared = process.env[SHARED_BROWSER_ENV];
  if (shared) return chromium.connect(shared);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
