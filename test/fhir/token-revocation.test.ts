// A bearer token's identity is read for every request before anything else, never cached (concurrent requests
// share one look-up, store/grouped-lookup.ts). A revoked or expired token, a locked account, a role taken away or
// a revoked backend client is refused on the very next request, while other requests with the same token are in
// flight, by every route that reads personal data and every way out of one (a row found, none found, a bad
// request); an identity changed under a token is the one decided and audited. On PostgreSQL the change comes from
// another process (the command line) where it can; PGlite runs in one process, so there it is made in the
// server's own.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { NHS_NUMBER_SYSTEM } from "../../src/core/codes.ts";
import { registerClient, revokeClient } from "../../src/fhir/index.ts";
import {
  createApiToken,
  lockUser,
  removeRole,
  revokeApiToken,
  verifyAuditChain,
} from "../../src/governance/index.ts";
import { createUserInRole, TEAMS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli } from "../helpers/cli.ts";
import { serverUrl } from "../helpers/test-db.ts";
import { webSuite } from "../web/harness.ts";
import { person, preparePlace } from "./place.ts";

process.env.ONEPLACE_HOME = mkdtempSync(join(tmpdir(), "oneplace-fhir-revocation-"));
const TOKEN_URL = "http://localhost:3000/fhir/R4/auth/token";

const web = webSuite({ prepare: (db) => preparePlace(db, new Map()) });
const get = (token: string, url: string) =>
  web.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
const read = (token: string) => get(token, `/fhir/R4/Patient/${person.personId}`);

/** The routes that read personal data, each way out of them: each answers 401 once the token is refused. */
const PATHS: { name: string; url: string; status: number }[] = [
  { name: "read by id", url: `/fhir/R4/Patient/${person.personId}`, status: 200 },
  { name: "a person's observations", url: `/fhir/R4/Observation?patient=${person.personId}`, status: 200 },
  {
    name: "search by NHS Number",
    url: `/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${person.nhsNumber}`,
    status: 200,
  },
  {
    name: "an NHS Number nobody holds",
    url: `/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|9999999999`,
    status: 200,
  },
  { name: "no such id", url: "/fhir/R4/Patient/0b6b5f3e-2222-4b6e-9c1a-000000000000", status: 404 },
  { name: "an id that is not one", url: "/fhir/R4/Condition/not-an-id", status: 404 },
  { name: "a bad search", url: "/fhir/R4/Observation?patient=Patient/x", status: 400 },
  { name: "refused by its schema", url: `/fhir/R4/Observation?patient=${"x".repeat(2001)}`, status: 400 },
];

/** Runs a command line on the test database (another process): PostgreSQL only. */
async function cli(...args: string[]) {
  const res = await runCli(args, cliEnv(web.t));
  assert.equal(res.code, 0, res.stderr);
}

/** A GP with a day's API token, made for one test. */
async function gpWithToken(): Promise<{ username: string; tokenId: string; token: string }> {
  const username = `gp.${randomUUID().slice(0, 8)}`;
  await createUserInRole(web.t.db, username, "gp", "practice");
  const { tokenId, token } = await createApiToken(web.t.db, TEST_OPERATOR, {
    username,
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    name: "revocation test",
    days: 1,
  });
  return { username, tokenId, token };
}

/**
 * Requests with `token` in flight, then `revoke` (which returns once it has committed), then a burst of
 * concurrent requests: every one made after the revocation is refused with 401.
 */
async function refusedAtOnce(token: string, revoke: () => Promise<void>) {
  for (const path of PATHS) assert.equal((await get(token, path.url)).statusCode, path.status, path.name);
  const inFlight = Array.from({ length: 20 }, (_, i) => get(token, PATHS[i % PATHS.length].url));
  await revoke();
  const urls = Array.from({ length: 3 }, () => PATHS.map((p) => p.url)).flat();
  const after = await Promise.all(urls.map((url) => get(token, url)));
  assert.deepEqual(
    after.map((r, i) => `${urls[i]} ${r.statusCode}`),
    urls.map((url) => `${url} 401`),
  );
  assert.equal(after[0].json().issue[0].code, "login");
  for (const r of await Promise.all(inFlight)) assert.ok([200, 400, 404, 401].includes(r.statusCode));
}

