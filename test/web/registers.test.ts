// Registers and worklists through the governed reader: which team may open which register, filters, sorts
// and pages as GET links, the people withheld counted and never named, CSV export for roles allowed to
// export (audited as export), and the model report for commissioners (aggregate, audited).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTeam } from "../../src/governance/index.ts";
import { exampleModel } from "../../src/web/views/model-report.fixtures.ts";
import {
  addToCareTeam,
  addToCaseload,
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
  TEST_OPERATOR,
  type TestPerson,
} from "../governance/fixtures.ts";
import { addApiToken, bearerRequests, webSuite } from "./harness.ts";
import { insertRiskPerson, insertRiskRun } from "./register-fixtures.ts";

const AS_OF = "2016-04-01";
const TIERS = ["very-high", "high", "rising", "low"] as const;
const EFI = ["severe", "moderate", "mild", "fit"] as const;

/** Twelve people at the test practice (the first objects to sharing beyond the council), two at the other. */
const riverside: TestPerson[] = Array.from({ length: 12 }, (_, i) =>
  makePerson({ familyName: `Reg${String.fromCharCode(65 + i)}person`, givenName: `Given${i}` }),
);
const hillside = [makePerson({ familyName: "Hillonepers" }), makePerson({ familyName: "Hilltwopers" })];
const objector = riverside[0];
const tokens = new Map<string, string>();
const LOCALITY_TEAM = {
  teamCode: "grays-mdt",
  name: "Grays locality MDT",
  kind: "locality-mdt",
  orgCode: ORGS.locality,
};

const web = webSuite({
  placeName: "Test",
  async prepare(db) {
    await insertOrganisations(db);
    const teams = await createTeams(db);
    const localityTeam = await createTeam(db, TEST_OPERATOR, LOCALITY_TEAM);
    const runId = await insertRiskRun(db, AS_OF);
    for (const [i, p] of riverside.entries()) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.practice);
      await insertRiskPerson(db, runId, AS_OF, {
        personId: p.personId,
        practiceCode: ORGS.practice,
        localityCode: ORGS.locality,
        age: 70 + i,
        tier: TIERS[i % 4],
        probability: 0.5 - i * 0.03,
        efiCategory: EFI[i % 4],
        deficitCount: 12 - i,
        hiu: i === 5,
      });
    }
    for (const p of hillside) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.otherPractice);
      await insertRiskPerson(db, runId, AS_OF, {
        personId: p.personId,
        practiceCode: ORGS.otherPractice,
        localityCode: ORGS.locality,
        tier: "very-high",
        probability: 0.9,
      });
    }
    await recordObjectionRow(db, objector.personId, ORGS.council);
    // riverside[1]: a joint plan whose review is overdue; riverside[2]: a joint plan reviewed in time.
    for (const [p, due] of [
      [riverside[1], "2016-02-01"],
      [riverside[2], "2016-06-01"],
    ] as const) {
      await db.query(
        `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, review_due_on, lead_professional_role,
           source_system, source_record_id, received_at)
         VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-06-01', $2, 'gp', 'test', gen_random_uuid()::text, now())`,
        [p.personId, due],
      );
    }
    // riverside[3] admitted in the 30 days to the register's date; riverside[4] long before.
    await admit(db, riverside[3].personId, ORGS.acute, "2016-03-20T10:00:00Z", "2016-03-25T10:00:00Z");
    await admit(db, riverside[4].personId, ORGS.acute, "2015-01-20T10:00:00Z", "2015-01-25T10:00:00Z");
    await db.query(
      `INSERT INTO risk_cohort (cohort_id, description, definition) VALUES ('top-tiers', 'Very high or high risk', $1)`,
      [JSON.stringify({ riskTiers: ["very-high", "high"] })],
    );
    await db.query(
      "INSERT INTO risk_model (model_id, version, kind, outcome, train_index_date, validation_index_date, spec, validation) VALUES ($1, $2, $3, $4, '2014-04-01', '2015-04-01', $5, $6)",
      [
        exampleModel.modelId,
        exampleModel.version,
        exampleModel.kind,
        exampleModel.outcome,
        JSON.stringify(exampleModel.spec),
        JSON.stringify(exampleModel.validation),
      ],
    );
    const users = [
      ["gp.reg", "gp", "practice"],
      ["nurse.reg", "community-clinician", "community"],
      ["analyst.reg", "commissioner-analyst", "commissioning"],
      ["ig.reg", "ig-officer", "service"],
    ] as const;
    for (const [username, role, team] of users) await createUserInRole(db, username, role, team);
    const { assignRole, createUser } = await import("../../src/governance/users.ts");
    await createUser(db, TEST_OPERATOR, { username: "mdt.reg", displayName: "mdt.reg", password: null });
    await assignRole(db, TEST_OPERATOR, "mdt.reg", "gp", LOCALITY_TEAM.teamCode);
    // The nurse has riverside[1] and a Hillside person on caseload; the locality MDT is in riverside[2]'s care team.
    const nurseId = (
      await db.query<{ user_id: string }>("SELECT user_id FROM app_user WHERE username = 'nurse.reg'")
    )[0].user_id;
    await addToCaseload(db, riverside[1].personId, nurseId, teams.community);
    await addToCaseload(db, hillside[0].personId, nurseId, teams.community);
    await addToCareTeam(db, riverside[2].personId, localityTeam.teamId);
    const purposes: Record<string, "direct-care" | "commissioning" | "administration"> = {
      "analyst.reg": "commissioning",
      "ig.reg": "administration",
    };
    for (const [username, role, teamCode] of [
      ...users.map(([u, r, t]) => [u, r, TEAMS[t].teamCode] as const),
      ["mdt.reg", "gp", LOCALITY_TEAM.teamCode] as const,
    ]) {
      await addApiToken(db, tokens, "registers", {
        username,
        roleCode: role,
        teamCode,
        purpose: purposes[username] ?? "direct-care",
      });
    }
  },
});

