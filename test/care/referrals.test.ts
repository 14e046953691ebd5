// Referrals from the directory through the governed reader: refused without a reason, urgency or consent; an
// open referral is the receiving team's relationship (it can then see and decide); only that team decides;
// declining needs a reason and ends the relationship; a reablement referral completes with its episode (the
// reablement service ASCOF 2B counts, after the hospital spell) and a 91-day follow-up on the worklist until
// recorded; a second open referral to the same service is refused; the directory imports from CSV.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { importServices, listServices } from "../../src/care/index.ts";
import { createReader, type GovernedReader } from "../../src/governance/index.ts";
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
} from "../governance/fixtures.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

const person = makePerson({ familyName: "Referred", givenName: "Olive", birthDate: "1932-08-09" });
let t: TestDb;
let gp: GovernedReader;
let reablement: GovernedReader;
let lac: GovernedReader;
let spellId = "";

const readerAs = async (
  username: string,
  role: string,
  team: "practice" | "reablement" | "lac" | "socialCare",
  now?: () => Date,
) => {
  const { db: _, ...identity } = await contextFor(
    t.db,
    username,
    role,
    team,
    "direct-care",
    now ? { now } : {},
  );
  return createReader(t.db, identity);
};

before(async () => {
  t = await openTestDb();
  await insertOrganisations(t.db);
  await createTeams(t.db);
  await insertPerson(t.db, person);
  await register(t.db, person.personId, ORGS.practice);
  await admit(t.db, person.personId, ORGS.acute, "2016-01-02T10:00:00Z", "2016-01-09T12:00:00Z");
  [{ spell_id: spellId }] = await t.db.query<{ spell_id: string }>(
    "SELECT spell_id FROM hospital_spell WHERE person_id = $1",
    [person.personId],
  );
  await createUserInRole(t.db, "gp.refers", "gp", "practice");
  await createUserInRole(t.db, "reab.worker", "reablement-worker", "reablement");
  await createUserInRole(t.db, "lac.worker", "local-area-coordinator", "lac");
  gp = await readerAs("gp.refers", "gp", "practice");
  reablement = await readerAs("reab.worker", "reablement-worker", "reablement");
  lac = await readerAs("lac.worker", "local-area-coordinator", "lac");
});
after(() => t?.dispose());

test("a referral without a reason, urgency or consent is refused with the reason", async () => {
  const base = {
    serviceCode: "reablement",
    reason: "Home after a fall",
    urgency: "urgent",
    consent: "given",
  };
  for (const [field, code] of [
    ["reason", "care.referral-needs-reason"],
    ["urgency", "care.referral-needs-urgency"],
    ["consent", "care.referral-needs-consent"],
  ] as const) {
    await assert.rejects(
      gp.referPerson(person.personId, { ...base, [field]: "" }),
      (e: Error & { code?: string }) => e.code === code,
    );
  }
  await assert.rejects(
    gp.referPerson(person.personId, { ...base, serviceCode: "voluntary-services" }),
    (e: Error & { code?: string; hint?: string }) =>
      e.code === "care.service-not-in-oneplace" && /Thurrock CVS/.test(e.hint ?? ""),
  );
});

test("an open referral lets the receiving team see the person; only it decides; a second open referral is refused", async () => {
  await assert.rejects(reablement.personCarePlans(person.personId), (e: Error) => e.name === "AccessDenied");
  const referral = await gp.referPerson(person.personId, {
    serviceCode: "reablement",
    reason: "Home after a fall; needs help to regain confidence",
    urgency: "urgent",
    consent: "given",
  });
  assert.equal(referral.status, "awaiting-decision");
  assert.equal(referral.toTeam.name, "Reablement");
  const page = await reablement.personCarePlans(person.personId);
  assert.equal(page.relationship, "referral");
  await assert.rejects(
    gp.referPerson(person.personId, {
      serviceCode: "reablement",
      reason: "again",
      urgency: "routine",
      consent: "given",
    }),
    (e: Error & { code?: string }) => e.code === "care.referral-open",
  );
  await assert.rejects(
    gp.decideReferral(person.personId, referral.referralId, referral.version, { kind: "accept" }),
    (e: Error & { code?: string }) => e.code === "care.not-receiving-team",
  );
  const work = await reablement.careWorklist();
  assert.ok(work.items.some((i) => i.kind === "referral-decision" && i.recordId === referral.referralId));
});

