// The synthetic care history on a Citus cluster whose coordinator reaches its own copies of the reference tables
// only over connections to itself (local execution off for the whole session), never inside the backend, the
// way a busy node's statements may go. Citus chooses between the two statement by statement, and rows written
// one way inside a transaction are not seen the other: the step commits its working tables before the
// transaction that writes the care records, so that transaction reads the same rows either way. Here the
// history is written over connections only and checked whole: meetings, and every plan with its versions. Only
// on Citus.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Db, openDb } from "../../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../src/synth/config.ts";
import { type CareHistoryResult, loadCareHistory, loadCareRelationships } from "../../src/synth/index.ts";
import { loadSyntheticPlace } from "../../src/synth/load.ts";
import { citusTest, createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

let t: TestDatabase;
let db: Db;
let written: CareHistoryResult;

/** The same database, each session with the coordinator's local execution off. */
function overConnectionsOnly(url: string): string {
  const u = new URL(url);
  u.searchParams.set("options", "-c citus.enable_local_execution=off");
  return u.toString();
}

before(async () => {
  if (!citusTest) return;
  t = await createTestDatabase({ migrated: true });
  db = await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  await loadSyntheticPlace(db, {
    ...DEFAULT_SYNTH_CONFIG,
    seed: "care-history-citus",
    people: 400,
    historyStart: "2014-04-01",
  });
  await loadCareRelationships(db);
  const remote = await openDb({ databaseUrl: overConnectionsOnly(t.databaseUrl as string), home: t.home });
  try {
    const [{ setting }] = await remote.query<{ setting: string }>(
      "SELECT current_setting('citus.enable_local_execution') AS setting",
    );
    assert.equal(setting, "off");
    written = await loadCareHistory(remote);
  } finally {
    await remote.close();
  }
});

after(async () => {
  await db?.close();
  await t?.drop();
});

const n = async (sql: string) => Number((await db.query<{ n: number }>(sql))[0].n);

test("over connections only, the history has its meetings and every plan its versions", {
  skip: !citusTest,
}, async () => {
  assert.ok(written.meetings > 0, JSON.stringify(written));
  assert.ok(written.plans > 0, JSON.stringify(written));
  assert.equal(written.meetings, await n("SELECT count(*) AS n FROM mdt_meeting"));
  // Each of OnePlace's plans is the projection of its versions: a draft and a sign-off at least, the time of
  // the latest saved, the review date of the latest signed off.
  assert.equal(
    await n(
      `SELECT count(*) AS n FROM care_plan cp
        WHERE cp.source_system = 'oneplace-care'
          AND (cp.received_at IS DISTINCT FROM (SELECT max(v.saved_at) FROM care_plan_version v
                                                 WHERE v.person_id = cp.person_id AND v.plan_id = cp.care_plan_id)
               OR cp.review_due_on IS DISTINCT FROM (SELECT v.review_due_on FROM care_plan_version v
                                                      WHERE v.person_id = cp.person_id AND v.plan_id = cp.care_plan_id
                                                        AND v.status = 'signed-off' ORDER BY v.version DESC LIMIT 1)
               OR (SELECT count(*) FROM care_plan_version v
                    WHERE v.person_id = cp.person_id AND v.plan_id = cp.care_plan_id) < 2)`,
    ),
    0,
  );
  // Every agenda item's meeting was written, and every meeting has people on its agenda or none at all.
  assert.equal(
    await n(
      "SELECT count(*) AS n FROM mdt_agenda_item i WHERE NOT EXISTS (SELECT 1 FROM mdt_meeting m WHERE m.meeting_id = i.meeting_id)",
    ),
    0,
  );
  // The working tables are gone.
  assert.equal(
    await n(
      "SELECT count(*) AS n FROM pg_class WHERE relname IN ('synth_meeting', 'synth_item', 'synth_plan', 'synth_version', 'synth_action')",
    ),
    0,
  );
});
