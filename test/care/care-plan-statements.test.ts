// The Care plan tab reads a fixed, small number of statements however large the plan and however many staff
// hold roles: the staff who may own an action are decided from the person's relationships read once, not by a
// facts query for each team, role and caseload holder. The owners it offers are exactly those the access policy
// allows on each user's own facts (factsForPerson), for people with every kind of relationship and an objection.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  createReader,
  evaluateAccess,
  factsForPerson,
  type GovernedReader,
  loadUserInRole,
} from "../../src/governance/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db, Queryable } from "../../src/store/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import {
  addToCareTeam,
  addToCaseload,
  admit,
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  refer,
  register,
  TEAMS,
  type TeamKey,
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { sessionFor, type TestSession } from "../web/session.ts";

/** The Db (and its transactions) with the text of every statement it runs pushed to `into`. */
function recording<Q extends Queryable>(q: Q, into: string[]): Q {
  return new Proxy(q, {
    get(target, key) {
      if (key === "query" || key === "exec")
        return (sql: string | { text: string }, params?: readonly unknown[]) => {
          into.push(typeof sql === "string" ? sql : sql.text);
          return key === "query" ? target.query(sql as string, params) : target.exec(sql as string);
        };
      if (key === "transaction")
        return (fn: (tx: Queryable) => Promise<unknown>) =>
          (target as unknown as Db).transaction((tx) => fn(recording(tx, into)));
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const large = makePerson({ familyName: "Manyitems", birthDate: "1931-05-05" });
const small = makePerson({ familyName: "Oneitem", birthDate: "1935-06-06" });
const objector = makePerson({ familyName: "Objecting" });
const NURSES = 24;
const ACTIONS = 16;

describe("the Care plan tab's statements", () => {
  let t: TestDb;
  let app: Awaited<ReturnType<typeof createWebServer>>;
  let gp: GovernedReader;
  let session: TestSession;
  const staff: [username: string, role: string, team: TeamKey][] = [];
  const statements: string[] = [];
  const userIds = new Map<string, string>();

  before(async () => {
    t = await openTestDb();
    const db = t.db;
    await insertOrganisations(db);
    const teams = await createTeams(db);
    const add = async (username: string, role: string, team: TeamKey) => {
      userIds.set(username, await createUserInRole(db, username, role, team));
      staff.push([username, role, team]);
    };
    for (let i = 1; i <= 3; i++) await add(`gp.${i}`, "gp", "practice");
    for (let i = 1; i <= NURSES; i++)
      await add(`nurse.${String(i).padStart(2, "0")}`, "community-clinician", "community");
    for (let i = 1; i <= 4; i++) await add(`sw.${i}`, "social-worker", "socialCare");
    for (let i = 1; i <= 3; i++) await add(`reable.${i}`, "reablement-worker", "reablement");
    for (let i = 1; i <= 2; i++) await add(`discharge.${i}`, "hospital-discharge-team", "discharge");
    for (let i = 1; i <= 2; i++) await add(`mh.${i}`, "mental-health-clinician", "mentalHealth");
    await add("lac.1", "local-area-coordinator", "lac");
    for (const p of [large, small, objector]) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.practice);
    }
    // Every kind of relationship, some ended: half the nurses hold the large plan's person on their caseload
    // (one of them no longer), adult social care is in the care team, reablement has an open referral, the
    // discharge team's hospital admitted them.
    for (let i = 1; i <= NURSES / 2; i++) {
      const nurse = `nurse.${String(i).padStart(2, "0")}`;
      await addToCaseload(
        db,
        large.personId,
        userIds.get(nurse) as string,
        teams.community,
        i === 1 ? "2015-06-01" : null,
      );
    }
    await addToCaseload(db, small.personId, userIds.get("nurse.20") as string, teams.community);
    await addToCaseload(db, objector.personId, userIds.get("nurse.21") as string, teams.community);
    await addToCareTeam(db, large.personId, teams.socialCare);
    await addToCareTeam(db, objector.personId, teams.socialCare);
    await refer(db, large.personId, teams.reablement);
    await refer(db, small.personId, teams.lac, "2015-09-01");
    await admit(db, large.personId, ORGS.acute, new Date(Date.now() - 3 * 86_400_000).toISOString());
    await recordObjectionRow(db, objector.personId, ORGS.council);

    const c = await contextFor(db, "gp.1", "gp", "practice", "direct-care");
    const { db: _, ...identity } = c;
    gp = createReader(db, identity);
    const plan = await gp.startCarePlan(large.personId);
    let version = plan.latest.version;
    for (let i = 0; i < 4; i++) {
      version = (
        await gp.addCarePlanGoal(large.personId, plan.planId, version, {
          description: `Goal ${i + 1}`,
          measure: "Said so at review",
        })
      ).latest.version;
    }
    for (let i = 0; i < ACTIONS; i++) {
      const owner = `nurse.${String(2 + (i % (NURSES / 2 - 1))).padStart(2, "0")}`;
      version = (
        await gp.addCarePlanAction(large.personId, plan.planId, version, {
          description: `Action ${i + 1}`,
          ownerUserId: userIds.get(owner) as string,
          dueOn: "2030-01-01",
        })
      ).latest.version;
    }
    const one = await gp.startCarePlan(small.personId);
    await gp.addCarePlanAction(small.personId, one.planId, one.latest.version, {
      description: "The only action",
      ownerUserId: userIds.get("nurse.20") as string,
      dueOn: "2030-01-01",
    });
    session = await sessionFor(db, userIds.get("gp.1") as string);
    app = await createWebServer({
      db: recording(db, statements),
      logger: createLogger({ level: "silent" }),
      placeName: "Test",
      admissionNotifier: false,
    });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  async function statementsForTab(personId: string): Promise<{ count: number; body: string }> {
    // Once to warm the session and the server's caches, then counted.
    await app.inject({ method: "GET", url: `/people/${personId}/care-plan`, headers: session.page });
    statements.length = 0;
    const res = await app.inject({
      method: "GET",
      url: `/people/${personId}/care-plan`,
      headers: session.page,
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    return { count: statements.length, body: res.body };
  }

  test("a plan of many items, with dozens of staff in many teams, is read in a fixed small number of statements", async () => {
    const many = await statementsForTab(large.personId);
    for (let i = 1; i <= ACTIONS; i++) assert.match(many.body, new RegExp(`Action ${i}\\b`));
    const few = await statementsForTab(small.personId);
    assert.match(few.body, /The only action/);
    assert.ok(
      many.count <= 15,
      `${many.count} statements for the care plan tab:\n${statements.join("\n---\n")}`,
    );
    assert.equal(many.count, few.count, "the same statements for a plan of one action and of many");
  });

  test("the owners offered are exactly those the access policy allows on each user's own facts", async () => {
    const at = new Date();
    for (const person of [large, small, objector]) {
      const expected: string[] = [];
      for (const [username, role, team] of staff) {
        const found = await loadUserInRole(t.db, username, role, TEAMS[team].teamCode);
        assert.ok(found);
        const facts = await factsForPerson(t.db, { ...found, at }, person.personId);
        const decision = evaluateAccess({
          roleAssignment: found.roleAssignment,
          userActive: true,
          purpose: "direct-care",
          action: "view",
          facts: { ...facts, breakGlassId: null },
        });
        if (decision.allow && decision.relationship !== null)
          expected.push(`${username} ${TEAMS[team].teamCode}`);
      }
      const owners = await gp.careOwners(person.personId);
      const teamCode = new Map<string, string>(
        Object.values(TEAMS).map((team) => [team.name, team.teamCode]),
      );
      const got = owners.map((o) => `${o.name} ${teamCode.get(o.teamName)}`);
      assert.deepEqual(got.sort(), expected.sort(), person.familyName);
      assert.ok(expected.length > 0, "someone cares for each of them");
    }
    const largeOwners = (await gp.careOwners(large.personId)).map((o) => o.name);
    assert.ok(
      largeOwners.includes("nurse.02") && !largeOwners.includes("nurse.01"),
      "an ended caseload does not count",
    );
    assert.ok(
      largeOwners.includes("reable.1") && largeOwners.includes("discharge.1") && largeOwners.includes("sw.1"),
    );
    assert.ok(!largeOwners.includes("mh.1") && !largeOwners.includes("nurse.13"));
    const objectorOwners = (await gp.careOwners(objector.personId)).map((o) => o.name);
    assert.ok(
      objectorOwners.includes("sw.1"),
      "the team of the organisation holding the objection still sees them",
    );
    assert.ok(!objectorOwners.includes("gp.1") && !objectorOwners.includes("nurse.21"), "others are blocked");
  });
});
