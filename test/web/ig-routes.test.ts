// The information governance pages through the governed reader: break-glass review, the audit search and a
// person's sharing choices; allowed, refused (with the reason, audited) and unauthenticated.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addToCaseload,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEAMS,
  type TeamKey,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";

const known = makePerson({ familyName: "Sharingperson", givenName: "Olive" });
const stranger = makePerson({ familyName: "Glassperson", givenName: "Ruth" });
const tokens = new Map<string, string>();

const USERS: [string, string, TeamKey, string][] = [
  ["iggy.officer", "ig-officer", "service", "administration"],
  ["dr.riverside", "gp", "practice", "direct-care"],
  ["sam.social", "social-worker", "socialCare", "direct-care"],
  ["ada.admin", "administrator", "service", "administration"],
];

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    const teams = await createTeams(db);
    for (const p of [known, stranger]) await insertPerson(db, p);
    await register(db, known.personId, ORGS.practice);
    await register(db, stranger.personId, ORGS.otherPractice);
    for (const [username, role, team, purpose] of USERS) {
      const userId = await createUserInRole(db, username, role, team);
      if (username === "sam.social") await addToCaseload(db, known.personId, userId, teams.socialCare);
      await addApiToken(db, tokens, "ig", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose: purpose as "direct-care" | "administration",
      });
    }
  },
});

const { get, postForm: post } = bearerRequests(web, tokens);

async function lastAudit() {
  return (
    await web.t.db.query(
      "SELECT actor, action, allowed, reason, person_ids, detail FROM audit_event WHERE action NOT LIKE '%-sealed' ORDER BY seq DESC LIMIT 1",
    )
  )[0];
}

let breakGlassId = "";

test("signed out, the IG pages are closed", async () => {
  for (const url of ["/ig/break-glass", "/ig/audit", `/people/${known.personId}/sharing`]) {
    const res = await web.app.inject({ method: "GET", url });
    assert.equal(res.statusCode, 401, url);
  }
});

test("a social worker breaks glass; the IG officer sees it awaiting review, and looking is audited", async () => {
  const refused = await get(`/api/people/${stranger.personId}`, "sam.social");
  assert.equal(refused.statusCode, 403);
  const glass = await post(`/api/people/${stranger.personId}/break-glass`, "sam.social", {
    reason: "Safeguarding call from a neighbour, out of hours",
  });
  assert.equal(glass.statusCode, 201, glass.body);
  breakGlassId = glass.json().breakGlassId;
  assert.equal((await get(`/api/people/${stranger.personId}`, "sam.social")).statusCode, 200);

  const res = await get("/ig/break-glass", "iggy.officer");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /<title>Break-glass accesses – OnePlace<\/title>/);
  assert.match(res.body, /Awaiting review \(1\)/);
  assert.match(res.body, /Safeguarding call from a neighbour/);
  assert.match(res.body, /Ruth GLASSPERSON/);
  assert.match(res.body, new RegExp(`${stranger.nhsNumber.slice(0, 3)} ${stranger.nhsNumber.slice(3, 6)} `));
  assert.match(res.body, new RegExp(`href="/ig/break-glass/${breakGlassId}"`));
  const audit = await lastAudit();
  assert.equal(audit.actor, "iggy.officer");
  assert.equal(audit.action, "audit-query");
  assert.equal(audit.allowed, true);
  assert.deepEqual(audit.person_ids, [stranger.personId]);
});

test("roles without the audit trail are refused the IG pages, told why, and the refusal is audited", async () => {
  for (const who of ["dr.riverside", "ada.admin"]) {
    for (const url of [
      "/ig/break-glass",
      `/ig/break-glass/${breakGlassId}`,
      "/ig/audit",
      "/ig/audit?username=sam.social",
    ]) {
      const res = await get(url, who);
      assert.equal(res.statusCode, 403, `${who} ${url}`);
      assert.match(res.json().detail, /may not read the audit trail/);
      assert.doesNotMatch(res.body, /Glassperson/);
      const audit = await lastAudit();
      assert.equal(audit.actor, who);
      assert.equal(audit.allowed, false);
      assert.equal(audit.action, "audit-query");
    }
  }
  const review = await post(`/ig/break-glass/${breakGlassId}`, "dr.riverside", {
    outcome: "appropriate",
    note: "Looks fine to me",
  });
  assert.equal(review.statusCode, 403);
});

test("the review page shows what was opened under the break-glass, and a review needs an outcome and a note", async () => {
  const res = await get(`/ig/break-glass/${breakGlassId}`, "iggy.officer");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /What they opened under this access/);
  assert.match(res.body, /GET \/api\/people\/:personId/);
  const missing = await post(`/ig/break-glass/${breakGlassId}`, "iggy.officer", { outcome: "", note: " " });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /nhsuk-error-summary/);
  assert.match(missing.body, /Choose whether the access was appropriate/);
  assert.match(missing.body, /Enter a review note/);
  assert.match(missing.body, /<title>Error: /);
  const row = (
    await web.t.db.query("SELECT reviewed_at FROM break_glass WHERE break_glass_id = $1", [breakGlassId])
  )[0];
  assert.equal(row.reviewed_at, null);
});

