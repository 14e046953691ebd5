// The demo's citizen sign-in, over HTTP: `oneplace demo` gives the web server a demo-only provider shaped like
// NHS login (src/web/demo-citizen-idp.ts) that offers synthetic people with a joint plan made at an MDT; a person
// picked there signs in through OnePlace's real citizen flow (discovery, PKCE, state, nonce, iss, UserInfo's NHS
// Number and date of birth) and sees their plan and lead professional. The provider refuses what NHS login
// would (a wrong client secret, a reused code, another redirect address), exists only when the demo asks for it
// on this machine, and gives way to a configured provider.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authConfigFromEnv } from "../../src/governance/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import {
  DEFAULT_SYNTH_CONFIG,
  type DemoCitizenChoice,
  demoCitizens,
  loadCareHistory,
  loadCareRelationships,
  loadSyntheticPlace,
} from "../../src/synth/index.ts";
import { demoIssuerFor } from "../../src/web/demo-citizen-idp.ts";
import { createWebServer } from "../../src/web/index.ts";
import { freePort } from "../helpers/free-port.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import type { WebApp } from "./harness.ts";

let t: TestDb;
let app: WebApp;
let base = "";
let citizens: DemoCitizenChoice[];

before(async () => {
  t = await openTestDb();
  await loadSyntheticPlace(t.db, { ...DEFAULT_SYNTH_CONFIG, seed: "demo-citizens", people: 3000 });
  await loadCareRelationships(t.db);
  await loadCareHistory(t.db);
  citizens = await demoCitizens(t.db);
  const port = await freePort();
  base = `http://localhost:${port}`;
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Demo",
    auth: authConfigFromEnv({}),
    admissionNotifier: false,
    demoCitizenIdp: { baseUrl: base, citizens },
  });
  await app.listen({ host: "127.0.0.1", port });
});
after(async () => {
  await app?.close();
  await t?.dispose();
});

/** The named cookie's "name=value" from a response's set-cookie headers. */
function cookieOf(response: Response, name: string): string {
  const found = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  assert.ok(found, `cookie ${name} is set`);
  return found.split(";")[0];
}

/** Start the sign-in and open the demo provider's page: the page, its form's fields and the state cookie. */
async function openPicker() {
  const start = await fetch(`${base}/citizen/sign-in/start`, { redirect: "manual" });
  assert.equal(start.status, 302, await start.text());
  const state = cookieOf(start, "__Host-oneplace_citizen_oidc");
  const authorize = String(start.headers.get("location"));
  assert.ok(authorize.startsWith(`${base}/demo-nhs-login/authorize?`), authorize);
  const picker = await fetch(authorize);
  const html = await picker.text();
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1],
      m[2].replaceAll("&amp;", "&"),
    ]),
  );
  return { picker, html, fields, state };
}

test("the demo offers synthetic people with a joint plan, and one without", () => {
  assert.ok(citizens.length >= 2, `demo citizens: ${citizens.length}`);
  assert.ok(citizens.some((c) => /has a joint care plan/.test(c.label)));
  assert.ok(citizens.some((c) => /no care plan/.test(c.label)));
  for (const c of citizens) assert.match(c.nhsNumber, /^999\d{7}$/, "synthetic NHS Numbers only");
});

