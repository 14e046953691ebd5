// The register pages' reads are one more face through the access matrix: a saved cohort shown as a register
// (list) and its CSV export (export) disclose exactly the people the matrix says, to every role that may
// hold a register; commissioners, whose matrix cells are pseudonymised rows, are refused registers of
// named people outright (they have pseudonymised cohorts instead).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AccessDenied } from "../../src/governance/access.ts";
import { createReader } from "../../src/governance/reader.ts";
import type { RegisterQuery } from "../../src/governance/reader-registers.ts";
import type { AccessContext, Action, Disclosure } from "../../src/governance/types.ts";
import type { RegisterRow } from "../../src/risk/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { insertRiskPerson, insertRiskRun } from "../web/register-fixtures.ts";
import { type Matrix, runMatrix, setupMatrix } from "./access-matrix.ts";

let t: TestDb;
let matrix: Matrix;

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
  const runId = await insertRiskRun(t.db, "2016-04-01");
  for (const personId of matrix.personByState.values()) {
    await insertRiskPerson(t.db, runId, "2016-04-01", {
      personId,
      practiceCode: "Z90001",
      localityCode: "ZZL01",
      tier: "high",
      probability: 0.2,
    });
  }
  await t.db.query(
    "INSERT INTO risk_cohort (cohort_id, description, definition) VALUES ('matrix-everyone', 'Everyone scored', '{}')",
  );
});
after(() => t.dispose());

const readerFor = (ctx: AccessContext) => {
  const { db: _, ...identity } = ctx;
  return createReader(t.db, identity);
};

test("a saved cohort's register and its export disclose what the matrix says, role by role", async () => {
  const contexts = new Map([...matrix.contexts].filter(([role]) => role !== "commissioner-analyst"));
  const seen = new Map<string, Set<string> | null>();
  const cells = await runMatrix(
    { ...matrix, contexts },
    async (ctx, personId, action): Promise<Disclosure | null> => {
      const key = `${ctx.roleAssignment.role.roleCode}:${action}`;
      if (!seen.has(key)) {
        const reader = readerFor(ctx);
        const query = { kind: "cohort" as const, code: "matrix-everyone", pageSize: 100 };
        try {
          const rows =
            action === "export" ? await exportedRows(reader, query) : (await reader.riskRegister(query)).rows;
          seen.set(key, new Set(rows.map((r) => r.personId)));
        } catch (error) {
          if (!(error instanceof AccessDenied)) throw error;
          seen.set(key, null);
        }
      }
      return seen.get(key)?.has(personId) ? "identifiable" : null;
    },
    { actions: ["list", "export"] satisfies Action[] },
  );
  assert.equal(cells, 13 * 11 * 2);
});

test("a commissioner is refused a register of named people, and the refusal is audited", async () => {
  const ctx = matrix.contexts.get("commissioner-analyst") as AccessContext;
  await assert.rejects(
    readerFor(ctx).riskRegister({ kind: "cohort", code: "matrix-everyone" }),
    (e: unknown) => e instanceof AccessDenied && /pseudonymised cohort/.test(e.message),
  );
  const [audit] = await t.db.query<{ actor: string; allowed: boolean; action: string }>(
    "SELECT actor, allowed, action FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  assert.deepEqual(audit, { actor: ctx.user.username, allowed: false, action: "list" });
});

/** Every row a streamed export yields. */
async function exportedRows(reader: ReturnType<typeof readerFor>, query: RegisterQuery) {
  const rows: RegisterRow[] = [];
  for await (const row of (await reader.riskRegisterExport(query)).rows) rows.push(row);
  return rows;
}
