// Debian's Chromium driven by Playwright, as every browser test launches it: the settings' path and the board
// report's flags. On a developer's machine without Chromium a browser test is skipped with the reason; CI
// always runs it.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../../src/commissioning/index.ts";
import { readSettings } from "../../src/platform/index.ts";

export const CHROMIUM_PATH = readSettings().chromium;

export const browserSkip: string | false =
  !existsSync(CHROMIUM_PATH) && !process.env.CI
    ? `no Chromium at ${CHROMIUM_PATH}: install it or set ONEPLACE_CHROMIUM`
    : false;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