const requests = bearerRequests(web, tokens);
/** As `who` by their token; with no one, as an unauthenticated API client. */
const get = (url: string, who?: string) => requests.get(url, who, who ? {} : { accept: "application/json" });

/** The people linked from a register page, in the order shown. */
const idsOn = (html: string) => [...html.matchAll(/href="\/people\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
const id = (p: TestPerson) => p.personId;

async function lastAudit() {
  return (
    await web.t.db.query<{
      actor: string;
      action: string;
      allowed: boolean;
      reason: string;
      person_ids: string[];
      withheld_ids: string[];
      detail: string | null;
    }>(
      "SELECT actor, action, allowed, reason, person_ids, withheld_ids, detail FROM audit_event ORDER BY seq DESC LIMIT 1",
    )
  )[0];
}

test("a GP's practice register: highest tier first, the objector withheld and counted, audited as a list", async () => {
  const res = await get(`/registers/practice/${ORGS.practice}`, "gp.reg");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers["content-type"]), /text\/html/);
  const shown = idsOn(res.body);
  // Eleven people may be seen; the first page holds all of them (25 a page).
  assert.equal(shown.length, 11);
  assert.ok(!shown.includes(objector.personId));
  assert.doesNotMatch(res.body, new RegExp(objector.familyName, "i"));
  assert.match(res.body, /1 more person meets these filters but is not shown/);
  assert.match(res.body, /Showing 1 to 11 of 11 people/);
  // Tier order: very high (riverside 4, 8), then high (1, 5, 9)...
  assert.deepEqual(
    shown.slice(0, 5),
    [riverside[4], riverside[8], riverside[1], riverside[5], riverside[9]].map(id),
  );
  assert.doesNotMatch(res.body, /Hillonepers/);
  const audit = await lastAudit();
  assert.equal(audit.actor, "gp.reg");
  assert.equal(audit.action, "list");
  assert.equal(audit.detail, "GET /registers/practice/:code");
  assert.deepEqual(new Set(audit.person_ids), new Set(riverside.slice(1).map(id)));
  // Those withheld are counted in the row, with why, but never named: nothing of theirs was read.
  assert.deepEqual(audit.withheld_ids ?? [], []);
  assert.match(
    audit.reason,
    /^all 11 disclosed; practice register Z90001, page 1 of 1 \(11 shown\); 1 on it withheld, never read: 1: the person objects to sharing/,
  );
  assert.match(res.body, /<title>Riverside \(synthetic\) \(Z90001\) – Risk register – OnePlace<\/title>/);
});

