// The home page by role: what each role needs now, only the people the role may see (others counted), the
// audit rows it writes, and no personal data for the roles that have none.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addToCaseload,
  admit,
  createTeams,
  createUserInRole,
  grantBreakGlassRow,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  refer,
  register,
  type TeamKey,
} from "../governance/fixtures.ts";
import { webSuite } from "./harness.ts";
import { sessionFor } from "./session.ts";

const admitted = makePerson({ familyName: "Admittedperson", givenName: "Agnes" });
const reviewDue = makePerson({ familyName: "Reviewperson", givenName: "Rita" });
const objecting = makePerson({ familyName: "Objectingperson", givenName: "Olive" });
const joined = makePerson({ familyName: "Joinedperson", givenName: "Jack" });
const stayed = makePerson({ familyName: "Stayedperson", givenName: "Stan" });
const onCaseload = makePerson({ familyName: "Caseloadperson", givenName: "Cara" });
const referred = makePerson({ familyName: "Referredperson", givenName: "Rex" });
const elsewhere = makePerson({ familyName: "Elsewhereperson", givenName: "Ellis" });
// Registered at the GP's practice and on no panel: one in the GP's notifications, one on their worklist.
const noticed = makePerson({ familyName: "Noticedperson", givenName: "Nora" });
const worked = makePerson({ familyName: "Workedperson", givenName: "Walt" });
const EVERYONE = [
  admitted,
  reviewDue,
  objecting,
  joined,
  stayed,
  onCaseload,
  referred,
  elsewhere,
  noticed,
  worked,
];

const users = new Map<string, string>();
let teams: Record<TeamKey, string>;

const web = webSuite({
  async prepare(db) {
    await insertOrganisations(db);
    teams = await createTeams(db);
    for (const [key, role, team] of [
      ["gp", "gp", "practice"],
      ["gp2", "gp", "practice"],
      ["sw", "social-worker", "socialCare"],
      ["ie", "integration-engineer", "service"],
      ["ig", "ig-officer", "service"],
      ["admin", "administrator", "service"],
      ["analyst", "commissioner-analyst", "commissioning"],
      ["board", "hwb-board-member", "commissioning"],
    ] as const) {
      users.set(key, await createUserInRole(db, `${key}.home`, role, team));
    }
    for (const p of EVERYONE) {
      await insertPerson(db, p);
    }
    for (const p of [admitted, reviewDue, objecting, joined, stayed, noticed, worked])
      await register(db, p.personId, ORGS.practice);
    await register(db, onCaseload.personId, ORGS.otherPractice);
    await register(db, elsewhere.personId, ORGS.otherPractice);
    const now = Date.now();
    await admit(db, admitted.personId, ORGS.acute, new Date(now - 3_600_000).toISOString());
    await admit(db, objecting.personId, ORGS.acute, new Date(now - 3_600_000).toISOString());
    await admit(db, elsewhere.personId, ORGS.acute, new Date(now - 3_600_000).toISOString());
    await admit(db, onCaseload.personId, ORGS.acute, new Date(now - 7_200_000).toISOString());
    await admit(db, stayed.personId, ORGS.acute, "2015-01-10T10:00:00Z", "2015-01-12T10:00:00Z");
    await recordObjectionRow(db, objecting.personId, ORGS.council);
    const soon = new Date(now + 5 * 86_400_000).toISOString().slice(0, 10);
    for (const [p, due] of [
      [reviewDue, soon],
      [onCaseload, "2016-01-01"],
      [elsewhere, soon],
    ] as const) {
      await db.query(
        `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, source_system,
           source_record_id, received_at)
         VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-06-01', $2, 'test', gen_random_uuid()::text, now())`,
        [p.personId, due],
      );
    }
    await db.exec(`
      INSERT INTO risk_cohort (cohort_id, definition) VALUES ('frail', '{}');
      INSERT INTO risk_register (register_id, cohort_id, scope, refreshed_on) VALUES ('frail-practice', 'frail', 'practice', '2016-03-31');
      INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES
        ('${stayed.personId}', 'frail-practice', '${ORGS.practice}', '2016-02-29'),
        ('${joined.personId}', 'frail-practice', '${ORGS.practice}', '2016-03-31');
    `);
    await addToCaseload(db, onCaseload.personId, users.get("sw") as string, teams.socialCare);
    await refer(db, referred.personId, teams.socialCare);
    // The second GP's unread notifications (one about a person an objection withholds) and open MDT actions
    // (one overdue, one about a person registered elsewhere).
    const gp2 = users.get("gp2") as string;
    for (const [i, p] of [noticed, objecting].entries()) {
      const spell = `40000000-0000-4000-8000-00000000000${i}`;
      const notification = `50000000-0000-4000-8000-00000000000${i}`;
      await db.query(
        `INSERT INTO admission_notification VALUES ($1, $2, $3, $4, '{registered-practice}', $5, now() - interval '1 hour', now())`,
        [p.personId, notification, spell, teams.practice, ORGS.acute],
      );
      await db.query("INSERT INTO admission_notification_delivery VALUES ($1, $2, $3, $4, now(), NULL)", [
        p.personId,
        spell,
        gp2,
        notification,
      ]);
    }
    for (const [p, due] of [
      [worked, "2016-01-01"],
      [elsewhere, "2099-01-01"],
    ] as const) {
      await db.query(
        `INSERT INTO mdt_action (person_id, action_id, meeting_id, team_id, description, owner, organisation, due_on,
           status, created_by_user_id, created_at, updated_at, owner_user_id)
         VALUES ($1, gen_random_uuid(), gen_random_uuid(), $2, 'Review the medicines', 'GP', 'Riverside', $3, 'open',
           $4, now(), now(), $4)`,
        [p.personId, teams.practice, due, gp2],
      );
    }
    await grantBreakGlassRow(
      db,
      elsewhere.personId,
      users.get("sw") as string,
      "social-worker",
      teams.socialCare,
      new Date(now - 60_000),
    );
  },
});

