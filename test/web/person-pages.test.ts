// A person's single view through HTTP: each page answers through the governed reader (one audit row each,
// with the route), shows the facts with their provenance, refuses with the reason and the break-glass form,
// and opens the record once glass is broken with a reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSession, csrfTokenFor } from "../../src/governance/index.ts";
import {
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  register,
  TEAMS,
  testAuthConfig,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const person = makePerson({ familyName: "Singleview", givenName: "Edith", birthDate: "1931-06-14" });
const objector = makePerson({ familyName: "Objector" });
const stranger = makePerson({ familyName: "Strangerperson" });
const tokens = new Map<string, string>();
let nurseSession = "";
let nurseUserId = "";

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    await createTeams(db);
    for (const p of [person, objector, stranger]) await insertPerson(db, p);
    await register(db, person.personId, ORGS.practice, "1998-02-01");
    await register(db, objector.personId, ORGS.practice);
    await register(db, stranger.personId, ORGS.otherPractice);
    await recordObjectionRow(db, objector.personId, ORGS.otherPractice);
    await admit(db, person.personId, ORGS.acute, "2015-05-01T10:00:00Z", "2015-05-03T12:00:00Z");
    await admit(db, person.personId, ORGS.acute, "2016-03-28T22:15:00Z");
    const id = person.personId;
    await db.query(
      `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code,
         source_system, source_record_id, received_at)
       VALUES ($1, '00000000-0000-4000-8000-0000000000e1', 'Z90001', '2011-07-19', 'condition', 'snomed', '84114007',
               'gp-z90001', 'E-HF-1', '2016-04-02T09:00:00Z')`,
      [id],
    );
    await db.query(
      "INSERT INTO code (system, code, display) VALUES ('snomed', '84114007', 'Heart failure') ON CONFLICT DO NOTHING",
    );
    await db.query(
      `INSERT INTO efi_deficit (person_id, deficit_id, first_on, basis, entry_id)
       VALUES ($1, 'heart-failure', '2011-07-19', 'code', '00000000-0000-4000-8000-0000000000e1')`,
      [id],
    );
    await db.query(
      `INSERT INTO medication_issue (person_id, issue_id, practice_code, issued_on, code_system, code, display,
         quantity, is_repeat, source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'Z90001', '2016-03-01', 'dmd', '317972000', 'Furosemide 40mg tablets', 28, true,
               'gp-z90001', 'M1', now())`,
      [id],
    );
    await db.query(
      `INSERT INTO social_care_service (person_id, service_id, client_id, service_type, started_on, funding,
         source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'C77', 'home-care', '2015-11-02', 'council', 'council-lcs', 'SC1', now())`,
      [id],
    );
    await db.query(
      `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, lead_professional_role,
         lead_org_code, source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-09-01', '2016-03-15', 'community-matron', 'ZZC01',
               'oneplace-care', 'CP1', now())`,
      [id],
    );
    await db.query(
      `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, deficit_mask, deficit_count,
         efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
         emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
         outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
         unplanned_contacts_12m, social_care_now, social_care_12m, care_home, hiu, probability, risk_percentile,
         risk_tier, scored_at)
       VALUES ($1, gen_random_uuid(), '2016-03-31', 84, 'female', 'Z90001', 0, 1, 'fit', 1, 1, 2, 0, 5, 0, 1, 0, 0, 0,
               0, 0, 0, 0, 0, false, false, 0.41, 99.4, 'very-high', now())`,
      [id],
    );
    for (const [system, record, family] of [
      ["gp-z90001", "P1", "Singleview"],
      ["council-lcs", "C77", "Singelview"],
    ])
      await db.query(
        `INSERT INTO person_record (person_id, source_system, source_record_id, nhs_number, family_name, given_name,
           birth_date, sex, postcode, received_at)
         VALUES ($1, $2, $3, $4, $5, 'Edith', '1931-06-14', 'female', 'RM17 6ZZ', now())`,
        [id, system, record, system === "gp-z90001" ? person.nhsNumber : null, family],
      );
    for (const [username, role, team] of [
      ["gp.single", "gp", "practice"],
      ["nurse.single", "community-clinician", "community"],
      ["reablement.single", "reablement-worker", "reablement"],
      ["engineer.single", "integration-engineer", "service"],
    ] as const) {
      const userId = await createUserInRole(db, username, role, team);
      if (username === "nurse.single") nurseUserId = userId;
      await addApiToken(db, tokens, "single view", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose: role === "integration-engineer" ? "administration" : "direct-care",
      });
    }
    const session = await createSession(db, testAuthConfig(), {
      userId: nurseUserId,
      method: "password",
      clientAddress: null,
    });
    assert.ok(session);
    nurseSession = session.token;
  },
});