test("each filter narrows the register, and filters combine", async () => {
  const on = async (query: string) => {
    const res = await get(`/registers/practice/${ORGS.practice}?${query}`, "gp.reg");
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
    return new Set(idsOn(res.body));
  };
  assert.deepEqual(await on("tier=very-high"), new Set([riverside[4], riverside[8]].map(id)));
  assert.deepEqual(
    await on("tier=very-high&tier=low"),
    new Set([3, 4, 7, 8, 11].map((i) => riverside[i].personId)),
  );
  assert.deepEqual(await on("efi=severe"), new Set([4, 8].map((i) => riverside[i].personId)));
  assert.deepEqual(await on("hiu=yes"), new Set([riverside[5].personId]));
  assert.deepEqual(await on("reviewOverdue=yes"), new Set([riverside[1].personId]));
  assert.deepEqual(await on("admitted=yes"), new Set([riverside[3].personId]));
  const noPlan = await on("noJointPlan=yes");
  assert.equal(noPlan.size, 9);
  assert.ok(!noPlan.has(riverside[1].personId) && !noPlan.has(riverside[2].personId));
  assert.deepEqual(
    await on("noJointPlan=yes&tier=very-high&efi=severe"),
    new Set([riverside[4], riverside[8]].map(id)),
  );
  const none = await get(`/registers/practice/${ORGS.practice}?hiu=yes&tier=low`, "gp.reg");
  assert.match(none.body, /No one on this register meets these filters/);
  assert.match(none.body, /Clear filters/);
});

test("sorts by name, age, score, eFI and last admission, either way, and pages keep the filters", async () => {
  const order = async (query: string) =>
    idsOn((await get(`/registers/practice/${ORGS.practice}?${query}`, "gp.reg")).body);
  const seen = riverside.slice(1);
  assert.deepEqual(await order("sort=name"), seen.map(id));
  assert.deepEqual(await order("sort=name&dir=desc"), [...seen].reverse().map(id));
  assert.deepEqual(await order("sort=age"), [...seen].reverse().map(id));
  assert.deepEqual(await order("sort=score"), seen.map(id));
  assert.deepEqual(await order("sort=efi&dir=asc"), [...seen].reverse().map(id));
  assert.deepEqual((await order("sort=admission")).slice(0, 2), [riverside[3], riverside[4]].map(id));
  const first = await get(`/registers/practice/${ORGS.practice}?sort=name&pageSize=10`, "gp.reg");
  assert.deepEqual(idsOn(first.body), seen.slice(0, 10).map(id));
  assert.match(first.body, /Showing 1 to 10 of 11 people/);
  assert.match(
    first.body,
    /href="\/registers\/practice\/Z90001\?sort=name&amp;dir=asc&amp;page=2&amp;pageSize=10"/,
  );
  const second = await get(`/registers/practice/${ORGS.practice}?sort=name&pageSize=10&page=2`, "gp.reg");
  assert.deepEqual(idsOn(second.body), [seen[10].personId]);
  // A page past the end shows the last page rather than nothing.
  const past = await get(`/registers/practice/${ORGS.practice}?sort=name&pageSize=10&page=99`, "gp.reg");
  assert.deepEqual(idsOn(past.body), [seen[10].personId]);
  // The current sort is announced on its column header.
  assert.match(
    first.body,
    /aria-sort="ascending"[^>]*>\s*<a class="nhsuk-link" href="[^"]*sort=name&amp;dir=desc/,
  );
});

test("the CSV export holds every person shown, with the filters, and is audited as an export", async () => {
  for (const url of [
    `/registers/practice/${ORGS.practice}.csv?tier=very-high&tier=high`,
    `/registers/practice/${ORGS.practice}?tier=very-high&tier=high&format=csv`,
  ]) {
    const res = await get(url, "gp.reg");
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers["content-type"]), /text\/csv/);
    assert.match(
      String(res.headers["content-disposition"]),
      /attachment; filename="register-practice-Z90001-2016-04-01.csv"/,
    );
    const lines = res.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");
    assert.match(lines[0], /^NHS Number,Family name,Given name,Date of birth,Age,Practice,Risk tier/);
    assert.equal(lines.length, 1 + 5);
    assert.ok(lines.some((l) => l.includes(riverside[4].nhsNumber) && l.includes("very-high")));
    assert.ok(!res.body.includes(objector.nhsNumber));
    const audit = await lastAudit();
    assert.equal(audit.action, "export");
    assert.equal(audit.person_ids.length, 5);
  }
});

test("a GP may not open another practice's register: 403 with the reason, audited", async () => {
  const res = await get(`/registers/practice/${ORGS.otherPractice}`, "gp.reg");
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().code, "governance.access-denied");
  assert.match(res.json().detail, /own practice team and its locality's MDT/);
  assert.doesNotMatch(res.body, /Hill/);
  const audit = await lastAudit();
  assert.equal(audit.allowed, false);
  assert.equal(audit.action, "list");
});

