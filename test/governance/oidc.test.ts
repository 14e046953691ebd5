// OpenID Connect sign-in against a stub identity provider this test starts on 127.0.0.1.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { authConfigFromEnv } from "../../src/governance/auth-config.ts";
import { createLogger } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { createTeams, createUserInRole, insertOrganisations } from "./fixtures.ts";

const CLIENT_ID = "oneplace-test";
const CLIENT_SECRET = "stub-client-secret-value";
const REDIRECT = "http://127.0.0.1:3999/login/oidc/callback";

interface Behaviour {
  sub: string;
  username: string;
  nonce?: string; // override the nonce in the token
  signWithOtherKey?: boolean;
  audience?: string;
}

let idp: Server;
let issuer: string;
let behaviour: Behaviour = { sub: "sub-1", username: "dr.oidc" };
const codes = new Map<string, { nonce: string; challenge: string; behaviour: Behaviour }>();
let t: TestDb;
let app: Awaited<ReturnType<typeof createWebServer>>;

before(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const other = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  idp = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
      });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      if (
        p.get("client_id") !== CLIENT_ID ||
        p.get("redirect_uri") !== REDIRECT ||
        p.get("code_challenge_method") !== "S256"
      ) {
        return json(400, { error: "invalid_request" });
      }
      const code = `code-${codes.size + 1}`;
      codes.set(code, {
        nonce: p.get("nonce") as string,
        challenge: p.get("code_challenge") as string,
        behaviour,
      });
      res.writeHead(302, {
        location: `${REDIRECT}?code=${code}&state=${encodeURIComponent(p.get("state") as string)}`,
      });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      // RFC 6749 2.3.1: the id and secret are form-encoded before Basic, so a provider decodes each.
      const basic = Buffer.from(
        String(req.headers.authorization).replace(/^Basic /, ""),
        "base64",
      ).toString();
      const [id, secret] = basic.split(":").map((part) => decodeURIComponent(part.replaceAll("+", " ")));
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: "invalid_client" });
      const grant = codes.get(form.get("code") as string);
      codes.delete(form.get("code") as string);
      const verifier = form.get("code_verifier") as string;
      if (!grant || createHash("sha256").update(verifier).digest("base64url") !== grant.challenge)
        return json(400, { error: "invalid_grant" });
      const b = grant.behaviour;
      const idToken = await new SignJWT({ nonce: b.nonce ?? grant.nonce, preferred_username: b.username })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(issuer)
        .setSubject(b.sub)
        .setAudience(b.audience ?? CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(b.signWithOtherKey ? other.privateKey : privateKey);
      return json(200, { access_token: "x", token_type: "Bearer", id_token: idToken });
    }
    json(404, {});
  });
  await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
  const address = idp.address();
  issuer = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const dir = mkdtempSync(join(tmpdir(), "op-oidc-"));
  writeFileSync(join(dir, "secret"), `${CLIENT_SECRET}\n`, { mode: 0o600 });
  const auth = authConfigFromEnv({
    ONEPLACE_OIDC_ISSUER: issuer,
    ONEPLACE_OIDC_CLIENT_ID: CLIENT_ID,
    ONEPLACE_OIDC_CLIENT_SECRET_FILE: join(dir, "secret"),
    ONEPLACE_OIDC_REDIRECT_URL: REDIRECT,
    ONEPLACE_OIDC_LABEL: "Test Identity",
    ONEPLACE_LOGIN_RATE_LIMIT: "1000",
  });
  t = await openTestDb();
  await insertOrganisations(t.db);
  await createTeams(t.db);
  await createUserInRole(t.db, "dr.oidc", "gp", "practice");
  await createUserInRole(t.db, "other.oidc", "gp", "practice");
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Test",
    auth,
  });
});
after(async () => {
  await app.close();
  await t.dispose();
  await new Promise((resolve) => idp.close(resolve));
});

/** Runs the browser's part: start, visit the provider, come back. Returns the callback response. */
async function signIn(options: { keepStateCookie?: boolean; replay?: boolean; extra?: string } = {}) {
  const start = await app.inject({ method: "GET", url: "/login/oidc" });
  assert.equal(start.statusCode, 302);
  const location = String(start.headers.location);
  assert.ok(location.startsWith(`${issuer}/authorize?`));
  const params = new URL(location).searchParams;
  assert.equal(params.get("code_challenge_method"), "S256");
  assert.ok(params.get("nonce") && params.get("state"));
  const stateCookie = String(start.headers["set-cookie"]).split(";")[0];
  assert.match(stateCookie, /^__Host-oneplace_oidc=/);
  const atIdp = await fetch(location, { redirect: "manual" });
  const back = new URL(String(atIdp.headers.get("location")));
  const callback = () =>
    app.inject({
      method: "GET",
      url: `/login/oidc/callback${back.search}${options.extra ?? ""}`,
      headers: options.keepStateCookie === false ? {} : { cookie: stateCookie },
    });
  const first = await callback();
  return options.replay ? callback() : first;
}

