// Standard R4 / UK Core content, with no OnePlace codes: Organizations by ODS code or by reference, a Patient's
// GP practice and death, Encounters by class with NHS Data Dictionary codings, observations with components and
// coded values, contained and referenced Medications, allergies, procedures, immunisations and reports, from a
// hospital (no GP registration needed).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadFhirFile } from "../../src/ingest/fhir/load.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
let dir: string;

useTestDb({
  setup(opened) {
    db = opened;
    dir = mkdtempSync(join(tmpdir(), "oneplace-fhir-std-"));
  },
  teardown() {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});

const ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
const SCT = "http://snomed.info/sct";
const LOINC = "http://loinc.org";
const UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-";
const CS = "https://fhir.hl7.org.uk/CodeSystem/UKCore-";
const ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

const bundle = (resources: object[]) =>
  JSON.stringify({
    resourceType: "Bundle",
    type: "collection",
    entry: resources.map((resource) => ({ resource })),
  });

const subject = { reference: "Patient/rs-1" };
const encounter = (id: string, cls: string, extra: object = {}) => ({
  resourceType: "Encounter",
  id,
  status: "finished",
  class: { system: ACT, code: cls },
  subject,
  period: { start: "2019-12-10T13:00:00+00:00", end: "2019-12-11T13:00:00+00:00" },
  serviceProvider: { reference: "Organization/UKCore-Organization-LeedsTeachingHospital-Example" },
  ...extra,
});

const RESOURCES = [
  // The clinical resources come first in the file: the Bundle is loaded in dependency order anyway.
  encounter("enc-imp", "IMP", {
    extension: [
      {
        url: `${UKCORE}DischargeMethod`,
        valueCodeableConcept: { coding: [{ system: `${CS}DischargeMethodEngland`, code: "1" }] },
      },
    ],
    serviceType: { coding: [{ code: "300" }] },
    hospitalization: {
      extension: [
        {
          url: `${UKCORE}AdmissionMethod`,
          valueCodeableConcept: { coding: [{ system: `${CS}AdmissionMethodEngland`, code: "21" }] },
        },
      ],
      dischargeDisposition: { coding: [{ system: `${CS}DischargeDestinationEngland`, code: "19" }] },
    },
  }),
  encounter("enc-emer", "EMER"),
  encounter("enc-amb", "AMB", { period: { start: "2020-01-05" } }),
  encounter("enc-hh", "HH", {
    serviceType: { coding: [{ system: SCT, code: "310030009" }] },
    period: { start: "2020-02-01" },
  }),
  {
    resourceType: "Observation",
    id: "bp-1",
    status: "final",
    code: { coding: [{ system: LOINC, code: "85354-9" }] },
    subject,
    effectiveDateTime: "2020-03-01T10:00:00+00:00",
    component: [
      {
        code: { coding: [{ system: LOINC, code: "8480-6" }] },
        valueQuantity: { value: 142, unit: "mmHg", code: "mm[Hg]" },
      },
      {
        code: { coding: [{ system: LOINC, code: "8462-4" }] },
        valueQuantity: { value: 88, unit: "mmHg", code: "mm[Hg]" },
      },
    ],
  },
  {
    resourceType: "Observation",
    id: "smoking-1",
    status: "final",
    code: { coding: [{ system: LOINC, code: "72166-2" }] },
    subject,
    effectiveDateTime: "2020-03-01",
    valueCodeableConcept: { coding: [{ system: SCT, code: "8517006", display: "Ex-smoker" }] },
  },
  {
    resourceType: "MedicationRequest",
    id: "mr-contained",
    status: "active",
    intent: "order",
    contained: [
      {
        resourceType: "Medication",
        id: "med",
        code: {
          coding: [
            {
              system: "https://dmd.nhs.uk",
              code: "39732311000001104",
              display: "Amoxicillin 250mg capsules",
            },
          ],
        },
      },
    ],
    medicationReference: { reference: "#med" },
    subject,
    authoredOn: "2020-03-02",
  },
  {
    resourceType: "MedicationStatement",
    id: "ms-referenced",
    status: "active",
    medicationReference: { reference: "Medication/timolol" },
    subject,
    effectiveDateTime: "2020-03-03",
  },
  {
    resourceType: "Medication",
    id: "timolol",
    code: {
      coding: [
        { system: "https://dmd.nhs.uk", code: "10565711000001109", display: "Timoptol 0.25% eye drops" },
      ],
    },
  },
  {
    resourceType: "AllergyIntolerance",
    id: "allergy-1",
    patient: subject,
    code: { coding: [{ system: SCT, code: "294505008" }] },
    recordedDate: "2018-05-01",
  },
  {
    resourceType: "Procedure",
    id: "proc-1",
    status: "completed",
    subject,
    code: { coding: [{ system: SCT, code: "52734007" }] },
    performedDateTime: "2017-01-09",
  },
  {
    resourceType: "Immunization",
    id: "imm-1",
    status: "completed",
    patient: subject,
    vaccineCode: { coding: [{ system: SCT, code: "39114911000001105" }] },
    occurrenceDateTime: "2020-10-01",
  },
  {
    resourceType: "DiagnosticReport",
    id: "dr-1",
    status: "final",
    subject,
    code: { coding: [{ system: SCT, code: "169069000" }] },
    effectiveDateTime: "2020-04-01",
  },
  {
    resourceType: "Patient",
    id: "rs-1",
    identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765102" }],
    name: [{ use: "official", family: "Smith", given: ["Richard"] }],
    gender: "male",
    birthDate: "1940-01-01",
    generalPractitioner: [
      { type: "Organization", identifier: { system: ODS, value: "B82005", period: { start: "2012-04-01" } } },
    ],
    deceasedDateTime: "2021-02-03T04:05:00+00:00",
  },
  {
    resourceType: "Organization",
    id: "UKCore-Organization-LeedsTeachingHospital-Example",
    identifier: [{ system: ODS, value: "RR8" }],
    name: "LEEDS TEACHING HOSPITALS NHS TRUST",
  },
  { resourceType: "Organization", id: "B82005", name: "WHITE ROSE MEDICAL CENTRE" },
];

test("standard R4 / UK Core content lands in the canonical tables without OnePlace codes", async () => {
  writeFileSync(join(dir, "ukcore.json"), bundle(RESOURCES));
  const load = await loadFhirFile(db, join(dir, "ukcore.json"), { source: "leeds" });
  const reasons = (await listRejects(db, { sourceSystem: "leeds" })).map((x) => x.reason);
  assert.deepEqual(reasons, []);
  assert.deepEqual(
    [load.counts.recordsRead, load.counts.loaded, load.counts.held, load.counts.rejected],
    [RESOURCES.length, RESOURCES.length, 0, 0],
  );
  const [org] = await db.query<{ kind: string; name: string }>(
    "SELECT kind, name FROM organisation WHERE org_code = 'RR8'",
  );
  assert.deepEqual([org.kind, org.name], ["unknown", "LEEDS TEACHING HOSPITALS NHS TRUST"]);

  const [spell] = await db.query<Record<string, unknown>>(
    `SELECT provider_code, admission_method, patient_class, specialty_code, discharge_method, discharge_destination,
            admitted_at, discharged_at FROM hospital_spell WHERE source_record_id = 'enc-imp'`,
  );
  assert.deepEqual(
    [
      spell.provider_code,
      spell.admission_method,
      spell.patient_class,
      spell.specialty_code,
      spell.discharge_method,
      spell.discharge_destination,
    ],
    ["RR8", "emergency", "inpatient", "300", "discharged", "19"],
  );
  assert.equal((spell.admitted_at as Date).toISOString(), "2019-12-10T13:00:00.000Z");
  assert.equal((await db.query("SELECT 1 FROM ae_attendance WHERE source_record_id = 'enc-emer'")).length, 1);
  const [op] = await db.query<{ attendance: string; appointment_on: string }>(
    "SELECT attendance, appointment_on::text AS appointment_on FROM outpatient_attendance WHERE source_record_id = 'enc-amb'",
  );
  assert.deepEqual([op.attendance, op.appointment_on], ["attended", "2020-01-05"]);
  const [contact] = await db.query<{ contact_mode: string; service: string }>(
    "SELECT contact_mode, service FROM care_contact WHERE source_record_id = 'enc-hh'",
  );
  assert.deepEqual([contact.contact_mode, contact.service], ["home-visit", "310030009"]);

  const [reg] = await db.query<{ practice_code: string; registered_on: string }>(
    "SELECT practice_code, registered_on::text AS registered_on FROM registration WHERE source_system = 'leeds'",
  );
  assert.deepEqual([reg.practice_code, reg.registered_on], ["B82005", "2012-04-01"]);
  const [death] = await db.query<{ died_on: string }>(
    "SELECT died_on::text AS died_on FROM death WHERE source_system = 'leeds'",
  );
  assert.equal(death.died_on, "2021-02-03");

  const entries = await db.query<{
    source_record_id: string;
    entry_kind: string;
    code: string;
    value: string | null;
    value_code: string | null;
    practice_code: string | null;
  }>(
    "SELECT source_record_id, entry_kind, code, value::text AS value, value_code, practice_code FROM gp_entry WHERE source_system = 'leeds' ORDER BY source_record_id",
  );
  assert.deepEqual(
    entries.map((e) => [e.source_record_id, e.entry_kind, e.code, e.value, e.value_code]),
    [
      ["allergy-1", "allergy", "294505008", null, null],
      ["bp-1", "observation", "85354-9", null, null],
      ["bp-1#component-1", "observation", "8480-6", "142", null],
      ["bp-1#component-2", "observation", "8462-4", "88", null],
      ["dr-1", "report", "169069000", null, null],
      ["imm-1", "immunisation", "39114911000001105", null, null],
      ["proc-1", "procedure", "52734007", null, null],
      ["smoking-1", "observation", "72166-2", null, "8517006"],
    ],
  );
  // Registered with B82005 since 2012: the hospital's facts are filed against that practice.
  assert.ok(entries.every((e) => e.practice_code === "B82005"));
  const meds = await db.query<{ source_record_id: string; code: string; display: string }>(
    "SELECT source_record_id, code, display FROM medication_issue WHERE source_system = 'leeds' ORDER BY source_record_id",
  );
  assert.deepEqual(
    meds.map((m) => [m.source_record_id, m.code, m.display]),
    [
      ["mr-contained", "39732311000001104", "Amoxicillin 250mg capsules"],
      ["ms-referenced", "10565711000001109", "Timoptol 0.25% eye drops"],
    ],
  );

  // Loaded again: nothing changes.
  const again = await loadFhirFile(db, join(dir, "ukcore.json"), { source: "leeds" });
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, RESOURCES.length]);
});

