// A bearer token's identity is read for every request, never cached (concurrent requests share one look-up,
// store/grouped-lookup.ts): a revoked or expired token, a locked account, a role taken away or a revoked backend
// client is refused on the very next request, while other requests with the same token are in flight. On
// PostgreSQL the revocation comes from another process (the command line); PGlite runs in one process, so there
// it is made in the server's own.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
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
const read = (token: string) =>
  web.app.inject({
    method: "GET",
    url: `/fhir/R4/Patient/${person.personId}`,
    headers: { authorization: `Bearer ${token}` },
  });

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
  assert.equal((await read(token)).statusCode, 200);
  const inFlight = Array.from({ length: 20 }, () => read(token));
  await revoke();
  const after = await Promise.all(Array.from({ length: 20 }, () => read(token)));
  assert.deepEqual(
    after.map((r) => r.statusCode),
    after.map(() => 401),
  );
  assert.equal(after[0].json().issue[0].code, "login");
  for (const r of await Promise.all(inFlight)) assert.ok([200, 401].includes(r.statusCode));
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

test("a revoked backend client's access token is refused by the next request, its others in flight", async () => {
  const username = `svc.${randomUUID().slice(0, 8)}`;
  await createUserInRole(web.t.db, username, "gp", "practice");
  const { publicKey, privateKey } = await generateKeyPair("ES384", { extractable: true });
  const { clientId } = await registerClient(web.t.db, TEST_OPERATOR, {
    name: "revocation test",
    username,
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    purpose: "direct-care",
    scopes: ["system/Patient.rs"],
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
      scope: "system/Patient.rs",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }).toString(),
  });
  assert.equal(granted.statusCode, 200, granted.body);
  await refusedAtOnce(granted.json().access_token, async () => {
    if (serverUrl) await cli("fhir", "revoke-client", clientId);
    else assert.equal(await revokeClient(web.t.db, TEST_OPERATOR, clientId), true);
  });
});

test("the audit trail written by these requests still verifies", async () => {
  const result = await verifyAuditChain(web.t.db);
  assert.equal(result.ok, true, JSON.stringify(result));
});
