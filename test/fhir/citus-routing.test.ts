// On a Citus cluster, one person's whole record ($everything, the Patient read, a search by patient) and the
// practitioner's person pages must read through statements that each go to the one shard holding the person:
// router queries, whose EXPLAIN shows one task for every distributed job, subplans included. A statement that
// filters a distributed table by anything but `person_id =`, or correlates a subquery with the outer row, goes
// to every shard (and one Citus cannot push down is read from every shard onto the coordinator), so the read
// grows with the place: it fails here, naming the statement. The reads still decide and audit. The server's
// every statement is recorded through its Db and explained on the coordinator with the values it ran with.
// Only on Citus (ONEPLACE_TEST_CITUS=1 with DATABASE_URL on a coordinator); elsewhere the file is skipped.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EMPTY_CONTENT } from "../../src/care/index.ts";
import { findByNhsNumber } from "../../src/mpi/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import {
  type Db,
  peopleHoldingNhsNumber,
  peopleHoldingNhsNumbers,
  type Queryable,
} from "../../src/store/index.ts";
import { createWebServer } from "../../src/web/index.ts";
import { ORGS, TEAMS } from "../governance/fixtures.ts";
import { citusTest, openTestDb, type TestDb } from "../helpers/test-db.ts";
import type { WebApp } from "../web/harness.ts";
import { sessionFor } from "../web/session.ts";
import { person, ids as placeIds, preparePlace } from "./place.ts";

interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** The Db (and its transactions) with every statement it runs pushed to `into`. */
function recording<Q extends Queryable>(q: Q, into: Statement[]): Q {
  return new Proxy(q, {
    get(target, key) {
      if (key === "query")
        return (sql: string | { text: string }, params: readonly unknown[] = []) => {
          into.push({ sql: typeof sql === "string" ? sql : sql.text, params });
          return target.query(sql as string, params);
        };
      if (key === "transaction")
        return (fn: (tx: Queryable) => Promise<unknown>) =>
          (target as unknown as Db).transaction((tx) => fn(recording(tx, into)));
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Task counts of every distributed job in an EXPLAIN (FORMAT JSON) plan, subplans' jobs too. */
function taskCounts(node: unknown, out: number[] = []): number[] {
  if (Array.isArray(node)) for (const n of node) taskCounts(n, out);
  else if (node && typeof node === "object") {
    const job = (node as Record<string, { Job?: Record<string, number> }>)["Distributed Query"]?.Job;
    if (job) out.push(job["Task Count"]);
    for (const value of Object.values(node)) taskCounts(value, out);
  }
  return out;
}

const ids = {
  plan: "5a1e0000-0000-4000-8000-0000000000c1",
  referral: "5a1e0000-0000-4000-8000-0000000000c2",
};

describe("one person's reads on Citus go to the person's shard alone", { skip: !citusTest }, () => {
  let t: TestDb;
  let app: WebApp;
  let cookie = "";
  const tokens = new Map<string, string>();
  const statements: Statement[] = [];

  before(async () => {
    t = await openTestDb();
    await preparePlace(t.db, tokens);
    const [{ user_id }] = await t.db.query<{ user_id: string }>(
      "SELECT user_id FROM app_user WHERE username = 'gp.fhir'",
    );
    const team = async (code: string) =>
      (await t.db.query<{ team_id: string }>("SELECT team_id FROM team WHERE team_code = $1", [code]))[0]
        .team_id;
    // A care plan and a referral, so the care capability's renderers run too.
    await t.db.query(
      `INSERT INTO care_plan_version (person_id, plan_id, version, status, content, lead_user_id, lead_role,
         lead_org_code, review_due_on, saved_at, saved_by_user_id, saved_by_team_id)
       VALUES ($1, $2, 1, 'signed-off', $3::jsonb, $4, 'gp', $5, '2024-09-01', now(), $4, $6)`,
      [
        person.personId,
        ids.plan,
        JSON.stringify(EMPTY_CONTENT),
        user_id,
        ORGS.practice,
        await team(TEAMS.practice.teamCode),
      ],
    );
    await t.db.query(
      `INSERT INTO referral (person_id, referral_id, to_team_id, from_team_id, service, referred_on, episode_started_on,
         urgency, reason, source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, $4, 'reablement', '2024-02-01', '2024-02-03', 'urgent', 'Falls at home', 'test', 'ref-c2', now())`,
      [
        person.personId,
        ids.referral,
        await team(TEAMS.community.teamCode),
        await team(TEAMS.practice.teamCode),
      ],
    );
    cookie = (await sessionFor(t.db, user_id)).cookie;
    app = await createWebServer({
      db: recording(t.db, statements),
      logger: createLogger({ level: "silent" }),
      placeName: "Test",
      admissionNotifier: false,
    });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  /** The statements `request` ran that Citus sends to more than one shard, each with its task counts. */
  async function notRouted(
    request: () => Promise<{ statusCode: number; body: string }>,
    answer?: { body: string },
  ) {
    statements.length = 0;
    const res = await request();
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    if (answer) answer.body = res.body;
    assert.ok(statements.length > 0, "the request ran no statement through the Db");
    const found: string[] = [];
    for (const { sql, params } of statements) {
      if (!/^\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(sql)) continue;
      const [row] = await t.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const plan = row["QUERY PLAN"];
      const counts = taskCounts(typeof plan === "string" ? JSON.parse(plan) : plan);
      if (counts.some((n) => n !== 1))
        found.push(`tasks [${counts.join(", ")}]: ${sql.replace(/\s+/g, " ").trim().slice(0, 160)}`);
    }
    return found;
  }

  const fhir = (url: string) => () =>
    app.inject({ method: "GET", url, headers: { authorization: `Bearer ${tokens.get("gp.fhir")}` } });
  const page = (url: string) => () =>
    app.inject({ method: "GET", url, headers: { cookie, accept: "text/html" } });

  test("the check sees a statement that goes to every shard (person by NHS Number); the number's routes, one", async () => {
    const found = await notRouted(async () => {
      await recording(t.db, statements).query("SELECT person_id FROM person WHERE nhs_number = $1", [
        person.nhsNumber,
      ]);
      return { statusCode: 200, body: "" };
    });
    assert.equal(found.length, 1);
    assert.match(found[0], /^tasks \[4\]: SELECT person_id FROM person WHERE nhs_number/);
    // The same look-up through person_by_nhs_number, one number and several: a shard a number.
    const routed = recording(t.db, statements);
    assert.deepEqual(
      await notRouted(async () => {
        assert.deepEqual(await peopleHoldingNhsNumber(routed, person.nhsNumber), [person.personId]);
        assert.deepEqual(await peopleHoldingNhsNumbers(routed, [person.nhsNumber, person.nhsNumber]), [
          { nhs_number: person.nhsNumber, person_id: person.personId },
        ]);
        return { statusCode: 200, body: "" };
      }),
      [],
    );
  });

  test("the MPI's findByNhsNumber (a FHIR reference or a death by NHS Number): router queries", async () => {
    const routed = recording(t.db, statements);
    assert.deepEqual(
      await notRouted(async () => {
        await findByNhsNumber(routed, [person.nhsNumber]);
        return { statusCode: 200, body: "" };
      }),
      [],
    );
  });

  test("Patient/$everything: every statement a router query, the read decided and audited", async () => {
    const answer = { body: "" };
    assert.deepEqual(await notRouted(fhir(`/fhir/R4/Patient/${person.personId}/$everything`), answer), []);
    const types = new Set(
      (JSON.parse(answer.body).entry as { resource: { resourceType: string } }[]).map(
        (e) => e.resource.resourceType,
      ),
    );
    for (const type of [
      "Patient",
      "Observation",
      "RiskAssessment",
      "CarePlan",
      "CareTeam",
      "ServiceRequest",
      "EpisodeOfCare",
    ])
      assert.ok(types.has(type), `${type} is in the bundle`);
    const [audit] = await t.db.query<{ allowed: boolean; person_ids: string[] }>(
      "SELECT allowed, person_ids FROM audit_event ORDER BY seq DESC LIMIT 1",
    );
    assert.deepEqual(audit, { allowed: true, person_ids: [person.personId] });
  });

  test("the Patient read and a search by patient: router queries", async () => {
    assert.deepEqual(await notRouted(fhir(`/fhir/R4/Patient/${person.personId}`)), []);
    assert.deepEqual(await notRouted(fhir(`/fhir/R4/Observation?patient=${person.personId}`)), []);
    assert.deepEqual(await notRouted(fhir(`/fhir/R4/RiskAssessment?patient=${person.personId}`)), []);
  });

  test("a search by patient with _include of the Patient: router queries", async () => {
    const answer = { body: "" };
    assert.deepEqual(
      await notRouted(
        fhir(`/fhir/R4/Observation?patient=${person.personId}&_include=Observation:patient`),
        answer,
      ),
      [],
    );
    const entries = JSON.parse(answer.body).entry as { resource: { resourceType: string; id: string } }[];
    assert.ok(
      entries.some((e) => e.resource.resourceType === "Patient" && e.resource.id === person.personId),
    );
  });

  test("a Patient found by NHS Number: the number's route, then the person's shard, its _revinclude too", async () => {
    const answer = { body: "" };
    const found = await notRouted(
      fhir(
        `/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${person.nhsNumber}&_revinclude=Condition:patient`,
      ),
      answer,
    );
    assert.deepEqual(found, []);
    assert.ok(
      statements.some((s) => /FROM person_by_nhs_number/.test(s.sql)),
      "the number's route was read",
    );
    const entries = JSON.parse(answer.body).entry as { resource: { resourceType: string; id: string } }[];
    assert.ok(
      entries.some((e) => e.resource.resourceType === "Patient" && e.resource.id === person.personId),
    );
    assert.ok(
      entries.some((e) => e.resource.resourceType === "Condition" && e.resource.id === placeIds.condition),
    );
    // A number nobody holds: nobody, and no statement to every shard.
    const none = { body: "" };
    assert.deepEqual(
      await notRouted(fhir("/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000069"), none),
      [],
    );
    assert.equal(JSON.parse(none.body).total, 0);
  });

  test("a read by a resource's own id goes to every shard; the same resource by patient and _id, to one", async () => {
    // The id is the row's own (it does not carry the person), so Citus cannot know the shard.
    const found = await notRouted(fhir(`/fhir/R4/Observation/${placeIds.obs2019}`));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^tasks \[4\]: /);
    const answer = { body: "" };
    assert.deepEqual(
      await notRouted(
        fhir(`/fhir/R4/Observation?patient=${person.personId}&_id=${placeIds.obs2019}`),
        answer,
      ),
      [],
    );
    assert.equal(JSON.parse(answer.body).total, 1);
  });

  for (const [tab, path] of [
    ["Summary", ""],
    ["Timeline", "/timeline"],
    ["Care team", "/care-team"],
    ["Records", "/records"],
    ["Sharing", "/sharing"],
  ] as const) {
    test(`the person page's ${tab} tab: every statement a router query`, async () => {
      assert.deepEqual(await notRouted(page(`/people/${person.personId}${path}`)), []);
    });
  }
});
