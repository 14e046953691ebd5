// The people routes answer only through the governed reader: its decision, its audit row, its refusal.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEAMS,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const person = makePerson({ familyName: "Routeperson" });
const elsewhere = makePerson({ familyName: "Elsewhereperson" });
const tokens = new Map<string, string>();

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    for (const p of [person, elsewhere]) await insertPerson(db, p);
    await register(db, person.personId, ORGS.practice);
    await register(db, elsewhere.personId, ORGS.otherPractice);
    await admit(db, person.personId, ORGS.acute, "2015-05-01T10:00:00Z", "2015-05-03T12:00:00Z");
    await db.query(
      `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code,
         source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'Z90001', '2015-04-20', 'condition', 'snomed', '38341003', 'test', 'g1', now())`,
      [person.personId],
    );
    for (const [username, role, team] of [
      ["gp.route", "gp", "practice"],
      ["nurse.route", "community-clinician", "community"],
    ] as const) {
      await createUserInRole(db, username, role, team);
      await addApiToken(db, tokens, "routes", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose: "direct-care",
      });
    }
  },
});

const { get } = bearerRequests(web, tokens);

async function lastAudit() {
  return (
    await web.t.db.query(
      "SELECT actor, action, allowed, detail, channel FROM audit_event ORDER BY seq DESC LIMIT 1",
    )
  )[0];
}

test("a person's timeline comes through the reader, in date order, audited with the route", async () => {
  const res = await get(`/api/people/${person.personId}/timeline`, "gp.route");
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(
    res.json().events.map((e: { kind: string }) => e.kind),
    ["gp-entry", "hospital-spell"],
  );
  assert.deepEqual(await lastAudit(), {
    actor: "gp.route",
    action: "view",
    allowed: true,
    detail: "GET /api/people/:personId/timeline",
    channel: "api",
  });
});

test("a refusal is a 403 problem with the reader's code and the decision's reason, and is audited", async () => {
  const res = await get(`/api/people/${person.personId}/timeline`, "nurse.route");
  assert.equal(res.statusCode, 403);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  assert.equal(res.json().code, "governance.access-denied");
  assert.equal(res.json().detail, "no legitimate relationship");
  assert.doesNotMatch(res.body, /Routeperson/);
  const audit = await lastAudit();
  assert.equal(audit.actor, "nurse.route");
  assert.equal(audit.allowed, false);
});

test("the register says how many it withheld, never who", async () => {
  const res = await get("/api/register", "gp.route");
  assert.equal(res.statusCode, 200);
  assert.deepEqual(
    res.json().map((p: { personId: string }) => p.personId),
    [person.personId],
  );
  assert.equal(res.headers["x-oneplace-withheld"], "0");
  assert.doesNotMatch(res.body, /Elsewhereperson/);
  const nurse = await get("/api/register", "nurse.route");
  assert.equal(nurse.statusCode, 400);
  assert.equal(nurse.json().code, "governance.register-needs-practice-team");
});