test("a citizen picks a synthetic person at the demo provider, signs in through the real flow, and sees their plan and lead professional", async () => {
  const { picker, html, fields, state } = await openPicker();
  assert.equal(picker.status, 200);
  assert.match(html, /Demo sign-in: this is not NHS login/);
  assert.ok(html.includes(citizens[0].label.split(",")[0]), "the people to pick from are listed");
  assert.ok(fields.code_challenge && fields.state && fields.nonce);

  const chosen = await fetch(`${base}/demo-nhs-login/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, who: "0" }).toString(),
  });
  assert.equal(chosen.status, 303);
  const back = new URL(String(chosen.headers.get("location")));
  assert.equal(`${back.origin}${back.pathname}`, `${base}/citizen/sign-in/callback`);
  assert.equal(back.searchParams.get("iss"), demoIssuerFor(base));

  const callback = await fetch(back, { redirect: "manual", headers: { cookie: state, accept: "text/html" } });
  assert.equal(callback.status, 303, await callback.text());
  assert.equal(callback.headers.get("location"), "/citizen");
  const session = cookieOf(callback, "__Host-oneplace_citizen");

  const home = await fetch(`${base}/citizen`, { headers: { cookie: session, accept: "text/html" } });
  const body = await home.text();
  assert.equal(home.status, 200);
  // The plan the MDT started and its lead professional, as the care record holds them.
  const [plan] = await t.db.query<{ lead: string; matters: string }>(
    `SELECT u.display_name AS lead, v.content ->> 'whatMattersToMe' AS matters
       FROM person p JOIN care_plan_version v ON v.person_id = p.person_id AND v.latest AND v.status = 'signed-off'
       JOIN app_user u ON u.user_id = v.lead_user_id
      WHERE p.nhs_number = $1 ORDER BY v.saved_at DESC LIMIT 1`,
    [citizens[0].nhsNumber],
  );
  assert.ok(plan, "the first demo citizen has a signed-off plan");
  const text = body.replaceAll("&#39;", "'").replaceAll("&amp;", "&");
  assert.ok(text.includes(plan.matters), "what matters to them, from the plan");
  assert.ok(text.includes(plan.lead.replace(/ \(.*$/, "")), "their lead professional, by name");

  // The code was spent at the callback: it cannot be redeemed again.
  const again = await fetch(back, { redirect: "manual", headers: { cookie: state, accept: "text/html" } });
  assert.notEqual(again.status, 303);
});

test("the demo provider refuses a wrong client secret, another redirect address and a made-up code", async () => {
  const wrongSecret = await fetch(`${base}/demo-nhs-login/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from("oneplace-demo-citizen:guess").toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: "x", code_verifier: "y" }).toString(),
  });
  assert.equal(wrongSecret.status, 401);

  const { fields } = await openPicker();
  const elsewhere = await fetch(
    `${base}/demo-nhs-login/authorize?${new URLSearchParams({ ...fields, redirect_uri: "http://localhost:1/steal" })}`,
  );
  assert.equal(elsewhere.status, 400);
  const noPkce = await fetch(
    `${base}/demo-nhs-login/authorize?${new URLSearchParams({ ...fields, code_challenge_method: "plain" })}`,
  );
  assert.equal(noPkce.status, 400);

  const forged = await fetch(
    `${base}/citizen/sign-in/callback?code=made-up&state=${encodeURIComponent(fields.state)}&iss=${encodeURIComponent(demoIssuerFor(base))}`,
    { redirect: "manual", headers: { accept: "text/html" } },
  );
  assert.notEqual(forged.status, 303, "no session from a code the provider never gave");
});

test("the demo provider exists only when the demo asks for it on this machine, and a configured provider takes its place", async () => {
  assert.throws(() => demoIssuerFor("https://oneplace.example.org"), /only on this machine/);
  assert.throws(() => demoIssuerFor("http://10.0.0.5:3000"), /only on this machine/);

  const plain = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Serve",
    auth: authConfigFromEnv({}),
    admissionNotifier: false,
  });
  try {
    const res = await plain.inject({ method: "GET", url: "/demo-nhs-login/jwks" });
    assert.equal(res.statusCode, 404, "oneplace serve has no demo provider");
  } finally {
    await plain.close();
  }
  const configured = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Configured",
    auth: {
      ...authConfigFromEnv({}),
      citizenOidc: {
        issuer: "https://auth.login.nhs.uk",
        clientId: "place",
        clientSecret: "s",
        redirectUrl: "https://oneplace.example.org/citizen/sign-in/callback",
        scopes: "openid profile",
        label: "NHS login",
        privateKeyPem: null,
      },
    },
    admissionNotifier: false,
    demoCitizenIdp: { baseUrl: base, citizens },
  });
  try {
    const res = await configured.inject({ method: "GET", url: "/demo-nhs-login/jwks" });
    assert.equal(res.statusCode, 404, "a configured citizen provider replaces the demo one");
  } finally {
    await configured.close();
  }
});
