import assert from "node:assert/strict";
import { test } from "node:test";
import { CONDITION, MEDICATION, OBSERVATION } from "../../src/ingest/fhir/clinical.ts";
import {
  checkMapping,
  compile,
  type FhirMapping,
  type FhirTable,
  tablesOf,
} from "../../src/ingest/fhir/declare.ts";
import { ENCOUNTER, EPISODE_OF_CARE } from "../../src/ingest/fhir/encounters.ts";
import { always, asSent, at, codingIfAny, part } from "../../src/ingest/fhir/extract.ts";
import { FhirReject, type MapContext } from "../../src/ingest/fhir/fields.ts";
import { ORGANIZATION } from "../../src/ingest/fhir/organization.ts";
import { PATIENT } from "../../src/ingest/fhir/patient.ts";
import { FHIR_DECLARATIONS, FHIR_MAPPINGS, mapResource } from "../../src/ingest/fhir/resources.ts";
import { CANONICAL_TABLES, CATALOGUE } from "../../src/store/index.ts";

// The FHIR mappers are declarations on the table catalogue (src/ingest/fhir/declare.ts): each catalogue column
// names where its value is read from. They are checked against the catalogue when compiled, and the loader maps
// with them, so a column added to a declaration is in the rows and one the catalogue lacks stops the start.

const ctx: MapContext = {
  source: "lab",
  at: "2016-01-01T00:00:00.000Z",
  orgCode: () => undefined,
  medication: () => undefined,
};

const table = (m: FhirMapping) => m.readings[0] as FhirTable;
const withTable = (m: FhirMapping, change: (t: FhirTable) => FhirTable): FhirMapping => ({
  ...m,
  readings: [change(table(m))],
});
const named = (t: string, row: unknown[]) =>
  Object.fromEntries(CATALOGUE[t as "gp_entry"].columnNames.map((c, i) => [c, row[i]]));

const observation = {
  resourceType: "Observation",
  id: "bp-1",
  status: "final",
  code: { coding: [{ system: "http://snomed.info/sct", code: "75367002" }] },
  subject: { reference: "Patient/p-1" },
  effectiveDateTime: "2015-03-01T10:00:00Z",
  component: [
    {
      code: { coding: [{ system: "http://snomed.info/sct", code: "271649006" }] },
      valueQuantity: { value: 141, code: "mm[Hg]" },
    },
    {
      code: { coding: [{ system: "http://snomed.info/sct", code: "271650006" }] },
      valueCodeableConcept: { coding: [{ system: "http://snomed.info/sct", code: "x1" }] },
    },
  ],
};

/** Why a resource is rejected, or `mapped`. */
const reasonOf = (r: object, context: MapContext = ctx) => {
  try {
    mapResource(r, context);
    return "mapped";
  } catch (error) {
    assert.ok(error instanceof FhirReject);
    return error.message;
  }
};

test("every FHIR mapping declaration agrees with the catalogue and writes canonical tables", () => {
  for (const m of FHIR_MAPPINGS) {
    assert.deepEqual(checkMapping(m), [], m.resource);
    for (const t of tablesOf(m))
      assert.ok((CANONICAL_TABLES as readonly string[]).includes(t), `${m.resource}: ${t}`);
  }
  assert.deepEqual(tablesOf(ENCOUNTER), [
    "hospital_spell",
    "ae_attendance",
    "outpatient_attendance",
    "care_contact",
  ]);
});

test("a declaration the catalogue disagrees with is refused when compiled, saying where", () => {
  const wrong = withTable(CONDITION, (t) => ({
    ...t,
    columns: [
      ...t.columns.filter(([c]) => c !== "entry_kind" && c !== "code"),
      ["recorded_at", at("recordedDate", asSent)],
      ["code", part(at("code", codingIfAny), "code", "its code")],
    ],
  }));
  assert.deepEqual(checkMapping(wrong), [
    "Condition → gp_entry: recorded_at is not a column of gp_entry in the catalogue",
    "Condition → gp_entry: code may not be null, but code may give none",
    "Condition → gp_entry: nothing fills gp_entry.entry_kind, which may not be null",
  ]);
  assert.throws(() => compile(wrong), /FHIR mapping declarations: Condition → gp_entry: recorded_at/);
  const twice = withTable(CONDITION, (t) => ({ ...t, columns: [...t.columns, ["entry_kind", always("x")]] }));
  assert.deepEqual(checkMapping(twice), ["Condition → gp_entry: entry_kind is declared twice"]);
});

