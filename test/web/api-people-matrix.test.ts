// The person API through the access matrix (docs/governance.md), over HTTP with each role's bearer token:
// /api/people/:personId/timeline needs the identifiable record, as the Timeline page does, so the matrix's
// "d" (demographics only) is a refusal there. Each attempt writes exactly one audit row.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectedFor, STATES, useMatrixWeb } from "../governance/access-matrix.ts";

const web = useMatrixWeb();

test("/api/people/:personId/timeline answers every role × state as the matrix: the identifiable record only", async () => {
  const wrong: string[] = [];
  let cells = 0;
  for (const [role] of web.matrix.contexts) {
    for (const state of STATES) {
      const personId = web.matrix.personByState.get(state) as string;
      const before = await web.auditCount();
      const res = await web.get(role, `/api/people/${personId}/timeline`);
      assert.equal(await web.auditCount(), before + 1, `${role} × ${state}: one audit row`);
      const want = expectedFor(role, state, "view") === "identifiable" ? 200 : 403;
      if (res.statusCode !== want) wrong.push(`${role} × ${state}: expected ${want}, got ${res.statusCode}`);
      if (res.statusCode === 403) assert.doesNotMatch(res.body, /"events"|"entries"/, `${role} × ${state}`);
      cells++;
    }
  }
  assert.deepEqual(wrong, []);
  assert.equal(cells, 14 * STATES.length);
});