test("a later Organization load with no kind does not undo the kind OnePlace was told", async () => {
  writeFileSync(
    join(dir, "kind.ndjson"),
    `${JSON.stringify({ resourceType: "Organization", id: "ZP900", identifier: [{ system: ODS, value: "ZP900" }], name: "Practice", type: [{ coding: [{ system: "urn:oneplace:local:organisation-kind", code: "practice" }] }] })}\n`,
  );
  await loadFhirFile(db, join(dir, "kind.ndjson"), { source: "ods" });
  writeFileSync(
    join(dir, "plain.ndjson"),
    `${JSON.stringify({ resourceType: "Organization", id: "ZP900", identifier: [{ system: ODS, value: "ZP900" }], name: "Practice renamed" })}\n`,
  );
  await loadFhirFile(db, join(dir, "plain.ndjson"), { source: "ods" });
  const [org] = await db.query<{ kind: string; name: string }>(
    "SELECT kind, name FROM organisation WHERE org_code = 'ZP900'",
  );
  assert.deepEqual([org.kind, org.name], ["practice", "Practice renamed"]);
});

test("an Organization without an ODS code is keyed by its sender: two senders' Organization/1 stay two, each sender's references find its own", async () => {
  for (const [source, name] of [
    ["north-emr", "North Clinic"],
    ["south-emr", "South Clinic"],
  ]) {
    writeFileSync(
      join(dir, `${source}.json`),
      bundle([
        { resourceType: "Organization", id: "1", name },
        {
          resourceType: "Patient",
          id: `${source}-p`,
          name: [{ family: "Keyed" }],
          birthDate: "1950-01-01",
          generalPractitioner: [{ reference: "Organization/1" }],
        },
      ]),
    );
    const load = await loadFhirFile(db, join(dir, `${source}.json`), { source });
    assert.equal(load.counts.rejected, 0);
  }
  const orgs = await db.query<{ org_code: string; name: string }>(
    "SELECT org_code, name FROM organisation WHERE org_code IN ('1', 'north-emr:1', 'south-emr:1') ORDER BY 1",
  );
  assert.deepEqual(
    orgs.map((o) => [o.org_code, o.name]),
    [
      ["north-emr:1", "North Clinic"],
      ["south-emr:1", "South Clinic"],
    ],
  );
  const regs = await db.query<{ source_system: string; practice_code: string }>(
    "SELECT source_system, practice_code FROM registration WHERE source_system IN ('north-emr', 'south-emr') ORDER BY 1",
  );
  assert.deepEqual(
    regs.map((r) => [r.source_system, r.practice_code]),
    [
      ["north-emr", "north-emr:1"],
      ["south-emr", "south-emr:1"],
    ],
  );
});