test("the mapper reads its declaration: a column declared is filled in the row and in each component's", () => {
  const declared = withTable(OBSERVATION, (t) => ({
    ...t,
    columns: [...t.columns, ["subject_record_id", at("subject.reference", asSent)]],
  }));
  const rows = compile(declared)(observation, ctx);
  assert.equal(rows.length, 3);
  const built = rows.map((r) => (r.kind === "activity" ? named(r.table, r.build("person-1", null)) : {}));
  assert.deepEqual(
    built.map((r) => [r.source_record_id, r.code, r.value, r.unit, r.value_code, r.subject_record_id]),
    [
      ["bp-1", "75367002", null, null, null, "Patient/p-1"],
      ["bp-1#component-1", "271649006", 141, "mm[Hg]", null, "Patient/p-1"],
      ["bp-1#component-2", "271650006", null, null, "x1", "Patient/p-1"],
    ],
  );
  assert.deepEqual(
    rows.map((r) => r.kind === "activity" && [r.part ?? false, r.practiceOn]),
    [
      [false, "2015-03-01"],
      [true, "2015-03-01"],
      [true, "2015-03-01"],
    ],
  );
  // Without the column, the declaration as shipped leaves it empty.
  const shipped = compile(OBSERVATION)(observation, ctx)[0];
  assert.ok(shipped.kind === "activity");
  assert.equal(named("gp_entry", shipped.build("person-1", null)).subject_record_id, null);
});

test("columns are read in the order declared: the first that fails gives the reason, a component's named by its index", () => {
  const reason = (r: object) => reasonOf(r);
  assert.equal(
    reason({ ...observation, subject: undefined, code: undefined }),
    "Observation.subject must reference a Patient (Patient/<id>, an NHS Number identifier or a conditional reference)",
  );
  assert.equal(
    reason({ ...observation, code: undefined }),
    "Observation.code needs a coding with a system and a code",
  );
  assert.equal(
    reason({ ...observation, effectiveDateTime: undefined }),
    "Observation has no date: effectiveDateTime, effectivePeriod.start, effectiveInstant or issued (the first given is used)",
  );
  assert.equal(
    reason({ ...observation, component: [observation.component[0], { code: { coding: [{ code: "x" }] } }] }),
    "Observation.component[1].code needs a coding with a system and a code",
  );
});

test("an Encounter is read by its class: each class's table, and any other class refused", () => {
  const map = compile(ENCOUNTER);
  const encounter = (cls: string) => ({
    resourceType: "Encounter",
    id: "e-1",
    status: "finished",
    class: { code: cls },
    subject: { reference: "Patient/p-1" },
    serviceProvider: { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "RXX" } },
    serviceType: { coding: [{ code: "300" }] },
    period: { start: "2015-03-01T10:00:00Z", end: "2015-03-02T10:00:00Z" },
  });
  const tableOf = (cls: string) => {
    const [m] = map(encounter(cls), ctx);
    return m.kind === "activity" ? m.table : m.kind;
  };
  assert.deepEqual(["IMP", "SS", "EMER", "AMB", "HH"].map(tableOf), [
    "hospital_spell",
    "hospital_spell",
    "ae_attendance",
    "outpatient_attendance",
    "care_contact",
  ]);
  const [spell] = map(encounter("SS"), ctx);
  assert.ok(spell.kind === "activity");
  const row = named("hospital_spell", spell.build("person-1", null));
  assert.deepEqual(
    [row.patient_class, row.admission_method, row.specialty_code],
    ["day-case", "other", "300"],
  );
  assert.throws(() => map(encounter("XYZ"), ctx), /Encounter.class XYZ is not one OnePlace records/);
});