test("a locality MDT opens its locality's register and its practices', seeing only the people in its care", async () => {
  const res = await get(`/registers/locality/${ORGS.locality}`, "mdt.reg");
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(idsOn(res.body), [riverside[2].personId]);
  assert.match(res.body, /13 more people meet these filters but are not shown/);
  const practice = await get(`/registers/practice/${ORGS.otherPractice}`, "mdt.reg");
  assert.equal(practice.statusCode, 200);
  assert.deepEqual(idsOn(practice.body), []);
  const index = await get("/registers", "mdt.reg");
  assert.equal(index.statusCode, 200);
  assert.match(index.body, /href="\/registers\/locality\/ZZL01"/);
  assert.match(index.body, /href="\/registers\/practice\/Z90002"/);
});

test("a saved cohort is a register: narrowed to the GP's practice, and to the nurse's own people", async () => {
  const gp = await get("/registers/cohort/top-tiers", "gp.reg");
  assert.equal(gp.statusCode, 200, gp.body);
  assert.deepEqual(new Set(idsOn(gp.body)), new Set([1, 4, 5, 8, 9].map((i) => riverside[i].personId)));
  assert.match(gp.body, /Only people at your practice \(Z90001\)/);
  const nurse = await get("/registers/cohort/top-tiers?sort=name", "nurse.reg");
  assert.equal(nurse.statusCode, 200, nurse.body);
  assert.deepEqual(idsOn(nurse.body), [hillside[0], riverside[1]].map(id));
  // A nurse may list her own people but not export them.
  assert.doesNotMatch(nurse.body, /Download this register/);
  const csv = await get("/registers/cohort/top-tiers.csv", "nurse.reg");
  assert.equal(csv.statusCode, 403);
  assert.match(csv.json().detail, /may not export/);
  assert.equal((await lastAudit()).action, "export");
  const index = await get("/registers", "nurse.reg");
  assert.match(index.body, /href="\/registers\/cohort\/top-tiers"/);
  assert.match(index.body, /belong to practice teams and locality MDTs/);
  const nurseOnPractice = await get(`/registers/practice/${ORGS.practice}`, "nurse.reg");
  assert.equal(nurseOnPractice.statusCode, 403);
});

test("commissioners and back-office roles get no register; nothing without signing in", async () => {
  const analyst = await get(`/registers/practice/${ORGS.practice}`, "analyst.reg");
  assert.equal(analyst.statusCode, 403);
  assert.match(analyst.json().detail, /pseudonymised cohort/);
  const ig = await get("/registers", "ig.reg");
  assert.equal(ig.statusCode, 403);
  assert.match(ig.json().detail, /no access to registers/);
  for (const url of [
    "/registers",
    `/registers/practice/${ORGS.practice}`,
    "/registers/cohort/top-tiers.csv",
    "/analytics/model",
  ]) {
    const res = await get(url);
    assert.equal(res.statusCode, 401, url);
  }
});

test("bad links are 400 or 404 with a hint, never an empty register", async () => {
  assert.equal((await get(`/registers/practice/${ORGS.practice}?tier=bogus`, "gp.reg")).statusCode, 400);
  assert.equal((await get(`/registers/practice/${ORGS.practice}?sort=shoe-size`, "gp.reg")).statusCode, 400);
  assert.equal((await get(`/registers/practice/${ORGS.practice}?pageSize=7`, "gp.reg")).statusCode, 400);
  const unknown = await get("/registers/practice/Z99999", "gp.reg");
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().hint, /list of registers/);
  const cohort = await get("/registers/cohort/no-such-cohort", "gp.reg");
  assert.equal(cohort.statusCode, 404);
});

test("the model report: commissioners see discrimination, calibration and capture, aggregate and audited", async () => {
  const res = await get("/analytics/model", "analyst.reg");
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.body, /How well the risk model works/);
  assert.match(res.body, /0\.781/);
  assert.match(res.body, /<svg role="img" aria-labelledby="calibration-title calibration-desc"/);
  assert.match(res.body, /Calibration by tenth of predicted risk/);
  assert.match(res.body, /Top 5%/);
  assert.match(res.body, /fewer than 5/);
  const audit = await lastAudit();
  assert.equal(audit.actor, "analyst.reg");
  assert.equal(audit.allowed, true);
  assert.deepEqual(audit.person_ids, []);
  assert.equal((await get("/analytics/model", "gp.reg")).statusCode, 200);
  const ig = await get("/analytics/model", "ig.reg");
  assert.equal(ig.statusCode, 403);
  assert.equal((await get("/analytics/model?version=99", "analyst.reg")).statusCode, 404);
});
