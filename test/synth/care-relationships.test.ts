// The synthetic place's teams and care relationships, and the demo users: derived from the history, with
// provenance, idempotent; demo passwords random, returned once and stored only as hashes; the demo workers'
// caseloads include people on the demo practice's register, and the reader lets them see those people.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createReader, listAssignments, type ReaderIdentity } from "../../src/governance/index.ts";
import { type Db, isCitus } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../src/synth/config.ts";
import {
  type CareRelationshipsResult,
  DEMO_USERS,
  type DemoIdentities,
  loadCareRelationships,
  SERVICE_TEAMS,
  seedDemoIdentities,
} from "../../src/synth/index.ts";
import { loadSyntheticPlace } from "../../src/synth/load.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
let first: CareRelationshipsResult;
let demo: DemoIdentities;

useTestDb({
  async setup(opened) {
    db = opened;
    await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, seed: "relationships", people: 2500 });
    first = await loadCareRelationships(db);
    demo = await seedDemoIdentities(db);
  },
});

/** The reader of a demo user acting in their one role, for direct care. */
async function readerOf(username: string) {
  const [user] = await db.query<{ user_id: string }>("SELECT user_id FROM app_user WHERE username = $1", [
    username,
  ]);
  const [roleAssignment] = await listAssignments(db, user.user_id);
  const identity: ReaderIdentity = {
    user: { userId: user.user_id, username, status: "active" },
    roleAssignment,
    purpose: "direct-care",
    origin: { channel: "test" },
  };
  return createReader(db, identity);
}

const n = async (sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: number }>(sql, params))[0].n);

test("every practice has a team, every locality an MDT, and the place its services", async () => {
  const practices = await n("SELECT count(*) AS n FROM organisation WHERE kind = 'practice'");
  const localities = await n("SELECT count(*) AS n FROM organisation WHERE kind = 'locality'");
  assert.equal(await n("SELECT count(*) AS n FROM team WHERE kind = 'practice'"), practices);
  assert.equal(await n("SELECT count(*) AS n FROM team WHERE kind = 'locality-mdt'"), localities);
  assert.equal(first.teams, practices + localities + SERVICE_TEAMS.length);
  const unlinked = await n(
    "SELECT count(*) AS n FROM team t WHERE NOT EXISTS (SELECT 1 FROM organisation o WHERE o.org_code = t.org_code)",
  );
  assert.equal(unlinked, 0, "each team names an organisation of the place");
});

test("care teams, referrals and caseloads come from the history, open and ended, with provenance", async () => {
  assert.ok(first.careTeamMembers > 100, `${first.careTeamMembers} memberships`);
  assert.ok(first.referrals > 50, `${first.referrals} referrals`);
  assert.ok(first.caseloadEntries > 50, `${first.caseloadEntries} caseload entries`);
  for (const code of ["community-nursing", "adult-social-care", "community-mental-health"]) {
    const open = await n(
      `SELECT count(*) AS n FROM care_team_member m JOIN team t USING (team_id)
        WHERE t.team_code = $1 AND m.ended_on IS NULL`,
      [code],
    );
    const ended = await n(
      `SELECT count(*) AS n FROM care_team_member m JOIN team t USING (team_id)
        WHERE t.team_code = $1 AND m.ended_on IS NOT NULL`,
      [code],
    );
    assert.ok(open > 0 && ended > 0, `${code}: ${open} open, ${ended} ended`);
  }
  assert.ok(
    (await n("SELECT count(*) AS n FROM referral WHERE closed_on IS NULL")) > 0,
    "some referrals are open",
  );
  // Every membership of a caseload-holding team is on one named worker's caseload.
  const unallocated = await n(
    `SELECT count(*) AS n FROM care_team_member m JOIN team t USING (team_id)
      WHERE t.team_code = 'adult-social-care'
        AND NOT EXISTS (SELECT 1 FROM caseload_entry c WHERE c.person_id = m.person_id AND c.team_id = m.team_id)`,
  );
  assert.equal(unallocated, 0);
  const staffWithPasswords = await n(
    "SELECT count(*) AS n FROM app_user WHERE username LIKE 'staff.%' AND password_hash IS NOT NULL",
  );
  assert.equal(staffWithPasswords, 0, "synthetic staff cannot sign in");
  for (const table of ["care_team_member", "referral", "caseload_entry"]) {
    const missing = await n(
      `SELECT count(*) AS n FROM ${table} WHERE source_system IS NULL OR source_record_id IS NULL OR received_at IS NULL`,
    );
    assert.equal(missing, 0, table);
  }
  const people = await n(
    "SELECT count(*) AS n FROM care_team_member m WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.person_id = m.person_id)",
  );
  assert.equal(people, 0, "every membership is of a person in the place");
});