test("a registration is dated by the resource (PDS period, else meta.lastUpdated); with neither, reloading keeps the first day", async () => {
  const patient = (id: string, nhs: string, extra: object) => ({
    resourceType: "Patient",
    id,
    identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: nhs }],
    name: [{ family: "Dated" }],
    birthDate: "1950-01-01",
    generalPractitioner: [{ type: "Organization", identifier: { system: ODS, value: "B82005" } }],
    ...extra,
  });
  writeFileSync(
    join(dir, "dated.json"),
    bundle([
      patient("dt-updated", "9434765129", { meta: { lastUpdated: "2016-05-06T10:00:00+01:00" } }),
      patient("dt-none", "9434765137", {}),
    ]),
  );
  await loadFhirFile(db, join(dir, "dated.json"), { source: "dating" });
  const days = async () =>
    new Map(
      (
        await db.query<{ source_record_id: string; registered_on: string }>(
          "SELECT source_record_id, registered_on::text AS registered_on FROM registration WHERE source_system = 'dating'",
        )
      ).map((r) => [r.source_record_id, r.registered_on]),
    );
  const first = await days();
  assert.equal(first.get("dt-updated#gp#B82005"), "2016-05-06");
  const undated = first.get("dt-none#gp#B82005");
  assert.match(undated ?? "", /^\d{4}-\d{2}-\d{2}$/);
  // As if loaded on an earlier day: a reload must keep that day, never move it to the day of the reload.
  await db.query(
    "UPDATE registration SET registered_on = '2001-02-03' WHERE source_system = 'dating' AND source_record_id = 'dt-none#gp#B82005'",
  );
  await loadFhirFile(db, join(dir, "dated.json"), { source: "dating" });
  const second = await days();
  assert.equal(second.get("dt-none#gp#B82005"), "2001-02-03");
  assert.equal(second.get("dt-updated#gp#B82005"), "2016-05-06");
});