test("two referrals to one service submitted at once: one is made, the other refused as already open", async () => {
  const asked = {
    serviceCode: "local-area-coordination",
    reason: "Lonely since her husband died",
    urgency: "routine",
    consent: "given",
  };
  const neighbour = makePerson({ familyName: "Twice", givenName: "Ruby", birthDate: "1935-03-04" });
  await insertPerson(t.db, neighbour);
  await register(t.db, neighbour.personId, ORGS.practice);
  const settled = await Promise.allSettled([
    gp.referPerson(neighbour.personId, asked),
    gp.referPerson(neighbour.personId, asked),
  ]);
  assert.equal(settled.filter((s) => s.status === "fulfilled").length, 1);
  const refused = settled.find((s) => s.status === "rejected");
  assert.ok(refused);
  assert.equal((refused.reason as { code?: string }).code, "care.referral-open");
  const [{ n }] = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM referral WHERE person_id = $1 AND service_code = 'local-area-coordination'",
    [neighbour.personId],
  );
  assert.equal(n, 1);
  // Declined, so the coordinators' worklist holds only what the next test makes.
  const made = settled.find((r) => r.status === "fulfilled")?.value;
  assert.ok(made);
  await lac.decideReferral(neighbour.personId, made.referralId, made.version, {
    kind: "decline",
    reason: "Made twice at once on purpose",
  });
});

test("a referral is refused under break-glass, and the refusal audited: it would outlast the emergency access", async () => {
  const stranger = makePerson({ familyName: "Glass", givenName: "Iris", birthDate: "1930-01-02" });
  await insertPerson(t.db, stranger);
  await createUserInRole(t.db, "sw.glass", "social-worker", "socialCare");
  const sw = await readerAs("sw.glass", "social-worker", "socialCare");
  await sw.breakGlass(stranger.personId, "Found collapsed at home; no one else reachable tonight");
  await assert.rejects(
    sw.referPerson(stranger.personId, {
      serviceCode: "rapid-response",
      reason: "Needs someone tonight",
      urgency: "urgent",
      consent: "best-interests",
    }),
    (e: Error) => e.name === "AccessDenied" && /outlasts it/.test(e.message),
  );
  const [n] = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM referral WHERE person_id = $1",
    [stranger.personId],
  );
  assert.equal(n.n, 0);
  const [audit] = await t.db.query<{ allowed: boolean; reason: string }>(
    "SELECT allowed, reason FROM audit_event WHERE actor = 'sw.glass' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(audit.allowed, false);
  assert.match(audit.reason, /outlasts it/);
});

