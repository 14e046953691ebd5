// Concurrent FHIR reads share their statements (a read by id each, a person's observations each, a search by NHS
// Number each: repository.ts's GROUPED_READS), through the real server: each request still gets its own
// resources, is decided under its own identity and writes its own audit row, and a refusal is still a refusal
// when another caller in the same statement may read the same person.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NHS_NUMBER_SYSTEM } from "../../src/core/codes.ts";
import { GROUPED_READS } from "../../src/fhir/repository.ts";
import { assignRole, createTeam, createUser } from "../../src/governance/index.ts";
import { ORGS, TEST_OPERATOR } from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "../web/harness.ts";
import { elsewhere, ids, objector, person, preparePlace } from "./place.ts";

const tokens = new Map<string, string>();
const web = webSuite({
  prepare: async (db) => {
    await preparePlace(db, tokens);
    // A GP of the other practice: the same role (so the same statements) with the other relationships.
    await createTeam(db, TEST_OPERATOR, {
      teamCode: "other-practice",
      name: "Other practice",
      kind: "practice",
      orgCode: ORGS.otherPractice,
    });
    await createUser(db, TEST_OPERATOR, { username: "gp.other", displayName: "gp.other" });
    await assignRole(db, TEST_OPERATOR, "gp.other", "gp", "other-practice");
    await addApiToken(db, tokens, "fhir", {
      username: "gp.other",
      roleCode: "gp",
      teamCode: "other-practice",
    });
  },
});
const { get } = bearerRequests(web, tokens);

type Json = ReturnType<typeof JSON.parse>;

interface Ask {
  who: string;
  url: string;
  status: number;
  /** The resource ids the answer must hold (a read's own id; a search's matches), in order. */
  shows: string[];
  /** The person the request's audit row names (disclosed or withheld), and whether it was allowed. */
  audit: { person: string; allowed: boolean };
}

const NHS = (p: { nhsNumber: string }) => `/fhir/R4/Patient?identifier=${NHS_NUMBER_SYSTEM}|${p.nhsNumber}`;

