// Find a person is one more face through the access matrix, on its "search" column: the page (one person
// found by NHS Number goes to their record; anyone withheld is only counted) and the JSON API answer every
// role × state as designed, each search audited once. A pseudonymised role searches only as a cohort, so
// find turns it away (audited) rather than showing a name.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Disclosure } from "../../src/governance/types.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { type Matrix, type MatrixWeb, matrixWeb, runMatrix, STATES, setupMatrix } from "./access-matrix.ts";

let t: TestDb;
let matrix: Matrix;
let app: MatrixWeb["app"];
let get: MatrixWeb["get"];
const nhsOf = new Map<string, string>();

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
  ({ app, get } = await matrixWeb(t.db, matrix, { tokenName: "matrix-find" }));
  for (const r of await t.db.query<{ person_id: string; nhs_number: string }>(
    "SELECT person_id::text AS person_id, nhs_number FROM person",
  )) {
    nhsOf.set(r.person_id, r.nhs_number);
  }
});
after(async () => {
  await app?.close();
  await t?.dispose();
});

const auditRows = async () =>
  (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;

/** Every role but the pseudonymised ones, whose search is a cohort's (checked on its own below). */
function directMatrix(): Matrix {
  const contexts = new Map(
    [...matrix.contexts].filter(([, ctx]) => ctx.roleAssignment.role.accessBasis !== "pseudonymised"),
  );
  return { ...matrix, contexts };
}

test("/api/find by NHS Number answers the search column for every role and state, one audit row each", async () => {
  const m = directMatrix();
  const cells = await runMatrix(
    m,
    async (ctx, personId) => {
      const before = await auditRows();
      const res = await get(ctx.roleAssignment.role.roleCode, `/api/find?nhsNumber=${nhsOf.get(personId)}`);
      assert.equal(await auditRows(), before + 1, "one audit row per search");
      if (res.statusCode === 403) return null;
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      const found = body.people.find((p: { personId: string }) => p.personId === personId);
      assert.equal(
        body.people.length + body.withheld,
        1,
        "the one person holding the number, shown or counted",
      );
      return (found?.disclosure ?? null) as Disclosure | null;
    },
    { actions: ["search"] },
  );
  assert.equal(cells, m.contexts.size * STATES.length);
});

test("the /find page by NHS Number: straight to the record when allowed, counted and never named when not", async () => {
  const m = directMatrix();
  await runMatrix(
    m,
    async (ctx, personId) => {
      const res = await get(ctx.roleAssignment.role.roleCode, `/find?nhsNumber=${nhsOf.get(personId)}`);
      if (res.statusCode === 403) return null;
      if (res.statusCode === 303) {
        const location = String(res.headers.location);
        if (location === `/people/${personId}`) return "identifiable";
        if (location === `/mpi/people/${personId}/history`) return "demographics";
        assert.fail(`unexpected redirect to ${location}`);
      }
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /1 more person matches whom you may not see/);
      assert.doesNotMatch(res.body, /Matrix[a-z]+/, "the withheld person's name is not on the page");
      return null;
    },
    { actions: ["search"] },
  );
});

test("a pseudonymised role is turned away from find to its cohorts, and the refusal is audited", async () => {
  for (const [role, ctx] of matrix.contexts) {
    if (ctx.roleAssignment.role.accessBasis !== "pseudonymised") continue;
    for (const personId of matrix.personByState.values()) {
      const before = await auditRows();
      const res = await get(role, `/api/find?nhsNumber=${nhsOf.get(personId)}`);
      assert.equal(res.statusCode, 403);
      assert.match(res.json().detail, /pseudonymised cohort/);
      assert.equal(await auditRows(), before + 1);
    }
  }
});
