// The notifications API as one more face through the access matrix: every role is sent a notification about
// the person of every relationship state, and names exactly the people the matrix's "list" column allows,
// with its disclosure; the rest are counted as withheld. A pseudonymised role is refused a list of names.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type Matrix, matrixWeb, runMatrix, STATES, setupMatrix } from "../governance/access-matrix.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
let matrix: Matrix;

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
  for (const [role, ctx] of matrix.contexts) {
    const userId = matrix.userIds.get(role) as string;
    for (const personId of matrix.personByState.values()) {
      const notificationId = randomUUID();
      const spellId = randomUUID();
      await t.db.query(
        `INSERT INTO admission_notification VALUES ($1, $2, $3, $4, '{care-team}', 'ZZA01', now() - interval '2 hours', now())`,
        [personId, notificationId, spellId, ctx.roleAssignment.team.teamId],
      );
      await t.db.query("INSERT INTO admission_notification_delivery VALUES ($1, $2, $3, $4, now(), NULL)", [
        personId,
        spellId,
        userId,
        notificationId,
      ]);
    }
  }
});
after(() => t?.dispose());

test("GET /api/me/notifications names only the people each role may list, as the matrix says", async () => {
  const { app, get } = await matrixWeb(t.db, matrix, { server: { admissionNotifier: false } });
  try {
    const answers = new Map<string, Map<string, string>>();
    const listing = new Map(
      [...matrix.contexts].filter(([, ctx]) => ctx.roleAssignment.role.accessBasis !== "pseudonymised"),
    );
    for (const role of matrix.contexts.keys()) {
      const res = await get(role, "/api/me/notifications?limit=100");
      if (!listing.has(role)) {
        assert.equal(res.statusCode, 403, `${role}: ${res.body}`);
        assert.match(res.json().detail ?? res.json().title, /pseudonymised/);
        continue;
      }
      assert.equal(res.statusCode, 200, `${role}: ${res.body}`);
      const body = res.json() as {
        total: number;
        withheld: number;
        notifications: { person: { personId: string; disclosure: string } }[];
      };
      assert.equal(body.total, STATES.length);
      assert.equal(body.notifications.length + body.withheld, STATES.length, role);
      answers.set(role, new Map(body.notifications.map((n) => [n.person.personId, n.person.disclosure])));
    }
    const cells = await runMatrix(
      { ...matrix, contexts: listing },
      async (ctx, personId) =>
        (answers.get(ctx.roleAssignment.role.roleCode)?.get(personId) ?? null) as never,
      { actions: ["list"] },
    );
    assert.equal(cells, listing.size * STATES.length);
  } finally {
    await app.close();
  }
});
