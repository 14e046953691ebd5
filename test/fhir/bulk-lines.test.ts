// The pseudonymised lines a commissioning export writes straight from rows (src/fhir/bulk-lines.ts) are byte for
// byte what the general path writes (toFhir, pseudonymiseResource, JSON.stringify), for every branch of every
// templated type: spells, A&E, outpatients and contacts with and without their optional parts, coded entries with
// and without a term, value or unit, repeat and acute medicines, the eFI with deficits of every kind and the
// admission risk; timestamps with microseconds; and rows the templates leave to the general path (a null ODS
// code) written by it. The whole-place export's own test reads these lines through the HTTP API.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { SNOMED_CT_SYSTEM } from "../../src/core/codes.ts";
import { LINE_TEMPLATES, pseudonymisedLine, templateColumns } from "../../src/fhir/bulk-lines.ts";
import { pseudonymiseResource } from "../../src/fhir/bulk-pseudonymise.ts";
import { RESOURCE_BY_NAME } from "../../src/fhir/registry.ts";
import type { FhirResource, ResourceType, SourceRow } from "../../src/fhir/types.ts";
import { pseudonymFor } from "../../src/governance/index.ts";
import { insertPerson, makePerson, ORGS } from "../governance/fixtures.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { person, preparePlace } from "./place.ts";

const KEY = Buffer.from("7f".repeat(32), "hex");
const other = makePerson({ familyName: "Linesperson", givenName: "Eve" });
const ps = { key: KEY, pseudonymOf: (id: string) => pseudonymFor(KEY, id) };

