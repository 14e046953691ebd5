import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decideAccess } from "../../src/governance/access.ts";
import { BREAK_GLASS_MINUTES } from "../../src/governance/break-glass.ts";
import { authenticatePassword } from "../../src/governance/login.ts";
import {
  hashPassword,
  needsRehash,
  PreparedPassword,
  passwordProblem,
  preparePasswords,
  verifyPassword,
} from "../../src/governance/password.ts";
import { createSession, resolveSession, switchSessionRole } from "../../src/governance/sessions.ts";
import type { AccessContext, Action, Purpose } from "../../src/governance/types.ts";
import { assignRole, createUser, lockUser, removeRole } from "../../src/governance/users.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  contextFor,
  createUserInRole,
  insertPerson,
  makePerson,
  seedUsers,
  TEST_OPERATOR,
  testAuthConfig,
} from "./fixtures.ts";

const CONFIG = testAuthConfig();
const PASSWORD = "a long enough passphrase";

describe("passwords", () => {
  test("scrypt hashes are salted per user and verify only the right password", async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    assert.notEqual(a, b, "a fresh salt each time");
    assert.equal(await verifyPassword(PASSWORD, a), true);
    assert.equal(await verifyPassword(`${PASSWORD}!`, a), false);
    assert.equal(await verifyPassword(PASSWORD, null), false);
    assert.equal(
      await verifyPassword(PASSWORD, "scrypt$1$1$1$x$y"),
      false,
      "weak or malformed parameters are refused",
    );
    assert.equal(needsRehash(a), false);
    assert.equal(
      needsRehash("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
      true,
    );
  });

  test("new passwords need length, not composition rules", () => {
    assert.match(String(passwordProblem("short")), /at least 12/);
    assert.match(String(passwordProblem("aaaaaaaaaaaaaaaa")), /different characters/);
    assert.equal(passwordProblem("correct horse battery"), null);
    assert.match(String(passwordProblem("x".repeat(300))), /at most 256/);
  });
});

describe("passwords hashed beforehand", () => {
  let t: TestDb;
  before(async () => {
    t = await openTestDb();
  });
  after(() => t.dispose());
  const storedHash = async (username: string) =>
    (
      await t.db.query<{ password_hash: string }>("SELECT password_hash FROM app_user WHERE username = $1", [
        username,
      ])
    )[0].password_hash;

  test("createUser stores the hash a PreparedPassword made, which signs in with that password only", async () => {
    const [, second] = preparePasswords([PASSWORD, `${PASSWORD} two`]);
    await createUser(t.db, TEST_OPERATOR, {
      username: "dr.early",
      displayName: "Dr Early",
      password: second,
    });
    const stored = await storedHash("dr.early");
    assert.equal(stored, await second.hash(), "the hash made beforehand, not another");
    assert.equal(await verifyPassword(`${PASSWORD} two`, stored), true);
    assert.equal(await verifyPassword(PASSWORD, stored), false);
  });

  test("only a PreparedPassword is taken for its hash: a look-alike object, or a weak password, is refused", async () => {
    const forged = { password: PASSWORD, hash: () => Promise.resolve("scrypt$16384$8$1$AAAA$AAAA") };
    await assert.rejects(
      createUser(t.db, TEST_OPERATOR, {
        username: "dr.forged",
        displayName: "Dr Forged",
        password: forged as unknown as PreparedPassword,
      }),
    );
    await assert.rejects(
      createUser(t.db, TEST_OPERATOR, {
        username: "dr.weak",
        displayName: "Dr Weak",
        password: preparePasswords(["short"])[0],
      }),
      /at least 12/,
    );
    const made = await t.db.query("SELECT 1 FROM app_user WHERE username IN ('dr.forged', 'dr.weak')");
    assert.equal(made.length, 0);
    assert.throws(
      () => new PreparedPassword(Symbol("x"), PASSWORD, Promise.resolve("scrypt$")),
      /preparePasswords/,
    );
  });
});