test("the IG officer records the review once; it is then listed as reviewed with its outcome", async () => {
  const res = await post(`/ig/break-glass/${breakGlassId}`, "iggy.officer", {
    outcome: "appropriate",
    note: "Checked with the duty manager: safeguarding referral made the same night.",
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, `/ig/break-glass?reviewed=${breakGlassId}`);
  const audit = await lastAudit();
  assert.equal(audit.action, "break-glass-review");
  assert.deepEqual(audit.person_ids, [stranger.personId]);
  const [row] = await web.t.db.query(
    "SELECT reviewed_by, review_outcome, review_note FROM break_glass WHERE break_glass_id = $1",
    [breakGlassId],
  );
  assert.equal(row.reviewed_by, "iggy.officer");
  assert.equal(row.review_outcome, "appropriate");
  const list = await get(res.headers.location as string, "iggy.officer");
  assert.match(list.body, /You reviewed the access by sam.social/);
  assert.match(list.body, /Awaiting review \(0\)/);
  assert.match(list.body, /Reviewed \(1\)/);
  assert.match(list.body, /nhsuk-tag--green">Appropriate/);
  const again = await post(`/ig/break-glass/${breakGlassId}`, "iggy.officer", {
    outcome: "not-appropriate",
    note: "Second thoughts",
  });
  assert.equal(again.statusCode, 303);
  assert.equal(again.headers.location, `/ig/break-glass/${breakGlassId}`);
  const [still] = await web.t.db.query("SELECT review_outcome FROM break_glass WHERE break_glass_id = $1", [
    breakGlassId,
  ]);
  assert.equal(still.review_outcome, "appropriate");
  assert.equal(
    (await get("/ig/break-glass/00000000-0000-4000-8000-000000000000", "iggy.officer")).statusCode,
    404,
  );
});

test("who looked at this person: by NHS Number with spaces, newest first, paged; the question is audited", async () => {
  const spaced = `${stranger.nhsNumber.slice(0, 3)} ${stranger.nhsNumber.slice(3, 6)} ${stranger.nhsNumber.slice(6)}`;
  const res = await get(`/ig/audit?nhsNumber=${encodeURIComponent(spaced)}`, "iggy.officer");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /Who looked at Ruth GLASSPERSON/);
  assert.match(res.body, /sam\.social/);
  assert.match(res.body, /Break-glass<\/strong>/);
  assert.match(res.body, /Denied<\/strong>/, "the refusal before the break-glass is there too");
  const audit = await lastAudit();
  assert.equal(audit.action, "audit-query");
  assert.equal(audit.reason, "who accessed this person");
  assert.deepEqual(audit.person_ids, [stranger.personId]);
  const byId = await get(`/ig/audit?personId=${stranger.personId}`, "iggy.officer");
  assert.equal(byId.statusCode, 200);
  assert.match(byId.body, /Who looked at Ruth GLASSPERSON/);
});

test("a mistyped NHS Number is explained in words; an unknown one says nobody has it", async () => {
  const digits = stranger.nhsNumber;
  const wrongCheck = `${digits.slice(0, 9)}${(Number(digits[9]) + 1) % 10}`;
  const bad = await get(`/ig/audit?nhsNumber=${wrongCheck}`, "iggy.officer");
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /check digit/);
  const short = await get("/ig/audit?nhsNumber=12345", "iggy.officer");
  assert.equal(short.statusCode, 400);
  assert.match(short.body, /10 digits; this has 5/);
  const unknown = await get(`/ig/audit?nhsNumber=${makePerson().nhsNumber}`, "iggy.officer");
  assert.equal(unknown.statusCode, 200);
  assert.match(unknown.body, /Nobody has that NHS Number/);
});

test("what did this user look at: by username, paged; an unknown user is a 404 on the form", async () => {
  const res = await get("/ig/audit?username=sam.social", "iggy.officer");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /What sam.social looked at/);
  assert.match(res.body, /Ruth GLASSPERSON/);
  const nobody = await get("/ig/audit?username=no.such.user", "iggy.officer");
  assert.equal(nobody.statusCode, 404);
  assert.match(nobody.body, /There is no user with that username/);
});

