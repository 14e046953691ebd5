// Accept and flag for FHIR: an EpisodeOfCare whose type is a code OnePlace does not define is stored as an
// 'unmapped' care plan with its code kept, listed on the mapping worklist, and corrected by a later mapping.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Db } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, withDatabase } from "../helpers/test-db.ts";

let database: TestDatabase;
let dir: string;
before(async () => {
  database = await createTestDatabase({ migrated: true });
  dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-local-codes-"));
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, database.env);
const inPlace = <T>(fn: (db: Db) => Promise<T>) => withDatabase(database, fn);
const SCT = "http://snomed.info/sct";

const patient = {
  resourceType: "Patient",
  id: "p-1",
  identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765102" }],
  name: [{ family: "Smith", given: ["Richard"] }],
  gender: "male",
  birthDate: "1940-01-01",
};
const episode = (id: string, type: object) => ({
  resourceType: "EpisodeOfCare",
  id,
  status: "active",
  type: [type],
  patient: { reference: "Patient/p-1" },
  period: { start: "2024-03-01" },
});
const bundle = (resources: object[]) =>
  JSON.stringify({
    resourceType: "Bundle",
    type: "collection",
    entry: resources.map((resource) => ({ resource })),
  });

const planTypes = () =>
  inPlace((db) =>
    db.query<{ source_record_id: string; plan_type: string }>(
      "SELECT source_record_id, plan_type FROM care_plan WHERE source_system = 'community' ORDER BY 1",
    ),
  );

test("an EpisodeOfCare typed with a code OnePlace does not define is stored and flagged; a mapping corrects it", async () => {
  const file = join(dir, "episodes.json");
  writeFileSync(
    file,
    bundle([
      patient,
      episode("eoc-1", {
        coding: [{ system: SCT, code: "710081004", display: "Smoking cessation therapy" }],
      }),
      episode("eoc-2", { coding: [{ system: SCT, code: "710081004" }] }),
      episode("eoc-3", { coding: [{ system: "urn:oneplace:local:care-plan-type", code: "crisis" }] }),
      // No code at all says nothing about what kind of plan it is: refused with why.
      episode("eoc-4", { text: "a plan" }),
    ]),
  );
  const first = await cli("ingest", "fhir", file, "--source", "community", "-q");
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(await planTypes(), [
    { source_record_id: "eoc-1", plan_type: "unmapped" },
    { source_record_id: "eoc-2", plan_type: "unmapped" },
    { source_record_id: "eoc-3", plan_type: "crisis" },
  ]);
  const rejects = await inPlace((db) =>
    db.query<{ reason: string }>("SELECT reason FROM ingest_reject WHERE source_system = 'community'"),
  );
  assert.equal(rejects.length, 1);
  assert.match(rejects[0].reason, /EpisodeOfCare\.type has no code/);

  // Loading the same file again counts nothing twice.
  await cli("ingest", "fhir", file, "--source", "community", "-q");
  const list = await cli("feeds", "unmapped", "--source", "community", "--json");
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as {
    mapName: string;
    field: string;
    code: string;
    occurrences: number;
  }[];
  assert.deepEqual(
    rows.map((r) => `${r.mapName} ${r.field} ${r.code} x${r.occurrences}`),
    ["care-plan-type EpisodeOfCare.type 710081004 x2"],
  );

  const wrong = await cli("feeds", "map", "community", "care-plan-type", "710081004", "smoking");
  assert.notEqual(wrong.code, 0);
  assert.match(
    wrong.stderr + wrong.stdout,
    /target_code for care-plan-type is not one of joint-health-social/,
  );
  const mapped = await cli("feeds", "map", "community", "care-plan-type", "710081004", "joint-health-social");
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.match(mapped.stdout, /1 mapping added or changed; .* 2 FHIR records corrected/);
  assert.deepEqual(
    (await planTypes()).map((r) => r.plan_type),
    ["joint-health-social", "joint-health-social", "crisis"],
  );
  const after = JSON.parse((await cli("feeds", "unmapped", "--source", "community", "--json")).stdout);
  assert.deepEqual(after, []);

  // A resource arriving after the mapping is decoded with it; a changed mapping corrects every row again.
  writeFileSync(file, bundle([episode("eoc-5", { coding: [{ system: SCT, code: "710081004" }] })]));
  await cli("ingest", "fhir", file, "--source", "community", "-q");
  assert.equal(
    (await planTypes()).find((r) => r.source_record_id === "eoc-5")?.plan_type,
    "joint-health-social",
  );
  const changed = await cli("feeds", "map", "community", "care-plan-type", "710081004", "end-of-life");
  assert.match(changed.stdout, /3 FHIR records corrected/);
  assert.deepEqual(
    (await planTypes()).map((r) => r.plan_type),
    ["end-of-life", "end-of-life", "crisis", "end-of-life"],
  );

  // Sent again with OnePlace's own code, the row forgets its local code: a later mapping leaves it alone.
  writeFileSync(
    file,
    bundle([episode("eoc-1", { coding: [{ system: "urn:oneplace:local:care-plan-type", code: "crisis" }] })]),
  );
  await cli("ingest", "fhir", file, "--source", "community", "-q");
  await cli("feeds", "map", "community", "care-plan-type", "710081004", "joint-health-social");
  assert.equal((await planTypes()).find((r) => r.source_record_id === "eoc-1")?.plan_type, "crisis");
});