function sessionCookie(res: Awaited<ReturnType<typeof signIn>>): string | null {
  const raw = res.headers["set-cookie"];
  const all = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const c = all.find(
    (x) => x.startsWith("__Host-oneplace_session=") && !x.startsWith("__Host-oneplace_session=;"),
  );
  return c ? c.split(";")[0] : null;
}

test("the login page offers the configured identity provider", async () => {
  const page = await app.inject({ method: "GET", url: "/login" });
  assert.match(page.body, /href="\/login\/oidc">Sign in with Test Identity/);
});

test("a known user signs in through the provider and the subject is linked", async () => {
  behaviour = { sub: "sub-1", username: "dr.oidc" };
  const res = await signIn();
  assert.equal(res.statusCode, 303, res.body);
  const cookie = sessionCookie(res);
  assert.ok(cookie);
  const me = await app.inject({ method: "GET", url: "/api/me", headers: { cookie } });
  assert.equal(me.json().username, "dr.oidc");
  const linked = await t.db.query<{ oidc_subject: string; oidc_issuer: string }>(
    "SELECT oidc_subject, oidc_issuer FROM app_user WHERE username = 'dr.oidc'",
  );
  assert.deepEqual(linked[0], { oidc_subject: "sub-1", oidc_issuer: issuer });
  const again = await signIn();
  assert.equal(again.statusCode, 303);
});

test("refused: another subject for a linked user, an unknown user, a bad signature, a wrong nonce or audience", async () => {
  const cases: [Behaviour, RegExp][] = [
    [{ sub: "sub-evil", username: "dr.oidc" }, /linked to a different identity/],
    [{ sub: "sub-2", username: "nobody.oidc" }, /no OnePlace user/],
    [{ sub: "sub-3", username: "other.oidc", signWithOtherKey: true }, /did not verify/],
    [{ sub: "sub-3", username: "other.oidc", nonce: "forged" }, /nonce/],
    [{ sub: "sub-3", username: "other.oidc", audience: "another-client" }, /did not verify/],
  ];
  for (const [b, reason] of cases) {
    behaviour = b;
    const res = await signIn();
    assert.equal(res.statusCode, 401, `${b.username} ${b.sub}`);
    assert.equal(sessionCookie(res), null);
    assert.match(res.body.replaceAll("&#39;", "'"), reason);
  }
  const audit = await t.db.query<{ n: number }>(
    "SELECT count(*) AS n FROM audit_event WHERE action = 'login' AND NOT allowed AND reason LIKE 'OpenID Connect:%'",
  );
  assert.equal(audit[0].n, cases.length);
});

test("refused: a callback in a browser that did not start the sign-in, and a replayed callback", async () => {
  behaviour = { sub: "sub-1", username: "dr.oidc" };
  const elsewhere = await signIn({ keepStateCookie: false });
  assert.equal(elsewhere.statusCode, 401);
  assert.match(elsewhere.body, /did not start in this browser/);
  const replayed = await signIn({ replay: true });
  assert.equal(replayed.statusCode, 401);
  assert.match(replayed.body, /unknown or expired/);
});

test("the callback's iss is checked (RFC 9207): another provider's is refused, this one's accepted", async () => {
  behaviour = { sub: "sub-1", username: "dr.oidc" };
  const mixedUp = await signIn({ extra: `&iss=${encodeURIComponent("https://other-provider.example")}` });
  assert.equal(mixedUp.statusCode, 401);
  assert.equal(sessionCookie(mixedUp), null);
  assert.match(mixedUp.body.replaceAll("&#39;", "'"), /issuer is not this identity provider/);
  const [refused] = await t.db.query<{ reason: string }>(
    "SELECT reason FROM audit_event WHERE action = 'login' AND NOT allowed ORDER BY seq DESC LIMIT 1",
  );
  assert.match(refused.reason, /OpenID Connect: the callback's issuer is not this identity provider/);
  const fine = await signIn({ extra: `&iss=${encodeURIComponent(issuer)}` });
  assert.equal(fine.statusCode, 303, fine.body);
});

test("configuration comes from the environment and is checked", () => {
  assert.throws(
    () => authConfigFromEnv({ ONEPLACE_OIDC_ISSUER: "https://id.example" }),
    /ONEPLACE_OIDC_CLIENT_SECRET_FILE/,
  );
  assert.throws(
    () =>
      authConfigFromEnv({
        ONEPLACE_OIDC_ISSUER: "http://id.example",
        ONEPLACE_OIDC_CLIENT_ID: "x",
        ONEPLACE_OIDC_CLIENT_SECRET_FILE: "/nonexistent/secret",
        ONEPLACE_OIDC_REDIRECT_URL: "https://oneplace.example/login/oidc/callback",
      }),
    /cannot read/,
  );
  assert.throws(() => authConfigFromEnv({ ONEPLACE_COOKIE_SECURE: "maybe" }), /true or false/);
  assert.equal(authConfigFromEnv({}).cookieSecure, true);
  assert.equal(authConfigFromEnv({}).oidc, null);
  assert.equal(authConfigFromEnv({ ONEPLACE_COOKIE_SECURE: "false" }).cookieSecure, false);
});
