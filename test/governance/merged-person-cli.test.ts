// A person the master person index merges into another, seen through the command line: after `oneplace mpi
// merge`, the IG officer's `audit person` and the subject access export (`person export`) for the survivor show
// what was audited under the merged person's id (a GP's view, a break-glass access), the merged person's
// activity and who they were recorded as; a request quoting the merged person's own NHS Number finds the survivor;
// after `mpi unmerge` the survivor's audit no longer shows them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decideAccess } from "../../src/governance/index.ts";
import { resolveRecords } from "../../src/mpi/index.ts";
import { migrate } from "../../src/store/index.ts";
import { runCli, startCliSession } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";
import { sourceRecord } from "../mpi/source-record.ts";
import { contextFor, ORGS, register, seedUsers } from "./fixtures.ts";
import { cliEnv } from "./helpers/cli-env.ts";

const SURVIVOR_NHS = "9434765870";
/** The community system's number for him: another man's, mistyped or never traced. */
const RETIRED_NHS = "9434765919";
const SPELL = "00000000-0000-4000-8000-00000000e0b7";

describe("audit and subject access for a person merged into another, through the CLI", () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  /** The commands after the first in one CLI child (the first runs the binary itself). */
  const cli = startCliSession({});
  after(() => cli.close());
  const dir = mkdtempSync(join(tmpdir(), "oneplace-merged-"));
  let survivor = "";
  let retired = "";
  let breakGlassId = "";
  let mergeId = "";

  before(async () => {
    database = await createTestDatabase({ migrated: true });
    env = cliEnv(database);
    await withDatabase(database, async (db) => {
      await migrate(db);
      await seedUsers(db, [
        ["dr.patel", "gp", "practice"],
        ["nurse.obi", "community-clinician", "community"],
        ["ig.jones", "ig-officer", "service"],
      ]);
      // Two records of one man the MPI kept apart (each with its own NHS Number, the birth date keyed differently).
      await db.transaction((tx) =>
        resolveRecords(tx, [
          sourceRecord("gp", "g1", {
            nhsNumber: SURVIVOR_NHS,
            family: "Ward",
            given: "Ron",
            birthDate: "1933-03-03",
            sex: "male",
          }),
          sourceRecord("community-ehr", "c1", {
            nhsNumber: RETIRED_NHS,
            family: "Wardle",
            given: "Ronald",
            birthDate: "1933-03-30",
            sex: "male",
            postcode: "SS17 7CN",
          }),
        ]),
      );
      const linked = await db.query<{ source_system: string; person_id: string }>(
        "SELECT source_system, person_id::text AS person_id FROM mpi_record_link",
      );
      survivor = linked.find((l) => l.source_system === "gp")?.person_id ?? "";
      retired = linked.find((l) => l.source_system === "community-ehr")?.person_id ?? "";
      assert.ok(survivor && retired && survivor !== retired);
      await register(db, retired, ORGS.practice);
      await db.query(
        `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
           source_system, source_record_id, received_at)
         VALUES ($1, $2, 'ZZA01', '2016-02-01T10:00:00Z', 'emergency', 'inpatient', 'acute-pas', 'S-MERGED', now())`,
        [retired, SPELL],
      );
      const gp = await contextFor(db, "dr.patel", "gp", "practice", "direct-care");
      assert.ok((await decideAccess({ ...gp, person: retired, action: "view" })).allow);
      const nurse = await contextFor(db, "nurse.obi", "community-clinician", "community", "direct-care");
      const glass = await decideAccess({
        ...nurse,
        person: retired,
        action: "view",
        breakGlass: { reason: "Collapsed at the day centre, no history to hand" },
      });
      assert.ok(glass.allow);
      breakGlassId = glass.breakGlassId as string;
    });
    const merged = await runCli(
      ["mpi", "merge", survivor, retired, "--reason", "the same man, registered twice"],
      env,
    );
    assert.equal(merged.code, 0, merged.stderr);
    mergeId = /merge ([0-9a-f-]{36})/.exec(merged.stdout)?.[1] ?? "";
    assert.ok(mergeId, merged.stdout);
  });
  after(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("audit person for the survivor, by NHS Number or id, shows what was audited under the merged person", async () => {
    for (const ref of [SURVIVOR_NHS, survivor]) {
      const res = await cli.run(["audit", "person", ref, "--json"], env);
      assert.equal(res.code, 0, res.stderr);
      const found = JSON.parse(res.stdout) as {
        personIds: string[];
        mergedPersonIds: string[];
        events: { actor: string; action: string; personIds: string[]; breakGlassId: string | null }[];
      };
      assert.deepEqual(found.personIds, [survivor]);
      assert.deepEqual(found.mergedPersonIds, [retired]);
      const seen = found.events.filter((e) => e.personIds.includes(retired) && e.action === "view");
      assert.deepEqual(
        seen.map((e) => e.actor),
        ["dr.patel", "nurse.obi"],
        "the GP's view and the break-glass access, both made before the merge",
      );
      assert.equal(seen[1].breakGlassId, breakGlassId);
    }
    const text = await cli.run(["audit", "person", survivor], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`with ${retired}, merged into them`));
    assert.match(text.stdout, /nurse\.obi as community-clinician .* ALLOWED: break-glass/);
  });

  test("the subject access export for the survivor holds the merged person's activity, identity and audit", async () => {
    const file = join(dir, "sar.json");
    const res = await cli.run(
      [
        "person",
        "export",
        "--nhs-number",
        SURVIVOR_NHS,
        "--reference",
        "SAR-2026-MERGE",
        "--as",
        "ig.jones",
        "--out",
        file,
      ],
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /1 person record\(s\) \(with 1 merged into them\)/);
    assert.doesNotMatch(res.stdout + res.stderr, /Wardle|Ronald/, "the console names nobody");
    const sar = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(sar.people.length, 1);
    const [person] = sar.people;
    assert.equal(person.demographics.personId, survivor);
    assert.ok(JSON.stringify(person.events).includes("S-MERGED"), "the merged person's admission");
    assert.deepEqual(
      person.merged.map((m: { personId: string; name: { family: string }; postcode: string }) => [
        m.personId,
        m.name.family,
        m.postcode,
      ]),
      [[retired, "Wardle", "SS17 7CN"]],
    );
    const about = (actor: string) =>
      sar.audit.filter(
        (a: { actor: string; action: string; personIds: string[] }) =>
          a.actor === actor && a.action === "view" && a.personIds.includes(retired),
      );
    assert.equal(about("dr.patel").length, 1, "the GP's view of the merged person");
    assert.equal(about("nurse.obi").length, 1, "the break-glass access to the merged person");
    const own = sar.audit.at(-1);
    assert.match(
      `${own.actor} ${own.action} ${own.reason}`,
      /^ig\.jones export subject access request SAR-2026-MERGE$/,
    );
    assert.deepEqual(
      [...own.personIds].sort(),
      [survivor, retired].sort(),
      "the export names both ids it read",
    );
  });

  test("a request quoting the merged person's own NHS Number finds the person they were merged into", async () => {
    const file = join(dir, "sar-own-number.json");
    const res = await cli.run(
      [
        "person",
        "export",
        "--nhs-number",
        RETIRED_NHS,
        "--reference",
        "SAR-2026-OWN",
        "--as",
        "ig.jones",
        "--out",
        file,
      ],
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /1 person record\(s\) \(with 1 merged into them\)/);
    const sar = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(sar.nhsNumber, RETIRED_NHS);
    assert.deepEqual(
      sar.people.map((p: { demographics: { personId: string } }) => p.demographics.personId),
      [survivor],
    );
    assert.deepEqual(
      sar.people[0].merged.map((m: { personId: string; nhsNumber: string }) => [m.personId, m.nhsNumber]),
      [[retired, RETIRED_NHS]],
      "the merged person, with the number the request quoted",
    );
    assert.ok(
      sar.audit.some(
        (a: { actor: string; personIds: string[] }) =>
          a.actor === "nurse.obi" && a.personIds.includes(retired),
      ),
      "the break-glass access to the merged person",
    );
    const audit = await cli.run(["audit", "person", RETIRED_NHS, "--json"], env);
    assert.equal(audit.code, 0, audit.stderr);
    const found = JSON.parse(audit.stdout) as { personIds: string[]; mergedPersonIds: string[] };
    assert.deepEqual([found.personIds, found.mergedPersonIds], [[survivor], [retired]]);
  });

  test("after an unmerge the survivor's audit no longer shows the other person's", async () => {
    const undone = await cli.run(["mpi", "unmerge", mergeId, "--reason", "two people after all"], env);
    assert.equal(undone.code, 0, undone.stderr);
    const res = await cli.run(["audit", "person", survivor, "--json"], env);
    assert.equal(res.code, 0, res.stderr);
    const found = JSON.parse(res.stdout) as { mergedPersonIds: string[]; events: { personIds: string[] }[] };
    assert.deepEqual(found.mergedPersonIds, []);
    assert.ok(!found.events.some((e) => e.personIds.includes(retired) && !e.personIds.includes(survivor)));
  });
});