/** Rows with every optional part present and absent, and values the templates must escape or decline. */
async function addVariety(db: Parameters<typeof preparePlace>[0]) {
  await insertPerson(db, other);
  const id = () => randomUUID();
  const p = other.personId;
  await db.query(
    `INSERT INTO code (system, code, display) VALUES ($1, 'q1', 'Says "hello" \\ and café ☕'), ($1, 'empty', '')`,
    [SNOMED_CT_SYSTEM],
  );
  const entries: [string, string, string | null, number | null, string | null, string][] = [
    ["observation", "q1", "Z90001", 0.1, null, "2024-05-06T07:08:09.123456Z"],
    ["observation", "empty", "Z90001", 1234567.891, "mmol/L", "2024-05-06T07:08:09.999999Z"],
    ["observation", "not-coded", "Z90001", null, "kg", "2024-05-06T07:08:09Z"],
    ["observation", "q1", null, 5, "kg", "2024-05-06T08:08:09.5+01:00"],
    ["condition", "q1", "Z90001", null, null, "2023-12-31T23:59:59.000001Z"],
    ["condition", "not-coded", null, null, null, "2024-01-01T00:00:00Z"],
    ["procedure", "q1", "Z90001", null, null, "2024-01-01T00:00:00Z"],
  ];
  const entryIds: string[] = [];
  for (const [kind, code, practice, value, unit, received] of entries) {
    const entryId = id();
    entryIds.push(entryId);
    await db.query(
      `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, value, unit,
         source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, '2020-02-29', $4, $5, $6, $7, $8, 'test', gen_random_uuid()::text, $9)`,
      [p, entryId, practice, kind, SNOMED_CT_SYSTEM, code, value, unit, received],
    );
  }
  for (const [repeat, quantity, display, practice] of [
    [false, null, 'Tablets "as directed"', "Z90001"],
    [true, 28.5, "", "Z90001"],
    [false, 7, "Plain", null],
  ] as const) {
    await db.query(
      `INSERT INTO medication_issue (person_id, issue_id, practice_code, issued_on, code_system, code, display, quantity,
         is_repeat, source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, '2021-03-01', 'https://dmd.nhs.uk', '123', $4, $5, $6, 'test', gen_random_uuid()::text, now())`,
      [p, id(), practice, display, quantity, repeat],
    );
  }
  for (const [method, cls, discharged, how, destination, specialty] of [
    ["elective", "day-case", "2022-01-01T15:00:00.25Z", "self-discharged", "19", "100"],
    ["transfer", "inpatient", null, null, null, null],
    ["maternity", "inpatient", "2022-03-04T00:00:00Z", "transferred", "99", null],
    ["other", "inpatient", "2022-03-04T00:00:00Z", "died", "79", "300"],
  ] as const) {
    const spell = id();
    await db.query(
      `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
         specialty_code, discharged_at, discharge_method, discharge_destination, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'ZZA01', '2022-01-01T09:30:00.123456Z', $3, $4, $5, $6, $7, $8, 'test', gen_random_uuid()::text, now())`,
      [p, spell, method, cls, specialty, discharged, how, destination],
    );
  }
  for (const [mode, disposal, departed] of [
    [null, null, null],
    ["walk-in", "left", "2022-02-02T02:02:02Z"],
    ["other", null, null],
  ] as const) {
    await db.query(
      `INSERT INTO ae_attendance (person_id, attendance_id, provider_code, arrived_at, departed_at, arrival_mode,
         disposal, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'ZZA01', '2022-02-02T01:00:00Z', $3, $4, $5, 'test', gen_random_uuid()::text, now())`,
      [p, id(), departed, mode, disposal],
    );
  }
  for (const [attendance, first, specialty] of [
    ["attended", false, null],
    ["cancelled", true, "110"],
  ] as const) {
    await db.query(
      `INSERT INTO outpatient_attendance (person_id, attendance_id, provider_code, specialty_code, appointment_on,
         attendance, first_attendance, source_system, source_record_id, received_at)
       VALUES ($1, $2, 'ZZA01', $3, '2022-07-01', $4, $5, 'test', gen_random_uuid()::text, now())`,
      [p, id(), specialty, attendance, first],
    );
  }
  for (const [setting, mode] of [
    ["mental-health", "video"],
    ["mental-health", null],
    ["community", "telephone"],
    ["community", "face-to-face"],
  ] as const) {
    await db.query(
      `INSERT INTO care_contact (person_id, contact_id, setting, provider_code, service, contact_on, contact_mode,
         source_system, source_record_id, received_at)
       VALUES ($1, $2, $3, $4, 'talking-therapies', '2022-06-01', $5, 'test', gen_random_uuid()::text, now())`,
      [p, id(), setting, setting === "community" ? ORGS.community : ORGS.mentalHealth, mode],
    );
  }
  // The eFI with a deficit of each kind (a condition, an observation, a procedure, an entry not in gp_entry) and no
  // category; no admission risk percentile.
  for (const [deficit, ordinal, entry] of [
    ["lines-a", 31, entryIds[4]],
    ["lines-b", 32, entryIds[0]],
    ["lines-c", 33, entryIds[6]],
    ["lines-d", 34, id()],
  ] as const) {
    await db.query(
      "INSERT INTO efi_deficit_def (deficit_id, ordinal, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
      [deficit, ordinal, `Deficit ${deficit}`],
    );
    await db.query(
      `INSERT INTO efi_deficit (person_id, deficit_id, first_on, basis, entry_id) VALUES ($1, $2, '2018-03-01', 'code', $3)`,
      [p, deficit, entry],
    );
  }
  const [{ run_id }] = await db.query<{ run_id: string }>(
    `INSERT INTO risk_run (run_id, kind, as_of, started_at) VALUES (gen_random_uuid(), 'full', '2023-01-01', now())
     RETURNING run_id`,
  );
  await db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, deficit_mask, deficit_count,
       efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
       emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
       outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
       unplanned_contacts_12m, social_care_now, social_care_12m, care_home, probability, risk_percentile, risk_tier,
       scored_at)
     VALUES ($1, $2, '2023-01-01', 70, 'female', 'Z90001', 1, 4, NULL, 2, 5, 1, 0, 3, 0, 1, 0, 1, 1, 1, 0, 1,
       0, 0, false, 0.123456789012, NULL, NULL, '2023-01-01T02:00:00.654321Z')`,
    [p, run_id],
  );
}

const t = useTestDb({
  async setup(db) {
    await preparePlace(db, new Map());
    await addVariety(db);
  },
});

/** The general path: the source's rows, toFhir, pseudonymised, serialised. */
async function generalLines(type: ResourceType): Promise<string[]> {
  const rows = await t.db.query<SourceRow>(`SELECT r.* FROM (${type.source}) r ORDER BY r.person_id, r.id`);
  const toFhir = type.toFhir as (row: SourceRow) => FhirResource;
  return rows.map((row) => JSON.stringify(pseudonymiseResource(toFhir(row), KEY, ps.pseudonymOf)));
}

for (const [name, template] of LINE_TEMPLATES) {
  test(`${name}: the line written from the row is the general path's, byte for byte`, async () => {
    const type = RESOURCE_BY_NAME.get(name) as ResourceType;
    const expected = await generalLines(type);
    assert.ok(expected.length >= 2, "the place has rows of every templated type");
    // A batch of a few people (read person by person) and one of most of a place (read by their range of ids).
    for (const dense of [false, true]) {
      const rows = await t.db.query<SourceRow>(
        `SELECT ${templateColumns(template)} FROM (${type.source}) r ORDER BY r.person_id, r.id`,
      );
      await template.complete?.(t.db, rows, dense);
      const declined = rows.filter((row) => template.line({ ...row }, ps) === null).length;
      const lines = rows.map((row) => pseudonymisedLine(type, template, row, ps));
      assert.deepEqual(lines, expected);
      // The templates write the rows themselves, but for those with no ODS code (the general path's).
      const noOds = { Observation: 1, Condition: 0, MedicationRequest: 1 }[name] ?? 0;
      assert.equal(declined, noOds, "rows declined by the template");
      for (const line of lines) {
        assert.ok(!line.includes(person.personId) && !line.includes(other.personId), "a person id in a line");
        assert.ok(!line.includes("Deficit lines-"), "a deficit's name (free text) in a line");
      }
    }
  });
}