test("concurrent reads share statements, and each request gets its own resources, decision and audit row", async () => {
  const asks: Ask[] = [
    // The same people read by both GPs at once: each sees only their own practice's patient.
    {
      who: "gp.fhir",
      url: `/fhir/R4/Patient/${person.personId}`,
      status: 200,
      shows: [person.personId],
      audit: { person: person.personId, allowed: true },
    },
    {
      who: "gp.other",
      url: `/fhir/R4/Patient/${person.personId}`,
      status: 404,
      shows: [],
      audit: { person: person.personId, allowed: false },
    },
    {
      who: "gp.other",
      url: `/fhir/R4/Patient/${elsewhere.personId}`,
      status: 200,
      shows: [elsewhere.personId],
      audit: { person: elsewhere.personId, allowed: true },
    },
    {
      who: "gp.fhir",
      url: `/fhir/R4/Patient/${elsewhere.personId}`,
      status: 404,
      shows: [],
      audit: { person: elsewhere.personId, allowed: false },
    },
    {
      who: "gp.fhir",
      url: `/fhir/R4/Patient/${objector.personId}`,
      status: 403,
      shows: [],
      audit: { person: objector.personId, allowed: false },
    },
    {
      who: "gp.fhir",
      url: `/fhir/R4/Patient/${person.personId}`,
      status: 200,
      shows: [person.personId],
      audit: { person: person.personId, allowed: true },
    },
    // A person's observations.
    {
      who: "gp.fhir",
      url: `/fhir/R4/Observation?patient=${person.personId}`,
      status: 200,
      shows: [ids.obs2021, ids.obs2020, ids.obs2019],
      audit: { person: person.personId, allowed: true },
    },
    {
      who: "gp.other",
      url: `/fhir/R4/Observation?patient=${person.personId}`,
      status: 404,
      shows: [],
      audit: { person: person.personId, allowed: false },
    },
    {
      who: "gp.other",
      url: `/fhir/R4/Observation?patient=${elsewhere.personId}`,
      status: 200,
      shows: [ids.elsewhereObs],
      audit: { person: elsewhere.personId, allowed: true },
    },
    {
      who: "gp.fhir",
      url: `/fhir/R4/Observation?patient=${elsewhere.personId}`,
      status: 404,
      shows: [],
      audit: { person: elsewhere.personId, allowed: false },
    },
    // Search by NHS Number: a person found but not disclosed is withheld, never shown.
    {
      who: "gp.fhir",
      url: NHS(person),
      status: 200,
      shows: [person.personId],
      audit: { person: person.personId, allowed: true },
    },
    {
      who: "gp.other",
      url: NHS(person),
      status: 200,
      shows: [],
      audit: { person: person.personId, allowed: false },
    },
    {
      who: "gp.other",
      url: NHS(elsewhere),
      status: 200,
      shows: [elsewhere.personId],
      audit: { person: elsewhere.personId, allowed: true },
    },
    {
      who: "gp.fhir",
      url: NHS(elsewhere),
      status: 200,
      shows: [],
      audit: { person: elsewhere.personId, allowed: false },
    },
  ];
  const [{ seq: before }] = await web.t.db.query<{ seq: number }>(
    "SELECT coalesce(max(seq), 0)::int AS seq FROM audit_event",
  );
  const counted = { ...GROUPED_READS.counts };
  const answers = await Promise.all(asks.map((a) => get(a.url, a.who)));
  const statements = GROUPED_READS.counts.statements - counted.statements;
  const callers = GROUPED_READS.counts.callers - counted.callers;
  if (web.t.db.citus) {
    // On Citus each read goes on its own, to its person's shard (store/grouped-statements.ts).
    assert.equal(callers, 0, "no read grouped on a Citus cluster");
  } else {
    assert.equal(callers, asks.length, "every read went through the grouped statements");
    assert.ok(statements < callers, `${callers} reads in ${statements} statements: shared`);
  }

  for (const [i, ask] of asks.entries()) {
    const res = answers[i];
    assert.equal(res.statusCode, ask.status, `${ask.who} ${ask.url}: ${res.body}`);
    if (ask.status !== 200) {
      assert.equal(res.json().resourceType, "OperationOutcome");
      continue;
    }
    const body = res.json();
    const shown =
      body.resourceType === "Bundle"
        ? (body.entry ?? []).filter((e: Json) => e.search?.mode === "match").map((e: Json) => e.resource.id)
        : [body.id];
    assert.deepEqual(shown, ask.shows, `${ask.who} ${ask.url}`);
  }
  // One audit row per request, each the request's own: its caller, its path and its person.
  const rows = await web.t.db.query<{ actor: string; detail: string; allowed: boolean; people: string[] }>(
    `SELECT actor, detail, allowed, (person_ids || withheld_ids)::text[] AS people
       FROM audit_event WHERE seq > $1 ORDER BY seq`,
    [before],
  );
  assert.equal(rows.length, asks.length, "one audit row per request");
  const unmatched = [...rows];
  for (const ask of asks) {
    // A read's row names its path; a search's its query (an identifier's value masked).
    const [path, query] = ask.url.split("?");
    const detail = (d: string) =>
      query === undefined
        ? d === `GET ${path}`
        : d.startsWith(`GET ${path}?`) && (!query.startsWith("patient=") || d === `GET ${ask.url}`);
    const at = unmatched.findIndex(
      (r) =>
        r.actor === ask.who &&
        detail(r.detail) &&
        r.allowed === ask.audit.allowed &&
        r.people.includes(ask.audit.person),
    );
    assert.ok(at >= 0, `an audit row for ${ask.who} ${ask.url} (${JSON.stringify(ask.audit)})`);
    unmatched.splice(at, 1);
  }
});