test("a later version marked entered-in-error takes the stored row out of the record (components and all); loading it again changes nothing", async () => {
  const patient = {
    resourceType: "Patient",
    id: "eie-1",
    identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765145" }],
    name: [{ family: "Retracted" }],
    birthDate: "1950-01-01",
  };
  const bp = (status: string) => ({
    resourceType: "Observation",
    id: "eie-bp",
    status,
    subject: { reference: "Patient/eie-1" },
    code: { coding: [{ system: LOINC, code: "85354-9" }] },
    effectiveDateTime: "2020-03-01",
    component: [
      { code: { coding: [{ system: LOINC, code: "8480-6" }] }, valueQuantity: { value: 150 } },
      { code: { coding: [{ system: LOINC, code: "8462-4" }] }, valueQuantity: { value: 90 } },
    ],
  });
  const condition = (verification: string) => ({
    resourceType: "Condition",
    id: "eie-cond",
    verificationStatus: { coding: [{ code: verification }] },
    subject: { reference: "Patient/eie-1" },
    code: { coding: [{ system: SCT, code: "38341003" }] },
    recordedDate: "2020-03-01",
  });
  const visit = (status: string) => ({
    ...encounter("eie-enc", "EMER"),
    status,
    subject: { reference: "Patient/eie-1" },
    serviceProvider: { identifier: { system: ODS, value: "RR8" } },
  });
  writeFileSync(
    join(dir, "eie-1.json"),
    bundle([patient, bp("final"), condition("confirmed"), visit("finished")]),
  );
  const first = await loadFhirFile(db, join(dir, "eie-1.json"), { source: "eie" });
  assert.equal(first.counts.rejected, 0);
  const stored = async () => [
    ...(
      await db.query<{ source_record_id: string }>(
        "SELECT source_record_id FROM gp_entry WHERE source_system = 'eie' UNION ALL SELECT source_record_id FROM ae_attendance WHERE source_system = 'eie' ORDER BY 1",
      )
    ).map((r) => r.source_record_id),
  ];
  assert.deepEqual(await stored(), [
    "eie-bp",
    "eie-bp#component-1",
    "eie-bp#component-2",
    "eie-cond",
    "eie-enc",
  ]);
  writeFileSync(
    join(dir, "eie-2.json"),
    bundle([bp("entered-in-error"), condition("entered-in-error"), visit("entered-in-error")]),
  );
  for (const loaded of [3, 0]) {
    const retracted = await loadFhirFile(db, join(dir, "eie-2.json"), { source: "eie" });
    assert.deepEqual(
      [
        retracted.counts.recordsRead,
        retracted.counts.loaded,
        retracted.counts.duplicates,
        retracted.counts.rejected,
      ],
      [3, loaded, 3 - loaded, 0],
    );
    assert.deepEqual(await stored(), []);
  }
  const subjects = await db.query(
    "SELECT 1 FROM ingest_row_subject WHERE source_system = 'eie' AND table_name IN ('gp_entry', 'ae_attendance')",
  );
  assert.equal(subjects.length, 0);
  assert.deepEqual(
    (await listRejects(db, { sourceSystem: "eie" })).map((r) => r.reason),
    [],
  );
});

