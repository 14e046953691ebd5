import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  AccessDenied,
  accessGate,
  countAndFilterPeople,
  decideAccess,
  filterPeopleForAccess,
  judgePeople,
  personGate,
} from "../../src/governance/access.ts";
import { verifyAuditChain } from "../../src/governance/audit-verify.ts";
import { pseudonymKeysFromEnv } from "../../src/governance/pseudonym-keys.ts";
import { pseudonymFor } from "../../src/governance/pseudonymise.ts";
import { createReader } from "../../src/governance/reader.ts";
import { listRoles } from "../../src/governance/roles.ts";
import { ACTIONS, type Disclosure } from "../../src/governance/types.ts";
import { SqlParams } from "../../src/store/index.ts";
import { citusTest, openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  EXPECTED,
  expectedFor,
  type Matrix,
  matrixMarkdown,
  matrixWeb,
  runMatrix,
  STATES,
  setupMatrix,
} from "./access-matrix.ts";

let t: TestDb;
let matrix: Matrix;

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
});
after(() => t.dispose());

async function lastAudit() {
  const rows = await t.db.query(
    "SELECT actor, role_code, purpose, action, person_ids, withheld_ids, allowed, reason, disclosure FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  return rows[0];
}

test("the matrix covers all 14 roles, as held in the database, and every relationship state", async () => {
  const roles = (await listRoles(t.db)).map((r) => r.roleCode).sort();
  assert.equal(roles.length, 14);
  assert.deepEqual(Object.keys(EXPECTED).sort(), roles);
  for (const role of roles) for (const state of STATES) assert.match(EXPECTED[role][state], /^[Ydp.]{5}$/);
});

test("docs/governance.md shows exactly this matrix", () => {
  const doc = readFileSync(new URL("../../docs/governance.md", import.meta.url), "utf8");
  const section = /<!-- access-matrix:start -->\n([\s\S]*?)\n<!-- access-matrix:end -->/.exec(doc);
  assert.ok(section, "docs/governance.md has the access-matrix section");
  assert.equal(section[1].trim(), matrixMarkdown());
});

test("decideAccess answers every role × state × action as designed, and audits every attempt", async () => {
  const cells = await runMatrix(matrix, async (ctx, personId, action) => {
    const decision = await decideAccess({ ...ctx, person: personId, action });
    const audit = await lastAudit();
    assert.equal(audit.actor, ctx.user.username);
    assert.equal(audit.role_code, ctx.roleAssignment.role.roleCode);
    assert.equal(audit.purpose, ctx.purpose);
    assert.equal(audit.action, action);
    assert.deepEqual(audit.person_ids, [personId]);
    assert.equal(audit.allowed, decision.allow);
    assert.equal(audit.reason, decision.reason);
    assert.ok(decision.reason.length > 0);
    return decision.allow ? decision.disclosure : null;
  });
  assert.equal(cells, 14 * STATES.length * ACTIONS.length);
});

test("filterPeopleForAccess gives the same answers for a whole set in one call, with one audit row naming each person", async () => {
  const everyone = [...matrix.personByState.values()];
  for (const [role, ctx] of matrix.contexts) {
    for (const action of ACTIONS) {
      const before = (await t.db.query<{ n: number }>("SELECT count(*) AS n FROM audit_event"))[0].n;
      const result = await filterPeopleForAccess(ctx, everyone, action);
      const expected = STATES.filter((s) => expectedFor(role, s, action) !== null).map((s) =>
        matrix.personByState.get(s),
      );
      assert.deepEqual(new Set(result.allowed), new Set(expected), `${role} × ${action}`);
      for (const state of STATES) {
        const d = result.decisions.get(matrix.personByState.get(state) as string);
        const got: Disclosure | null = d?.allow ? d.disclosure : null;
        assert.equal(got, expectedFor(role, state, action), `${role} × ${state} × ${action}`);
      }
      const after = (await t.db.query<{ n: number }>("SELECT count(*) AS n FROM audit_event"))[0].n;
      assert.equal(after, before + 1, "one audit row per filter call");
      const audit = await lastAudit();
      assert.deepEqual(new Set(audit.person_ids as string[]), new Set(result.allowed));
      assert.deepEqual(new Set(audit.withheld_ids as string[]), new Set(result.withheld));
      assert.equal(audit.action, action);
    }
  }
});

test("countAndFilterPeople decides everyone counted as the matrix says, and its one audit row names only the people named", async () => {
  const everyone = [...matrix.personByState.values()];
  const named = STATES.filter((_, i) => i % 2 === 0).map((s) => matrix.personByState.get(s) as string);
  for (const [role, ctx] of matrix.contexts) {
    const before = (await t.db.query<{ n: number }>("SELECT count(*) AS n FROM audit_event"))[0].n;
    let seen = 0;
    const result = await countAndFilterPeople(ctx, everyone, "list", (decisions) => {
      seen = decisions.size;
      return { named, context: "counted for a test" };
    });
    assert.equal(seen, everyone.length, "name() sees every decision");
    for (const state of STATES) {
      const d = result.judged.get(matrix.personByState.get(state) as string);
      assert.equal(d?.allow ? d.disclosure : null, expectedFor(role, state, "list"), `${role} × ${state}`);
    }
    const after = (await t.db.query<{ n: number }>("SELECT count(*) AS n FROM audit_event"))[0].n;
    assert.equal(after, before + 1, "one audit row for the people counted and named");
    const audit = await lastAudit();
    const allowedNamed = named.filter((id) => result.judged.get(id)?.allow);
    assert.deepEqual(new Set(audit.person_ids as string[]), new Set(allowedNamed), role);
    assert.deepEqual(
      new Set(audit.withheld_ids as string[]),
      new Set(named.filter((id) => !allowedNamed.includes(id))),
      role,
    );
    assert.deepEqual(new Set(result.allowed), new Set(allowedNamed));
    assert.match(String(audit.reason), /counted for a test/);
  }
  const [ctx] = matrix.contexts.values();
  await assert.rejects(
    countAndFilterPeople(ctx, everyone.slice(1), "list", () => ({ named: [everyone[0]] })),
    /not among those counted/,
  );
});

test("judged in bulk (too many people to probe one by one, so each relationship set is hashed), the answers are the same", async () => {
  const strangers = Array.from({ length: 2_100 }, () => randomUUID());
  const people = [...matrix.personByState.values(), ...strangers];
  for (const [role, ctx] of matrix.contexts) {
    for (const action of ["list", "view"] as const) {
      const decisions = await judgePeople(ctx, people, action);
      for (const state of STATES) {
        const d = decisions.get(matrix.personByState.get(state) as string);
        assert.equal(d?.allow ? d.disclosure : null, expectedFor(role, state, action), `${role} × ${state}`);
      }
      assert.ok(
        strangers.every((id) => decisions.get(id)?.allow === false),
        `${role}: nobody unknown is allowed`,
      );
    }
  }
});

test("a register's access gate (each person's facts as a signature in SQL) lets through exactly whom the policy allows", async () => {
  const ids = [...matrix.personByState.entries()];
  for (const [role, ctx] of matrix.contexts) {
    for (const action of ["list", "export"] as const) {
      const gate = accessGate(ctx, action);
      const p = new SqlParams();
      const people = p.add(
        ids.map(([, id]) => id),
        "uuid[]",
      );
      const signature = gate.signature("x.person_id", (value, cast) => p.add(value, cast));
      const rows = await t.db.query<{ person_id: string; sig: number }>(
        `SELECT x.person_id::text AS person_id, ${signature} AS sig FROM unnest(${people}) AS x(person_id)`,
        p.values,
      );
      const sigOf = new Map(rows.map((r) => [r.person_id, Number(r.sig)]));
      for (const [state, id] of ids) {
        const through = gate.allowed.includes(sigOf.get(id) as number);
        assert.equal(through, expectedFor(role, state, action) !== null, `${role} × ${state} × ${action}`);
      }
      const tally = gate.tally(rows.map((r) => ({ signature: Number(r.sig), count: 1 })));
      assert.equal(tally.shown + tally.withheld, ids.length);
    }
  }
});

/** The audit row's decision fields, as a person gate and decideAccess must both write them. */
async function lastDecisionRow() {
  const [row] = await t.db.query(
    `SELECT actor, role_code, purpose, action, person_ids, withheld_ids, person_count, allowed, reason,
            relationship, disclosure, break_glass_id::text AS break_glass_id, flagged, channel
       FROM audit_event ORDER BY seq DESC LIMIT 1`,
  );
  return row;
}

/** Each person's signature as a FHIR read gets it: a column of the statement that reads their rows. */
async function signaturesOf(gate: ReturnType<typeof personGate>, ids: readonly string[]) {
  const p = new SqlParams();
  const people = p.add(ids, "uuid[]");
  const signature = gate.signature("x.person_id", (value, cast) => p.add(value, cast));
  if (!signature) {
    // On Citus there is no signature: every decision reads its own facts, and must still match.
    assert.ok(citusTest, "a signature on one server (null only on Citus)");
    return new Map<string, number | null>(ids.map((id) => [id, null]));
  }
  const rows = await t.db.query<{ person_id: string; sig: number }>(
    `SELECT x.person_id::text AS person_id, ${signature} AS sig FROM unnest(${people}) AS x(person_id)`,
    p.values,
  );
  return new Map<string, number | null>(rows.map((r) => [r.person_id, Number(r.sig)]));
}

test("a person gate (the facts read with the rows, as FHIR reads do) decides and audits every cell exactly as decideAccess", async () => {
  const ids = [...matrix.personByState.values()];
  const cells = await runMatrix(matrix, async (ctx, personId, action) => {
    const reference = await decideAccess({ ...ctx, person: personId, action });
    const referenceRow = await lastDecisionRow();
    const gate = personGate(ctx, action);
    const signature = (await signaturesOf(gate, ids)).get(personId) ?? null;
    const before = Number((await t.db.query("SELECT count(*)::int AS n FROM audit_event"))[0].n);
    const decision = await gate.decide(personId, signature);
    const after = Number((await t.db.query("SELECT count(*)::int AS n FROM audit_event"))[0].n);
    assert.equal(after, before + 1, "one audit row per decision");
    const row = await lastDecisionRow();
    // The same grant by id: break-glass is decided from the person's full facts, not the signature's bit.
    assert.deepEqual(row, referenceRow, `${ctx.roleAssignment.role.roleCode} × ${personId} × ${action}`);
    assert.deepEqual(decision, reference);
    return decision.allow ? decision.disclosure : null;
  });
  assert.equal(cells, 14 * STATES.length * ACTIONS.length);
});

test("a person gate with no signature (no row read) or an unknown person still decides from the facts, and audits", async () => {
  const [ctx] = [...matrix.contexts.values()];
  const registered = matrix.personByState.get("registered") as string;
  const reference = await decideAccess({ ...ctx, person: registered, action: "view" });
  const decision = await personGate(ctx, "view").decide(registered, null);
  assert.deepEqual(decision, reference);
  const stranger = randomUUID();
  const unknown = await personGate(ctx, "view").decide(stranger, null);
  assert.equal(unknown.allow, false);
  assert.deepEqual((await lastDecisionRow()).person_ids, [stranger]);
  const malformed = await personGate(ctx, "view").decide("not-an-id", 1);
  assert.equal(malformed.allow, false);
  assert.equal((await lastDecisionRow()).reason, "not a person id");
});

test("a person gate's filter answers a set as filterPeopleForAccess does, with the same one audit row", async () => {
  const ids = [...matrix.personByState.values()];
  for (const [role, ctx] of matrix.contexts) {
    for (const action of ["search", "view"] as const) {
      const reference = await filterPeopleForAccess(ctx, ids, action);
      const referenceRow = await lastDecisionRow();
      const gate = personGate(ctx, action);
      const result = await gate.filter(await signaturesOf(gate, ids));
      assert.deepEqual(result.allowed, reference.allowed, `${role} × ${action}`);
      assert.deepEqual(result.withheld, reference.withheld, `${role} × ${action}`);
      assert.deepEqual(result.decisions, reference.decisions, `${role} × ${action}`);
      assert.deepEqual(await lastDecisionRow(), referenceRow, `${role} × ${action}`);
    }
  }
});

test("a role acting for a purpose it does not hold is denied, whatever the relationship", async () => {
  const gp = matrix.contexts.get("gp");
  assert.ok(gp);
  const registered = matrix.personByState.get("registered") as string;
  for (const purpose of ["commissioning", "administration"] as const) {
    const d = await decideAccess({ ...gp, purpose, person: registered, action: "view" });
    assert.equal(d.allow, false);
    assert.match(d.reason, /purpose/);
  }
});

test("a locked account is denied even with a relationship", async () => {
  const gp = matrix.contexts.get("gp");
  assert.ok(gp);
  const d = await decideAccess({
    ...gp,
    user: { ...gp.user, status: "locked" },
    person: matrix.personByState.get("registered") as string,
    action: "view",
  });
  assert.equal(d.allow, false);
  assert.match(d.reason, /not active/);
});

test("an unknown person or a malformed id is denied and still audited", async () => {
  const gp = matrix.contexts.get("gp");
  assert.ok(gp);
  const unknown = await decideAccess({
    ...gp,
    person: "00000000-0000-4000-8000-00000000dead",
    action: "view",
  });
  assert.equal(unknown.allow, false);
  assert.deepEqual((await lastAudit()).person_ids, ["00000000-0000-4000-8000-00000000dead"]);
  const malformed = await decideAccess({ ...gp, person: "'; DROP TABLE person; --", action: "view" });
  assert.equal(malformed.allow, false);
  assert.equal((await lastAudit()).reason, "not a person id");
});

test("the web API's person view is one more face through the same matrix (view column, bearer tokens)", async () => {
  const { app, get } = await matrixWeb(t.db, matrix);
  try {
    const cells = await runMatrix(
      matrix,
      async (ctx, personId) => {
        const res = await get(ctx.roleAssignment.role.roleCode, `/api/people/${personId}`);
        if (res.statusCode === 403) return null;
        assert.equal(res.statusCode, 200, res.body);
        return res.json().disclosure;
      },
      { actions: ["view"] },
    );
    assert.equal(cells, 14 * STATES.length);
  } finally {
    await app.close();
  }
});

test("the governed reader is a face of its own: every cell through it, each audited once with its action", async () => {
  const keys = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: "c".repeat(64) });
  const auditRows = async () =>
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;
  const cells = await runMatrix(matrix, async (ctx, personId, action) => {
    const { db: _db, ...identity } = ctx;
    const reader = createReader(t.db, identity);
    const before = await auditRows();
    let got: Disclosure | null;
    let cohort = false;
    try {
      if (action === "view") got = (await reader.person(personId)).disclosure;
      else if (ctx.roleAssignment.role.accessBasis === "pseudonymised" && action !== "change") {
        // A pseudonymised role reaches a person only as a row of a cohort, under a pseudonym.
        cohort = true;
        const rows = await reader.pseudonymisedCohort({}, keys, action);
        const pseudonym = pseudonymFor(keys.keyFor("commissioning"), personId);
        // The decision is whether the person was read into the cohort (its audit row names them); whether their
        // row is then released depends on k-anonymity (a handful of people in the matrix have no look-alikes).
        const [read] = await t.db.query<{ named: boolean }>(
          `SELECT $1::uuid = ANY (person_ids) OR audit_set_contains(person_set, ARRAY[$1::uuid]) AS named
             FROM audit_event ORDER BY seq DESC LIMIT 1`,
          [personId],
        );
        assert.ok(read.named || !rows.some((r) => r.pseudonym === pseudonym), "a released row was read");
        got = read.named ? "pseudonymised" : null;
      } else {
        const list = await reader.people([personId], action);
        got = list.people.find((p) => p.personId === personId)?.disclosure ?? null;
        assert.equal(list.people.length + list.withheld, 1);
      }
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      got = null;
    }
    assert.equal(await auditRows(), before + 1, "one audit row per reader call");
    const audit = await lastAudit();
    assert.equal(audit.actor, ctx.user.username);
    assert.equal(audit.action, action);
    // A cohort's audit row says the query was allowed, whether or not this person was in it.
    if (!cohort) assert.equal(audit.allowed, got !== null);
    return got;
  });
  assert.equal(cells, 14 * STATES.length * ACTIONS.length);
});

