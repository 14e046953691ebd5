// SMART Backend Services through the real HTTP server: a registered client signs a JWT assertion (ES384 or
// RS384), trades it at the token endpoint for a five-minute access token, and reads as the service account,
// role, team and purpose it was registered with, limited by its scopes. Every broken assertion is refused.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { registerClient, revokeClient } from "../../src/fhir/index.ts";
import { TEAMS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { bearerRequests, webSuite } from "../web/harness.ts";
import { ids, person, preparePlace } from "./place.ts";

const tokens = new Map<string, string>();
process.env.ONEPLACE_HOME = mkdtempSync(join(tmpdir(), "oneplace-fhir-smart-")); // where exports are written
// The configured public URL (ONEPLACE_PUBLIC_URL; unset in tests: the local default), never the Host header.
const TOKEN_URL = "http://localhost:3000/fhir/R4/auth/token";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
const clients: Record<string, { id: string; key: Key; alg: "ES384" | "RS384" }> = {};

async function newClient(
  name: string,
  alg: "ES384" | "RS384",
  scopes: string[],
  db: Parameters<typeof registerClient>[0],
) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg, kid: `${name}-1` };
  const { clientId } = await registerClient(db, TEST_OPERATOR, {
    name,
    username: "svc.epr",
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    purpose: "direct-care",
    scopes,
    jwks: { keys: [jwk as Record<string, unknown>] },
  });
  clients[name] = { id: clientId, key: privateKey, alg };
}

const web = webSuite({
  async prepare(db) {
    await preparePlace(db, tokens);
    const { createUserInRole } = await import("../governance/fixtures.ts");
    await createUserInRole(db, "svc.epr", "gp", "practice");
    await newClient("epr", "ES384", ["system/Patient.rs", "system/Observation.rs"], db);
    await newClient("rsa", "RS384", ["system/*.rs"], db);
    await newClient("doomed", "ES384", ["system/Patient.rs"], db);
  },
});
const { get } = bearerRequests(web, tokens);

interface AssertionClaims {
  iss?: string;
  sub?: string;
  aud?: string;
  jti?: string;
  exp?: number;
}

async function assertion(name: string, claims: AssertionClaims = {}, key?: Key, alg?: string) {
  const client = clients[name];
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: alg ?? client.alg, kid: `${name}-1`, typ: "JWT" })
    .setIssuer(claims.iss ?? client.id)
    .setSubject(claims.sub ?? client.id)
    .setAudience(claims.aud ?? TOKEN_URL)
    .setJti(claims.jti ?? randomUUID())
    .setExpirationTime(claims.exp ?? now + 240)
    .setIssuedAt(now)
    .sign(key ?? client.key);
}

/** A JWT with alg "none" and no signature, as an attacker would send one. */
function unsigned(clientId: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: clientId,
    sub: clientId,
    aud: TOKEN_URL,
    jti: randomUUID(),
    exp: now + 240,
    iat: now,
  };
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

function tokenRequest(form: Record<string, string>) {
  return web.app.inject({
    method: "POST",
    url: "/fhir/R4/auth/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
}

const exchange = (clientAssertion: string, scope = "system/Patient.rs system/Observation.rs") =>
  tokenRequest({
    grant_type: "client_credentials",
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: clientAssertion,
  });

const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

test("discovery: .well-known/smart-configuration names the token endpoint, private_key_jwt and RS384/ES384", async () => {
  const res = await get("/fhir/R4/.well-known/smart-configuration");
  assert.equal(res.statusCode, 200);
  const config = res.json();
  assert.equal(config.token_endpoint, TOKEN_URL);
  assert.deepEqual(config.token_endpoint_auth_signing_alg_values_supported, ["RS384", "ES384"]);
  assert.deepEqual(config.grant_types_supported, ["client_credentials"]);
});

test("a client's ES384 assertion buys a five-minute token that reads as its registered role, audited with the client", async () => {
  const res = await exchange(await assertion("epr"));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers["cache-control"], "no-store");
  const answer = res.json();
  assert.equal(answer.token_type, "bearer");
  assert.equal(answer.expires_in, 300);
  assert.equal(answer.scope, "system/Patient.rs system/Observation.rs");
  const patient = await get(`/fhir/R4/Patient/${person.personId}`, undefined, asBearer(answer.access_token));
  assert.equal(patient.statusCode, 200, patient.body);
  const [audit] = await web.t.db.query(
    "SELECT actor, role_code, purpose, channel, detail, allowed FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(audit, {
    actor: "svc.epr",
    role_code: "gp",
    purpose: "direct-care",
    channel: "fhir",
    detail: `client ${clients.epr.id}: GET /fhir/R4/Patient/${person.personId}`,
    allowed: true,
  });
  const observations = await get(
    `/fhir/R4/Observation?patient=${person.personId}`,
    undefined,
    asBearer(answer.access_token),
  );
  assert.equal(observations.statusCode, 200);
  assert.equal(observations.json().total, 3);
});

