// The person API through the access matrix (docs/governance.md), over HTTP with each role's bearer token:
// /api/people/:personId/timeline needs the identifiable record, as the Timeline page does, so the matrix's
// "d" (demographics only) is a refusal there. Each attempt writes exactly one audit row.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  expectedFor,
  type Matrix,
  type MatrixWeb,
  matrixWeb,
  STATES,
  setupMatrix,
} from "../governance/access-matrix.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

let t: TestDb;
let matrix: Matrix;
let app: MatrixWeb["app"];
let get: MatrixWeb["get"];

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
  ({ app, get } = await matrixWeb(t.db, matrix));
});
after(async () => {
  await app?.close();
  await t?.dispose();
});

const auditCount = async () =>
  (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;

test("/api/people/:personId/timeline answers every role × state as the matrix: the identifiable record only", async () => {
  const wrong: string[] = [];
  let cells = 0;
  for (const [role] of matrix.contexts) {
    for (const state of STATES) {
      const personId = matrix.personByState.get(state) as string;
      const before = await auditCount();
      const res = await get(role, `/api/people/${personId}/timeline`);
      assert.equal(await auditCount(), before + 1, `${role} × ${state}: one audit row`);
      const want = expectedFor(role, state, "view") === "identifiable" ? 200 : 403;
      if (res.statusCode !== want) wrong.push(`${role} × ${state}: expected ${want}, got ${res.statusCode}`);
      if (res.statusCode === 403) assert.doesNotMatch(res.body, /"events"|"entries"/, `${role} × ${state}`);
      cells++;
    }
  }
  assert.deepEqual(wrong, []);
  assert.equal(cells, 14 * STATES.length);
});