test("Practitioner and Medication are declared on the source's own tables: rows in the catalogue's order, never taken out", () => {
  const rows = (r: object) => mapResource(r, ctx);
  const [practitioner] = rows({
    resourceType: "Practitioner",
    id: "dr-1",
    identifier: [{ system: "https://fhir.nhs.uk/Id/sds-user-id", value: "555" }],
    name: [{ family: "Ahmed", given: ["Sara"] }],
  });
  assert.ok(practitioner.kind === "row");
  assert.deepEqual(named(practitioner.table, practitioner.values), {
    source_system: "lab",
    source_record_id: "dr-1",
    identifier_system: "https://fhir.nhs.uk/Id/sds-user-id",
    identifier_value: "555",
    family_name: "Ahmed",
    given_name: "Sara",
    received_at: ctx.at,
  });
  // A Medication's status says nothing of a person's record: entered-in-error is kept as sent, not a retraction.
  const [medication] = rows({
    resourceType: "Medication",
    id: "med-1",
    status: "entered-in-error",
    code: { coding: [{ system: "http://snomed.info/sct", code: "39720311000001101" }], text: "Paracetamol" },
  });
  assert.ok(medication.kind === "row");
  assert.deepEqual(named(medication.table, medication.values).display, "Paracetamol");
  assert.deepEqual(tablesOf(MEDICATION), []);
  assert.throws(() => rows({ resourceType: "Medication", id: "med-2", code: { text: "x" } }), {
    message: "Medication.code needs a coding with a system and a code",
  });
});

test("a Patient is declared on person_record: the MPI's source record, its practice as a registration and its death as other tables' columns", () => {
  assert.deepEqual(checkMapping(PATIENT), []);
  const patient = {
    resourceType: "Patient",
    id: "p-9",
    identifier: [
      { system: "https://fhir.nhs.uk/Id/nhs-number", value: "943 476 5919" },
      { system: "urn:oneplace:test:mrn", value: "M9" },
    ],
    name: [{ family: "Nick" }, { use: "official", family: "Okafor", given: ["Ada", "Grace"] }],
    gender: "female",
    birthDate: "1938-07-02",
    address: [{ postalCode: "ss1 1aa" }, { use: "home", postalCode: "rm16 3ab" }],
    generalPractitioner: [
      { reference: "Practitioner/dr-1" },
      { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "F81001" } },
    ],
    deceasedDateTime: "2024-01-09T10:00:00+00:00",
    meta: { lastUpdated: "2024-01-10T08:00:00Z" },
  };
  assert.deepEqual(mapResource(patient, ctx), [
    {
      kind: "person",
      record: {
        sourceSystem: "lab",
        recordId: "p-9",
        nhsNumber: "9434765919",
        family: "Okafor",
        given: "Ada",
        birthDate: "1938-07-02",
        sex: "female",
        postcode: "RM16 3AB",
        receivedAt: "2024-01-10T08:00:00.000Z",
        identifiers: [{ system: "urn:oneplace:test:mrn", value: "M9" }],
        ethnicCategory: null,
      },
      facts: { practice: { code: "F81001", from: "2024-01-10" }, diedOn: "2024-01-09" },
    },
  ]);
  // Read in the order declared: the NHS Number before the name, the name before the birth date.
  assert.equal(
    reasonOf({
      ...patient,
      identifier: [{ system: "https://fhir.nhs.uk/Id/nhs-number", value: "9434765911" }],
      name: [],
    }),
    "Patient.identifier (NHS Number) fails its Modulus 11 check digit",
  );
  assert.equal(
    reasonOf({ ...patient, name: [{ use: "official" }], birthDate: "x" }),
    "Patient.name is required",
  );
  assert.equal(reasonOf({ ...patient, gender: "f" }), "Patient.gender is not male, female, other or unknown");
  // Another table's column is checked against that table.
  const wrong = withTable(PATIENT, (t) => ({
    ...t,
    columns: [...t.columns, ["death.cause", at("x", asSent)]],
  }));
  assert.deepEqual(checkMapping(wrong), ["Patient → person_record: the catalogue has no column death.cause"]);
});

