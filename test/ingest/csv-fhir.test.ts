// CSV extracts and FHIR R4: real-world-shaped files (quoted fields, BOMs, Windows line ends, NDJSON, Bundles),
// checks that name file, line, column and problem, idempotent reloads, references across loads, and replay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CsvLoadError, loadCsvFile } from "../../src/ingest/csv/load.ts";
import { loadFhirFile } from "../../src/ingest/fhir/load.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { replayReject } from "../../src/ingest/replay.ts";
import type { Db } from "../../src/store/index.ts";
import { csvFolder } from "../helpers/csv-files.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
const { file } = csvFolder("oneplace-csv");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const PATIENTS = [
  "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at",
  'gp-1,943 476 5919,"O\'Brien, Jr",Mary,1940-01-02,female,rm17 6va,A,2014-04-01T02:00:00Z',
  "gp-2,9876543210,Smith,John,1950-05-06,M,RM18 4VA,,2014-04-01T02:00:00Z",
].join("\r\n");

test("a CSV with a BOM, CRLF line ends and quoted fields loads; names and postcodes come through as written", async () => {
  const path = file("gp-patients.csv", `\uFEFF${PATIENTS}\r\n`);
  const r = await loadCsvFile(db, path);
  assert.equal(r.layout, "gp-patients");
  assert.deepEqual([r.counts.loaded, r.counts.rejected], [2, 0]);
  const rows = await db.query<{ family_name: string; postcode: string; nhs_number: string }>(
    "SELECT family_name, postcode, nhs_number FROM person ORDER BY family_name",
  );
  assert.deepEqual(
    rows.map((x) => [x.family_name, x.postcode, x.nhs_number]),
    [
      ["O'Brien, Jr", "RM17 6VA", "9434765919"],
      ["Smith", "RM18 4VA", "9876543210"],
    ],
  );
  const again = await loadCsvFile(db, path);
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, 2]);
});

test("a header that lacks a column stops the load before anything is written", async () => {
  const path = file("bad-header.csv", "entry_id,patient_id,recorded_on\n1,gp-1,2014-01-01\n");
  await assert.rejects(loadCsvFile(db, path, { layout: "gp-coded-record" }), (e: Error) => {
    assert.ok(e instanceof CsvLoadError);
    assert.match(
      e.message,
      /bad-header\.csv:1: the header lacks the gp-coded-record column\(s\) practice_code, entry_kind, code_system, code/,
    );
    return true;
  });
  await assert.rejects(loadCsvFile(db, file("unknown.csv", "a,b\n1,2\n")), /does not match any CSV layout/);
});

test("bad rows are rejected with file, line, column and the problem; good rows around them load", async () => {
  const path = file(
    "coded.csv",
    [
      "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at",
      "e1,gp-1,Z90001,2014-02-03,observation,http://snomed.info/sct,271649006,150,mm[Hg],2014-02-04T02:00:00Z",
      "e2,gp-1,Z90001,03/02/2014,observation,http://snomed.info/sct,271649006,,,",
      "e3,gp-1,Z90001,2014-02-03,diagnosis,http://snomed.info/sct,38341003,,,",
      "e4,gp-404,Z90001,2014-02-03,condition,http://snomed.info/sct,38341003,,,",
      "e5,gp-1,Z90001,2014-02-03,condition",
      '"e6,gp-1,Z90001,2014-02-03,condition,http://snomed.info/sct,38341003,,,',
    ].join("\n"),
  );
  const r = await loadCsvFile(db, path);
  assert.equal(r.counts.loaded, 1);
  assert.equal(r.counts.rejected, 5);
  const rejects = await listRejects(db, { sourceSystem: "gp" });
  const byLine = new Map(rejects.map((x) => [x.location, x.reason]));
  assert.match(
    byLine.get("coded.csv:3:recorded_on") ?? "",
    /coded\.csv:3:recorded_on: is not a date written YYYY-MM-DD/,
  );
  assert.match(
    byLine.get("coded.csv:4:entry_kind") ?? "",
    /coded\.csv:4:entry_kind: is not one of condition, observation, procedure/,
  );
  assert.match(
    byLine.get("coded.csv:5:patient_id") ?? "",
    /no record with this id has been received from gp yet/,
  );
  assert.match(byLine.get("coded.csv:6") ?? "", /has 5 fields but the header has 10/);
  assert.ok(
    [...byLine.values()].some((reason) => /not valid CSV/.test(reason)),
    "the truncated last line is a reject",
  );
  for (const x of rejects) {
    assert.equal(x.format, "csv");
    assert.ok(x.payload.length > 0);
    assert.ok(x.context?.startsWith("entry_id,"));
  }
});

