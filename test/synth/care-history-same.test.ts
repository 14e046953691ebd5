// The synthetic care history of a small place, pinned: the MDT meetings, agendas, actions, plan versions, plans,
// referrals, caseloads and the practice staff the step writes, by a digest of every row. The history's
// statements are rewritten for speed now and then (the emergency admissions' look-ups became joins); the place
// must stay the same one, on every engine. A deliberate change to what the place holds changes the digest:
// check the change is meant, then put the new digest here.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { type Db, openDb } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../src/synth/config.ts";
import { loadCareHistory, loadCareRelationships } from "../../src/synth/index.ts";
import { loadSyntheticPlace } from "../../src/synth/load.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

/** The digest of the history of seed "care-history-same", 1,500 people, as the step wrote it before the rewrite. */
const PINNED = "8a189bb27689af2b172733ece3247620afb1f3315c203dec4bf2835399e2d390";

/** Each table the step writes, as the columns it sets (app_user and user_role have times of their own). */
const WRITTEN: Record<string, string> = {
  mdt_meeting: "x::text",
  mdt_attendee: "x::text",
  mdt_agenda_item: "x::text",
  mdt_action: "x::text",
  care_plan_version: "x::text",
  care_plan: "x::text",
  referral: "x::text",
  caseload_entry: "x::text",
  app_user: "concat_ws('|', x.user_id, x.username, x.display_name)",
  user_role: "concat_ws('|', x.user_id, x.role_code, x.team_id, x.granted_by)",
};

let t: TestDatabase;
let db: Db;

before(async () => {
  t = await createTestDatabase({ migrated: true });
  db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, seed: "care-history-same", people: 1500 });
  await loadCareRelationships(db);
  await loadCareHistory(db);
});

after(async () => {
  await db?.close();
  await t?.drop();
});

/** One digest of every table's rows, each row's text hashed and the hashes sorted (no engine's row order). */
async function historyDigest(): Promise<string> {
  const all = createHash("sha256");
  for (const [table, row] of Object.entries(WRITTEN)) {
    const rows = await db.query<{ h: string }>(`SELECT md5(${row}) AS h FROM ${table} x`);
    const hashes = rows.map((r) => r.h).sort();
    all.update(`${table}:${rows.length}:${hashes.join(",")}\n`);
  }
  return all.digest("hex");
}

test("the care history of a small place is the same rows as before, admissions to both kinds of MDT among them", async () => {
  // The digest covers the admissions statements only if the place has admissions on both kinds of agenda.
  const admitted = await db.query<{ kind: string; n: number }>(
    `SELECT m.source_kind AS kind, count(*)::int AS n FROM mdt_agenda_item i JOIN mdt_meeting m USING (meeting_id)
      WHERE 'admitted-since-last' = ANY(i.reasons) GROUP BY 1 ORDER BY 1`,
  );
  assert.deepEqual(
    admitted.map((a) => a.kind),
    ["locality", "practice"],
    JSON.stringify(admitted),
  );
  assert.equal(await historyDigest(), PINNED);
});
