// Break-glass on a person who does not exist is a 404 with nothing recorded; one user's break-glass accesses
// are capped per hour, the refusal beyond the cap and the burst before it flagged to the IG officer.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { breakGlassPage } from "../../src/governance/ig.ts";
import { createReader } from "../../src/governance/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { injectSignIn } from "../web/harness.ts";
import { contextFor, insertPerson, makePerson, seedUsers, testAuthConfig } from "./fixtures.ts";

const PASSWORD = "riverside surgery morning list";
const REASON = "Collapsed at the clinic, needs history";

type App = Awaited<ReturnType<typeof createWebServer>>;
let t: TestDb;
let app: App;
const strangers = Array.from({ length: 8 }, () => makePerson());

async function session(username: string): Promise<Record<string, string>> {
  const { cookie, csrf } = await injectSignIn(app, username, PASSWORD);
  return { cookie, "x-csrf-token": csrf, "content-type": "application/json" };
}

before(async () => {
  t = await openTestDb();
  await seedUsers(t.db, [
    ["nurse.glass", "community-clinician", "community", PASSWORD],
    ["nurse.capped", "community-clinician", "community", PASSWORD],
  ]);
  for (const p of strangers) await insertPerson(t.db, p);
  app = await createWebServer({
    db: t.db,
    logger: createLogger({ level: "silent" }),
    placeName: "Test",
    auth: testAuthConfig({ loginAttemptsPerMinute: 1_000 }),
  });
});
after(async () => {
  await app.close();
  await t.dispose();
});

describe("break-glass on a person who does not exist", () => {
  test("is a 404 with a clear problem, and no break-glass is recorded", async () => {
    const headers = await session("nurse.glass");
    const nobody = randomUUID();
    const res = await app.inject({
      method: "POST",
      url: `/api/people/${nobody}/break-glass`,
      headers,
      payload: { reason: REASON },
    });
    assert.equal(res.statusCode, 404, res.body);
    assert.match(res.json().detail, /no such person: no break-glass access was recorded/i);
    const rows = await t.db.query("SELECT 1 FROM break_glass WHERE person_id = $1", [nobody]);
    assert.equal(rows.length, 0);
    const audit = await t.db.query<{ allowed: boolean; reason: string }>(
      "SELECT allowed, reason FROM audit_event WHERE $1 = ANY (person_ids)",
      [nobody],
    );
    assert.deepEqual(
      audit.map((a) => [a.allowed, a.reason]),
      [[false, "break-glass refused: no such person"]],
    );
    const page = await app.inject({ method: "GET", url: `/api/people/${nobody}`, headers });
    assert.notEqual(page.statusCode, 500);
  });
});

describe("many break-glass accesses in a short time", () => {
  test("beyond the hourly limit (5 by default) the API refuses, flagged to the IG officer", async () => {
    const headers = await session("nurse.glass");
    for (const p of strangers.slice(0, 5)) {
      const res = await app.inject({
        method: "POST",
        url: `/api/people/${p.personId}/break-glass`,
        headers,
        payload: { reason: REASON },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    const sixth = await app.inject({
      method: "POST",
      url: `/api/people/${strangers[5].personId}/break-glass`,
      headers,
      payload: { reason: REASON },
    });
    assert.equal(sixth.statusCode, 403, sixth.body);
    assert.match(sixth.json().detail, /break-glass limit reached: 5 in the last hour \(limit 5\)/);
    const granted = await t.db.query("SELECT 1 FROM break_glass WHERE person_id = $1", [
      strangers[5].personId,
    ]);
    assert.equal(granted.length, 0);
    const flagged = await t.db.query<{ allowed: boolean }>(
      "SELECT allowed FROM audit_event WHERE flagged AND $1 = ANY (person_ids)",
      [strangers[5].personId],
    );
    assert.deepEqual(
      flagged.map((r) => r.allowed),
      [false],
    );
  });

  test("the IG officer's break-glass list alerts on each access of the burst and counts the refusals", async () => {
    const page = await breakGlassPage(t.db, { reviewed: false, limit: 100, offset: 0 });
    const mine = page.rows.filter((r) => r.username === "nurse.glass");
    assert.equal(mine.length, 5);
    // Every access of the burst is alerted: the refusal came within the hour after each.
    assert.ok(mine.every((r) => r.alert !== null));
    assert.match(mine[0].alert ?? "", /^Break-glass number 1 by this user within an hour; 1 further attempt/);
    assert.match(
      mine[4].alert ?? "",
      /Break-glass number 5 by this user within an hour; 1 further attempt was refused/,
    );
    const ig = await app.inject({ method: "GET", url: "/ig/break-glass" });
    assert.notEqual(ig.statusCode, 200, "the IG page is not public");
  });

  test("the limit is configurable per reader (ONEPLACE_BREAK_GLASS_PER_HOUR)", async () => {
    const ctx = await contextFor(t.db, "nurse.capped", "community-clinician", "community", "direct-care", {
      breakGlassPerHour: 1,
    });
    const { db: _db, ...identity } = ctx;
    const reader = createReader(t.db, identity);
    const first = await reader.breakGlass(strangers[6].personId, REASON);
    assert.equal(first.allow, true);
    await assert.rejects(reader.breakGlass(strangers[7].personId, REASON), /limit 1/);
  });
});

describe("the burst alert's words", () => {
  test("no alert for one or two accesses an hour with nothing refused", async () => {
    const { burstAlert } = await import("../../src/governance/ig.ts");
    assert.equal(burstAlert(1, 0), null);
    assert.equal(burstAlert(2, 0), null);
    assert.equal(burstAlert(3, 0), "Break-glass number 3 by this user within an hour");
    assert.equal(
      burstAlert(1, 2),
      "Break-glass number 1 by this user within an hour; 2 further attempts were refused at the limit",
    );
  });
});
