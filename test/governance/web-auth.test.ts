import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { createApiToken, revokeApiToken } from "../../src/governance/sessions.ts";
import { createLogger, readSettings } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  insertPerson,
  insertRegistered,
  makePerson,
  seedUsers,
  TEST_OPERATOR,
  testAuthConfig,
} from "./fixtures.ts";

const PASSWORD = "riverside surgery morning list";
const CONFIG = testAuthConfig({ maxFailedLogins: 3, loginAttemptsPerMinute: 1_000 });

type App = Awaited<ReturnType<typeof createWebServer>>;
type Res = Awaited<ReturnType<App["inject"]>>;

function setCookies(res: Res): string[] {
  const raw = res.headers["set-cookie"];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}
function cookieValue(res: Res, name: string): string | null {
  for (const c of setCookies(res))
    if (c.startsWith(`${name}=`)) return c.slice(name.length + 1).split(";")[0];
  return null;
}

let t: TestDb;
let app: App;
const logs: string[] = [];
const person = makePerson({ familyName: "Webperson", givenName: "Winifred" });
const stranger = makePerson({ familyName: "Unrelatedperson" });

/** A GET carrying these credentials (a session cookie or a bearer token) or other headers. */
function getAs(url: string, headers: Record<string, string> = {}): Promise<Res> {
  return app.inject({ method: "GET", url, headers });
}

async function loginForm(server: App = app): Promise<{ csrf: string; cookie: string }> {
  const page = await server.inject({ method: "GET", url: "/login" });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
  return { csrf, cookie: `__Host-oneplace_login=${cookieValue(page, "__Host-oneplace_login")}` };
}

async function login(username: string, password: string, server: App = app, next?: string): Promise<Res> {
  const { csrf, cookie } = await loginForm(server);
  const form = new URLSearchParams({ username, password, _csrf: csrf, ...(next ? { next } : {}) });
  return server.inject({
    method: "POST",
    url: "/login",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    payload: form.toString(),
  });
}

async function session(username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await login(username, PASSWORD);
  assert.equal(res.statusCode, 303, res.body);
  const cookie = `__Host-oneplace_session=${cookieValue(res, "__Host-oneplace_session")}`;
  const me = await getAs("/api/me", { cookie });
  return { cookie, csrf: me.json().csrfToken };
}

before(async () => {
  t = await openTestDb();
  await seedUsers(t.db, [
    ["dr.web", "gp", "practice", PASSWORD],
    ["nurse.web", "community-clinician", "community", PASSWORD],
    ["locked.web", "gp", "practice", PASSWORD],
    ["analyst.web", "commissioner-analyst", "commissioning", PASSWORD],
  ]);
  await insertRegistered(t.db, [person]);
  await insertPerson(t.db, stranger);
  const destination = new Writable({
    write(chunk, _e, done) {
      logs.push(String(chunk));
      done();
    },
  });
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ destination }),
    placeName: "Test",
    auth: CONFIG,
  });
});
after(async () => {
  await app.close();
  await t.dispose();
});