async function homeAs(who: string) {
  const s = await sessionFor(web.t.db, users.get(who) as string);
  const res = await web.app.inject({ method: "GET", url: "/", headers: s.page });
  assert.equal(res.statusCode, 200, res.body.slice(0, 500));
  return res.body;
}

async function lastAudit(username: string) {
  const [row] = await web.t.db.query<Record<string, unknown>>(
    `SELECT action, allowed, reason, person_count, detail FROM audit_event WHERE actor = $1 ORDER BY seq DESC LIMIT 1`,
    [username],
  );
  return row;
}

describe("home by role", () => {
  test("GP: the practice's register, who was admitted since yesterday, reviews due, who is new", async () => {
    const html = await homeAs("gp");
    assert.match(html, /Riverside \(synthetic\) register/);
    assert.match(html, /ADMITTEDPERSON, Agnes/);
    assert.match(html, /Emergency, Synthetic acute trust/);
    assert.match(html, /REVIEWPERSON, Rita/);
    assert.match(html, /JOINEDPERSON, Jack/);
    assert.doesNotMatch(html, /STAYEDPERSON/, "on the register before its last refresh: not new");
    assert.doesNotMatch(html, /Objectingperson|OBJECTINGPERSON/i, "an objection withholds the person");
    assert.doesNotMatch(html, /ELSEWHEREPERSON/, "registered elsewhere");
    assert.match(html, /1 person is not shown/);
    assert.match(html, /href="\/people\/[0-9a-f-]{36}"/);
    assert.match(html, /href="\/registers\/practice\/Z90001"/);
    const audit = await lastAudit("gp.home");
    assert.equal(audit.action, "list");
    assert.equal(audit.detail, "GET /");
    assert.equal(Number(audit.person_count), 3);
    assert.match(String(audit.reason), /withheld 1/);
  });

  test("one page view writes one audit row: it names every person the page shows, and only them", async () => {
    const [{ seq: before }] = await web.t.db.query<{ seq: string }>(
      "SELECT coalesce(max(seq), 0)::text AS seq FROM audit_event",
    );
    const html = await homeAs("gp2");
    const rows = await web.t.db.query<{
      action: string;
      person_ids: string[] | null;
      withheld_ids: string[] | null;
      reason: string;
    }>(
      `SELECT action, person_ids::text[] AS person_ids, withheld_ids::text[] AS withheld_ids, reason
         FROM audit_event WHERE actor = 'gp2.home' AND seq > $1::bigint ORDER BY seq`,
      [before],
    );
    assert.equal(rows.length, 1, "the panels, notifications and worklist decided and audited together");
    const [row] = rows;
    assert.equal(row.action, "list");
    const named = new Set(row.person_ids ?? []);
    // The panels' people and the notification's, as the page shows them.
    assert.deepEqual([...named].sort(), [admitted, reviewDue, joined, noticed].map((p) => p.personId).sort());
    for (const p of EVERYONE) {
      const shown = html.toLowerCase().includes(p.familyName.toLowerCase());
      assert.equal(
        shown,
        named.has(p.personId),
        `${p.familyName}: shown ${shown}, audited ${named.has(p.personId)}`,
      );
    }
    assert.match(html, /Nora Noticedperson|NOTICEDPERSON, Nora/);
    // The notification about the person an objection withholds: counted, not named, and in the row as withheld.
    assert.deepEqual(row.withheld_ids, [objecting.personId]);
    // The worklist is counted only: the item about the person registered elsewhere is left out of the count.
    assert.match(html, /1 overdue<\/strong> 1 item waits for you/);
    assert.match(row.reason, /worklist counted: 2 items about 2 people/);
  });

  test("social worker: my caseload, my team's referrals, their admissions and reviews", async () => {
    const html = await homeAs("sw");
    assert.match(html, /Your caseload/);
    assert.match(html, /CASELOADPERSON, Cara/);
    assert.match(html, /REFERREDPERSON, Rex/);
    assert.match(html, /overdue/);
    assert.doesNotMatch(html, /ADMITTEDPERSON|REVIEWPERSON/);
    assert.doesNotMatch(html, /ELSEWHEREPERSON/, "break-glass opens one record, never a list");
  });

  test("integration engineer: the review queue, rejects and feeds; no person", async () => {
    // A FHIR resource held five hours for its Patient, past the alarm threshold (4 hours).
    await web.t.db.query(
      `INSERT INTO ingest_fhir_held (source_system, origin_key, resource_type, waiting_kind, waiting_for, reason,
         payload, origin, held_at)
       VALUES ('late-fhir', 'Encounter/e1', 'Encounter', 'record', 'Patient/p1', 'subject: not yet loaded', '{}',
         'bundle.json', now() - interval '5 hours')`,
    );
    const html = await homeAs("ie");
    assert.match(html, /Messages held too long\s*<\/dt>\s*<dd[^>]*>\s*1\s*<\/dd>/);
    assert.match(html, /late-fhir[\s\S]*?Holding messages too long/);
    assert.match(html, /Identity matches to review/);
    assert.match(html, /Open rejected messages/);
    assert.match(html, /Feed health/);
    assert.doesNotMatch(html, /PERSON,/);
    assert.equal(
      (await lastAudit("ie.home")).reason,
      "home: feed health, open rejects and the identity review queue",
    );
  });

  test("IG officer: break-glass accesses awaiting review, and the audit search", async () => {
    const html = await homeAs("ig");
    assert.match(html, /Awaiting your review/);
    assert.match(html, /sw\.home/);
    assert.match(html, /href="\/ig\/break-glass\/[0-9a-f-]{36}"/);
    assert.match(html, /href="\/ig\/audit"/);
    assert.doesNotMatch(html, /ELSEWHEREPERSON|Ellis/);
  });

  test("administrator: accounts and teams, no people", async () => {
    const html = await homeAs("admin");
    assert.match(html, /Active users/);
    assert.match(html, /href="\/admin\/users"/);
    assert.doesNotMatch(html, /PERSON,/);
  });

  test("commissioner and board member: aggregate and pseudonymised only", async () => {
    const analyst = await homeAs("analyst");
    assert.match(analyst, /pseudonymised and aggregate figures only/);
    assert.match(analyst, /href="\/analytics\/model"/);
    const board = await homeAs("board");
    assert.match(board, /aggregate figures only: never a person/);
    assert.doesNotMatch(board, /analytics\/model/);
    for (const html of [analyst, board]) assert.doesNotMatch(html, /PERSON,/);
  });

  test("the home needs a sign-in", async () => {
    assert.equal((await web.app.inject({ method: "GET", url: "/" })).statusCode, 401);
  });
});
