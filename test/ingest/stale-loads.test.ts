// A load whose process died is shown as failed (abandoned), never 'running' for ever: at once when its
// process is gone from this host, after STALE_MINUTES without a committed chunk when it ran elsewhere.
// test/ingest/kill.test.ts shows it end to end: a load killed with SIGKILL is failed when the next one starts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { test } from "node:test";
import { getLoad, STALE_MINUTES, settleAbandonedLoads, thisRunner } from "../../src/ingest/loads.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;

useTestDb({
  setup(opened) {
    db = opened;
  },
});

/** A pid that was a process a moment ago and is gone now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(r.pid && r.pid > 0);
  return r.pid;
}

async function runningLoad(runner: string | null, minutesAgo: number): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO ingest_load (load_id, source_system, format, layout, origin, started_at, status, runner, heartbeat_at)
     VALUES ($1, 'gp', 'csv', 'gp-patients', 'x.csv', now() - make_interval(mins => $3), 'running', $2,
             now() - make_interval(mins => $3))`,
    [id, runner, minutesAgo],
  );
  await db.query(
    "INSERT INTO data_load (load_id, source_system, description, started_at, status) VALUES ($1, 'gp', 'CSV', now(), 'running')",
    [id],
  );
  return id;
}

test("a running load whose process is gone from this host is marked failed, with why; live ones are left alone", async () => {
  const pid = deadPid();
  const dead = await runningLoad(`${hostname()}#${pid}`, 1);
  const mine = await runningLoad(thisRunner(), 1);
  const elsewhereRecent = await runningLoad("another-host#4242", 2);
  const elsewhereStale = await runningLoad("another-host#4243", STALE_MINUTES + 5);
  const legacyStale = await runningLoad(null, STALE_MINUTES + 60);

  const settled = await settleAbandonedLoads(db);
  assert.deepEqual(new Set(settled), new Set([dead, elsewhereStale, legacyStale]));

  const d = await getLoad(db, dead);
  assert.equal(d?.status, "failed");
  assert.match(
    d?.failure ?? "",
    new RegExp(`abandoned: the process running it \\(${hostname()}#${pid}\\) stopped`),
  );
  assert.ok(d?.finishedAt);
  assert.match(
    (await getLoad(db, elsewhereStale))?.failure ?? "",
    /no chunk committed for 30 minutes by another-host#4243/,
  );
  assert.equal((await getLoad(db, mine))?.status, "running");
  assert.equal((await getLoad(db, elsewhereRecent))?.status, "running");
  const dataLoad = await db.query<{ status: string }>("SELECT status FROM data_load WHERE load_id = $1", [
    dead,
  ]);
  assert.equal(dataLoad[0].status, "failed");
  // Settling again changes nothing.
  assert.deepEqual(await settleAbandonedLoads(db), []);
});
