// `oneplace care` through the real binary: the directory imported from CSV (good rows in, bad rows reported
// with their line and reason, the exit code saying so, a second import changing nothing), listed; a person's
// plan read as a named professional (audited; refused without a relationship), as text and as FHIR.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createReader } from "../../src/governance/index.ts";
import { migrate } from "../../src/store/index.ts";
import { contextFor, insertRegistered, makePerson, ORGS, seedUsers, TEAMS } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";

describe("oneplace care", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  /** The commands after the first in one CLI child (the first runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  const dir = mkdtempSync(join(tmpdir(), "oneplace-care-cli-"));
  const person = makePerson({ familyName: "Cliplanned", givenName: "Vera" });

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
    await withDatabase(database, async (db) => {
      await migrate(db);
      const [gpId] = await seedUsers(db, [
        ["dr.cli", "gp", "practice"],
        ["nurse.cli", "community-clinician", "community"],
      ]);
      await insertRegistered(db, [person], ORGS.practice);
      const { db: _, ...identity } = await contextFor(db, "dr.cli", "gp", "practice", "direct-care");
      const reader = createReader(db, identity);
      let plan = await reader.startCarePlan(person.personId);
      plan = await reader.addCarePlanAction(person.personId, plan.planId, 1, {
        description: "Falls assessment",
        ownerUserId: gpId,
        dueOn: "2031-01-01",
      });
      const [{ team_id }] = await db.query<{ team_id: string }>(
        "SELECT team_id FROM team WHERE team_code = $1",
        [TEAMS.practice.teamCode],
      );
      await reader.editCarePlan(person.personId, plan.planId, 2, {
        whatMattersToMe: "My dog",
        strengths: "",
        needs: "",
        contingency: "",
        crisis: "",
        carer: null,
        endOfLife: "",
        consentToShare: { given: true, recordedOn: "2016-01-01", note: "" },
        lead: { userId: gpId, role: "gp", teamId: team_id },
        reviewDueOn: "2031-06-01",
      });
      await reader.signOffCarePlan(person.personId, plan.planId, 3);
    });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });

  test("care services import: rows added, a bad row reported with its line (exit 1), twice changes nothing", async () => {
    const file = join(dir, "services.csv");
    writeFileSync(
      file,
      [
        "service_code,name,provider,team_code,min_age,hours,response_time,how_to_refer,kind",
        "hospice-at-home,Hospice at home,Local hospice,district-nursing,18,24 hours,Same day,Telephone the hospice,community-health",
        ",No code,Nobody,district-nursing,,,,,",
      ].join("\n"),
    );
    const first = await runCli(["care", "services", "import", file, "--json"], env);
    assert.equal(first.code, 1, first.stderr);
    const result = JSON.parse(first.stdout);
    assert.equal(result.added, 1);
    assert.deepEqual(result.refused, [{ line: 3, reason: "service_code is missing" }]);
    const again = await cli.run(["care", "services", "import", file], env);
    assert.match(again.stdout, /0 added, 0 updated, 1 unchanged, 1 refused/);
    const list = await cli.run(["care", "services", "list"], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /hospice-at-home {2}Hospice at home \(Local hospice\); Same day; referrals to District nursing/,
    );
    assert.match(list.stdout, /reablement {2}Joint Reablement Team/);
  });

  test("care plan: the plan as the lead GP reads it (text and FHIR); refused to a nurse without a relationship", async () => {
    const text = await cli.run(["care", "plan", "--nhs-number", person.nhsNumber, "--as", "dr.cli"], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Joint care plan, version 4 \(signed off\)/);
    assert.match(text.stdout, /Lead professional: dr\.cli, gp, Z90001/);
    assert.match(text.stdout, /Action: Falls assessment, dr\.cli, by 2031-01-01 \(open\)/);
    const fhir = await cli.run(
      ["care", "plan", "--nhs-number", person.nhsNumber, "--as", "dr.cli", "--fhir"],
      env,
    );
    const bundle = JSON.parse(fhir.stdout);
    assert.equal(bundle.resourceType, "Bundle");
    assert.deepEqual(
      bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType),
      ["CarePlan", "CareTeam", "Task"],
    );
    assert.equal(bundle.entry[0].resource.status, "active");
    const nurse = await cli.run(["care", "plan", "--nhs-number", person.nhsNumber, "--as", "nurse.cli"], env);
    assert.equal(nurse.code, 1);
    assert.match(nurse.stderr, /No person with that NHS Number whom this user may see/);
    await withDatabase(database, async (db) => {
      const rows = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_event WHERE channel = 'cli' AND actor = 'dr.cli' AND allowed",
      );
      assert.ok(rows[0].n >= 2, "the command line's reads are audited");
    });
  });
});
