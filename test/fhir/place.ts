// A small synthetic place for the FHIR API tests: a person registered at the test practice with a record in
// every table the API serves, a person at another practice (no relationship), and a person at the practice
// who objects to sharing beyond the council; a GP and a district nurse with API tokens.
import { SNOMED_CT_SYSTEM } from "../../src/core/codes.ts";
import type { Db } from "../../src/platform/index.ts";
import {
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  recordObjectionRow,
  register,
  TEAMS,
} from "../governance/fixtures.ts";
import { addApiToken } from "../web/harness.ts";

export const HBA1C = "1003671000000109";
export const BMI = "60621009";
export const DIABETES = "44054006";

export const person = makePerson({ familyName: "Fhirperson", givenName: "Ada" });
export const elsewhere = makePerson({ familyName: "Elsewhere", givenName: "Bea" });
export const objector = makePerson({ familyName: "Objector", givenName: "Cy" });

export const ids = {
  condition: "0b6b5f3e-1111-4b6e-9c1a-000000000001",
  obs2019: "0b6b5f3e-1111-4b6e-9c1a-000000000002",
  obs2020: "0b6b5f3e-1111-4b6e-9c1a-000000000003",
  obs2021: "0b6b5f3e-1111-4b6e-9c1a-000000000004",
  objectorObs: "0b6b5f3e-1111-4b6e-9c1a-000000000005",
  medication: "0b6b5f3e-1111-4b6e-9c1a-000000000006",
  outpatient: "0b6b5f3e-1111-4b6e-9c1a-000000000007",
  contact: "0b6b5f3e-1111-4b6e-9c1a-000000000008",
  ae: "0b6b5f3e-1111-4b6e-9c1a-000000000009",
  elsewhereObs: "0b6b5f3e-1111-4b6e-9c1a-00000000000a",
};

async function gpEntry(
  db: Db,
  personId: string,
  entryId: string,
  kind: string,
  code: string,
  on: string,
  value: number | null,
  unit: string | null,
) {
  await db.query(
    `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, value, unit,
       source_system, source_record_id, received_at)
     VALUES ($1, $2, 'Z90001', $3, $4, $5, $6, $7, $8, 'test', $9, '2024-01-01T00:00:00Z')`,
    [personId, entryId, on, kind, SNOMED_CT_SYSTEM, code, value, unit, entryId],
  );
}

export async function preparePlace(db: Db, tokens: Map<string, string>): Promise<void> {
  await insertOrganisations(db);
  await createTeams(db);
  for (const p of [person, elsewhere, objector]) await insertPerson(db, p);
  await register(db, person.personId, ORGS.practice);
  await register(db, elsewhere.personId, ORGS.otherPractice);
  await register(db, objector.personId, ORGS.practice);
  await recordObjectionRow(db, objector.personId, ORGS.council);
  await db.query(
    `INSERT INTO person_identifier (person_id, system, value, source_system, received_at)
     VALUES ($1, 'urn:oneplace:id:ZZA01:mrn', 'MRN-0001', 'test', now())`,
    [person.personId],
  );
  await db.query(
    "INSERT INTO code (system, code, display) VALUES ($1, $2, 'Haemoglobin A1c level'), ($1, $3, 'Body mass index')",
    [SNOMED_CT_SYSTEM, HBA1C, BMI],
  );
  await gpEntry(db, person.personId, ids.condition, "condition", DIABETES, "2018-03-01", null, null);
  await gpEntry(db, person.personId, ids.obs2019, "observation", HBA1C, "2019-06-15", 48, "mmol/mol");
  await gpEntry(db, person.personId, ids.obs2020, "observation", HBA1C, "2020-06-15", 52, "mmol/mol");
  await gpEntry(db, person.personId, ids.obs2021, "observation", BMI, "2021-02-10", 31.2, "kg/m2");
  await gpEntry(db, objector.personId, ids.objectorObs, "observation", HBA1C, "2020-01-01", 40, "mmol/mol");
  await gpEntry(db, elsewhere.personId, ids.elsewhereObs, "observation", HBA1C, "2020-01-01", 41, "mmol/mol");
  await db.query(
    `INSERT INTO medication_issue (person_id, issue_id, practice_code, issued_on, code_system, code, display, quantity,
       is_repeat, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'Z90001', '2021-03-01', 'https://dmd.nhs.uk', '39720311000001101', 'Metformin 500mg tablets', 56,
       true, 'test', $3, now())`,
    [person.personId, ids.medication, ids.medication],
  );
  await admit(db, person.personId, ORGS.acute, "2022-05-01T10:00:00Z", "2022-05-04T12:00:00Z");
  await db.query(
    `INSERT INTO ae_attendance (person_id, attendance_id, provider_code, arrived_at, departed_at, arrival_mode, disposal,
       source_system, source_record_id, received_at)
     VALUES ($1, $2, 'ZZA01', '2022-05-01T07:00:00Z', '2022-05-01T10:00:00Z', 'ambulance', 'admitted', 'test', $3, now())`,
    [person.personId, ids.ae, ids.ae],
  );
  await db.query(
    `INSERT INTO outpatient_attendance (person_id, attendance_id, provider_code, specialty_code, appointment_on,
       attendance, first_attendance, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'ZZA01', '430', '2022-07-01', 'did-not-attend', true, 'test', $3, now())`,
    [person.personId, ids.outpatient, ids.outpatient],
  );
  await db.query(
    `INSERT INTO care_contact (person_id, contact_id, setting, provider_code, service, contact_on, contact_mode,
       source_system, source_record_id, received_at)
     VALUES ($1, $2, 'community', 'ZZC01', 'district-nursing', '2022-06-01', 'home-visit', 'test', $3, now())`,
    [person.personId, ids.contact, ids.contact],
  );
  await db.query(
    `INSERT INTO efi_deficit_def (deficit_id, ordinal, name) VALUES ('diabetes-test', 35, 'Diabetes (test)')
     ON CONFLICT DO NOTHING`,
  );
  await db.query(
    `INSERT INTO efi_deficit (person_id, deficit_id, first_on, basis, entry_id) VALUES ($1, 'diabetes-test', '2018-03-01', 'code', $2)`,
    [person.personId, ids.condition],
  );
  await insertRiskPerson(db, person.personId);
  for (const [username, role, team] of [
    ["gp.fhir", "gp", "practice"],
    ["nurse.fhir", "community-clinician", "community"],
    ["analyst.fhir", "commissioner-analyst", "commissioning"],
    ["ig.fhir", "ig-officer", "service"],
  ] as const) {
    await createUserInRole(db, username, role, team);
    await addApiToken(db, tokens, "fhir", { username, roleCode: role, teamCode: TEAMS[team].teamCode });
  }
}

async function insertRiskPerson(db: Db, personId: string) {
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
     VALUES ($1, $2, '2023-01-01', 84, 'female', 'Z90001', 1, 9, 'moderate', 2, 5, 1, 0, 3, 0, 1, 0, 1, 1, 1, 0, 1,
       0, 0, false, 0.31, 97.5, 'very-high', '2023-01-01T02:00:00Z')`,
    [personId, run_id],
  );
}