test("the sharing page and the IG pages are faces through the same matrix (web, bearer tokens)", async () => {
  const { app, get } = await matrixWeb(t.db, matrix, { tokenName: "matrix-ig" });
  try {
    // A person's sharing choices are part of their record: the view column, where it is the identifiable record.
    const wrong: string[] = [];
    for (const role of matrix.contexts.keys()) {
      for (const state of STATES) {
        const res = await get(role, `/people/${matrix.personByState.get(state)}/sharing`);
        const want = expectedFor(role, state, "view") === "identifiable" ? 200 : 403;
        if (res.statusCode !== want)
          wrong.push(`${role} × ${state}: expected ${want}, got ${res.statusCode}`);
        const audit = await lastAudit();
        assert.equal(audit.actor, `matrix-${role}`);
        assert.equal(audit.allowed, res.statusCode === 200);
      }
    }
    assert.deepEqual(wrong, []);
    // The break-glass review and the audit search: only the roles that may read the audit trail.
    for (const role of matrix.contexts.keys()) {
      const may = role === "ig-officer";
      for (const url of [
        "/ig/break-glass",
        "/ig/audit",
        `/ig/audit?personId=${matrix.personByState.get("none")}`,
      ]) {
        const res = await get(role, url);
        assert.equal(res.statusCode, may ? 200 : 403, `${role} ${url}`);
        const audit = await lastAudit();
        if (!may || url !== "/ig/audit") {
          assert.equal(audit.actor, `matrix-${role}`);
          assert.equal(audit.action, "audit-query");
          assert.equal(audit.allowed, may);
        }
      }
    }
  } finally {
    await app.close();
  }
});

test("after the whole matrix the audit chain verifies", async () => {
  const result = await verifyAuditChain(t.db);
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.ok(result.rows > 14 * STATES.length * ACTIONS.length);
});
