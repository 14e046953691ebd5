import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliInProcess, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";
import { cliEnv } from "./helpers/cli-env.ts";

const dir = mkdtempSync(join(tmpdir(), "op-users-"));
const PASSWORD = "correct horse battery staple";
const passwordFile = join(dir, "pw");
writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });

describe("oneplace users", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
  });
  after(() => database.drop());

  const cli = (...args: string[]) => runCli(args, env);
  const roleCommand = (verb: "assign-role" | "remove-role", user: string, role: string, team: string) =>
    cli("users", verb, user, "--role", role, "--team", team);
  const query = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    withDatabase(database, (db) => db.query<T>(sql, params));

  test("every users command has --help, and the overview lists them", async () => {
    const overview = await cliInProcess(["--help"]);
    for (const name of ["users create", "users assign-role", "users create-token", "audit verify"]) {
      assert.match(overview.stdout, new RegExp(`\\n  ${name} `));
    }
    for (const sub of [
      "create",
      "list",
      "roles",
      "teams",
      "create-team",
      "assign-role",
      "remove-role",
      "reset-password",
      "lock",
      "unlock",
      "create-token",
      "revoke-token",
    ]) {
      const res = await cliInProcess(["users", sub, "--help"]);
      assert.equal(res.code, 0, sub);
      assert.match(res.stdout, new RegExp(`Usage: oneplace users ${sub}`));
    }
    const group = await cli("users");
    assert.equal(group.code, 2);
    assert.match(group.stderr, /needs one of: create, list/);
  });

  test("a password is never taken from the command line", async () => {
    const res = await cli("users", "create", "eve", "--name", "Eve", "--password", PASSWORD);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--password/);
    const none = await cli("users", "create", "eve", "--name", "Eve");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--password-file <file> or --password-stdin/);
  });

  test("create a team and users, assign roles, list them as text and JSON", async () => {
    const createTeam = (code: string, name: string, kind: string, ...rest: string[]) =>
      cli("users", "create-team", code, "--name", name, "--kind", kind, ...rest);
    const team = await createTeam("riverside", "Riverside practice", "practice", "--org", "Z90001");
    assert.equal(team.code, 0, team.stderr);
    const mdt = await createTeam("grays-mdt", "Grays MDT", "locality-mdt", "--org", "ZZL01");
    assert.equal(mdt.code, 0, mdt.stderr);
    const badKind = await createTeam("x", "X", "hospital");
    assert.equal(badKind.code, 1);
    assert.match(badKind.stderr, /unknown team kind "hospital"/);

    const createKhan = (...rest: string[]) =>
      cli("users", "create", "dr.khan", "--name", "Dr Amina Khan", "--password-file", passwordFile, ...rest);
    const created = await createKhan("--json");
    assert.equal(created.code, 0, created.stderr);
    assert.match(JSON.parse(created.stdout).userId, /^[0-9a-f-]{36}$/);
    const again = await createKhan();
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    assert.equal((await roleCommand("assign-role", "dr.khan", "gp", "riverside")).code, 0);
    assert.equal(
      (await roleCommand("assign-role", "dr.khan", "practice-mdt-coordinator", "grays-mdt")).code,
      0,
    );
    const badRole = await roleCommand("assign-role", "dr.khan", "surgeon", "riverside");
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /unknown role "surgeon"/);
    assert.match(badRole.stderr, /oneplace users roles/);
    const noUser = await roleCommand("assign-role", "nobody", "gp", "riverside");
    assert.match(noUser.stderr, /no user called nobody/);

    const list = await cli("users", "list", "--json");
    const users = JSON.parse(list.stdout) as {
      username: string;
      roles: { roleCode: string; teamCode: string }[];
      signIn: string[];
    }[];
    const khan = users.find((u) => u.username === "dr.khan");
    assert.ok(khan);
    assert.deepEqual(khan.signIn, ["password"]);
    assert.deepEqual(khan.roles.map((r) => `${r.roleCode}@${r.teamCode}`).sort(), [
      "gp@riverside",
      "practice-mdt-coordinator@grays-mdt",
    ]);
    const text = await cli("users", "list");
    assert.match(text.stdout, /dr\.khan\s+active\s+password\s+gp@riverside/);

    assert.equal(
      (await roleCommand("remove-role", "dr.khan", "practice-mdt-coordinator", "grays-mdt")).code,
      0,
    );
    const after = JSON.parse((await cli("users", "list", "--json")).stdout) as typeof users;
    assert.equal(after.find((u) => u.username === "dr.khan")?.roles.length, 1);

    const roles = JSON.parse((await cli("users", "roles", "--json")).stdout) as { roleCode: string }[];
    assert.equal(roles.length, 14);
  });

  test("the password is stored only as a salted scrypt hash", async () => {
    const rows = await query<{ password_hash: string }>(
      "SELECT password_hash FROM app_user WHERE username = 'dr.khan'",
    );
    assert.match(rows[0].password_hash, /^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.ok(!rows[0].password_hash.includes(PASSWORD));
  });

  test("a password can come from standard input; a short one is refused", async () => {
    const viaStdin = (username: string, password: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [ONEPLACE_BIN, "users", "create", username, "--name", "Nurse", "--password-stdin"],
          {
            env: { PATH: process.env.PATH ?? "", ...env },
          },
        );
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.on("close", (code) => resolve({ code, stderr }));
        child.stdin.end(`${password}\n`);
      });
    assert.equal((await viaStdin("nurse.jones", "district nursing rota 2016")).code, 0);
    const short = await viaStdin("nurse.short", "short");
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 12 characters/);
  });

  test("lock, unlock and reset-password change the account and are audited", async () => {
    assert.equal((await cli("users", "lock", "dr.khan")).code, 0);
    assert.equal(
      (await query<{ status: string }>("SELECT status FROM app_user WHERE username = 'dr.khan'"))[0].status,
      "locked",
    );
    assert.equal((await cli("users", "unlock", "dr.khan")).code, 0);
    assert.equal(
      (await query<{ status: string }>("SELECT status FROM app_user WHERE username = 'dr.khan'"))[0].status,
      "active",
    );
    const before = (
      await query<{ password_hash: string }>("SELECT password_hash FROM app_user WHERE username = 'dr.khan'")
    )[0];
    const newFile = join(dir, "pw2");
    writeFileSync(newFile, "a completely different passphrase", { mode: 0o600 });
    assert.equal((await cli("users", "reset-password", "dr.khan", "--password-file", newFile)).code, 0);
    const afterReset = (
      await query<{ password_hash: string }>("SELECT password_hash FROM app_user WHERE username = 'dr.khan'")
    )[0];
    assert.notEqual(afterReset.password_hash, before.password_hash);
    const actions = (
      await query<{ action: string; actor: string }>("SELECT action, actor FROM audit_event ORDER BY seq")
    ).map((r) => r.action);
    for (const a of [
      "team-create",
      "user-create",
      "role-assign",
      "role-remove",
      "user-lock",
      "user-unlock",
      "password-reset",
    ]) {
      assert.ok(actions.includes(a), a);
    }
    const actors = await query<{ actor: string }>("SELECT DISTINCT actor FROM audit_event");
    assert.ok(actors.every((r) => r.actor.startsWith("cli:")));
  });

  test("create-token prints the token once; only its hash is stored; revoke-token ends it", async () => {
    const createToken = (role: string, name: string, ...rest: string[]) =>
      cli("users", "create-token", "dr.khan", "--role", role, "--team", "riverside", "--name", name, ...rest);
    const res = await createToken("gp", "GP system feed", "--days", "30", "--json");
    assert.equal(res.code, 0, res.stderr);
    const { token, tokenId } = JSON.parse(res.stdout) as { token: string; tokenId: string };
    assert.match(token, /^opt_[A-Za-z0-9_-]{43}$/);
    const stored = await query<{ token_hash: string }>(
      "SELECT token_hash FROM api_token WHERE token_id = $1",
      [tokenId],
    );
    assert.match(stored[0].token_hash, /^[0-9a-f]{64}$/);
    const everything =
      JSON.stringify(await query("SELECT * FROM api_token")) +
      JSON.stringify(await query("SELECT * FROM audit_event"));
    assert.ok(!everything.includes(token), "the token is nowhere in the database");
    const wrongRole = await createToken("social-worker", "x");
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.stderr, /does not hold the role social-worker/);
    const tooLong = await createToken("gp", "x", "--days", "1000");
    assert.equal(tooLong.code, 2);
    assert.equal((await cli("users", "revoke-token", tokenId)).code, 0);
    assert.equal((await cli("users", "revoke-token", tokenId)).code, 1);
  });
});
