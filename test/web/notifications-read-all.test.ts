// "Mark all as read" reaches only the signed-in user's own admission notifications: another user's stay
// unread, and no one signed out reaches it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { createTeams, createUserInRole, insertOrganisations, TEAMS } from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const tokens = new Map<string, string>();
const userIds = new Map<string, string>();

const web = webSuite({
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    for (const [username, role, team] of [
      ["gp.readall", "gp", "practice"],
      ["sw.readall", "social-worker", "socialCare"],
    ] as const) {
      userIds.set(username, await createUserInRole(db, username, role, team));
      await addApiToken(db, tokens, "read-all", { username, roleCode: role, teamCode: TEAMS[team].teamCode });
    }
    for (const username of ["gp.readall", "gp.readall", "sw.readall"])
      await db.query(
        `INSERT INTO admission_notification_delivery (person_id, spell_id, user_id, notification_id, delivered_at)
         VALUES ($1, $2, $3, $4, now())`,
        [randomUUID(), randomUUID(), userIds.get(username), randomUUID()],
      );
  },
});

const requests = bearerRequests(web, tokens, { accept: "application/json" });
const unread = async (username: string) =>
  (
    await web.t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM admission_notification_delivery WHERE user_id = $1 AND read_at IS NULL",
      [userIds.get(username)],
    )
  )[0]?.n;

test("POST /notifications/read-all marks the user's own notifications read, no one else's", async () => {
  const signedOut = await web.app.inject({ method: "POST", url: "/notifications/read-all", payload: {} });
  assert.equal(signedOut.statusCode, 401);
  const res = await requests.post("/notifications/read-all", "gp.readall");
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { marked: 2 });
  assert.equal(await unread("gp.readall"), 0);
  assert.equal(await unread("sw.readall"), 1, "another user's notification stays unread");
  const unknown = await requests.post("/notifications/read-all", "sw.readall", { everyone: true });
  assert.equal(unknown.statusCode, 400, "an unknown field is refused, not dropped");
  assert.equal(await unread("sw.readall"), 1);
});
