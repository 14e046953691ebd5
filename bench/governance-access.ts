// Benchmark of the access decision and the audit trail, on the engine DATABASE_URL chooses (PGlite when
// unset). Prints p50/p99 of one person's decision with its audit write, of the audit write alone, and the
// time to filter a register of 10,000 people. Runs on a fresh database of its own and drops it after.
import { randomUUID } from "node:crypto";
import {
  appendAuditEvent,
  decideAccess,
  evaluateAccess,
  factsForPeople,
  factsForPerson,
  filterPeopleForAccess,
  pseudonymKeysFromEnv,
  queryPseudonymisedPeople,
} from "../src/governance/index.ts";
import { CATALOGUE, type CopyRow, encodeNamedRow, type Table, type TableName } from "../src/store/index.ts";
import {
  addToCareTeam,
  contextFor,
  createTeams,
  createUserInRole,
  insertOrganisations,
  nextNhsNumber,
  ORGS,
} from "../test/governance/fixtures.ts";
import { openTestDb } from "../test/helpers/test-db.ts";

const PEOPLE = 20_000;
const REGISTER = 10_000;
const SINGLE_RUNS = 2_000;
const FILTER_RUNS = 20;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (n: number) => `${n.toFixed(3)} ms`;

async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(100, runs); i++) await fn(i); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const t = await openTestDb({ durableCommits: true });
try {
  const { db } = t;
  process.stdout.write(`Engine: ${db.engine}. Loading ${PEOPLE.toLocaleString("en-GB")} people...\n`);
  await insertOrganisations(db);
  const teams = await createTeams(db);
  await createUserInRole(db, "bench.gp", "gp", "practice");
  await createUserInRole(db, "bench.nurse", "community-clinician", "community");
  await createUserInRole(db, "bench.analyst", "commissioner-analyst", "commissioning");
  const ids = Array.from({ length: PEOPLE }, () => randomUUID());
  const now = new Date().toISOString();
  const load = <T extends TableName>(table: Table<T>, rows: Partial<CopyRow<T>>[]) =>
    db.copyFrom(
      table.name,
      table.columnNames,
      rows.map((row) => encodeNamedRow(table, row)),
    );
  await load(
    CATALOGUE.person,
    ids.map((id, i) => ({
      person_id: id,
      nhs_number: nextNhsNumber(),
      family_name: `Family${i}`,
      given_name: `Given${i}`,
      birth_date: `19${30 + (i % 70)}-0${1 + (i % 9)}-1${i % 10}`,
      sex: i % 2 ? "female" : "male",
      postcode: "RM17 6ZZ",
      area_code: i % 3 ? "ZA0001" : "ZA0002",
      source_system: "bench",
      source_record_id: id,
      received_at: now,
    })),
  );
  await load(
    CATALOGUE.registration,
    ids.map((id, i) => ({
      person_id: id,
      registration_id: randomUUID(),
      practice_code: i < REGISTER ? ORGS.practice : ORGS.otherPractice,
      registered_on: "2010-01-01",
      deregistered_on: null,
      source_system: "bench",
      source_record_id: `r${i}`,
      received_at: now,
    })),
  );
  await load(
    CATALOGUE.data_opt_out,
    ids
      .filter((_, i) => i % 50 === 0)
      .map((id, i) => ({
        person_id: id,
        opt_out_id: randomUUID(),
        recorded_on: "2014-01-01",
        withdrawn_on: null,
        source: "bench",
        source_system: "bench",
        source_record_id: `o${i}`,
        received_at: now,
      })),
  );
  for (let i = 0; i < 500; i++) await addToCareTeam(db, ids[REGISTER + i], teams.community);
  await db.exec("ANALYZE");

  const gp = await contextFor(db, "bench.gp", "gp", "practice", "direct-care");
  const nurse = await contextFor(db, "bench.nurse", "community-clinician", "community", "direct-care");
  const analyst = await contextFor(
    db,
    "bench.analyst",
    "commissioner-analyst",
    "commissioning",
    "commissioning",
  );
  const register = ids.slice(0, REGISTER);
  const at = new Date();

  const decision = await time(SINGLE_RUNS, (i) =>
    decideAccess({ ...gp, person: ids[i % REGISTER], action: "view" }),
  );
  const factsOnly = await time(SINGLE_RUNS, async (i) => {
    const facts = await factsForPerson(
      db,
      { user: gp.user, roleAssignment: gp.roleAssignment, at },
      ids[i % PEOPLE],
    );
    return evaluateAccess({
      roleAssignment: gp.roleAssignment,
      userActive: true,
      purpose: "direct-care",
      action: "view",
      facts,
    });
  });
  const auditOnly = await time(SINGLE_RUNS, () =>
    appendAuditEvent(db, {
      actorUserId: null,
      actor: "bench",
      roleCode: "gp",
      teamCode: "x",
      purpose: "direct-care",
      action: "view",
      personIds: [ids[0]],
      allowed: true,
      reason: "bench",
      channel: "bench",
    }),
  );
  const filterGp = await time(FILTER_RUNS, () => filterPeopleForAccess(gp, register, "list"));
  const filterFactsOnly = await time(FILTER_RUNS, () =>
    factsForPeople(db, { user: gp.user, roleAssignment: gp.roleAssignment, at }, register),
  );
  const filterNurse = await time(FILTER_RUNS, () =>
    filterPeopleForAccess(nurse, ids.slice(REGISTER), "list"),
  );
  const keys = pseudonymKeysFromEnv({ ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: "b".repeat(64) });
  const pseudo = await time(5, () =>
    queryPseudonymisedPeople(analyst, { practiceCode: ORGS.practice }, keys),
  );

  const rows: [string, number[]][] = [
    ["one person: decision + audit write (decideAccess)", decision],
    ["one person: decision only (facts query + rules)", factsOnly],
    ["audit write alone (appendAuditEvent)", auditOnly],
    ["register of 10,000: filterPeopleForAccess (GP, + audit row)", filterGp],
    ["register of 10,000: facts query only", filterFactsOnly],
    ["10,000 candidates, 500 allowed: filterPeopleForAccess (nurse)", filterNurse],
    ["commissioner: 10,000 pseudonymised rows (+ audit)", pseudo],
  ];
  process.stdout.write(`\n${"measure".padEnd(66)} ${"p50".padStart(11)} ${"p99".padStart(11)}  runs\n`);
  for (const [name, samples] of rows) {
    process.stdout.write(
      `${name.padEnd(66)} ${ms(percentile(samples, 50)).padStart(11)} ${ms(percentile(samples, 99)).padStart(11)}  ${samples.length}\n`,
    );
  }
} finally {
  await t.dispose();
}