test("a row rejected for a patient not yet known is accepted on replay once the patient arrives", async () => {
  const [reject] = (await listRejects(db, { sourceSystem: "gp" })).filter(
    (x) => x.location === "coded.csv:5:patient_id",
  );
  assert.equal((await replayReject(db, reject.rejectId, "tester")).accepted, false);
  await loadCsvFile(
    db,
    file(
      "more-patients.csv",
      `${PATIENTS.split("\r\n")[0]}\ngp-404,,Jones,Ann,1961-07-08,female,,,2014-04-01T02:00:00Z\n`,
    ),
  ).catch(() => null);
  // gp-patients needs a valid NHS Number, so that row itself is rejected: load it properly.
  await loadCsvFile(
    db,
    file(
      "fixed-patients.csv",
      `${PATIENTS.split("\r\n")[0]}\ngp-404,9000000009,Jones,Ann,1961-07-08,female,,,\n`,
    ),
  );
  const replay = await replayReject(db, reject.rejectId, "tester");
  assert.equal(replay.accepted, true, replay.reason ?? "");
  const rows = await db.query("SELECT 1 FROM gp_entry WHERE source_record_id = 'e4'");
  assert.equal(rows.length, 1);
});

test("social care clients need the council's code once; mistyped NHS Numbers are kept and matched on demographics", async () => {
  const path = file(
    "sc-clients.csv",
    "client_id,nhs_number,family_name,given_name,birth_date,sex,postcode,extracted_at\r\nSC1,9434765918,O'Brien Jr,Mary,1940-01-02,F,RM17 6VA,\r\n",
  );
  await assert.rejects(loadCsvFile(db, path), /needs the organisation/);
  const r = await loadCsvFile(db, path, { org: "ZZX01" });
  assert.equal(r.counts.loaded, 1);
  const link = await db.query<{ same: boolean }>(
    `SELECT a.person_id = b.person_id AS same FROM mpi_record_link a, mpi_record_link b
     WHERE a.source_record_id = 'SC1' AND b.source_record_id = 'gp-1'`,
  );
  assert.equal(link[0].same, true);
  const ids = await db.query<{ system: string }>(
    "SELECT system FROM person_identifier pi JOIN mpi_record_link l ON l.person_id = pi.person_id WHERE l.source_record_id = 'SC1' ORDER BY system",
  );
  assert.deepEqual(
    ids.map((x) => x.system),
    ["https://fhir.nhs.uk/Id/nhs-number", "urn:oneplace:id:ZZX01:client-id"],
  );
  const recorded = await db.query<{ nhs_number: string }>(
    "SELECT nhs_number FROM person_record WHERE source_record_id = 'SC1'",
  );
  assert.equal(recorded[0].nhs_number, "9434765918");
});

const patient = (id: string, nhs: string, family: string) => ({
  resourceType: "Patient",
  id,
  meta: { lastUpdated: "2014-05-01T02:00:00Z" },
  identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: nhs }],
  name: [{ use: "official", family, given: ["Eve"] }],
  gender: "female",
  birthDate: "1945-03-04",
  address: [{ postalCode: "RM16 6KA" }],
});

const contact = (id: string, subject: object) => ({
  resourceType: "Encounter",
  id,
  status: "finished",
  class: { code: "HH" },
  type: [
    { coding: [{ system: "urn:oneplace:local:encounter-kind", code: "community-contact" }] },
    { coding: [{ system: "urn:oneplace:local:contact-mode", code: "home-visit" }] },
  ],
  serviceType: { coding: [{ system: "urn:oneplace:local:care-service", code: "district-nursing" }] },
  subject,
  period: { start: "2014-05-02" },
  serviceProvider: { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "ZZC01" } },
});

