// The back office's person page (a person's MPI history, with their demographics as the sources hold them)
// through the access matrix: the integration engineer gets demographics in every relationship state, exactly
// as the matrix's view column says, and every other role is refused whatever its relationship, because
// identity work is not theirs. Each attempt is one audited decision.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { type Matrix, matrixWeb, runMatrix, STATES, setupMatrix } from "./access-matrix.ts";

let t: TestDb;
let matrix: Matrix;

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
});
after(() => t.dispose());

test("MPI history: the integration engineer sees demographics in every state; every other role is refused", async () => {
  const { app, get } = await matrixWeb(t.db, matrix);
  try {
    const open = (role: string, personId: string) =>
      get(role, `/mpi/people/${personId}/history`, { accept: "text/html" });
    const lastAudit = async () =>
      (
        await t.db.query<{
          actor: string;
          allowed: boolean;
          disclosure: string | null;
          person_ids: string[];
        }>("SELECT actor, allowed, disclosure, person_ids FROM audit_event ORDER BY seq DESC LIMIT 1")
      )[0];

    const engineer = new Map([...matrix.contexts].filter(([role]) => role === "integration-engineer"));
    const cells = await runMatrix(
      { ...matrix, contexts: engineer },
      async (ctx, personId) => {
        const res = await open(ctx.roleAssignment.role.roleCode, personId);
        if (res.statusCode === 403) return null;
        assert.equal(res.statusCode, 200, res.body);
        const audit = await lastAudit();
        assert.deepEqual(audit, {
          actor: ctx.user.username,
          allowed: true,
          disclosure: "demographics",
          person_ids: [personId],
        });
        return "demographics";
      },
      { actions: ["view"] },
    );
    assert.equal(cells, STATES.length);

    const wrong: string[] = [];
    for (const [role, ctx] of matrix.contexts) {
      if (role === "integration-engineer") continue;
      for (const state of STATES) {
        const res = await open(role, matrix.personByState.get(state) as string);
        if (res.statusCode !== 403) wrong.push(`${role} × ${state}: ${res.statusCode}`);
        const audit = await lastAudit();
        if (audit.actor !== ctx.user.username || audit.allowed) wrong.push(`${role} × ${state}: not audited`);
      }
    }
    assert.deepEqual(wrong, []);
  } finally {
    await app.close();
  }
});