test("an Organization is read by its kind: a site or an organisation in catalogue order, with the names its source refers to it by", () => {
  assert.deepEqual(checkMapping(ORGANIZATION), []);
  const KIND = "urn:oneplace:local:organisation-kind";
  const org = (kind: string, extra: object = {}) => ({
    resourceType: "Organization",
    id: "o-1",
    identifier: [
      { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "RAJ01" },
      { system: "urn:oneplace:test:site", value: "basildon" },
    ],
    name: "Basildon",
    type: [{ coding: [{ system: KIND, code: kind }] }],
    partOf: { identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "RAJ" } },
    ...extra,
  });
  const [site] = mapResource(org("site"), ctx);
  assert.ok(site.kind === "row");
  assert.deepEqual(named(site.table, site.values), {
    site_code: "RAJ01",
    org_code: "RAJ",
    name: "Basildon",
    postcode: null,
    source_system: "lab",
    received_at: ctx.at,
  });
  assert.deepEqual(site.others, {
    "ingest_fhir_organization.resource_id": [
      "o-1",
      "https://fhir.nhs.uk/Id/ods-organization-code|RAJ01",
      "urn:oneplace:test:site|basildon",
    ],
  });
  const [trust] = mapResource(org("acute", { partOf: undefined, id: "o-2", identifier: [] }), ctx);
  assert.ok(trust.kind === "row");
  assert.deepEqual(
    [trust.table, named(trust.table, trust.values).org_code, named(trust.table, trust.values).kind],
    ["organisation", "lab:o-2", "acute"],
  );
  assert.equal(
    reasonOf(org("site", { partOf: undefined })),
    "a site Organization needs partOf (the organisation it belongs to)",
  );
  // The kind is checked before the care home type.
  const both = org("hospice", {
    type: [
      {
        coding: [
          { system: KIND, code: "hospice" },
          { system: "urn:oneplace:local:care-home-type", code: "x" },
        ],
      },
    ],
  });
  assert.equal(reasonOf(both), `Organization.type from ${KIND} is not one OnePlace knows`);
});

test("an EpisodeOfCare's local type is flagged on its row, and entered-in-error does not take its care plan out", () => {
  assert.deepEqual(tablesOf(EPISODE_OF_CARE), []);
  const episode = (code: string, status = "active") => ({
    resourceType: "EpisodeOfCare",
    id: "ep-1",
    status,
    type: [{ coding: [{ system: "http://snomed.info/sct", code }] }],
    patient: { reference: "Patient/p-1" },
    period: { start: "2024-03-01" },
  });
  const mapped = {
    ...ctx,
    localCode: (_map: string, code: string) => (code === "LOCAL-2" ? "crisis" : null),
  };
  const plan = (code: string, status?: string) => {
    const [m] = mapResource(episode(code, status), mapped);
    assert.ok(m.kind === "activity");
    return [named(m.table, m.build("person-1", null)).plan_type, m.localCode];
  };
  assert.deepEqual(plan("LOCAL-1"), ["unmapped", { map: "care-plan-type", code: "LOCAL-1", mapped: false }]);
  assert.deepEqual(plan("LOCAL-2"), ["crisis", { map: "care-plan-type", code: "LOCAL-2", mapped: true }]);
  assert.deepEqual(plan("LOCAL-2", "entered-in-error"), [
    "crisis",
    { map: "care-plan-type", code: "LOCAL-2", mapped: true },
  ]);
  assert.equal(
    reasonOf({ ...episode("x"), type: [{ text: "a plan" }] }),
    "EpisodeOfCare.type has no code: it says what kind of care plan this is",
  );
});

test("every type OnePlace loads is declared once", () => {
  const types = FHIR_DECLARATIONS.map((m) => m.resource);
  assert.deepEqual(types.slice(0, 2), ["Patient", "Organization"]);
  assert.equal(new Set(types).size, types.length);
  for (const m of FHIR_DECLARATIONS) assert.deepEqual(checkMapping(m), [], m.resource);
});