const { get } = bearerRequests(web, tokens, { accept: "text/html" });

async function auditRows(since: number) {
  return web.t.db.query<{
    actor: string;
    action: string;
    allowed: boolean;
    detail: string;
    person_ids: string[];
  }>("SELECT actor, action, allowed, detail, person_ids FROM audit_event WHERE seq > $1 ORDER BY seq", [
    since,
  ]);
}
async function lastSeq(): Promise<number> {
  return Number(
    (await web.t.db.query<{ s: number }>("SELECT coalesce(max(seq), 0) AS s FROM audit_event"))[0].s,
  );
}

test("the Summary shows the banner and the clinical summary, each fact with its source, in one audited read", async () => {
  const since = await lastSeq();
  const res = await get(`/people/${person.personId}`, "gp.single");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.headers["content-type"] as string, /text\/html/);
  assert.equal(res.headers["x-oneplace-disclosure"], "identifiable");
  assert.equal(res.headers["cache-control"], "no-store", "a page naming a person is never cached");
  const html = res.body;
  assert.match(html, /<title>Edith Singleview – Summary – OnePlace<\/title>/);
  const nhs = person.nhsNumber;
  assert.ok(html.includes(`${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`), "NHS Number 3-3-4");
  assert.ok(
    html.includes(`href="/people/${person.personId}/sharing"`),
    "the banner links to sharing choices",
  );
  assert.match(html, /14 June 1931/);
  assert.match(html, /In hospital now/);
  assert.match(html, /Lead professional/);
  assert.match(html, /community matron/);
  assert.match(html, /Very high/);
  assert.match(html, /41\.0%/);
  assert.match(html, /Heart failure \(snomed 84114007\)/);
  assert.match(html, /gp-z90001, record E-HF-1, received 2 April 2016 at 09:00/);
  assert.match(html, /Furosemide 40mg tablets/);
  assert.match(html, /Home care/);
  assert.match(html, /15 March 2016 \(overdue\)/);
  assert.match(html, /aria-current="page"/);
  const rows = await auditRows(since);
  assert.equal(rows.length, 1, "one audit row for the page");
  assert.deepEqual(rows[0], {
    actor: "gp.single",
    action: "view",
    allowed: true,
    detail: "GET /people/:personId",
    person_ids: [person.personId],
  });
});

test("the Timeline is newest first, filtered by kind and organisation, with each row's source system", async () => {
  const all = await get(`/people/${person.personId}/timeline`, "gp.single");
  assert.equal(all.statusCode, 200, all.body);
  assert.match(all.body, /<title>Edith Singleview – Timeline – OnePlace<\/title>/);
  const hospital = all.body.indexOf("28 March 2016");
  const gp = all.body.indexOf("19 July 2011");
  assert.ok(hospital > 0 && gp > hospital, "newest first");
  assert.match(all.body, /oneplace-care, record CP1/);
  const onlyGp = await get(`/people/${person.personId}/timeline?kind=gp-entry`, "gp.single");
  assert.equal(onlyGp.statusCode, 200);
  assert.match(onlyGp.body, /GP record entry: Heart failure/);
  assert.doesNotMatch(onlyGp.body, /Hospital admission:/);
  assert.match(onlyGp.body, /1 of 5 events match the filters/);
  const acute = await get(`/people/${person.personId}/timeline?organisation=${ORGS.acute}`, "gp.single");
  assert.match(acute.body, /2 of 5 events match/);
  const bad = await get(`/people/${person.personId}/timeline?kind=nonsense`, "gp.single");
  assert.equal(bad.statusCode, 400);
});

test("Care team and Records say who has a relationship and what each source holds", async () => {
  const team = await get(`/people/${person.personId}/care-team`, "gp.single");
  assert.equal(team.statusCode, 200, team.body);
  assert.match(team.body, /Registered with the practice/);
  assert.match(team.body, /Lead professional for a care plan/);
  const records = await get(`/people/${person.personId}/records`, "gp.single");
  assert.equal(records.statusCode, 200, records.body);
  assert.match(records.body, /council-lcs, record C77/);
  assert.match(records.body, /Edith Singelview \(differs\)/);
});

