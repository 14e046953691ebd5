// FHIR R4 as other systems write it: a single resource, Bundles of every type, NDJSON, XML; entries of types
// OnePlace does not load skipped and counted; each problem its own reject; urn:uuid fullUrls without ids;
// clinical resources held until their Patient arrives; conditional references by NHS Number.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { loadFhirFile } from "../../src/ingest/fhir/load.ts";
import { feedHealth } from "../../src/ingest/health.ts";
import { getLoad } from "../../src/ingest/loads.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { replayRejects } from "../../src/ingest/replay.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
let dir: string;

useTestDb({
  setup(opened) {
    db = opened;
    dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-"));
  },
  teardown() {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const NHS = "https://fhir.nhs.uk/Id/nhs-number";

export const patient = (id: string | undefined, nhs: string, family: string) => ({
  resourceType: "Patient",
  ...(id ? { id } : {}),
  identifier: [{ system: NHS, value: nhs }],
  name: [{ use: "official", family, given: ["Ada"] }],
  gender: "female",
  birthDate: "1941-02-03",
});

const condition = (id: string, subject: object, code = "38341003") => ({
  resourceType: "Condition",
  id,
  subject,
  code: { coding: [{ system: "http://snomed.info/sct", code }] },
  recordedDate: "2015-06-01",
});

const offeredEqualsSum = async (loadId: string) => {
  const l = await getLoad(db, loadId);
  assert.ok(l);
  const sum = l.loaded + l.duplicates + l.rejected + l.held + (l.unsupported ?? 0);
  assert.equal(
    l.recordsRead,
    sum,
    `offered ${l.recordsRead} = stored + held + rejected + unsupported ${sum}`,
  );
  return l;
};

const conditionsOf = async (source: string) =>
  Number(
    (
      await db.query<{ n: number }>("SELECT count(*) AS n FROM gp_entry WHERE source_system = $1", [source])
    )[0].n,
  );

test("a file holding a single resource (not a Bundle) is loaded", async () => {
  const r = await loadFhirFile(
    db,
    file("one-patient.json", JSON.stringify(patient("S1", "9434765870", "Single"))),
    {
      source: "single",
    },
  );
  assert.deepEqual([r.counts.recordsRead, r.counts.loaded, r.counts.rejected], [1, 1, 0]);
  const c = await loadFhirFile(
    db,
    file("one-condition.json", JSON.stringify(condition("c-s1", { reference: "Patient/S1" }))),
    { source: "single" },
  );
  assert.equal(c.counts.loaded, 1);
  // Not registered with a practice OnePlace knows: the fact is kept, with no practice.
  const [row] = await db.query<{ practice_code: string | null }>(
    "SELECT practice_code FROM gp_entry WHERE source_record_id = 'c-s1'",
  );
  assert.equal(row.practice_code, null);
});

test("Bundles of every type are read; unsupported entries are skipped and counted per type per load", async () => {
  const types = ["transaction", "batch", "collection", "searchset", "document", "message", "history"];
  for (const [i, type] of types.entries()) {
    const nhs = [
      "9434765919",
      "9434765889",
      "9434765870",
      "9434765919",
      "9434765889",
      "9434765870",
      "9434765919",
    ][i];
    const entries: object[] = [
      ...(type === "document"
        ? [{ fullUrl: "urn:uuid:comp", resource: { resourceType: "Composition", id: `comp-${type}` } }]
        : []),
      ...(type === "message"
        ? [{ fullUrl: "urn:uuid:hdr", resource: { resourceType: "MessageHeader", id: `hdr-${type}` } }]
        : []),
      {
        fullUrl: `urn:uuid:p-${type}`,
        resource: patient(undefined, nhs, `B${type}`),
        request: { method: "POST", url: "Patient" },
      },
      {
        resource: condition(`c-${type}`, { reference: `urn:uuid:p-${type}` }),
        ...(type === "searchset" ? { search: { mode: "include" } } : {}),
      },
      { resource: { resourceType: "CarePlan", id: `cp-${type}` } },
      { resource: { resourceType: "Claim", id: `claim-${type}` } },
      ...(type === "searchset"
        ? [{ resource: { resourceType: "OperationOutcome" }, search: { mode: "outcome" } }]
        : []),
    ];
    const r = await loadFhirFile(
      db,
      file(`bundle-${type}.json`, JSON.stringify({ resourceType: "Bundle", type, entry: entries })),
      { source: `bundles-${type}` },
    );
    const headers = type === "document" || type === "message" ? 1 : 0;
    assert.equal(r.counts.rejected, 0, `${type}: nothing rejected`);
    assert.equal(r.counts.loaded, 2, `${type}: Patient and Condition stored`);
    assert.equal(r.counts.unsupported, 2 + headers, `${type}: unsupported counted`);
    assert.equal(r.unsupported.CarePlan, 1);
    const l = await offeredEqualsSum(r.loadId);
    assert.equal(l.unsupportedByType.Claim, 1);
    assert.equal(await conditionsOf(`bundles-${type}`), 1);
  }
});

test("each problem in a Bundle is its own reject with its own payload, not a list of five", async () => {
  const entries = [
    { resource: patient("P-many", "9434765870", "Many") },
    ...Array.from({ length: 7 }, (_, i) => ({
      resource: { ...condition(`bad-${i}`, { reference: "Patient/P-many" }), code: {} },
    })),
    { resource: condition("good-1", { reference: "Patient/P-many" }) },
    { request: { method: "DELETE", url: "Condition/x" } },
    { request: { method: "GET", url: "Patient?name=x" } },
  ];
  const r = await loadFhirFile(
    db,
    file(
      "many-problems.json",
      JSON.stringify({ resourceType: "Bundle", type: "transaction", entry: entries }),
    ),
    { source: "many-problems" },
  );
  assert.deepEqual(
    [r.counts.recordsRead, r.counts.loaded, r.counts.rejected, r.counts.unsupported],
    [11, 2, 8, 1],
  );
  assert.deepEqual(r.unsupported, { "Bundle.entry.request GET": 1 });
  const rejects = await listRejects(db, { sourceSystem: "many-problems" });
  assert.equal(rejects.length, 8);
  assert.equal(rejects.filter((x) => /Condition.code needs a coding/.test(x.reason)).length, 7);
  assert.ok(rejects.some((x) => /entry 10 has no resource/.test(x.reason)));
  for (const x of rejects.filter((x) => x.layout === "Condition")) assert.match(x.payload, /"id":"bad-\d"/);
  await offeredEqualsSum(r.loadId);
});

test("FHIR XML: a resource and a Bundle, converted by the R4 XML rules (value attributes, lists, extensions, div)", async () => {
  const xmlPatient = `<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <id value="X1"/>
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Ada <b>Xml</b></p></div></text>
  <extension url="https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory">
    <valueCodeableConcept><coding><system value="https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory"/><code value="A"/></coding></valueCodeableConcept>
  </extension>
  <identifier><system value="${NHS}"/><value value="9434765919"/></identifier>
  <name><use value="official"/><family value="Xml"/><given value="Ada"/></name>
  <gender value="female"/>
  <birthDate value="1941-02-03"/>
</Patient>`;
  const r = await loadFhirFile(db, file("patient.xml", xmlPatient), { source: "xml-ehr" });
  assert.deepEqual([r.counts.recordsRead, r.counts.loaded, r.counts.rejected], [1, 1, 0]);
  const [rec] = await db.query<{ family_name: string; nhs_number: string }>(
    "SELECT family_name, nhs_number FROM person_record WHERE source_system = 'xml-ehr'",
  );
  assert.deepEqual([rec.family_name, rec.nhs_number], ["Xml", "9434765919"]);
  const [eth] = await db.query<{ ethnic_category: string | null }>(
    "SELECT p.ethnic_category FROM person p JOIN mpi_record_link l USING (person_id) WHERE l.source_system = 'xml-ehr'",
  );
  assert.equal(eth.ethnic_category, "A");
  const xmlBundle = `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
  <entry><resource><Condition><id value="xc1"/>
    <code><coding><system value="http://snomed.info/sct"/><code value="38341003"/></coding></code>
    <subject><reference value="Patient/X1"/></subject><recordedDate value="2016-01-02"/></Condition></resource></entry>
  <entry><resource><Basic><id value="b1"/></Basic></resource></entry>
</Bundle>`;
  const b = await loadFhirFile(db, file("bundle.xml", xmlBundle), { source: "xml-ehr" });
  assert.deepEqual([b.counts.loaded, b.counts.unsupported, b.counts.rejected], [1, 1, 0]);
  const broken = await loadFhirFile(
    db,
    file("broken.xml", '<Patient xmlns="http://hl7.org/fhir"><id value='),
    {
      source: "xml-ehr",
    },
  );
  assert.equal(broken.counts.rejected, 1);
  const [reject] = await listRejects(db, { sourceSystem: "xml-ehr" });
  assert.match(reject.reason, /not FHIR XML: not well-formed/);
  // An XML resource that cannot be mapped is kept as its XML; replayed unchanged, it stays rejected.
  const undated = `<Observation xmlns="http://hl7.org/fhir"><id value="xo1"/><status value="final"/>
  <code><coding><system value="http://loinc.org"/><code value="8302-2"/></coding></code>
  <subject><reference value="Patient/X1"/></subject></Observation>`;
  await loadFhirFile(db, file("undated.xml", undated), { source: "xml-ehr" });
  const [obs] = (await listRejects(db, { sourceSystem: "xml-ehr" })).filter(
    (x) => x.layout === "Observation",
  );
  assert.equal(obs.payload, undated);
  assert.equal(obs.location, "undated.xml:1");
  const [again] = await replayRejects(db, [obs.rejectId], "test");
  assert.equal(again.accepted, false);
  assert.match(again.reason ?? "", /Observation has no date: effectiveDateTime/);
});

test("a clinical resource whose Patient is not known yet is held with a reason, and released when it arrives", async () => {
  const first = await loadFhirFile(
    db,
    file(
      "Condition.ndjson",
      `${JSON.stringify(condition("held-1", { reference: "Patient/H1" }))}\n${JSON.stringify(condition("held-2", { reference: `Patient?identifier=${encodeURIComponent(NHS)}|9434765005` }))}\n`,
    ),
    { source: "held-ehr" },
  );
  assert.deepEqual([first.counts.held, first.counts.rejected, first.counts.loaded], [2, 0, 0]);
  await offeredEqualsSum(first.loadId);
  const held = await db.query<{ origin_key: string; reason: string; waiting_kind: string }>(
    "SELECT origin_key, reason, waiting_kind FROM ingest_fhir_held WHERE source_system = 'held-ehr' ORDER BY origin_key",
  );
  assert.deepEqual(
    held.map((h) => [h.origin_key, h.waiting_kind]),
    [
      ["Condition/held-1", "record"],
      ["Condition/held-2", "nhs"],
    ],
  );
  assert.match(held[0].reason, /has not been received from held-ehr yet: held until it is/);
  assert.equal(await conditionsOf("held-ehr"), 0);
  const health = (await feedHealth(db)).find((f) => f.sourceSystem === "held-ehr");
  assert.equal(health?.heldVisits, 2);
  const patients = await loadFhirFile(
    db,
    file(
      "Patient.ndjson",
      `${JSON.stringify(patient("H1", "9434765013", "Held"))}\n${JSON.stringify(patient("H2", "9434765005", "Cond"))}\n`,
    ),
    { source: "held-ehr" },
  );
  assert.equal(patients.released, 2);
  assert.equal(await conditionsOf("held-ehr"), 2);
  assert.equal((await db.query("SELECT 1 FROM ingest_fhir_held WHERE source_system = 'held-ehr'")).length, 0);
  // The conditional reference found the person by NHS Number.
  const [who] = await db.query<{ same: boolean }>(
    `SELECT g.person_id = l.person_id AS same FROM gp_entry g, mpi_record_link l
     WHERE g.source_record_id = 'held-2' AND l.source_system = 'held-ehr' AND l.source_record_id = 'H2'`,
  );
  assert.equal(who.same, true);
});

test("a resource held from an XML file is kept as JSON and stored when its Patient arrives", async () => {
  const xml = `<Condition xmlns="http://hl7.org/fhir"><id value="xml-held"/>
    <code><coding><system value="http://snomed.info/sct"/><code value="195967001"/></coding></code>
    <subject><reference value="Patient/H9"/></subject><recordedDate value="2015-06-01"/></Condition>`;
  const loaded = await loadFhirFile(db, file("held.xml", xml), { source: "xml-ehr" });
  assert.equal(loaded.counts.held, 1);
  const arrived = await loadFhirFile(
    db,
    file("H9.ndjson", `${JSON.stringify(patient("H9", "9434765021", "Waited"))}\n`),
    { source: "xml-ehr" },
  );
  assert.equal(arrived.released, 1);
  assert.equal((await db.query("SELECT 1 FROM ingest_fhir_held WHERE source_system = 'xml-ehr'")).length, 0);
  const stored = await db.query(
    "SELECT 1 FROM gp_entry WHERE source_system = 'xml-ehr' AND source_record_id = 'xml-held'",
  );
  assert.equal(stored.length, 1);
});

test("a conditional reference by another identifier, or a urn:uuid outside the Bundle, is rejected with why", async () => {
  const r = await loadFhirFile(
    db,
    file(
      "refs.ndjson",
      `${JSON.stringify(condition("cr-1", { reference: "Patient?identifier=urn:local|123" }))}\n${JSON.stringify(condition("cr-2", { reference: "urn:uuid:nowhere" }))}\n`,
    ),
    { source: "refs-ehr" },
  );
  assert.equal(r.counts.rejected, 2);
  const reasons = (await listRejects(db, { sourceSystem: "refs-ehr" })).map((x) => x.reason).join("\n");
  assert.match(reasons, /conditional reference by an identifier other than the NHS Number/);
  assert.match(reasons, /urn:uuid that is not a Patient in the same Bundle/);
});

test("a resource held for an NHS Number is released when that person arrives through another feed (a CSV extract)", async () => {
  const held = await loadFhirFile(
    db,
    file(
      "by-nhs.ndjson",
      `${JSON.stringify(condition("via-csv", { identifier: { system: NHS, value: "9434765129" } }))}\n`,
    ),
    { source: "hospital-ehr" },
  );
  assert.equal(held.counts.held, 1);
  await loadCsvFile(
    db,
    file(
      "gp-patients.csv",
      "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at\nq1,9434765129,Reid,Ann,1944-04-07,female,RM17 6VA,A,\n",
    ),
    {},
  );
  assert.equal(await conditionsOf("hospital-ehr"), 1);
  assert.equal(
    (await db.query("SELECT 1 FROM ingest_fhir_held WHERE source_system = 'hospital-ehr'")).length,
    0,
  );
});
