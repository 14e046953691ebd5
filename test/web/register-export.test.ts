// A large register's CSV export through the HTTP face: streamed (no length known up front, rows read a batch
// at a time), every person the GP may see exactly once and in the register's order, the objector withheld,
// and one export audit row naming everyone in the file.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXPORT_BATCH } from "../../src/governance/index.ts";
import { withNhsNumberRoutes } from "../../src/store/index.ts";
import {
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  register,
  TEAMS,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";
import { insertRiskPerson, insertRiskRun } from "./register-fixtures.ts";

const AS_OF = "2016-04-01";
/** More than two batches of rows, and not a whole number of them. */
const PEOPLE = 2 * EXPORT_BATCH + 345;
const people = Array.from({ length: PEOPLE }, (_, i) =>
  makePerson({ familyName: `Export${String(i).padStart(5, "0")}`, givenName: `Given${i}` }),
);
const objector = people[7];
const tokens = new Map<string, string>();

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    const runId = await insertRiskRun(db, AS_OF);
    // The first person through the fixtures, the rest copied from their rows in three statements.
    const [first, ...rest] = people;
    await insertPerson(db, first);
    await register(db, first.personId, ORGS.practice);
    await insertRiskPerson(db, runId, AS_OF, {
      personId: first.personId,
      practiceCode: ORGS.practice,
      localityCode: ORGS.locality,
      tier: "high",
      probability: 0.9,
    });
    const ids = rest.map((p) => p.personId);
    await withNhsNumberRoutes(db, ids, () =>
      db.query(
        `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, postcode, area_code,
           source_system, source_record_id, received_at)
         SELECT r.id, r.nhs, r.family, r.given, p.birth_date, p.sex, p.postcode, p.area_code, 'test', r.id::text, now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS r(id, nhs, family, given)
           CROSS JOIN person p WHERE p.person_id = $5`,
        [
          ids,
          rest.map((p) => p.nhsNumber),
          rest.map((p) => p.familyName),
          rest.map((p) => p.givenName),
          first.personId,
        ],
      ),
    );
    await db.query(
      `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, source_system,
         source_record_id, received_at)
       SELECT r.id, gen_random_uuid(), $2, '2010-01-01', 'test', gen_random_uuid()::text, now()
         FROM unnest($1::uuid[]) AS r(id)`,
      [ids, ORGS.practice],
    );
    // Distinct, falling risk: the register's order by score is the order the people were made in.
    const columns = await db.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
        WHERE table_name = 'risk_person' AND table_schema = current_schema()
          AND column_name NOT IN ('person_id', 'probability', 'risk_percentile', 'family_name', 'given_name')`,
    );
    const copied = columns.map((c) => c.name).join(", ");
    await db.query(
      `INSERT INTO risk_person (person_id, probability, risk_percentile, family_name, given_name, ${copied})
       SELECT r.id, 0.9 - r.n / ($3::float8 * 2), (0.9 - r.n / ($3::float8 * 2)) * 100, r.family, r.given, ${copied}
         FROM unnest($1::uuid[], $2::text[], $4::text[]) WITH ORDINALITY AS r(id, family, given, n)
         CROSS JOIN risk_person rp WHERE rp.person_id = $5`,
      [ids, rest.map((p) => p.familyName), PEOPLE, rest.map((p) => p.givenName), first.personId],
    );
    await recordObjectionRow(db, objector.personId, ORGS.council);
    await createUserInRole(db, "gp.export", "gp", "practice");
    await addApiToken(db, tokens, "export", {
      username: "gp.export",
      roleCode: "gp",
      teamCode: TEAMS.practice.teamCode,
      purpose: "direct-care",
    });
  },
});
const requests = bearerRequests(web, tokens);

test("a register of thousands exports as a stream: every person shown once, in order, audited once", async () => {
  const res = await requests.get(`/registers/practice/${ORGS.practice}.csv?sort=score`, "gp.export");
  assert.equal(res.statusCode, 200, res.body.slice(0, 500));
  assert.match(String(res.headers["content-type"]), /text\/csv/);
  // Streamed: the length is not known when the headers go.
  assert.equal(res.headers["content-length"], undefined);
  assert.equal(res.headers["x-oneplace-withheld"], "1");
  assert.ok(res.body.startsWith("\uFEFFNHS Number,Family name,Given name,"));
  assert.equal(res.body.indexOf("\uFEFF", 1), -1, "one byte-order mark");
  const lines = res.body.slice(1).trimEnd().split("\n");
  assert.equal(lines.filter((l) => l.startsWith("NHS Number,")).length, 1, "one header row");
  const shown = people.filter((p) => p !== objector);
  assert.equal(lines.length, 1 + shown.length);
  // Highest risk first: the order the people were made in, the objector left out.
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(",")[0]),
    shown.map((p) => p.nhsNumber),
  );
  assert.ok(lines[1].includes(`${shown[0].familyName},${shown[0].givenName}`));
  assert.ok(!res.body.includes(objector.nhsNumber));
  const audit = (
    await web.t.db.query<{ action: string; person_count: number }>(
      "SELECT action, person_count FROM audit_event WHERE action = 'export' ORDER BY seq DESC",
    )
  )[0];
  assert.equal(audit.action, "export");
  assert.equal(audit.person_count, shown.length);
});