test("a user without a relationship is refused, told why, offered break-glass; nothing of the person is shown", async () => {
  const since = await lastSeq();
  const res = await get(`/people/${person.personId}`, "nurse.single");
  assert.equal(res.statusCode, 403);
  assert.match(res.headers["content-type"] as string, /text\/html/);
  assert.match(res.body, /You cannot see this person(&#39;|')s record/);
  assert.match(res.body, /No legitimate relationship/);
  assert.match(res.body, /Break glass and open the record/);
  assert.doesNotMatch(res.body, /Singleview|Edith/);
  assert.ok(!res.body.includes(`${person.nhsNumber.slice(0, 3)} ${person.nhsNumber.slice(3, 6)}`));
  const [row] = await auditRows(since);
  assert.equal(row.allowed, false);
  assert.equal(row.actor, "nurse.single");

  const reablement = await get(`/people/${person.personId}/timeline`, "reablement.single");
  assert.equal(reablement.statusCode, 403);
  assert.match(reablement.body, /may not break glass/);
  assert.doesNotMatch(reablement.body, /name="reason"/);
});

test("a sharing objection withholds the person from a team outside the holding organisation", async () => {
  const res = await get(`/people/${objector.personId}`, "gp.single");
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /object/i);
  assert.doesNotMatch(res.body, /Objector/);
});

test("an integration engineer sees identity and source records, never the clinical record", async () => {
  const summary = await get(`/people/${person.personId}`, "engineer.single");
  assert.equal(summary.statusCode, 200, summary.body);
  assert.equal(summary.headers["x-oneplace-disclosure"], "demographics");
  assert.match(summary.body, /identity details only/);
  assert.doesNotMatch(summary.body, /Very high|Furosemide|In hospital now|Lead professional/);
  assert.doesNotMatch(summary.body, /\/sharing"/, "no sharing link for identity-only roles");
  const records = await get(`/people/${person.personId}/records`, "engineer.single");
  assert.equal(records.statusCode, 200);
  const timeline = await get(`/people/${person.personId}/timeline`, "engineer.single");
  assert.equal(timeline.statusCode, 403);
});

test("signed out: a browser is sent to sign in, a script gets 401", async () => {
  const browser = await web.app.inject({
    method: "GET",
    url: `/people/${person.personId}`,
    headers: { accept: "text/html" },
  });
  assert.equal(browser.statusCode, 303);
  assert.match(String(browser.headers.location), /^\/login\?next=/);
  const script = await web.app.inject({ method: "GET", url: `/people/${person.personId}/records` });
  assert.equal(script.statusCode, 401);
});

test("breaking glass with the form: a reason is required, then the record opens with the warning", async () => {
  const cookie = `__Host-oneplace_session=${nurseSession}; oneplace_session=${nurseSession}`;
  const csrf = csrfTokenFor(nurseSession);
  const post = (reason: string, token = csrf) =>
    web.app.inject({
      method: "POST",
      url: `/people/${stranger.personId}/break-glass`,
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ reason, _csrf: token }).toString(),
    });
  const form = await web.app.inject({
    method: "GET",
    url: `/people/${stranger.personId}/break-glass`,
    headers: { cookie },
  });
  assert.equal(form.statusCode, 200, form.body);
  assert.match(form.body, new RegExp(`name="_csrf" value="${csrf}"`));
  const empty = await post("");
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /nhsuk-error-summary/);
  assert.match(empty.body, /Enter why you need to see this record now/);
  const short = await post("urgent");
  assert.equal(short.statusCode, 400);
  assert.match(short.body, /at least 10 characters/);
  const forged = await post("Brought to A&E unconscious, need medicines", "forged");
  assert.equal(forged.statusCode, 403);
  const ok = await post("Brought to A&E unconscious, need medicines");
  assert.equal(ok.statusCode, 303, ok.body);
  assert.equal(ok.headers.location, `/people/${stranger.personId}`);
  const opened = await web.app.inject({
    method: "GET",
    url: `/people/${stranger.personId}`,
    headers: { cookie },
  });
  assert.equal(opened.statusCode, 200, opened.body);
  assert.match(opened.body, /You broke glass to see this record/);
  assert.match(opened.body, /Strangerperson/);
  const [glass] = await web.t.db.query<{ reason: string }>(
    "SELECT reason FROM break_glass WHERE person_id = $1",
    [stranger.personId],
  );
  assert.equal(glass.reason, "Brought to A&E unconscious, need medicines");
});