test("an RS384 client with system/*.rs reads every type", async () => {
  const res = await exchange(await assertion("rsa"), "system/*.rs");
  assert.equal(res.statusCode, 200, res.body);
  const token = res.json().access_token;
  const condition = await get(`/fhir/R4/Condition/${ids.condition}`, undefined, asBearer(token));
  assert.equal(condition.statusCode, 200);
});

test("wrong scope: a token for Patient and Observation may not read a Condition; the refusal is audited", async () => {
  const token = (await exchange(await assertion("epr"))).json().access_token;
  const res = await get(`/fhir/R4/Condition?patient=${person.personId}`, undefined, asBearer(token));
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().resourceType, "OperationOutcome");
  assert.match(res.json().issue[0].diagnostics, /scopes do not allow search of Condition/);
  const [audit] = await web.t.db.query("SELECT allowed, reason FROM audit_event ORDER BY seq DESC LIMIT 1");
  assert.deepEqual(audit, { allowed: false, reason: "the client's scopes do not allow search of Condition" });
  const notGranted = await exchange(await assertion("epr"), "system/Condition.rs");
  assert.equal(notGranted.statusCode, 400);
  assert.equal(notGranted.json().error, "invalid_scope");
});

test("Bulk Data export by a system client: its scopes narrow the types, a type outside them is refused, and only it may poll", async () => {
  const token = (await exchange(await assertion("epr"))).json().access_token;
  const async = { ...asBearer(token), prefer: "respond-async" };
  const refused = await get("/fhir/R4/Patient/$export?_type=Patient,Condition", undefined, async);
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().issue[0].diagnostics, /scopes do not allow search of Condition/);
  const kick = await get("/fhir/R4/Patient/$export", undefined, async);
  assert.equal(kick.statusCode, 202, kick.body);
  const status = new URL(String(kick.headers["content-location"])).pathname;
  let manifest: ReturnType<typeof JSON.parse> = null;
  for (let i = 0; i < 200 && !manifest; i++) {
    const res = await get(status, undefined, asBearer(token));
    if (res.statusCode === 200) manifest = res.json();
    else await new Promise((r) => setTimeout(r, 25));
  }
  assert.deepEqual(manifest.output.map((o: { type: string }) => o.type).sort(), ["Observation", "Patient"]);
  // Another client acting for the same service account is another caller: it cannot see this export.
  const other = (await exchange(await assertion("rsa"), "system/*.rs")).json().access_token;
  assert.equal((await get(status, undefined, asBearer(other))).statusCode, 404);
  const [row] = await web.t.db.query(
    "SELECT client_id FROM fhir_export_job ORDER BY created_at DESC LIMIT 1",
  );
  assert.equal(row.client_id, clients.epr.id);
});

test("the system client's role still decides: no relationship to a person answers as no such person whatever the scope", async () => {
  const { elsewhere } = await import("./place.ts");
  const token = (await exchange(await assertion("rsa"), "system/*.rs")).json().access_token;
  const res = await get(`/fhir/R4/Patient/${elsewhere.personId}`, undefined, asBearer(token));
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().issue[0].diagnostics, "there is no Patient with this id");
});