describe("sessions, lockout and break-glass in time", () => {
  let t: TestDb;
  let userId: string;
  before(async () => {
    t = await openTestDb();
    [userId] = await seedUsers(t.db, [["dr.time", "gp", "practice", PASSWORD]]);
  });
  after(() => t.dispose());
  const passwordSession = (at?: Date) =>
    createSession(t.db, CONFIG, { userId, method: "password", clientAddress: null, at });

  test("a session ends after its idle time and after its maximum age", async () => {
    const start = new Date("2030-01-01T09:00:00Z");
    const s = await passwordSession(start);
    assert.ok(s);
    const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
    assert.ok(await resolveSession(t.db, CONFIG, s.token, at(29)));
    assert.equal(await resolveSession(t.db, CONFIG, s.token, at(29 + 31)), null, "idle for 31 minutes");
    const busy = await passwordSession(start);
    assert.ok(busy);
    for (let m = 20; m < 12 * 60; m += 20)
      assert.ok(await resolveSession(t.db, CONFIG, busy.token, at(m)), `minute ${m}`);
    assert.equal(await resolveSession(t.db, CONFIG, busy.token, at(12 * 60 + 1)), null, "past 12 hours");
  });

  test("a session can switch only to a role the user holds; removing the role ends it", async () => {
    await assignRole(t.db, TEST_OPERATOR, "dr.time", "practice-mdt-coordinator", "riverside-practice");
    const s = await passwordSession();
    assert.ok(s);
    const switchTo = (roleCode: string, teamCode: string, purpose: Purpose) =>
      switchSessionRole(t.db, s.sessionId, userId, { roleCode, teamCode, purpose });
    assert.equal(await switchTo("commissioner-analyst", "commissioning", "commissioning"), false);
    assert.equal(await switchTo("gp", "riverside-practice", "commissioning"), false);
    assert.equal(await switchTo("practice-mdt-coordinator", "riverside-practice", "direct-care"), true);
    assert.equal(
      (await resolveSession(t.db, CONFIG, s.token))?.roleAssignment.role.roleCode,
      "practice-mdt-coordinator",
    );
    await removeRole(t.db, TEST_OPERATOR, "dr.time", "practice-mdt-coordinator", "riverside-practice");
    assert.equal(await resolveSession(t.db, CONFIG, s.token), null);
  });

  test("lockout lifts after its time; an administrator's lock does not, and ends sessions", async () => {
    const signIn = async (username: string, password: string, when: Date) =>
      (await authenticatePassword(t.db, CONFIG, { username, password, clientAddress: null }, when)).ok;
    const at = new Date();
    for (let i = 0; i < CONFIG.maxFailedLogins; i++) {
      assert.equal(await signIn("dr.time", "wrong password!", at), false);
    }
    assert.equal(await signIn("dr.time", PASSWORD, at), false);
    const later = new Date(at.getTime() + 16 * 60_000);
    assert.equal(await signIn("DR.TIME ", PASSWORD, later), true);
    const s = await passwordSession();
    assert.ok(s);
    await lockUser(t.db, TEST_OPERATOR, "dr.time");
    assert.equal(await resolveSession(t.db, CONFIG, s.token), null);
    assert.equal(await signIn("dr.time", PASSWORD, later), false);
  });

  test(`break-glass lasts ${BREAK_GLASS_MINUTES} minutes, for one person, and only with a reason`, async () => {
    await createUserInRole(t.db, "nurse.time", "community-clinician", "community");
    const p = makePerson();
    const other = makePerson();
    await insertPerson(t.db, p);
    await insertPerson(t.db, other);
    const start = new Date();
    const ctx = await contextFor(t.db, "nurse.time", "community-clinician", "community", "direct-care", {
      now: () => start,
    });
    const breakGlass = (as: AccessContext, action: Action, reason: string) =>
      decideAccess({ ...as, person: p.personId, action, breakGlass: { reason } });
    assert.equal((await breakGlass(ctx, "view", "   ")).allow, false);
    const list = await breakGlass(ctx, "export", "Emergency in clinic, no records");
    assert.equal(list.allow, false);
    assert.match(list.reason, /not lists or exports/);
    const glass = await breakGlass(ctx, "view", "Emergency in clinic, no records");
    assert.equal(glass.allow, true);
    assert.equal(glass.flagged, true);
    const at = (minutes: number) => ({ ...ctx, now: () => new Date(start.getTime() + minutes * 60_000) });
    assert.equal((await decideAccess({ ...at(59), person: p.personId, action: "change" })).allow, true);
    assert.equal(
      (await decideAccess({ ...at(59), person: other.personId, action: "view" })).allow,
      false,
      "one person only",
    );
    assert.equal(
      (await decideAccess({ ...at(61), person: p.personId, action: "view" })).allow,
      false,
      "expired",
    );
    const mdt = await createUserInRole(t.db, "coord.time", "practice-mdt-coordinator", "practice");
    assert.ok(mdt);
    const coord = await contextFor(t.db, "coord.time", "practice-mdt-coordinator", "practice", "direct-care");
    const refused = await breakGlass(coord, "view", "I would like to look please");
    assert.equal(refused.allow, false);
    assert.match(refused.reason, /may not break glass/);
    assert.equal((await t.db.query("SELECT 1 FROM break_glass WHERE user_id = $1", [mdt])).length, 0);
  });
});