test("the GP records an objection (check, confirm, done); then the social worker is refused, told why", async () => {
  const url = `/people/${known.personId}/sharing`;
  assert.equal((await get(`/api/people/${known.personId}`, "sam.social")).statusCode, 200);
  const page = await get(url, "dr.riverside");
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /<title>Olive SHARINGPERSON – Sharing choices – OnePlace<\/title>/);
  assert.match(page.body, /Record an objection to sharing, held by Riverside \(synthetic\)/);
  const form = {
    change: "record-objection",
    day: "3",
    month: "2",
    year: "2015",
    source: "In person at the practice",
  };
  const check = await post(url, "dr.riverside", form);
  assert.equal(check.statusCode, 200, check.body);
  assert.match(check.body, /Check before you record/);
  assert.match(check.body, /3 February 2015/);
  assert.equal(
    (await web.t.db.query("SELECT 1 FROM sharing_objection WHERE person_id = $1", [known.personId])).length,
    0,
  );
  const done = await post(url, "dr.riverside", { ...form, confirm: "yes" });
  assert.equal(done.statusCode, 303, done.body);
  assert.equal(done.headers.location, `${url}/done?change=record-objection`);
  const audit = await lastAudit();
  assert.equal(audit.action, "change");
  assert.equal(audit.allowed, true);
  assert.match(String(audit.detail), /record-objection/);
  const confirmation = await get(done.headers.location as string, "dr.riverside");
  assert.match(confirmation.body, /Objection to sharing recorded/);
  const [row] = await web.t.db.query(
    "SELECT holding_org_code, recorded_on::text AS recorded_on, source FROM sharing_objection WHERE person_id = $1",
    [known.personId],
  );
  assert.deepEqual(
    { ...row },
    { holding_org_code: "Z90001", recorded_on: "2015-02-03", source: "In person at the practice" },
  );

  const refused = await get(`/api/people/${known.personId}`, "sam.social");
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().detail, /object/i);
  const sharingRefused = await get(url, "sam.social");
  assert.equal(sharingRefused.statusCode, 403);
  assert.doesNotMatch(sharingRefused.body, /Sharingperson/i);

  const twice = await post(url, "dr.riverside", { ...form, confirm: "yes" });
  assert.equal(twice.statusCode, 409);
  assert.match(twice.body, /already has an objection/);
});

test("the GP withdraws the objection and the social worker sees the person again", async () => {
  const url = `/people/${known.personId}/sharing`;
  const page = await get(url, "dr.riverside");
  const objectionId = /name="objectionId" value="([0-9a-f-]+)"/.exec(page.body)?.[1];
  assert.ok(objectionId, "the page carries the current objection's id");
  const res = await post(url, "dr.riverside", {
    change: "withdraw-objection",
    day: "1",
    month: "2",
    year: "2015",
    objectionId,
    confirm: "yes",
  });
  assert.equal(res.statusCode, 400, "withdrawn before it was made");
  const ok = await post(url, "dr.riverside", {
    change: "withdraw-objection",
    day: "4",
    month: "2",
    year: "2015",
    objectionId,
    confirm: "yes",
  });
  assert.equal(ok.statusCode, 303, ok.body);
  assert.equal((await get(`/api/people/${known.personId}`, "sam.social")).statusCode, 200);
});

test("a national data opt-out is recorded and withdrawn; bad forms are shown back with their errors", async () => {
  const url = `/people/${known.personId}/sharing`;
  const bad = await post(url, "sam.social", {
    change: "record-opt-out",
    day: "31",
    month: "2",
    year: "2015",
    source: "",
  });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /nhsuk-error-summary/);
  assert.match(bad.body, /must be a real date/);
  assert.match(bad.body, /Enter how the person told us/);
  const future = await post(url, "sam.social", {
    change: "record-opt-out",
    day: "1",
    month: "1",
    year: "2999",
    source: "Letter",
  });
  assert.match(future.body, /today or in the past/);
  const ok = await post(url, "sam.social", {
    change: "record-opt-out",
    day: "1",
    month: "3",
    year: "2015",
    source: "Letter from the national opt-out service",
    confirm: "yes",
  });
  assert.equal(ok.statusCode, 303, ok.body);
  const page = await get(url, "sam.social");
  assert.match(page.body, /Withdraw the national data opt-out/);
  const optOutId = /name="optOutId" value="([0-9a-f-]+)"/.exec(page.body)?.[1];
  assert.ok(optOutId);
  const withdrawn = await post(url, "sam.social", {
    change: "withdraw-opt-out",
    day: "2",
    month: "3",
    year: "2015",
    optOutId,
    confirm: "yes",
  });
  assert.equal(withdrawn.statusCode, 303, withdrawn.body);
  const [row] = await web.t.db.query(
    "SELECT withdrawn_on::text AS w FROM data_opt_out WHERE person_id = $1",
    [known.personId],
  );
  assert.equal(row.w, "2015-03-02");
});

test("break-glass reads but never changes sharing choices; roles without records cannot open the page", async () => {
  const url = `/people/${stranger.personId}/sharing`;
  const page = await get(url, "sam.social");
  assert.equal(page.statusCode, 200, "the break-glass is still within its hour");
  assert.match(page.body, /You cannot record a change here: break-glass/);
  const res = await post(url, "sam.social", {
    change: "record-objection",
    day: "1",
    month: "3",
    year: "2015",
    source: "Told me on a visit",
    confirm: "yes",
  });
  assert.equal(res.statusCode, 403);
  assert.match(res.json().detail, /break-glass/);
  assert.equal((await lastAudit()).allowed, false);
  for (const who of ["ada.admin", "iggy.officer"]) {
    const denied = await get(`/people/${known.personId}/sharing`, who);
    assert.equal(denied.statusCode, 403, who);
  }
});