test("a reference to an Organization or Medication never received is rejected with why, and replays once it arrives", async () => {
  writeFileSync(
    join(dir, "orphans.ndjson"),
    [
      {
        resourceType: "Patient",
        id: "or-1",
        identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765110" }],
        name: [{ family: "Orphan" }],
        birthDate: "1950-01-01",
      },
      {
        ...encounter("or-enc", "EMER"),
        subject: { reference: "Patient/or-1" },
        serviceProvider: { reference: "Organization/not-yet" },
      },
      {
        resourceType: "MedicationRequest",
        id: "or-mr",
        status: "active",
        intent: "order",
        medicationReference: { reference: "Medication/not-yet" },
        subject: { reference: "Patient/or-1" },
        authoredOn: "2020-01-01",
      },
    ]
      .map((x) => JSON.stringify(x))
      .join("\n"),
  );
  const r = await loadFhirFile(db, join(dir, "orphans.ndjson"), { source: "orphans" });
  assert.equal(r.counts.rejected, 2);
  const reasons = (await listRejects(db, { sourceSystem: "orphans" })).map((x) => x.reason).sort();
  assert.match(
    reasons[0],
    /Encounter.serviceProvider names an Organization OnePlace has not received from orphans/,
  );
  assert.match(
    reasons[1],
    /MedicationRequest.medicationReference names a Medication OnePlace has not received/,
  );
});

