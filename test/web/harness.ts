import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { after, before } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createApiToken, type Purpose } from "../../src/governance/index.ts";
import { createLogger, type Db } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/server.ts";
import { TEST_OPERATOR, testAuthConfig } from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

export type WebApp = Awaited<ReturnType<typeof createWebServer>>;
export type WebServerOptions = Parameters<typeof createWebServer>[0];

import { browserSkip, launchBrowser } from "../helpers/browser.ts";

export { browserSkip, CHROMIUM_PATH, launchBrowser } from "../helpers/browser.ts";

/** A web server for app.inject whose log lines (JSON, one per line) land in `logLines`. */
export async function webServerWithLog(
  db: Db,
  placeName = "Testplace",
): Promise<{ app: WebApp; logLines: string[] }> {
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const app = await createWebServer({ db, logger: createLogger({ destination }), placeName });
  return { app, logLines };
}

/** A silent web server listening on a free port of 127.0.0.1, and its base URL for a browser. */
export async function listeningWebServer(
  options: Omit<WebServerOptions, "logger">,
): Promise<{ app: WebApp; base: string }> {
  const app = await createWebServer({ ...options, logger: createLogger({ level: "silent" }) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}` };
}

/** The pieces of a web test file, filled in by the before hook webSuite registers. */
export interface WebSuite {
  t: TestDb;
  app: WebApp;
  logLines: string[];
}

/**
 * Registers the file's before and after: a test database made ready by `prepare`, a web server on it for
 * app.inject (its log lines kept), closed and disposed at the end. `routes` adds test-only routes.
 */
export function webSuite({
  prepare,
  routes,
  placeName,
}: {
  prepare?: (db: Db) => Promise<void>;
  routes?: (app: WebApp) => void;
  placeName?: string;
} = {}): WebSuite {
  const suite = {} as WebSuite;
  before(async () => {
    suite.t = await openTestDb();
    await prepare?.(suite.t.db);
    Object.assign(suite, await webServerWithLog(suite.t.db, placeName));
    routes?.(suite.app);
  });
  after(async () => {
    await suite.app?.close();
    await suite.t?.dispose();
  });
  return suite;
}

/**
 * Gives `username` a day's API token named `name` for `roleCode` in `teamCode` (with `purpose` when given) and
 * keeps it in `tokens` under the username, for `bearerRequests`.
 */
export async function addApiToken(
  db: Db,
  tokens: Map<string, string>,
  name: string,
  user: { username: string; roleCode: string; teamCode: string; purpose?: Purpose },
): Promise<void> {
  const { token } = await createApiToken(db, TEST_OPERATOR, { ...user, name, days: 1 });
  tokens.set(user.username, token);
}

/**
 * app.inject as a user by their bearer token from `tokens` (no token when `who` is left out), with `headers`
 * on every request and `more` on one: GET, POST of a JSON `payload`, POST of a form.
 */
export function bearerRequests(
  web: WebSuite,
  tokens: Map<string, string>,
  headers: Record<string, string> = {},
) {
  const as = (who: string | undefined, more: Record<string, string>) => ({
    ...(who === undefined ? {} : { authorization: `Bearer ${tokens.get(who)}` }),
    ...headers,
    ...more,
  });
  return {
    get: (url: string, who?: string, more: Record<string, string> = {}) =>
      web.app.inject({ method: "GET", url, headers: as(who, more) }),
    post: (
      url: string,
      who: string,
      payload: Record<string, unknown> = {},
      more: Record<string, string> = {},
    ) => web.app.inject({ method: "POST", url, headers: as(who, more), payload }),
    postForm: (url: string, who: string, form: Record<string, string>) =>
      web.app.inject({
        method: "POST",
        url,
        headers: as(who, { "content-type": "application/x-www-form-urlencoded" }),
        payload: new URLSearchParams(form).toString(),
      }),
  };
}

/** The pieces of a browser test file, filled in by the before hook browserSuite registers. */
export interface BrowserSuite {
  t: TestDb;
  app: WebApp;
  base: string;
  browser: Browser;
}

/**
 * Registers the file's before and after (nothing when the browser tests are skipped): a test database made
 * ready by `prepare`, a web server listening on it (place "Browser" and `BROWSER_AUTH` unless `server` says
 * otherwise), and Chromium, all closed at the end.
 */
export function browserSuite(
  server: Partial<Omit<WebServerOptions, "db" | "logger">>,
  prepare: (db: Db) => Promise<void>,
): BrowserSuite {
  const suite = {} as BrowserSuite;
  before(async () => {
    if (browserSkip) return;
    suite.t = await openTestDb();
    await prepare(suite.t.db);
    Object.assign(
      suite,
      await listeningWebServer({ placeName: "Browser", auth: BROWSER_AUTH, ...server, db: suite.t.db }),
    );
    suite.browser = await launchBrowser();
  });
  after(async () => {
    if (browserSkip) return;
    await suite.browser?.close();
    await suite.app?.close();
    await suite.t?.dispose();
  });
  return suite;
}

/**
 * The auth settings of a browser test: the documented development setting (cookies without Secure, over plain
 * http on 127.0.0.1) and room for a journey's sign-ins.
 */
export const BROWSER_AUTH = testAuthConfig({ loginAttemptsPerMinute: 50, cookieSecure: false });

/** The `name=value` of the cookie called `name` among a response's Set-Cookie headers, if it sets one. */
function setCookie(raw: string | string[] | undefined, name: string): string | undefined {
  return (Array.isArray(raw) ? raw : [String(raw)]).find((c) => c.startsWith(`${name}=`))?.split(";")[0];
}

/**
 * Signs `username` in through the sign-in form, over inject (no browser): the form's CSRF token and login
 * cookie, the POST (asserted 303), then /api/me for the session's CSRF token.
 */
export async function injectSignIn(
  app: WebApp,
  username: string,
  password: string,
): Promise<{ cookie: string; csrf: string }> {
  const page = await app.inject({ method: "GET", url: "/login" });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
  const loginCookie = setCookie(page.headers["set-cookie"], "__Host-oneplace_login") as string;
  const res = await app.inject({
    method: "POST",
    url: "/login",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: loginCookie },
    payload: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = setCookie(res.headers["set-cookie"], "__Host-oneplace_session") as string;
  const me = await app.inject({ method: "GET", url: "/api/me", headers: { cookie } });
  return { cookie, csrf: me.json().csrfToken as string };
}

/** Fills the sign-in form on the page and submits it: with the mouse, or `keyboard` only (type, then Enter). */
export async function submitSignIn(
  page: Page,
  username: string,
  password: string,
  { keyboard = false }: { keyboard?: boolean } = {},
): Promise<void> {
  if (!keyboard) {
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    return;
  }
  for (const [label, text] of [
    ["Username", username],
    ["Password", password],
  ]) {
    await page.getByLabel(label, { exact: true }).focus();
    await page.keyboard.type(text);
  }
  await page.keyboard.press("Enter");
}

/**
 * Signs in with the form as a person would: goes to `next`, is sent to the sign-in page (asserted, with `next`
 * kept), signs in, and waits to land back on `next`.
 */
export async function signInWithForm(
  page: Page,
  base: string,
  username: string,
  password: string,
  next = "/",
  options: { keyboard?: boolean } = {},
): Promise<void> {
  await page.goto(`${base}${next}`, { waitUntil: "load" });
  assert.equal(
    page.url(),
    `${base}/login?next=${encodeURIComponent(next)}`,
    `signed out, ${next} sends to the sign-in page`,
  );
  await submitSignIn(page, username, password, options);
  await page.waitForURL(`${base}${next}`);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it is now ("id (impact): nodes"); `seriousOnly`: serious and critical. */
export async function axeViolations(
  page: Page,
  { seriousOnly = false }: { seriousOnly?: boolean } = {},
): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, n: v.nodes.length })))",
  )) as { id: string; impact: string; n: number }[];
  return violations
    .filter((v) => !seriousOnly || v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.n}`);
}

/** Asserts axe-core finds no violations on the page as it is now. */
export async function assertAxeClean(
  page: Page,
  where = page.url(),
  options: { seriousOnly?: boolean } = {},
): Promise<void> {
  assert.deepEqual(await axeViolations(page, options), [], `axe on ${where}`);
}