test("the relationships' tables are analysed, on the embedded engine at the load's smaller statistics target", async (t) => {
  // On a cluster the rows, and their statistics, are on the workers' shards.
  if (isCitus(db)) return t.skip("statistics are kept on the shards");
  // Target 30 on the embedded engine (a histogram of at most 31 bounds a column), the server's 100 elsewhere.
  const [{ bounds }] = await db.query<{ bounds: number | null }>(
    `SELECT max(cardinality(histogram_bounds::text::text[]))::int AS bounds FROM pg_stats
      WHERE schemaname = current_schema() AND tablename = 'care_team_member'`,
  );
  assert.ok(bounds !== null && bounds > 0, "care_team_member has statistics");
  if (db.engine === "pglite") assert.ok(bounds <= 31, `${bounds} histogram bounds`);
  else assert.ok(bounds > 31, `${bounds} histogram bounds`);
});

test("loading the relationships again adds nothing", async () => {
  assert.deepEqual(await loadCareRelationships(db), {
    teams: 0,
    staff: 0,
    careTeamMembers: 0,
    referrals: 0,
    caseloadEntries: 0,
  });
});

test("one demo user per role, each with a random password returned once and stored only as a hash", async () => {
  const roles = await db.query<{ role_code: string }>("SELECT role_code FROM app_role ORDER BY role_code");
  assert.deepEqual(
    [...new Set(demo.users.map((u) => u.roleCode))].sort(),
    roles.map((r) => r.role_code),
  );
  const passwords = demo.users.map((u) => u.password ?? "");
  assert.ok(passwords.every((p) => /^[A-Za-z0-9_-]{20}$/.test(p)));
  assert.equal(new Set(passwords).size, passwords.length);
  for (const u of demo.users) {
    const [row] = await db.query<{ password_hash: string }>(
      "SELECT password_hash FROM app_user WHERE username = $1",
      [u.username],
    );
    assert.ok(row.password_hash.startsWith("scrypt") && !row.password_hash.includes(u.password ?? "-"));
  }
  const gp = demo.users.find((u) => u.roleCode === "gp");
  const mdt = demo.users.find((u) => u.roleCode === "practice-mdt-coordinator");
  assert.equal(gp?.teamCode, `practice-${demo.practiceCode}`);
  assert.equal(mdt?.teamCode, gp?.teamCode);
  const again = await seedDemoIdentities(db);
  assert.ok(
    again.users.every((u) => u.password === null),
    "a second run prints no passwords",
  );
  assert.equal(again.users.length, DEMO_USERS.length);
});

test("the demo workers' caseloads include people on the demo practice's register, and the reader lets them in", async () => {
  for (const username of ["demo.nurse", "demo.social"]) {
    const user = demo.users.find((u) => u.username === username);
    assert.ok(user && user.caseload >= 10, `${username}: caseload ${user?.caseload}`);
    const [person] = await db.query<{ person_id: string }>(
      `SELECT c.person_id FROM caseload_entry c JOIN app_user u USING (user_id)
         JOIN registration r ON r.person_id = c.person_id AND r.deregistered_on IS NULL AND r.practice_code = $2
        WHERE u.username = $1 AND c.ended_on IS NULL ORDER BY c.person_id LIMIT 1`,
      [username, demo.practiceCode],
    );
    assert.ok(person, `${username} has someone from practice ${demo.practiceCode}`);
    const view = await (await readerOf(username)).person(person.person_id);
    assert.equal(view.relationship, "caseload");
  }
  const gp = demo.users.find((u) => u.roleCode === "gp");
  assert.ok(gp);
  const register = await (await readerOf(gp.username)).register();
  assert.ok(register.people.length > 30, `${register.people.length} on the register`);
});
