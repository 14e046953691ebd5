// The person pages are one more face through the access matrix (docs/governance.md), over HTTP with each
// role's bearer token: the Summary and Records answer as the matrix's "view" column (the integration
// engineer's "d" is the banner and source records only); Timeline and Care team need the identifiable record,
// so "d" is a refusal there. Each attempt writes exactly one audit row.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Disclosure } from "../../src/governance/index.ts";
import { expectedFor, runMatrix, STATES, useMatrixWeb } from "../governance/access-matrix.ts";

const web = useMatrixWeb();

async function open(role: string, path: string): Promise<Disclosure | null> {
  const before = await web.auditCount();
  const res = await web.get(role, path, { accept: "text/html" });
  assert.equal(await web.auditCount(), before + 1, `${role} ${path}: one audit row`);
  if (res.statusCode === 403) {
    assert.match(res.body, /You cannot see this person/);
    return null;
  }
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.headers["x-oneplace-disclosure"] as Disclosure;
}

for (const section of ["", "/records"]) {
  test(`/people/:personId${section} answers every role × state as the matrix's view column`, async () => {
    const cells = await runMatrix(
      web.matrix,
      (ctx, personId) => open(ctx.roleAssignment.role.roleCode, `/people/${personId}${section}`),
      { actions: ["view"] },
    );
    assert.equal(cells, 14 * STATES.length);
  });
}

for (const section of ["/timeline", "/care-team"]) {
  test(`/people/:personId${section} opens only the identifiable record`, async () => {
    const wrong: string[] = [];
    for (const [role] of web.matrix.contexts) {
      for (const state of STATES) {
        const personId = web.matrix.personByState.get(state) as string;
        const want = expectedFor(role, state, "view") === "identifiable" ? "identifiable" : null;
        const got = await open(role, `/people/${personId}${section}`);
        if (got !== want) wrong.push(`${role} × ${state}: expected ${want ?? "deny"}, got ${got ?? "deny"}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
}