test("reablement completes with its episode after the spell: a reablement service for ASCOF 2B and a 91-day follow-up", async () => {
  let [referral] = (await reablement.personCarePlans(person.personId)).referrals;
  referral = await reablement.decideReferral(person.personId, referral.referralId, referral.version, {
    kind: "accept",
  });
  assert.equal(referral.status, "accepted");
  await assert.rejects(
    reablement.decideReferral(person.personId, referral.referralId, referral.version - 1, {
      kind: "decline",
      reason: "x",
    }),
    (e: Error & { code?: string }) => e.code === "care.referral-version-conflict",
  );
  await assert.rejects(
    reablement.decideReferral(person.personId, referral.referralId, referral.version, {
      kind: "complete",
      outcomeSummary: "Independent with personal care",
    }),
    (e: Error & { code?: string }) => e.code === "care.reablement-needs-episode",
  );
  const today = new Date().toISOString().slice(0, 10);
  referral = await reablement.decideReferral(person.personId, referral.referralId, referral.version, {
    kind: "complete",
    outcomeSummary: "Independent with personal care; telecare fitted",
    episode: { startedOn: referral.referredOn, endedOn: today, end: "completed", afterSpellId: spellId },
  });
  assert.equal(referral.status, "completed");
  assert.equal(referral.followUp?.dueOn, "2016-04-09", "day 91 counts from the discharge day");
  const services = await t.db.query<{ service_type: string; after_spell_id: string; end_reason: string }>(
    "SELECT service_type, after_spell_id, end_reason FROM social_care_service WHERE person_id = $1",
    [person.personId],
  );
  assert.deepEqual(services, [
    { service_type: "reablement", after_spell_id: spellId, end_reason: "completed" },
  ]);
  const work = await reablement.careWorklist();
  const followUp = work.items.find((i) => i.kind === "follow-up");
  assert.ok(followUp?.overdue, "the follow-up is due and overdue on the worklist");
  referral = await reablement.recordReferralFollowUp(
    person.personId,
    referral.referralId,
    referral.version,
    "at-home",
  );
  assert.equal(referral.followUp?.outcome, "at-home");
  assert.equal((await reablement.careWorklist()).items.length, 0);
  // The follow-up closes the referral, and the relationship it gave the team ends with it.
  assert.ok(referral.closedOn);
  await assert.rejects(reablement.personCarePlans(person.personId), (e: Error) => e.name === "AccessDenied");
});

test("declining needs a reason, closes the referral, and it leaves the receiving team's worklist", async () => {
  const referral = await gp.referPerson(person.personId, {
    serviceCode: "local-area-coordination",
    reason: "Lonely since her husband died",
    urgency: "routine",
    consent: "given",
  });
  await assert.rejects(
    lac.decideReferral(person.personId, referral.referralId, referral.version, {
      kind: "decline",
      reason: " ",
    }),
    (e: Error & { code?: string }) => e.code === "care.decline-needs-reason",
  );
  const declined = await lac.decideReferral(person.personId, referral.referralId, referral.version, {
    kind: "decline",
    reason: "Already supported by a befriending group",
  });
  assert.equal(declined.status, "declined");
  assert.ok(declined.closedOn);
  assert.equal((await lac.careWorklist()).items.length, 0);
});

test("the directory imports from CSV: good rows added, bad rows refused with line and reason, twice changes nothing", async () => {
  const csv = [
    "service_code,name,provider,team_code,min_age,efi_categories,risk_tiers,hours,response_time,how_to_refer,kind",
    "memory-service,Memory assessment service,Mental health trust,cmht,65,,,Mon-Fri,4 weeks,Refer through OnePlace,community-health",
    "bad code,Broken,Nobody,cmht,,,,,,,",
    "frailty-clinic,Frailty clinic,Acute trust,discharge,75,moderate;severe,very-high,Tuesdays,2 weeks,Refer through OnePlace,other",
    "odd-efi,Odd,Somebody,cmht,,extreme,,,,,",
  ].join("\n");
  const first = await importServices(t.db, csv, "services.csv");
  assert.equal(first.added, 2);
  assert.deepEqual(
    first.refused.map((r) => r.line),
    [3, 5],
  );
  assert.match(first.refused[1].reason, /efi_categories/);
  const again = await importServices(t.db, csv, "services.csv");
  assert.deepEqual([again.added, again.updated, again.unchanged], [0, 0, 2]);
  const frailty = (await listServices(t.db)).find((s) => s.serviceCode === "frailty-clinic");
  assert.deepEqual(frailty?.efiCategories, ["moderate", "severe"]);
  assert.equal(frailty?.team?.name, "Integrated discharge team");
  await assert.rejects(importServices(t.db, "name,provider\nX,Y\n", "x.csv"), /service_code, team_code/);
});