test("FHIR NDJSON: Patients through the MPI, Encounters against them (in the same load or a later one), bad lines rejected", async () => {
  const lines = [
    JSON.stringify(patient("CM1", "9434765870", "Green")),
    JSON.stringify(contact("enc-1", { reference: "Patient/CM1" })),
    JSON.stringify({ ...patient("CM2", "1234567890", "Bad"), id: "CM2" }),
    '{"resourceType": "Encounter", "id": "enc-cut", "status": "fin',
    JSON.stringify({ resourceType: "Basic", id: "x" }),
  ];
  const r = await loadFhirFile(db, file("community.ndjson", `${lines.join("\n")}\n`), {
    source: "community-ehr",
  });
  assert.deepEqual(
    [r.counts.recordsRead, r.counts.loaded, r.counts.rejected, r.counts.unsupported],
    [5, 2, 2, 1],
  );
  assert.deepEqual(r.unsupported, { Basic: 1 });
  const reasons = (await listRejects(db, { sourceSystem: "community-ehr" })).map((x) => x.reason).join("\n");
  assert.match(reasons, /NHS Number\) fails its Modulus 11 check digit/);
  assert.match(reasons, /not valid JSON/);
  assert.doesNotMatch(reasons, /Basic/);
  // A later load refers to the Patient loaded before, and by NHS Number.
  const later = await loadFhirFile(
    db,
    file(
      "later.ndjson",
      `${JSON.stringify(contact("enc-2", { reference: "Patient/CM1" }))}\n${JSON.stringify(contact("enc-3", { identifier: { system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765870" } }))}\n`,
    ),
    { source: "community-ehr" },
  );
  assert.equal(later.counts.loaded, 2);
  const contacts = await db.query<{ n: number; people: number }>(
    "SELECT count(*) AS n, count(DISTINCT person_id) AS people FROM care_contact WHERE service = 'district-nursing'",
  );
  assert.deepEqual([Number(contacts[0].n), Number(contacts[0].people)], [3, 1]);
  const again = await loadFhirFile(
    db,
    file("later.ndjson", `${JSON.stringify(contact("enc-2", { reference: "Patient/CM1" }))}\n`),
    { source: "community-ehr" },
  );
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, 1]);
});

test("a transaction Bundle: each entry stored or rejected on its own; urn:uuid references resolve within it", async () => {
  const bundle = (entries: object[]) =>
    JSON.stringify({ resourceType: "Bundle", type: "transaction", entry: entries });
  const p = {
    fullUrl: "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001",
    resource: { ...patient("MH9", "9434765889", "Brown"), id: undefined },
    request: { method: "POST", url: "Patient" },
  };
  const good = contact("mh-enc-1", { reference: "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001" });
  const bad = {
    ...contact("mh-enc-2", { reference: "urn:uuid:0b1c2d3e-0000-4000-8000-000000000001" }),
    period: {},
  };
  const r = await loadFhirFile(db, file("tx.json", bundle([{ resource: bad }, p, { resource: good }])), {
    source: "mental-health-ehr",
  });
  assert.deepEqual([r.counts.recordsRead, r.counts.loaded, r.counts.rejected], [3, 2, 1]);
  const [reject] = await listRejects(db, { sourceSystem: "mental-health-ehr" });
  assert.equal(reject.layout, "Encounter");
  assert.equal(reject.location, "tx.json:1");
  assert.match(reject.reason, /Encounter.period.start is missing/);
  // The reject's payload stands alone: its reference to the Bundle's Patient was rewritten to Patient/<id>.
  assert.match(reject.payload, /"reference":"Patient\/0b1c2d3e-0000-4000-8000-000000000001"/);
  const rows = await db.query("SELECT 1 FROM care_contact WHERE source_record_id = 'mh-enc-1'");
  assert.equal(rows.length, 1);
});
