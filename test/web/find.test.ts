// Find a person: by NHS Number (straight to the one person found, or told why not), by name and date of
// birth with the MPI's tolerance of slips, only the people the user may see (the rest counted, never named),
// refused for roles that do not search, and every search audited with who was shown and who withheld.
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

const jane = makePerson({
  familyName: "Smith",
  givenName: "Jane",
  birthDate: "1948-03-27",
  postcode: "RM17 6AB",
});
// Same name and date of birth, registered at another practice: the GP may not see her.
const otherJane = makePerson({
  familyName: "Smith",
  givenName: "Jane",
  birthDate: "1948-03-27",
  postcode: "RM20 3XY",
});
const william = makePerson({
  familyName: "Brown",
  givenName: "William",
  birthDate: "1950-07-04",
  sex: "male",
  postcode: "RM17 6CD",
});
// Known to social care under another spelling; the golden record is the GP's.
const margaret = makePerson({ familyName: "Okafor", givenName: "Margaret", birthDate: "1939-11-30" });
const stranger = makePerson({ familyName: "Faraway", givenName: "Nobody", birthDate: "1960-01-01" });

const tokens = new Map<string, string>();
const USERS: [string, string, TeamKey, "direct-care" | "commissioning" | "administration"][] = [
  ["gp.find", "gp", "practice", "direct-care"],
  ["sw.find", "social-worker", "socialCare", "direct-care"],
  ["reablement.find", "reablement-worker", "reablement", "direct-care"],
  ["analyst.find", "commissioner-analyst", "commissioning", "commissioning"],
  ["engineer.find", "integration-engineer", "service", "administration"],
  ["ig.find", "ig-officer", "service", "administration"],
];

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    const teams = await createTeams(db);
    for (const p of [jane, otherJane, william, margaret, stranger]) await insertPerson(db, p);
    for (const p of [jane, william, margaret]) await register(db, p.personId, ORGS.practice);
    await register(db, otherJane.personId, ORGS.otherPractice);
    await db.query(
      `INSERT INTO person_record (person_id, source_system, source_record_id, nhs_number, family_name, given_name,
         birth_date, sex, postcode, received_at)
       VALUES ($1, 'social-care', 'SC-1', NULL, 'Okafour', 'Maggie', '1939-11-30', 'female', 'RM16 1AA', now())`,
      [margaret.personId],
    );
    for (const [username, role, team, purpose] of USERS) {
      const userId = await createUserInRole(db, username, role, team);
      if (username === "sw.find") await addToCaseload(db, william.personId, userId, teams.socialCare);
      await addApiToken(db, tokens, "find", {
        username,
        roleCode: role,
        teamCode: TEAMS[team].teamCode,
        purpose,
      });
    }
  },
});

const { get } = bearerRequests(web, tokens);