describe("signing in", () => {
  test("the login page is NHS.UK-styled and sets a strict, secure login CSRF cookie", async () => {
    const res = await app.inject({ method: "GET", url: "/login" });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1[^>]*>Sign in to OnePlace<\/h1>/);
    assert.match(res.body, /nhsuk-header/);
    assert.match(
      res.body,
      /<input[^>]*id="password"[^>]*type="password"|<input[^>]*type="password"[^>]*id="password"/,
    );
    assert.match(res.body, /autocomplete="current-password"/);
    const cookie = setCookies(res).find((c) => c.startsWith("__Host-oneplace_login="));
    assert.ok(cookie);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; Path=\//);
    assert.equal(res.headers["cache-control"], "no-store");
  });

  test("a good password starts a server-side session in a secure, HTTP-only, SameSite cookie", async () => {
    const res = await login("dr.web", PASSWORD);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, "/");
    const cookie = setCookies(res).find((c) => c.startsWith("__Host-oneplace_session="));
    assert.ok(cookie);
    for (const attr of ["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=43200"])
      assert.match(cookie, new RegExp(`; ${attr}`));
    const token = cookieValue(res, "__Host-oneplace_session") as string;
    const stored = await t.db.query<{ token_hash: string }>("SELECT token_hash FROM user_session");
    assert.ok(stored.length >= 1);
    assert.ok(stored.every((s) => s.token_hash !== token && /^[0-9a-f]{64}$/.test(s.token_hash)));
    const me = await getAs("/api/me", { cookie: `__Host-oneplace_session=${token}` });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().username, "dr.web");
    assert.deepEqual(me.json().actingAs, {
      roleCode: "gp",
      teamCode: "riverside-practice",
      purpose: "direct-care",
    });
  });

  test("the next page after sign-in stays on this site", async () => {
    assert.equal((await login("dr.web", PASSWORD, app, "/api/me")).headers.location, "/api/me");
    assert.equal((await login("dr.web", PASSWORD, app, "//evil.example/x")).headers.location, "/");
    assert.equal((await login("dr.web", PASSWORD, app, "https://evil.example/")).headers.location, "/");
  });

  test("a form without its CSRF cookie is refused", async () => {
    const { csrf } = await loginForm();
    const res = await app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ username: "dr.web", password: PASSWORD, _csrf: csrf }).toString(),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(cookieValue(res, "__Host-oneplace_session"), null);
  });

  test("a wrong password and an unknown user get the same answer", async () => {
    const wrong = await login("dr.web", "not the right password");
    const unknown = await login("nobody.here", "not the right password");
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const message = (body: string) =>
      /nhsuk-error-summary[\s\S]*?<a href="#username">([^<]+)<\/a>/.exec(body)?.[1];
    assert.ok(message(wrong.body));
    assert.equal(message(wrong.body), message(unknown.body));
    await login("dr.web", PASSWORD); // a success resets the count
  });

  test("after repeated failures the account locks, even against the right password", async () => {
    for (let i = 0; i < CONFIG.maxFailedLogins; i++)
      assert.equal((await login("locked.web", "guess number one")).statusCode, 401);
    assert.equal((await login("locked.web", PASSWORD)).statusCode, 401);
    const rows = await t.db.query<{ reason: string; allowed: boolean }>(
      "SELECT reason, allowed FROM audit_event WHERE action = 'login' AND actor = 'locked.web' ORDER BY seq",
    );
    assert.match(rows[CONFIG.maxFailedLogins - 1].reason, /locked for 15 minutes after 3 failures/);
    assert.equal(rows.at(-1)?.reason, "account locked after failed sign-ins");
    assert.ok(rows.every((r) => !r.allowed));
  });

  test("sign-in attempts are rate limited per client address", async () => {
    const limited = await createWebServer({
      db: t.db,
      logger: createLogger({ level: "silent" }),
      placeName: "Test",
      auth: { ...CONFIG, loginAttemptsPerMinute: 2 },
    });
    try {
      assert.equal((await login("dr.web", "x-wrong-password-1", limited)).statusCode, 401);
      assert.equal((await login("dr.web", "x-wrong-password-2", limited)).statusCode, 401);
      const third = await login("dr.web", PASSWORD, limited);
      assert.equal(third.statusCode, 429);
      assert.ok(Number(third.headers["retry-after"]) > 0);
    } finally {
      await limited.close();
    }
    await login("dr.web", PASSWORD); // reset dr.web's failure count on the main server
  });

  test("sign-out needs the session's CSRF token, then the session is gone", async () => {
    const s = await session("dr.web");
    const noToken = await app.inject({ method: "POST", url: "/logout", headers: { cookie: s.cookie } });
    assert.equal(noToken.statusCode, 403);
    const otherSite = await app.inject({
      method: "POST",
      url: "/logout",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf, origin: "https://evil.example" },
    });
    assert.equal(otherSite.statusCode, 403);
    const out = await app.inject({
      method: "POST",
      url: "/logout",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
    });
    assert.equal(out.statusCode, 303);
    assert.equal((await getAs("/api/me", { cookie: s.cookie })).statusCode, 401);
  });
});

