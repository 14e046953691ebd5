// The governed reader: each method decides, audits once and reads; refusals are forbidden OnePlaceErrors.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isOnePlaceError } from "../../src/core/errors.ts";
import { parsePeriod } from "../../src/core/periods.ts";
import { AccessDenied } from "../../src/governance/access.ts";
import { pseudonymKeysFromEnv } from "../../src/governance/pseudonym-keys.ts";
import { createOperatorReader, createReader, type GovernedReader } from "../../src/governance/reader.ts";
import type { AccessContext } from "../../src/governance/types.ts";
import { installMeasures } from "../../src/outcomes/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import {
  admit,
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  TEST_OPERATOR,
} from "./fixtures.ts";

let t: TestDb;
const known = makePerson({ familyName: "Readerknown", givenName: "Ada" });
const stranger = makePerson({ familyName: "Readerstranger", givenName: "Bea" });
const contexts = new Map<string, AccessContext>();
const keys = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: "b".repeat(64) });

function readerFor(role: string): GovernedReader {
  const { db: _db, ...identity } = contexts.get(role) as AccessContext;
  return createReader(t.db, identity);
}

async function auditCount(): Promise<number> {
  return (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event"))[0].n;
}

async function lastAudit() {
  const rows = await t.db.query(
    "SELECT actor, action, person_ids, withheld_ids, allowed, reason, disclosure FROM audit_event ORDER BY seq DESC LIMIT 1",
  );
  return rows[0];
}

/** Runs one reader call and checks it wrote exactly one audit row, with this action and outcome. */
async function auditedOnce<T>(action: string, allowed: boolean, call: () => Promise<T>): Promise<T | Error> {
  const before = await auditCount();
  let result: T | Error;
  try {
    result = await call();
  } catch (error) {
    result = error as Error;
  }
  assert.equal(await auditCount(), before + 1, "one audit row per call");
  const audit = await lastAudit();
  assert.equal(audit.action, action);
  assert.equal(audit.allowed, allowed);
  return result;
}

function assertForbidden(result: unknown): AccessDenied {
  assert.ok(result instanceof AccessDenied, String(result));
  assert.ok(isOnePlaceError(result));
  assert.equal(result.kind, "forbidden");
  assert.equal(result.code, "governance.access-denied");
  assert.equal(result.decision.allow, false);
  return result;
}

const ev = (table: string, cols: string, values: string) =>
  t.db.query(
    `INSERT INTO ${table} (person_id, ${cols}, source_system, source_record_id, received_at)
     VALUES ($1, ${values}, 'test', gen_random_uuid()::text, now())`,
    [known.personId],
  );

before(async () => {
  t = await openTestDb();
  await insertOrganisations(t.db);
  await createTeams(t.db);
  const roles = [
    ["reader-gp", "gp", "practice", "direct-care"],
    ["reader-engineer", "integration-engineer", "service", "administration"],
    ["reader-community", "community-clinician", "community", "direct-care"],
    ["reader-analyst", "commissioner-analyst", "commissioning", "commissioning"],
  ] as const;
  for (const [username, role, team, purpose] of roles) {
    await createUserInRole(t.db, username, role, team);
    contexts.set(role, await contextFor(t.db, username, role, team, purpose));
  }
  for (const p of [known, stranger]) await insertPerson(t.db, p);
  await register(t.db, known.personId, ORGS.practice);
  await register(t.db, stranger.personId, ORGS.otherPractice);
  await admit(t.db, known.personId, ORGS.acute, "2015-05-01T10:00:00Z", "2015-05-03T12:00:00Z");
  await admit(t.db, stranger.personId, ORGS.acute, "2015-05-02T10:00:00Z", "2015-05-04T12:00:00Z");
  await t.db.query(
    `INSERT INTO person_record (person_id, source_system, source_record_id, nhs_number, family_name, given_name,
       birth_date, sex, postcode, received_at)
     VALUES ($1, 'acute-pas', 'A1', $2, 'Readerknown', 'Ada', '1938-02-14', 'female', 'RM17 6ZZ', now()),
            ($1, 'gp-system', 'G1', $2, 'Readerknown', 'Ada', '1938-02-14', 'female', 'RM17 6ZZ', now())`,
    [known.personId, known.nhsNumber],
  );
  await ev(
    "gp_entry",
    "entry_id, practice_code, recorded_on, entry_kind, code_system, code",
    "gen_random_uuid(), 'Z90001', '2015-04-20', 'condition', 'snomed', '38341003'",
  );
  await ev(
    "ae_attendance",
    "attendance_id, provider_code, arrived_at, disposal",
    "gen_random_uuid(), 'ZZA01', '2015-05-01T08:30:00Z', 'admitted'",
  );
  await ev(
    "delayed_transfer",
    "delay_id, spell_id, provider_code, ready_on, ended_on, attribution, reason",
    "gen_random_uuid(), gen_random_uuid(), 'ZZA01', '2015-05-02', '2015-05-03', 'social-care', 'awaiting-care-package'",
  );
  await ev(
    "social_care_service",
    "service_id, client_id, service_type, started_on, funding",
    "gen_random_uuid(), 'C1', 'reablement', '2015-05-04', 'council'",
  );
  await ev(
    "care_contact",
    "contact_id, setting, provider_code, service, contact_on",
    "gen_random_uuid(), 'community', 'ZZC01', 'district-nursing', '2015-05-10'",
  );
  await ev(
    "care_home_placement",
    "placement_id, client_id, care_home_code, care_type, placement_type, started_on, funding",
    "gen_random_uuid(), 'C1', 'ZZH01', 'residential', 'respite', '2015-06-01', 'council'",
  );
  await ev(
    "social_care_assessment",
    "assessment_id, client_id, assessed_on, assessment_type, outcome",
    "gen_random_uuid(), 'C1', '2015-03-01', 'needs', 'short-term-support'",
  );
  await ev(
    "outpatient_attendance",
    "attendance_id, provider_code, appointment_on, attendance, first_attendance",
    "gen_random_uuid(), 'ZZA01', '2015-07-01', 'attended', true",
  );
  await ev(
    "care_plan",
    "care_plan_id, plan_type, started_on, lead_org_code",
    "gen_random_uuid(), 'joint-health-social', '2015-05-05', 'ZZS01'",
  );
});
after(() => t.dispose());

describe("person", () => {
  test("a GP sees a registered person's demographics and practice, with the decision, audited once", async () => {
    const person = await auditedOnce("view", true, () => readerFor("gp").person(known.personId));
    assert.ok(!(person instanceof Error));
    assert.equal(person.nhsNumber, known.nhsNumber);
    assert.deepEqual(person.name, { given: "Ada", family: "Readerknown" });
    assert.equal(person.practiceCode, ORGS.practice);
    assert.equal(person.disclosure, "identifiable");
    assert.equal(person.relationship, "registered");
    assert.deepEqual((await lastAudit()).person_ids, [known.personId]);
  });

  test("without a relationship the read is refused, audited, and nothing is read", async () => {
    const refused = await auditedOnce("view", false, () => readerFor("gp").person(stranger.personId));
    const error = assertForbidden(refused);
    assert.doesNotMatch(error.message, /Readerstranger|Bea/);
  });

  test("breaking glass is a decision through the reader, flagged; then the person reads", async () => {
    const reader = readerFor("community-clinician");
    assertForbidden(await auditedOnce("view", false, () => reader.person(stranger.personId)));
    const short = await auditedOnce("view", false, () => reader.breakGlass(stranger.personId, "x"));
    assertForbidden(short);
    // Two rows: the break-glass record's seal (its reason in the hash chain), then the decision.
    const before = await auditCount();
    const decision = await reader.breakGlass(stranger.personId, "Unconscious in A&E, no records available");
    assert.equal(await auditCount(), before + 2);
    const seal = await t.db.query<{ action: string }>(
      "SELECT action FROM audit_event WHERE break_glass_id = $1 ORDER BY seq",
      [decision.breakGlassId],
    );
    assert.deepEqual(
      seal.map((r) => r.action),
      ["break-glass-sealed", "view"],
    );
    assert.equal(decision.flagged, true);
    assert.ok(decision.breakGlassId);
    const person = await auditedOnce("view", true, () => reader.person(stranger.personId));
    assert.ok(!(person instanceof Error));
    assert.equal(person.relationship, "break-glass");
  });
});

describe("people and register", () => {
  test("people gives only those allowed, counts the withheld, and names none of them", async () => {
    const list = await auditedOnce("search", true, () =>
      readerFor("gp").people([known.personId, stranger.personId], "search"),
    );
    assert.ok(!(list instanceof Error));
    assert.deepEqual(
      list.people.map((p) => p.personId),
      [known.personId],
    );
    assert.equal(list.withheld, 1);
    assert.doesNotMatch(JSON.stringify(list), new RegExp(`Readerstranger|${stranger.personId}`));
    const audit = await lastAudit();
    assert.deepEqual(audit.person_ids, [known.personId]);
    assert.deepEqual(audit.withheld_ids, [stranger.personId]);
  });

  test("the register is the team's own practice's, filtered, audited as list", async () => {
    const list = await auditedOnce("list", true, () => readerFor("gp").register());
    assert.ok(!(list instanceof Error));
    assert.deepEqual(
      list.people.map((p) => p.name.family),
      ["Readerknown"],
    );
    assert.equal(list.withheld, 0);
    assertForbidden(await auditedOnce("list", false, () => readerFor("gp").register(ORGS.otherPractice)));
  });

  test("a team that is not a practice has no register: invalid, not forbidden", async () => {
    await assert.rejects(readerFor("community-clinician").register(), (error) => {
      assert.ok(isOnePlaceError(error));
      assert.equal(error.kind, "invalid");
      return true;
    });
  });
});

describe("timeline and records", () => {
  test("the timeline runs across every table in date order, audited once as view", async () => {
    const timeline = await auditedOnce("view", true, () => readerFor("gp").timeline(known.personId));
    assert.ok(!(timeline instanceof Error));
    assert.deepEqual(
      timeline.events.map((e) => e.kind),
      [
        "social-care-assessment",
        "gp-entry",
        "ae-attendance",
        "hospital-spell",
        "delayed-transfer",
        "social-care-service",
        "care-plan",
        "community-contact",
        "care-home-placement",
        "outpatient-attendance",
      ],
    );
    const spell = timeline.events.find((e) => e.kind === "hospital-spell");
    assert.equal(spell?.at, "2015-05-01T10:00:00Z");
    assert.equal(spell?.endedAt, "2015-05-03T12:00:00Z");
    assert.equal(spell?.organisation, ORGS.acute);
    const sorted = [...timeline.events].sort((a, b) => a.at.localeCompare(b.at));
    assert.deepEqual(timeline.events, sorted);
  });

  test("a role that sees demographics only is refused the timeline, and the refusal is what is audited", async () => {
    const reader = readerFor("integration-engineer");
    const person = await auditedOnce("view", true, () => reader.person(known.personId));
    assert.ok(!(person instanceof Error));
    assert.equal(person.disclosure, "demographics");
    const refused = assertForbidden(await auditedOnce("view", false, () => reader.timeline(known.personId)));
    assert.match(refused.decision.reason, /demographics only/);
  });

  test("person records give each source system's record, after an audited decision", async () => {
    const records = await auditedOnce("view", true, () => readerFor("gp").personRecords(known.personId));
    assert.ok(!(records instanceof Error));
    assert.deepEqual(
      records.map((r) => r.sourceSystem),
      ["acute-pas", "gp-system"],
    );
    assert.equal(records[0].familyName, "Readerknown");
    assertForbidden(await auditedOnce("view", false, () => readerFor("gp").personRecords(stranger.personId)));
  });

  test("the operator's identity review reads many people's records under one audit row", async () => {
    const reader = createOperatorReader(t.db, TEST_OPERATOR);
    const before = await auditCount();
    const records = await reader.personRecords([known.personId, stranger.personId]);
    assert.equal(await auditCount(), before + 1);
    assert.equal(records.get(known.personId)?.length, 2);
    assert.equal(records.has(stranger.personId), false);
    const audit = await lastAudit();
    assert.deepEqual(new Set(audit.person_ids as string[]), new Set([known.personId, stranger.personId]));
  });
});

describe("metric people and pseudonymised cohorts", () => {
  test("the people behind a metric value pass the access check: the rest are only counted", async () => {
    await installMeasures(t.db);
    const list = await auditedOnce("list", true, () =>
      readerFor("gp").metricPeople({
        metricId: "nel",
        period: parsePeriod("2015-Q2"),
        part: "numerator",
        asOf: "2015-12-31",
      }),
    );
    assert.ok(!(list instanceof Error));
    assert.deepEqual(
      list.people.map((p) => p.personId),
      [known.personId],
    );
    assert.equal(list.withheld, 1);
  });

  test("a pseudonymised cohort is for commissioning roles; others are refused and audited", async () => {
    const rows = await auditedOnce("search", true, () =>
      readerFor("commissioner-analyst").pseudonymisedCohort({ practiceCode: ORGS.practice }, keys),
    );
    assert.ok(!(rows instanceof Error));
    // One person on the practice's list: no row can have four look-alikes, so none is released (k = 5).
    assert.equal(rows.length, 0);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(`${known.personId}|Readerknown`));
    assertForbidden(
      await auditedOnce("export", false, () => readerFor("gp").pseudonymisedCohort({}, keys, "export")),
    );
  });
});