test("an entered-in-error version of a resource held for its Patient forgets the held one: the Patient's arrival releases nothing into the record", async () => {
  const obs = (status: string) => ({
    resourceType: "Observation",
    id: "eih-obs",
    status,
    subject: { reference: "Patient/eih-1" },
    code: { coding: [{ system: LOINC, code: "8867-4" }] },
    effectiveDateTime: "2020-04-01",
    valueQuantity: { value: 72 },
  });
  const heldRows = () =>
    db.query(
      "SELECT 1 FROM ingest_fhir_held WHERE source_system = 'eih' AND origin_key = 'Observation/eih-obs'",
    );
  writeFileSync(join(dir, "eih-1.json"), bundle([obs("final")]));
  const first = await loadFhirFile(db, join(dir, "eih-1.json"), { source: "eih" });
  assert.equal(first.counts.held, 1, "held: its Patient has not arrived");
  assert.equal((await heldRows()).length, 1);

  writeFileSync(join(dir, "eih-2.json"), bundle([obs("entered-in-error")]));
  const retracted = await loadFhirFile(db, join(dir, "eih-2.json"), { source: "eih" });
  assert.deepEqual(
    [retracted.counts.recordsRead, retracted.counts.loaded, retracted.counts.held, retracted.counts.rejected],
    [1, 1, 0, 0],
    "forgetting the held version is a change, counted as loaded",
  );
  assert.equal((await heldRows()).length, 0, "the held version is forgotten");

  writeFileSync(
    join(dir, "eih-3.json"),
    bundle([
      {
        resourceType: "Patient",
        id: "eih-1",
        identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765153" }],
        name: [{ family: "Heldback" }],
        birthDate: "1951-02-02",
      },
    ]),
  );
  const patient = await loadFhirFile(db, join(dir, "eih-3.json"), { source: "eih" });
  assert.equal(patient.counts.rejected, 0);
  const stored = await db.query(
    "SELECT 1 FROM gp_entry WHERE source_system = 'eih' AND source_record_id LIKE 'eih-obs%'",
  );
  assert.equal(stored.length, 0, "nothing entered in error reached the record");
});

test("a clinical resource with no date at all is rejected naming every element OnePlace takes its date from; one dated only by a fallback element is stored", async () => {
  const patient = {
    resourceType: "Patient",
    id: "nd-1",
    identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765870" }],
    name: [{ family: "Undated" }],
    birthDate: "1960-02-02",
  };
  const observation = (id: string, extra: object = {}) => ({
    resourceType: "Observation",
    id,
    status: "final",
    code: { coding: [{ system: SCT, code: "58571000237106" }] },
    subject: { reference: "Patient/nd-1" },
    valueQuantity: { value: 3.9, unit: "10*12/L" },
    ...extra,
  });
  const condition = (id: string, extra: object = {}) => ({
    resourceType: "Condition",
    id,
    code: { coding: [{ system: SCT, code: "52734007" }] },
    subject: { reference: "Patient/nd-1" },
    ...extra,
  });
  writeFileSync(
    join(dir, "undated.ndjson"),
    [
      patient,
      observation("nd-obs"),
      observation("nd-obs-issued", { issued: "2022-03-08T14:23:00+00:00" }),
      condition("nd-cond"),
      condition("nd-cond-onset", { onsetPeriod: { start: "2021-05-01" } }),
      {
        resourceType: "Procedure",
        id: "nd-proc",
        status: "completed",
        code: { coding: [{ system: SCT, code: "52734007" }] },
        subject: { reference: "Patient/nd-1" },
      },
    ]
      .map((x) => JSON.stringify(x))
      .join("\n"),
  );
  const r = await loadFhirFile(db, join(dir, "undated.ndjson"), { source: "undated" });
  assert.equal(r.counts.rejected, 3, JSON.stringify(r.counts));
  const reasons = (await listRejects(db, { sourceSystem: "undated" })).map((x) => x.reason).join("\n");
  assert.match(reasons, /Condition has no date: recordedDate, onsetDateTime or onsetPeriod\.start/);
  assert.match(
    reasons,
    /Observation has no date: effectiveDateTime, effectivePeriod\.start, effectiveInstant or issued/,
  );
  assert.match(reasons, /Procedure has no date: performedDateTime or performedPeriod\.start/);
  const stored = await db.query<{ recorded_on: string }>(
    "SELECT recorded_on::text AS recorded_on FROM gp_entry WHERE source_system = 'undated' ORDER BY 1",
  );
  assert.deepEqual(
    stored.map((s) => s.recorded_on),
    ["2021-05-01", "2022-03-08"],
  );
});