describe("the Origin a signed-in browser's POST must come from", () => {
  test("with a public address configured, only its origin is accepted, even when the Host header matches a forged Origin", async () => {
    const configured = await createWebServer({
      db: t.db,
      logger: createLogger({ level: "silent" }),
      placeName: "Test",
      auth: CONFIG,
      admissionNotifier: false,
      settings: readSettings({
        ...process.env,
        ONEPLACE_PUBLIC_URL: "https://oneplace.example.nhs.uk/thurrock",
      }),
    });
    try {
      const s = await session("dr.web");
      const logout = (headers: Record<string, string>) =>
        configured.inject({
          method: "POST",
          url: "/logout",
          headers: { cookie: s.cookie, "x-csrf-token": s.csrf, ...headers },
        });
      const forged = await logout({ origin: "https://evil.example", host: "evil.example" });
      assert.equal(forged.statusCode, 403);
      assert.match(forged.body, /another site/);
      // Another scheme or port of the same host is another origin.
      for (const origin of ["http://oneplace.example.nhs.uk", "https://oneplace.example.nhs.uk:8443"]) {
        const res = await logout({ origin, host: new URL(origin).host });
        assert.equal(res.statusCode, 403, origin);
      }
      assert.equal((await getAs("/api/me", { cookie: s.cookie })).statusCode, 200, "still signed in");
      // Behind a proxy the Host header may be an internal address: the configured origin is what counts.
      const ours = await logout({ origin: "https://oneplace.example.nhs.uk", host: "10.0.0.7:3000" });
      assert.equal(ours.statusCode, 303, ours.body);
      assert.equal((await getAs("/api/me", { cookie: s.cookie })).statusCode, 401, "signed out");
    } finally {
      await configured.close();
    }
  });

  test("with no public address configured, the Origin must match the request's Host header", async () => {
    const s = await session("dr.web");
    const logout = (headers: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/logout",
        headers: { cookie: s.cookie, "x-csrf-token": s.csrf, ...headers },
      });
    assert.equal((await logout({ origin: "https://evil.example", host: "localhost:3000" })).statusCode, 403);
    assert.equal((await logout({ origin: "not a url", host: "localhost:3000" })).statusCode, 403);
    const same = await logout({ origin: "http://localhost:3000", host: "localhost:3000" });
    assert.equal(same.statusCode, 303, same.body);
  });
});

describe("closed by default", () => {
  test("the status page, health and assets stay public; everything else needs a sign-in", async () => {
    for (const url of ["/status", "/health", "/api/status", "/login"]) {
      assert.equal((await app.inject({ method: "GET", url })).statusCode, 200, url);
    }
    const api = await app.inject({ method: "GET", url: "/api/me" });
    assert.equal(api.statusCode, 401);
    assert.match(String(api.headers["content-type"]), /problem\+json/);
    const page = await getAs("/api/register", { accept: "text/html" });
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, "/login?next=%2Fapi%2Fregister");
    const forged = await getAs("/api/me", { cookie: "__Host-oneplace_session=forged-token" });
    assert.equal(forged.statusCode, 401);
  });

  test("bearer tokens: a valid one acts in its role; a wrong, expired or revoked one is refused", async () => {
    const { token, tokenId } = await createApiToken(t.db, TEST_OPERATOR, {
      username: "nurse.web",
      roleCode: "community-clinician",
      teamCode: "district-nursing",
      name: "test system",
      days: 1,
    });
    const me = await getAs("/api/me", { authorization: `Bearer ${token}` });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().via, "api-token");
    const wrong = await getAs("/api/me", { authorization: `Bearer ${token}x` });
    assert.equal(wrong.statusCode, 401);
    assert.match(String(wrong.headers["www-authenticate"]), /invalid_token/);
    const malformed = await getAs("/api/me", { authorization: "Basic Zm9vOmJhcg==" });
    assert.equal(malformed.statusCode, 401);
    const old = await createApiToken(t.db, TEST_OPERATOR, {
      username: "nurse.web",
      roleCode: "community-clinician",
      teamCode: "district-nursing",
      name: "old",
      days: 1,
    });
    await t.db.query("UPDATE api_token SET expires_at = now() - interval '1 minute' WHERE token_id = $1", [
      old.tokenId,
    ]);
    assert.equal((await getAs("/api/me", { authorization: `Bearer ${old.token}` })).statusCode, 401);
    await revokeApiToken(t.db, TEST_OPERATOR, tokenId);
    assert.equal((await getAs("/api/me", { authorization: `Bearer ${token}` })).statusCode, 401);
  });
});