async function auditCount(): Promise<number> {
  return (await web.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;
}

async function lastAudit() {
  return (
    await web.t.db.query(
      "SELECT actor, action, allowed, person_ids, withheld_ids, reason, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
    )
  )[0];
}

const spaced = (nhs: string) => `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;
const dashed = (nhs: string) => `${nhs.slice(0, 3)}-${nhs.slice(3, 6)}-${nhs.slice(6)}`;

test("one person found by NHS Number (typed with spaces) goes straight to their record, the search audited", async () => {
  const res = await get(`/find?nhsNumber=${encodeURIComponent(spaced(jane.nhsNumber))}`, "gp.find");
  assert.equal(res.statusCode, 303);
  assert.equal(res.headers.location, `/people/${jane.personId}`);
  assert.deepEqual(await lastAudit(), {
    actor: "gp.find",
    action: "search",
    allowed: true,
    person_ids: [jane.personId],
    withheld_ids: [],
    reason: "all 1 disclosed",
    detail: "GET /find",
  });
});

test("a person the user may not see is counted, not named, and a GP (who may break glass) is shown the route", async () => {
  const res = await get(`/find?nhsNumber=${dashed(otherJane.nhsNumber)}`, "gp.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<title>No one found whom you may see – Find a person – OnePlace<\/title>/);
  assert.match(res.body, /Some people are not shown/);
  assert.match(res.body, /1 more person matches whom you may not see/);
  assert.ok(res.body.includes(`href="/people/${otherJane.personId}/break-glass"`));
  assert.doesNotMatch(res.body, /RM20 3XY/);
  const audit = await lastAudit();
  assert.equal(audit.allowed, false);
  assert.deepEqual(audit.withheld_ids, [otherJane.personId]);
});

test("a role that may not break glass is told so, with no break-glass link", async () => {
  const res = await get(`/find?nhsNumber=${otherJane.nhsNumber}`, "reablement.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Your role may not break glass/);
  assert.doesNotMatch(res.body, /break-glass"/);
});

test("an NHS Number that fails its check digit, or a placeholder, is explained in words; a check-digit slip offers whom it likely meant", async () => {
  const before = await auditCount();
  const last = Number(jane.nhsNumber[9]);
  const wrong = `${jane.nhsNumber.slice(0, 9)}${(last + 1) % 10}`;
  const res = await get(`/find?nhsNumber=${wrong}`, "gp.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<title>Error: Find a person – OnePlace<\/title>/);
  assert.match(res.body, /nhsuk-error-summary/);
  assert.match(res.body, /check digit\) does not agree with the first nine/);
  assert.ok(res.body.includes('href="#nhsNumber"'));
  const placeholder = await get("/find?nhsNumber=000+000+0000", "gp.find");
  assert.match(placeholder.body, /placeholder, the same digit ten times/);
  const short = await get("/find?nhsNumber=99912", "gp.find");
  assert.match(short.body, /10 digits long; you entered 5/);
  const letters = await get("/find?nhsNumber=99A1234567", "gp.find");
  assert.match(letters.body, /only numbers in it/);
  // Ten digits failing the check digit are one search, for the people one slip away (a GP's patient here).
  assert.equal(await auditCount(), before + 1, "only the check-digit failure searched, for its neighbours");
  assert.match(res.body, /Did you mean\?/);
  assert.ok(res.body.includes(`href="/people/${jane.personId}"`), "the person the slip most likely meant");
  const api = await get(`/api/find?nhsNumber=${wrong}`, "gp.find");
  assert.equal(api.statusCode, 400);
  assert.equal(api.json().code, "find.query");
  assert.doesNotMatch(api.body, new RegExp(wrong));
});

test("by name and date of birth: the people the GP may see, best first, and the rest counted", async () => {
  const res = await get("/find?name=Jane+Smith&day=27&month=3&year=1948", "gp.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /1 person found/);
  assert.ok(res.body.includes(`href="/people/${jane.personId}"`));
  assert.match(res.body, /SMITH, Jane/);
  assert.match(res.body, new RegExp(spaced(jane.nhsNumber)));
  assert.match(res.body, /Riverside \(synthetic\) \(Z90001\)/);
  assert.match(res.body, /1 more person matches whom you may not see/);
  assert.doesNotMatch(res.body, new RegExp(spaced(otherJane.nhsNumber)));
  assert.doesNotMatch(res.body, /RM20 3XY/);
  // By name there is no break-glass link: the user is told to search by NHS Number.
  assert.match(res.body, /Search for them by NHS Number/);
  const audit = await lastAudit();
  assert.deepEqual(audit.person_ids, [jane.personId]);
  assert.deepEqual(audit.withheld_ids, [otherJane.personId]);
  assert.equal(audit.action, "search");
});

test("the slips the MPI forgives: a short form, a misspelling, names reversed, day and month swapped", async () => {
  for (const url of [
    "/find?name=Bill+Brown&birthDate=1950-07-04",
    "/find?name=William+Broun&birthDate=1950-07-04",
    "/find?name=Brown%2C+William&birthDate=1950-04-07",
    "/find?name=Brown+William&birthDate=1950-07-04",
    "/find?name=William+Brown&birthDate=1950-07-05&postcode=RM17+6CD",
  ]) {
    const res = await get(url, "gp.find");
    assert.equal(res.statusCode, 200, url);
    assert.ok(res.body.includes(`href="/people/${william.personId}"`), url);
    assert.match(res.body, /Close match/, url);
  }
  const exact = await get("/find?name=William+Brown&birthDate=1950-07-04&postcode=rm176cd", "gp.find");
  assert.match(exact.body, /Exact match/);
  // A different given name on the same date is someone else.
  const other = await get("/find?name=Robert+Brown&birthDate=1950-07-04", "gp.find");
  assert.doesNotMatch(other.body, new RegExp(william.personId));
});

test("a source system's own record of the person is searched too, and the page says which matched", async () => {
  const res = await get("/find?name=Maggie+Okafour&day=30&month=11&year=1939", "gp.find");
  assert.ok(res.body.includes(`href="/people/${margaret.personId}"`));
  assert.match(res.body, /Exact match \(as the social care record holds it\)/);
});

test("the name form's mistakes are each explained beside the field and in the summary", async () => {
  const res = await get("/find?name=&day=31&month=2&year=1948", "gp.find");
  assert.match(res.body, /Enter their name/);
  assert.match(res.body, /Date of birth must be a real date/);
  const partial = await get("/find?name=Jane+Smith&day=27&month=&year=", "gp.find");
  assert.match(partial.body, /Date of birth must include a month and a year/);
  const future = await get("/find?name=Jane+Smith&birthDate=2999-01-01", "gp.find");
  assert.match(future.body, /Date of birth must be in the past/);
});

test("a social worker finds their own caseload; others are withheld with the break-glass route by NHS Number", async () => {
  const res = await get("/api/find?name=William+Brown&birthDate=1950-07-04", "sw.find");
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(
    body.people.map((p: { personId: string }) => p.personId),
    [william.personId],
  );
  assert.equal(body.people[0].disclosure, "identifiable");
  const byNumber = await get(`/api/find?nhsNumber=${jane.nhsNumber}`, "sw.find");
  assert.deepEqual(byNumber.json(), {
    people: [],
    withheld: 1,
    mayBreakGlass: true,
    breakGlassPersonId: jane.personId,
  });
});

test("an integration engineer finds demographics, linked to the person's identity history", async () => {
  const res = await get("/find?name=Jane+Smith&birthDate=1948-03-27", "engineer.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /2 people found/);
  assert.ok(res.body.includes(`href="/mpi/people/${jane.personId}/history"`));
  const one = await get(`/find?nhsNumber=${jane.nhsNumber}`, "engineer.find");
  assert.equal(one.headers.location, `/mpi/people/${jane.personId}/history`);
});

test("roles that do not search for people are refused with the reason, and the refusal is audited", async () => {
  for (const [who, reason] of [
    ["analyst.find", /pseudonymised cohort/],
    ["ig.find", /may not search for people/],
  ] as const) {
    const before = await auditCount();
    const res = await get(`/find?nhsNumber=${jane.nhsNumber}`, who);
    assert.equal(res.statusCode, 403, who);
    assert.match(res.json().detail, reason);
    assert.equal(await auditCount(), before + 1);
    const audit = await lastAudit();
    assert.equal(audit.allowed, false);
    assert.equal(audit.action, "search");
  }
});

test("without signing in: the API answers 401 and the page sends a browser to sign in", async () => {
  const api = await web.app.inject({ method: "GET", url: "/api/find?nhsNumber=9990001234" });
  assert.equal(api.statusCode, 401);
  const page = await web.app.inject({ method: "GET", url: "/find", headers: { accept: "text/html" } });
  assert.equal(page.statusCode, 303);
  assert.match(String(page.headers.location), /^\/login\?next=%2Ffind/);
});

test("the empty page offers both searches", async () => {
  const res = await get("/find", "gp.find");
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<title>Find a person – OnePlace<\/title>/);
  assert.match(res.body, /Search by NHS Number/);
  assert.match(res.body, /Or search by name and date of birth/);
  const tooLong = await get(`/find?name=${"a".repeat(201)}`, "gp.find");
  assert.equal(tooLong.statusCode, 400);
});

test("no name, NHS Number, date of birth or postcode searched for reaches the logs", () => {
  const log = web.logLines.join("\n");
  for (const p of [jane, otherJane, william, margaret]) {
    for (const value of [p.nhsNumber, spaced(p.nhsNumber), p.familyName, p.birthDate, p.postcode]) {
      assert.ok(!log.includes(value), `the log holds ${value}`);
    }
  }
  assert.ok(!log.includes("Okafour"));
});
