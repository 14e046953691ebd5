// The test run's global setup (node --test-global-setup, in `npm run test:suite`): one Chromium for every browser
// test file of the run, which launchBrowser connects to by the address left in the environment the test files'
// processes inherit. Closed when the run ends.
import { type BrowserServer, chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../../src/commissioning/index.ts";
import { browserSkip, CHROMIUM_PATH, SHARED_BROWSER_ENV } from "./browser.ts";

let server: BrowserServer | undefined;

export async function globalSetup(): Promise<void> {
  if (browserSkip || process.env[SHARED_BROWSER_ENV]) return;
  server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  process.env[SHARED_BROWSER_ENV] = server.wsEndpoint();
}

export async function globalTeardown(): Promise<void> {
  await server?.close();
}