test("a forged Host header changes neither the audience accepted nor the token endpoint advertised", async () => {
  const forged = { host: "attacker.example" };
  const discovery = await web.app.inject({
    method: "GET",
    url: "/fhir/R4/.well-known/smart-configuration",
    headers: forged,
  });
  assert.equal(discovery.json().token_endpoint, TOKEN_URL);
  const send = (clientAssertion: string) =>
    web.app.inject({
      method: "POST",
      url: "/fhir/R4/auth/token",
      headers: { ...forged, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({
        grant_type: "client_credentials",
        scope: "system/Patient.rs",
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: clientAssertion,
      }).toString(),
    });
  const attackersAudience = await send(
    await assertion("epr", { aud: "http://attacker.example/fhir/R4/auth/token" }),
  );
  assert.equal(attackersAudience.statusCode, 401, attackersAudience.body);
  assert.match(attackersAudience.json().error_description, /aud claim/);
  const configured = await send(await assertion("epr"));
  assert.equal(configured.statusCode, 200, configured.body);
});

test("bad client assertions are refused with invalid_client: replayed jti, exp too far, wrong aud, wrong key, wrong alg, unknown client", async () => {
  const jti = randomUUID();
  assert.equal((await exchange(await assertion("epr", { jti }))).statusCode, 200);
  const now = Math.floor(Date.now() / 1000);
  const { privateKey: stranger } = await generateKeyPair("ES384");
  const { privateKey: p256 } = await generateKeyPair("ES256");
  // The rsa client's own private key, taken for RS256: its signature would verify, only the algorithm is wrong.
  const rs256 = (await importJWK(await exportJWK(clients.rsa.key), "RS256")) as Key;
  const cases: [string, Promise<string> | string, RegExp][] = [
    ["replayed jti", assertion("epr", { jti }), /jti has been used before/],
    ["exp ten minutes ahead", assertion("epr", { exp: now + 600 }), /more than five minutes/],
    ["expired", assertion("epr", { exp: now - 60 }), /expired/],
    ["audience another server", assertion("epr", { aud: "https://elsewhere.example/token" }), /aud claim/],
    ["signed by another key", assertion("epr", {}, stranger), /signature does not verify/],
    ["ES256 by a key nobody registered", assertion("epr", {}, p256, "ES256"), /not signed RS384 or ES384/],
    ["RS256 by the client's own key", assertion("rsa", {}, rs256, "RS256"), /not signed RS384 or ES384/],
    ["unsigned (alg none)", unsigned(clients.epr.id), /not signed RS384 or ES384/],
    ["unknown client", assertion("epr", { iss: "no-such-client", sub: "no-such-client" }), /not registered/],
    ["sub not the client", assertion("epr", { sub: "someone-else" }), /sub claim/],
    ["not a JWT", "not.a.jwt", /not a JWT/],
  ];
  for (const [what, made, reason] of cases) {
    const res = await exchange(await made);
    assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
    assert.equal(res.json().error, "invalid_client", what);
    assert.match(res.json().error_description, reason, what);
  }
  const grant = await tokenRequest({ grant_type: "password", scope: "system/Patient.rs" });
  assert.equal(grant.statusCode, 400);
  assert.equal(grant.json().error, "unsupported_grant_type");
});

test("an expired access token, and every token of a revoked client, are refused with 401", async () => {
  const token = (await exchange(await assertion("epr"))).json().access_token;
  await web.t.db.query("UPDATE fhir_access_token SET expires_at = now() - interval '1 second'");
  const expired = await get(`/fhir/R4/Patient/${person.personId}`, undefined, asBearer(token));
  assert.equal(expired.statusCode, 401);
  assert.equal(expired.json().issue[0].code, "login");
  const doomed = (await exchange(await assertion("doomed"), "system/Patient.rs")).json().access_token;
  assert.equal(
    (await get(`/fhir/R4/Patient/${person.personId}`, undefined, asBearer(doomed))).statusCode,
    200,
  );
  assert.equal(await revokeClient(web.t.db, TEST_OPERATOR, clients.doomed.id), true);
  const revoked = await get(`/fhir/R4/Patient/${person.personId}`, undefined, asBearer(doomed));
  assert.equal(revoked.statusCode, 401);
  const again = await exchange(await assertion("doomed"), "system/Patient.rs");
  assert.equal(again.statusCode, 401);
  assert.match(again.json().error_description, /not registered, or was revoked/);
});

test("a revoked API token is refused by the FHIR API too", async () => {
  const { revokeApiToken } = await import("../../src/governance/index.ts");
  const [{ token_id }] = await web.t.db.query(
    "SELECT k.token_id FROM api_token k JOIN app_user u USING (user_id) WHERE u.username = 'nurse.fhir'",
  );
  await revokeApiToken(web.t.db, TEST_OPERATOR, String(token_id));
  const res = await get(`/fhir/R4/Patient/${person.personId}`, "nurse.fhir");
  assert.equal(res.statusCode, 401);
});
