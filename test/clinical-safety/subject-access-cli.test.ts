// Subject access through the command line: `oneplace person export` as the IG officer writes one person's data
// and the audit of who saw them; anyone else is refused; both are in the audit trail (HAZ-024).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decideAccess } from "../../src/governance/index.ts";
import { migrate } from "../../src/store/index.ts";
import { contextFor, insertRegistered, makePerson, seedUsers } from "../governance/fixtures.ts";
import { cliEnv } from "../governance/helpers/cli-env.ts";
import { runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";

describe("oneplace person export (subject access)", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  /** The commands after the first in one CLI child (the first runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  const dir = mkdtempSync(join(tmpdir(), "oneplace-sar-"));
  const person = makePerson({ familyName: "Accessperson", givenName: "Sara" });
  const spellId = "00000000-0000-4000-8000-00000000e0a1";

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
    await withDatabase(database, async (db) => {
      await migrate(db);
      await seedUsers(db, [
        ["dr.patel", "gp", "practice"],
        ["ig.jones", "ig-officer", "service"],
      ]);
      await insertRegistered(db, [person]);
      await db.query(
        `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
           source_system, source_record_id, received_at)
         VALUES ($1, $2, 'ZZA01', '2016-02-01T10:00:00Z', 'emergency', 'inpatient', 'acute-pas', 'S-77', now())`,
        [person.personId, spellId],
      );
      const gp = await contextFor(db, "dr.patel", "gp", "practice", "direct-care");
      assert.ok((await decideAccess({ ...gp, person: person.personId, action: "view" })).allow);
    });
  });
  after(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the IG officer exports the person's record and who saw it; the export is itself audited", async () => {
    const file = join(dir, "sar.json");
    const args = ["person", "export", "--nhs-number", person.nhsNumber, "--reference", "SAR-2026-014"];
    const res = await runCli([...args, "--as", "ig.jones", "--out", file], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /request SAR-2026-014 .*1 person record\(s\), 1 events, .* audit rows/);
    assert.doesNotMatch(res.stdout + res.stderr, /Accessperson|Sara/, "the console names nobody");
    assert.equal(statSync(file).mode & 0o777, 0o600, "only its owner may read the export");
    const sar = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(sar.reference, "SAR-2026-014");
    assert.equal(sar.people.length, 1);
    assert.equal(sar.people[0].demographics.name.family, "Accessperson");
    assert.equal(sar.people[0].demographics.nhsNumber, person.nhsNumber);
    assert.ok(
      sar.people[0].events.some((e: { sourceRecordId?: string; detail?: string }) =>
        JSON.stringify(e).includes("S-77"),
      ),
    );
    const actors = sar.audit.map(
      (a: { actor: string; action: string; reason: string }) => `${a.actor} ${a.action} ${a.reason}`,
    );
    assert.ok(
      actors.some((a: string) => /^dr\.patel view legitimate relationship: registered/.test(a)),
      actors.join("\n"),
    );
    assert.match(
      actors.at(-1),
      /^ig\.jones export subject access request SAR-2026-014$/,
      "the export's own row is last",
    );

    const again = await cli.run([...args, "--as", "ig.jones", "--out", file], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists: choose a new file/);
    assert.equal(
      JSON.parse(readFileSync(file, "utf8")).reference,
      "SAR-2026-014",
      "the first export is untouched",
    );
  });

  test("a clinician is refused, an unknown number and a missing reference are explained; refusals are audited", async () => {
    const refused = await cli.run(
      [
        "person",
        "export",
        "--nhs-number",
        person.nhsNumber,
        "--reference",
        "SAR-1",
        "--as",
        "dr.patel",
        "--out",
        join(dir, "gp.json"),
      ],
      env,
    );
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /does not answer subject access requests: the information governance officer does/,
    );
    const other = makePerson();
    const nobody = await cli.run(
      [
        "person",
        "export",
        "--nhs-number",
        other.nhsNumber,
        "--reference",
        "SAR-2",
        "--as",
        "ig.jones",
        "--out",
        join(dir, "x.json"),
      ],
      env,
    );
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /Nobody in OnePlace holds that NHS Number/);
    assert.equal(existsSync(join(dir, "x.json")), false, "a refused or failed export leaves no file");
    const noRef = await cli.run(
      [
        "person",
        "export",
        "--nhs-number",
        person.nhsNumber,
        "--reference",
        "?",
        "--as",
        "ig.jones",
        "--out",
        join(dir, "y.json"),
      ],
      env,
    );
    assert.equal(noRef.code, 1);
    assert.match(noRef.stderr, /needs the request's reference/);
    await withDatabase(database, async (db) => {
      const rows = await db.query<{ actor: string; allowed: boolean; reason: string }>(
        "SELECT actor, allowed, reason FROM audit_event WHERE action = 'export' ORDER BY seq",
      );
      assert.deepEqual(
        rows.map((r) => `${r.actor} ${r.allowed} ${r.reason}`),
        [
          "ig.jones true subject access request SAR-2026-014",
          "dr.patel false the GP role does not answer subject access requests: the information governance officer does",
          "ig.jones false subject access request SAR-2: nobody holds the NHS Number",
        ],
      );
    });
  });
});