test("a revoked API token is refused by the next request, its others in flight", async () => {
  const { tokenId, token } = await gpWithToken();
  await refusedAtOnce(token, async () => {
    if (serverUrl) await cli("users", "revoke-token", tokenId);
    else assert.equal(await revokeApiToken(web.t.db, TEST_OPERATOR, tokenId), true);
  });
});

test("a locked account's token, and a token whose role was taken away, are refused by the next request", async () => {
  const locked = await gpWithToken();
  await refusedAtOnce(locked.token, async () => {
    if (serverUrl) await cli("users", "lock", locked.username);
    else await lockUser(web.t.db, TEST_OPERATOR, locked.username);
  });
  const demoted = await gpWithToken();
  await refusedAtOnce(demoted.token, async () => {
    if (serverUrl)
      await cli("users", "remove-role", demoted.username, "--role", "gp", "--team", TEAMS.practice.teamCode);
    else await removeRole(web.t.db, TEST_OPERATOR, demoted.username, "gp", TEAMS.practice.teamCode);
  });
});

test("an API token is refused from the moment it expires", async () => {
  const { tokenId, token } = await gpWithToken();
  await refusedAtOnce(token, async () => {
    await web.t.db.query(
      "UPDATE api_token SET expires_at = now() - interval '1 second' WHERE token_id = $1",
      [tokenId],
    );
  });
});

/** A backend client acting as a GP (reading Patient, Observation and Condition), and an access token it was granted. */
async function clientWithToken(): Promise<{ clientId: string; token: string }> {
  const username = `svc.${randomUUID().slice(0, 8)}`;
  await createUserInRole(web.t.db, username, "gp", "practice");
  const { publicKey, privateKey } = await generateKeyPair("ES384", { extractable: true });
  const { clientId } = await registerClient(web.t.db, TEST_OPERATOR, {
    name: "revocation test",
    username,
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    purpose: "direct-care",
    scopes: ["system/Patient.rs", "system/Observation.rs", "system/Condition.rs"],
    jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: "ES384", kid: "k1" }] },
  });
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: "ES384", kid: "k1", typ: "JWT" })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(TOKEN_URL)
    .setJti(randomUUID())
    .setExpirationTime(now + 240)
    .sign(privateKey);
  const granted = await web.app.inject({
    method: "POST",
    url: "/fhir/R4/auth/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      grant_type: "client_credentials",
      scope: "system/Patient.rs system/Observation.rs system/Condition.rs",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }).toString(),
  });
  assert.equal(granted.statusCode, 200, granted.body);
  return { clientId, token: granted.json().access_token };
}

test("a revoked backend client's access token is refused by the next request, its others in flight", async () => {
  const { clientId, token } = await clientWithToken();
  await refusedAtOnce(token, async () => {
    if (serverUrl) await cli("fhir", "revoke-client", clientId);
    else assert.equal(await revokeClient(web.t.db, TEST_OPERATOR, clientId), true);
  });
});

const lastAudit = async () =>
  (
    await web.t.db.query("SELECT actor, action, allowed, reason FROM audit_event ORDER BY seq DESC LIMIT 1")
  )[0];

test("an identity changed under an API token is the one decided and audited, not the one read before", async () => {
  const { username, token } = await gpWithToken();
  for (const path of PATHS.slice(0, 3)) {
    assert.equal((await get(token, path.url)).statusCode, 200);
    const renamed = `${username}.${path.name.length}`;
    await web.t.db.query(
      "UPDATE app_user SET username = $2 WHERE username = $1 OR username LIKE $1 || '.%'",
      [username, renamed],
    );
    assert.equal((await get(token, path.url)).statusCode, 200, path.name);
    assert.equal((await lastAudit()).actor, renamed, path.name);
  }
});

test("a backend client's scopes narrowed under its token refuse the next read, audited as refused", async () => {
  const { token } = await clientWithToken();
  assert.equal((await read(token)).statusCode, 200);
  assert.equal((await read(token)).statusCode, 200);
  await web.t.db.query("UPDATE fhir_access_token SET scopes = '{system/Organization.rs}'");
  const refused = await read(token);
  assert.equal(refused.statusCode, 403, refused.body);
  const audit = await lastAudit();
  assert.equal(audit.allowed, false);
  assert.match(String(audit.reason), /scopes do not allow read of Patient/);
});

test("the audit trail written by these requests still verifies", async () => {
  const result = await verifyAuditChain(web.t.db);
  assert.equal(result.ok, true, JSON.stringify(result));
});
