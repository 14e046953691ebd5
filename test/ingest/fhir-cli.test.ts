// `oneplace ingest fhir` on folders as others export them (a Bulk Data export with its manifest.json, a folder
// read alphabetically, Patients last), and `oneplace rejects` on what it refused: locations that name the file
// once, replay after a fix, and a list piped into `head`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CLI_COMPILE_CACHE, CLI_NODE_FLAGS, collectOutput, ONEPLACE_BIN, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

let database: TestDatabase;
let dir: string;

before(async () => {
  database = await createTestDatabase({ migrated: true });
  dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-cli-"));
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, database.env);
const NHS = "https://fhir.nhs.uk/Id/nhs-number";

const ndjson = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
const patient = (id: string, nhs: string) => ({
  resourceType: "Patient",
  id,
  identifier: [{ system: NHS, value: nhs }],
  name: [{ family: "Export", given: ["Bo"] }],
  gender: "male",
  birthDate: "1938-08-09",
});
const condition = (id: string, patientId: string) => ({
  resourceType: "Condition",
  id,
  subject: { reference: `Patient/${patientId}` },
  code: { coding: [{ system: "http://snomed.info/sct", code: "44054006" }] },
  recordedDate: "2018-03-04",
});

function exportFolder(name: string, withManifest: boolean, ids: [string, string][]): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, "Condition.ndjson"), ndjson(ids.map(([p]) => condition(`${name}-c-${p}`, p))));
  writeFileSync(join(folder, "Device.ndjson"), ndjson([{ resourceType: "Device", id: `${name}-d1` }]));
  writeFileSync(join(folder, "Patient.ndjson"), ndjson(ids.map(([p, nhs]) => patient(p, nhs))));
  if (withManifest)
    writeFileSync(
      join(folder, "manifest.json"),
      JSON.stringify({
        transactionTime: "2026-12-01T00:00:00Z",
        request: "https://ehr.example/fhir/$export",
        requiresAccessToken: true,
        output: ["Condition", "Device", "Patient"].map((type) => ({
          type,
          url: `https://ehr.example/files/${type}.ndjson`,
        })),
        error: [],
      }),
    );
  return folder;
}

test("a Bulk Data export (manifest.json) and a plain folder load Patients first, whatever the file order", async () => {
  for (const [name, manifest, ids] of [
    [
      "bulk",
      true,
      [
        ["b1", "9434765021"],
        ["b2", "9434765048"],
      ],
    ],
    [
      "plain",
      false,
      [
        ["f1", "9434765056"],
        ["f2", "9434765064"],
      ],
    ],
  ] as const) {
    const folder = exportFolder(name, manifest, ids.map((x) => [...x]) as [string, string][]);
    const r = await cli("ingest", "fhir", folder, "--source", `export-${name}`, "--json");
    assert.equal(r.code, 0, r.stderr);
    const files = JSON.parse(r.stdout) as {
      file: string;
      counts: Record<string, number>;
      unsupported: object;
    }[];
    assert.deepEqual(
      files.map((f) => f.file.split("/").pop()),
      ["Patient.ndjson", "Condition.ndjson", "Device.ndjson"],
    );
    const conditions = files[1].counts;
    assert.deepEqual([conditions.loaded, conditions.held, conditions.rejected], [2, 0, 0]);
    assert.deepEqual(files[2].unsupported, { Device: 1 });
    const text = await cli(
      "ingest",
      "fhir",
      join(folder, "Device.ndjson"),
      "--source",
      `export-${name}`,
      "-q",
    );
    assert.match(
      text.stdout,
      /1 read, 0 loaded, 0 already there, 0 held, 0 rejected, 1 of types OnePlace does not load \(Device 1\)/,
    );
  }
});

test("a Condition file loaded before its Patients is held, then released by the Patients' load", async () => {
  const folder = join(dir, "split");
  mkdirSync(folder);
  writeFileSync(join(folder, "c.ndjson"), ndjson([condition("split-c1", "s1")]));
  writeFileSync(join(folder, "p.ndjson"), ndjson([patient("s1", "9434765072")]));
  const held = await cli("ingest", "fhir", join(folder, "c.ndjson"), "--source", "split", "-q");
  assert.match(held.stdout, /1 read, 0 loaded, 0 already there, 1 held, 0 rejected/);
  const released = await cli("ingest", "fhir", join(folder, "p.ndjson"), "--source", "split", "-q");
  assert.match(released.stdout, /1 held earlier released/);
});

const org = (code: string, kind: string, parent?: string) => ({
  resourceType: "Organization",
  id: code,
  identifier: [{ system: "https://fhir.nhs.uk/Id/ods-organization-code", value: code }],
  name: `Org ${code}`,
  type: [{ coding: [{ system: "urn:oneplace:local:organisation-kind", code: kind }] }],
  ...(parent ? { partOf: { reference: `Organization/${parent}` } } : {}),
});

test("rejects name their file once, keep it on replay, and a replay after the fix accepts them", async () => {
  const children = join(dir, "practices.ndjson");
  writeFileSync(children, ndjson([org("ZP001", "practice", "ZL001"), org("ZP002", "practice", "ZL001")]));
  const first = await cli("ingest", "fhir", children, "--source", "ods-feed", "-q");
  assert.match(first.stdout, /2 read, 0 loaded, 0 already there, 0 held, 2 rejected/);
  const again = await cli("rejects", "replay", "--all", "--source", "ods-feed");
  assert.equal(again.code, 1);
  assert.match(again.stdout, /0 of 2 accepted/);
  const listed = await cli("rejects", "list", "--source", "ods-feed", "--json");
  const locations = (JSON.parse(listed.stdout) as { location: string }[]).map((r) => r.location).sort();
  assert.deepEqual(locations, ["practices.ndjson:1", "practices.ndjson:2"]);
  writeFileSync(join(dir, "locality.ndjson"), ndjson([org("ZL001", "locality")]));
  assert.equal(
    (await cli("ingest", "fhir", join(dir, "locality.ndjson"), "--source", "ods-feed", "-q")).code,
    0,
  );
  const replay = await cli("rejects", "replay", "--all", "--source", "ods-feed");
  assert.equal(replay.code, 0, replay.stdout);
  assert.match(replay.stdout, /2 of 2 accepted/);
  assert.doesNotMatch(
    replay.stdout,
    /: accepted$/m,
    "--all counts the accepted, naming only those still rejected",
  );
});

test("rejects list piped into head stops quietly (no EPIPE stack trace)", async () => {
  const lines = Array.from({ length: 1500 }, (_, i) => `{"resourceType": "Condition", "id": "cut-${i}", "co`);
  writeFileSync(join(dir, "damaged.ndjson"), `${lines.join("\n")}\n`);
  await cli("ingest", "fhir", join(dir, "damaged.ndjson"), "--source", "damaged", "-q");
  const node = [process.execPath, ...CLI_NODE_FLAGS, ONEPLACE_BIN].map((a) => `'${a}'`).join(" ");
  const child = spawn("sh", ["-c", `${node} rejects list --source damaged --limit 2000 | head -n 1`], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...CLI_COMPILE_CACHE,
      ...database.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const r = await collectOutput(child).done;
  assert.equal(r.stdout, "1500 reject(s)\n");
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at /);
});