describe("personal data through the choke point", () => {
  test("a GP sees a registered patient; a nurse without a relationship gets 403; both are audited", async () => {
    const gp = await session("dr.web");
    const seen = await getAs(`/api/people/${person.personId}`, { cookie: gp.cookie });
    assert.equal(seen.statusCode, 200);
    assert.equal(seen.json().nhsNumber, person.nhsNumber);
    assert.equal(seen.json().relationship, "registered");
    const nurse = await session("nurse.web");
    const refused = await getAs(`/api/people/${person.personId}`, { cookie: nurse.cookie });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().detail, "no legitimate relationship");
    assert.doesNotMatch(refused.body, /Webperson|Winifred/);
    const audit = await t.db.query<{
      actor: string;
      allowed: boolean;
      channel: string;
      detail: string;
      client_address: string;
    }>(
      "SELECT actor, allowed, channel, detail, client_address FROM audit_event WHERE $1 = ANY (person_ids) ORDER BY seq",
      [person.personId],
    );
    assert.deepEqual(
      audit.map((a) => [a.actor, a.allowed]),
      [
        ["dr.web", true],
        ["nurse.web", false],
      ],
    );
    assert.equal(audit[0].channel, "web");
    assert.equal(audit[0].detail, "GET /api/people/:personId");
    assert.ok(audit[0].client_address);
  });

  test("break-glass through the API: a reason is required, then access is granted and flagged", async () => {
    const nurse = await session("nurse.web");
    const url = `/api/people/${stranger.personId}`;
    const headers = { cookie: nurse.cookie, "x-csrf-token": nurse.csrf, "content-type": "application/json" };
    const short = await app.inject({
      method: "POST",
      url: `${url}/break-glass`,
      headers,
      payload: { reason: "urgent" },
    });
    assert.equal(short.statusCode, 403);
    assert.match(short.json().detail, /at least 10 characters/);
    const noCsrf = await app.inject({
      method: "POST",
      url: `${url}/break-glass`,
      headers: { cookie: nurse.cookie, "content-type": "application/json" },
      payload: { reason: "Collapsed at the clinic, needs history" },
    });
    assert.equal(noCsrf.statusCode, 403);
    const glass = await app.inject({
      method: "POST",
      url: `${url}/break-glass`,
      headers,
      payload: { reason: "Collapsed at the clinic, needs history" },
    });
    assert.equal(glass.statusCode, 201, glass.body);
    assert.equal(glass.json().relationship, "break-glass");
    const seen = await app.inject({ method: "GET", url, headers: { cookie: nurse.cookie } });
    assert.equal(seen.statusCode, 200);
    assert.equal(seen.json().relationship, "break-glass");
    const flagged = await t.db.query("SELECT 1 FROM audit_event WHERE flagged AND $1 = ANY (person_ids)", [
      stranger.personId,
    ]);
    assert.equal(flagged.length, 2);
    assert.match(logs.join(""), /break-glass access: flagged to the IG officer/);
  });

  test("input is validated: a malformed person id is a 400 before any lookup", async () => {
    const gp = await session("dr.web");
    const res = await getAs("/api/people/1%27%20OR%201%3D1", { cookie: gp.cookie });
    assert.equal(res.statusCode, 400);
  });

  test("the practice register lists only people the GP may see", async () => {
    const gp = await session("dr.web");
    const res = await getAs("/api/register", { cookie: gp.cookie });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().map((p: { personId: string }) => p.personId),
      [person.personId],
    );
  });

  test("a session can act in another role the user holds, and only one they hold", async () => {
    const gp = await session("dr.web");
    const headers = { cookie: gp.cookie, "x-csrf-token": gp.csrf, "content-type": "application/json" };
    const bad = await app.inject({
      method: "POST",
      url: "/api/me/acting-as",
      headers,
      payload: { roleCode: "commissioner-analyst", teamCode: "commissioning", purpose: "commissioning" },
    });
    assert.equal(bad.statusCode, 403);
  });

  test("request logs never carry the people's names, NHS Numbers, dates of birth, postcodes or passwords", () => {
    const all = logs.join("");
    for (const p of [person, stranger]) {
      for (const secret of [p.familyName, p.givenName, p.nhsNumber, p.birthDate, p.postcode])
        assert.ok(!all.includes(secret), secret);
    }
    assert.ok(!all.includes(PASSWORD));
  });
});
