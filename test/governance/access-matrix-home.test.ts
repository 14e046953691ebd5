// The home page's reads are one more face through the access matrix: with every matrix person due a care
// plan review (so each is a candidate wherever a role has a reason to list them), a home names only people
// the matrix lets that role list, names every such person its panels are about, and the roles without
// access to people get homes of counts only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createReader } from "../../src/governance/reader.ts";
import type { HomeData, HomeList } from "../../src/governance/reader-home.ts";
import type { AccessContext } from "../../src/governance/types.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { expectedFor, type Matrix, STATES, setupMatrix } from "./access-matrix.ts";

let t: TestDb;
let matrix: Matrix;

before(async () => {
  t = await openTestDb();
  matrix = await setupMatrix(t.db);
  const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  for (const personId of matrix.personByState.values()) {
    await t.db.query(
      `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, source_system,
         source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-06-01', $2, 'test', gen_random_uuid()::text, now())`,
      [personId, soon],
    );
  }
});
after(() => t.dispose());

const homeOf = (ctx: AccessContext) => {
  const { db: _, ...identity } = ctx;
  return createReader(t.db, identity).home();
};

function listsOf(home: HomeData): HomeList[] {
  switch (home.kind) {
    case "practice":
      return [home.admitted, home.reviewsDue, home.newlyOnRegister];
    case "caseload":
      return [home.caseload, home.referrals, home.admitted, home.reviewsDue];
    default:
      return [];
  }
}

test("every role's home names only the people the matrix lets it list, and every one its reviews are about", async () => {
  const stateOf = new Map([...matrix.personByState].map(([state, id]) => [id, state]));
  const problems: string[] = [];
  for (const [role, ctx] of matrix.contexts) {
    const home = await homeOf(ctx);
    const named = new Set(listsOf(home).flatMap((l) => l.people.map((p) => p.personId)));
    for (const id of named) {
      const state = stateOf.get(id);
      if (!state || expectedFor(role, state, "list") === null) problems.push(`${role} named ${state ?? id}`);
    }
    if (home.kind === "practice" || home.kind === "caseload") {
      // Relationships that put a person in this role's reviews: registration for a practice, the team's
      // caseload, care team or referrals otherwise.
      const reasons =
        home.kind === "practice" ? ["registered"] : ["caseload", "care-team", "referral", "opt-out"];
      for (const state of STATES) {
        if (!reasons.includes(state) || expectedFor(role, state, "list") === null) continue;
        const id = matrix.personByState.get(state) as string;
        if (!home.reviewsDue.people.some((p) => p.personId === id)) problems.push(`${role} missed ${state}`);
      }
    } else if (named.size > 0) problems.push(`${role} (${home.kind}) named people`);
  }
  assert.deepEqual(problems, []);
});

test("which home each role gets", async () => {
  const kinds = Object.fromEntries(
    await Promise.all([...matrix.contexts].map(async ([role, ctx]) => [role, (await homeOf(ctx)).kind])),
  );
  assert.deepEqual(kinds, {
    gp: "practice",
    "practice-mdt-coordinator": "practice",
    "community-clinician": "caseload",
    "mental-health-clinician": "caseload",
    "social-worker": "caseload",
    "reablement-worker": "caseload",
    "local-area-coordinator": "caseload",
    "hospital-discharge-team": "caseload",
    "commissioner-analyst": "commissioning",
    "finance-programme-lead": "commissioning",
    "hwb-board-member": "commissioning",
    "integration-engineer": "backoffice",
    "ig-officer": "ig",
    administrator: "admin",
  });
});
