// Break-glass reasons and reviews are sealed into the audit hash chain: `audit verify` names a reason
// rewritten, a review added, changed or removed behind the application's back, a row inserted without its
// seal and a row deleted. The table also refuses the edits the application never makes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { verifyAuditChain } from "../../src/governance/audit-verify.ts";
import { reviewBreakGlass } from "../../src/governance/break-glass.ts";
import { recordBreakGlassReview } from "../../src/governance/ig.ts";
import { createReader } from "../../src/governance/index.ts";
import { type Db, isCitus } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { contextFor, insertPerson, makePerson, seedUsers } from "./fixtures.ts";

const REASON = "Unconscious in A&E, no history available";
let t: TestDb;
const people = Array.from({ length: 5 }, () => makePerson());
const ids: string[] = [];

/** Tampering as a database superuser would: past the table's triggers. */
async function tamper(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    // A cluster changes a distributed table's triggers (and its shards') only when told they are safe to.
    if (isCitus(tx)) await tx.exec("SET LOCAL citus.enable_unsafe_triggers = on");
    await tx.exec("ALTER TABLE break_glass DISABLE TRIGGER USER");
    await tx.query(sql, params);
    await tx.exec("ALTER TABLE break_glass ENABLE TRIGGER USER");
  });
}

async function messages(): Promise<string[]> {
  const result = await verifyAuditChain(t.db);
  return result.problems.map((p) => `${p.problem}: ${p.message}`);
}

before(async () => {
  t = await openTestDb();
  await seedUsers(t.db, [["nurse.seal", "community-clinician", "community"]]);
  for (const p of people) await insertPerson(t.db, p);
  const { db: _db, ...identity } = await contextFor(
    t.db,
    "nurse.seal",
    "community-clinician",
    "community",
    "direct-care",
  );
  const reader = createReader(t.db, identity);
  for (const p of people.slice(0, 4))
    ids.push((await reader.breakGlass(p.personId, REASON)).breakGlassId as string);
  await recordBreakGlassReview(t.db, {
    breakGlassId: ids[1],
    reviewer: "ig.officer",
    outcome: "appropriate",
    note: "Seen in A&E, as the reason says.",
    at: new Date(),
  });
  assert.equal(await reviewBreakGlass(t.db, ids[2], "cli:ig", "Checked with the ward."), true);
});
after(() => t.dispose());

describe("break-glass reasons and reviews in the audit chain", () => {
  test("break-glass made and reviewed through OnePlace verifies", async () => {
    assert.deepEqual(await messages(), []);
  });

  test("the table refuses a rewritten reason, a changed review and a deletion", async () => {
    await assert.rejects(
      t.db.query(
        "UPDATE break_glass SET reason = 'routine check', reviewed_at = now() WHERE break_glass_id = $1",
        [ids[0]],
      ),
      /cannot be changed once made/,
    );
    await assert.rejects(
      t.db.query("UPDATE break_glass SET review_outcome = 'not-appropriate' WHERE break_glass_id = $1", [
        ids[1],
      ]),
      /review cannot be changed/,
    );
    await assert.rejects(
      t.db.query("DELETE FROM break_glass WHERE break_glass_id = $1", [ids[0]]),
      /DELETE is not allowed/,
    );
  });

  test("audit verify detects a reason rewritten and marked reviewed in one UPDATE", async () => {
    await tamper(
      t.db,
      `UPDATE break_glass SET reason = 'Routine check', reviewed_at = now(), reviewed_by = 'ig.officer',
         review_outcome = 'appropriate', review_note = 'ok' WHERE break_glass_id = $1`,
      [ids[0]],
    );
    const found = await messages();
    assert.ok(
      found.some((m) =>
        m.startsWith(`break-glass-edited: break-glass ${ids[0]} was changed after it was recorded`),
      ),
      found.join("\n"),
    );
    assert.ok(found.some((m) => m.includes(`${ids[0]} is marked reviewed but no review was recorded`)));
    assert.equal((await verifyAuditChain(t.db)).ok, false);
  });

  test("audit verify detects a review rewritten, a row inserted without its seal and a row deleted", async () => {
    await tamper(t.db, "UPDATE break_glass SET review_outcome = 'follow-up' WHERE break_glass_id = $1", [
      ids[1],
    ]);
    await tamper(t.db, "DELETE FROM break_glass WHERE break_glass_id = $1", [ids[3]]);
    const [user] = await t.db.query<{ user_id: string }>(
      "SELECT user_id FROM app_user WHERE username = 'nurse.seal'",
    );
    await t.db.query(
      `INSERT INTO break_glass (person_id, break_glass_id, user_id, role_code, team_id, reason, started_at, expires_at)
       SELECT $1, gen_random_uuid(), $2, role_code, team_id, 'A forged reason for access', now(), now() + interval '1 hour'
         FROM break_glass WHERE break_glass_id = $3`,
      [people[4].personId, user.user_id, ids[2]],
    );
    const found = await messages();
    assert.ok(
      found.some((m) => m.includes(`${ids[1]}'s review was changed or removed`)),
      found.join("\n"),
    );
    assert.ok(found.some((m) => m.startsWith(`break-glass-missing: break-glass ${ids[3]} was deleted`)));
    assert.ok(found.some((m) => m.startsWith("break-glass-unsealed:")));
  });
});
