// oneplace fhir register-client / clients / revoke-client: a backend client registered with its public key,
// its scopes and the service account, role, team and purpose it acts as; refused when the key is private,
// a scope would write, or the account does not hold the role.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { seedUsers } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";

const dir = mkdtempSync(join(tmpdir(), "op-fhir-clients-"));

describe("oneplace fhir clients", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let publicJwk: string;
  let privateJwk: string;
  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
    await withDatabase(database, (db) => seedUsers(db, [["svc.epr", "gp", "practice"]]));
    const { publicKey, privateKey } = await generateKeyPair("ES384", { extractable: true });
    publicJwk = join(dir, "public.json");
    privateJwk = join(dir, "private.json");
    writeFileSync(publicJwk, JSON.stringify({ ...(await exportJWK(publicKey)), alg: "ES384", kid: "k1" }));
    writeFileSync(privateJwk, JSON.stringify({ keys: [await exportJWK(privateKey)] }));
  });
  after(() => database.drop());

  const cli = (...args: string[]) => runCli(args, env);
  const register = (jwks: string, scopes: string, role = "gp") =>
    cli(
      "fhir",
      "register-client",
      "--name",
      "Hospital EPR",
      "--jwks",
      jwks,
      "--scopes",
      scopes,
      "--user",
      "svc.epr",
      "--role",
      role,
      "--team",
      "riverside-practice",
      "--purpose",
      "direct-care",
      "--json",
    );

  test("a client is registered, listed and revoked, each step in the audit trail", async () => {
    const res = await register(publicJwk, "system/Patient.rs system/Observation.rs");
    assert.equal(res.code, 0, res.stderr);
    const { clientId } = JSON.parse(res.stdout);
    assert.match(clientId, /^[0-9a-f-]{36}$/);
    const list = await cli("fhir", "clients", "--json");
    assert.equal(list.code, 0, list.stderr);
    const [client] = JSON.parse(list.stdout);
    assert.deepEqual(
      { ...client, createdAt: undefined },
      {
        clientId,
        name: "Hospital EPR",
        username: "svc.epr",
        roleCode: "gp",
        teamCode: "riverside-practice",
        purpose: "direct-care",
        scopes: ["system/Patient.rs", "system/Observation.rs"],
        createdAt: undefined,
        revokedAt: null,
        ingestSource: null,
      },
    );
    const revoked = await cli("fhir", "revoke-client", clientId);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked/);
    const twice = await cli("fhir", "revoke-client", clientId);
    assert.equal(twice.code, 1);
    const actions = await withDatabase(database, (db) =>
      db.query<{ action: string }>(
        "SELECT action FROM audit_event WHERE action LIKE 'fhir-client-%' ORDER BY seq",
      ),
    );
    assert.deepEqual(
      actions.map((a) => a.action),
      ["fhir-client-register", "fhir-client-revoke"],
    );
  });

  test("refused: a private key, a scope that writes, a role the account does not hold", async () => {
    const privateKey = await register(privateJwk, "system/Patient.rs");
    assert.equal(privateKey.code, 1);
    assert.match(privateKey.stderr, /holds a private key/);
    const write = await register(publicJwk, "system/Patient.cruds");
    assert.equal(write.code, 1);
    assert.match(write.stderr, /read-only/);
    const role = await register(publicJwk, "system/Patient.rs", "administrator");
    assert.equal(role.code, 1);
    assert.match(role.stderr, /does not hold the role administrator/);
  });
});
