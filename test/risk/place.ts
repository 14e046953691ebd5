// Hand-built people for risk tests: each helper inserts one record with its provenance.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../src/store/index.ts";

const SOURCE = "test";
const RECEIVED = "2016-04-01T00:00:00Z";

export const LOCALITIES = ["ZZL01", "ZZL02"] as const;
export const PRACTICES = { Z90001: "ZZL01", Z90002: "ZZL01", Z90003: "ZZL02" } as const;
export type PracticeCode = keyof typeof PRACTICES;

/** Localities, practices and two small areas (decile 1 and 10). Call once per database. */
export async function createOrganisations(db: Queryable): Promise<void> {
  for (const code of LOCALITIES) {
    await db.query(
      "INSERT INTO organisation (org_code, name, kind, source_system) VALUES ($1, $2, 'locality', $3)",
      [code, `Locality ${code}`, SOURCE],
    );
  }
  for (const [code, locality] of Object.entries(PRACTICES)) {
    await db.query(
      "INSERT INTO organisation (org_code, name, kind, parent_code, source_system) VALUES ($1, $2, 'practice', $3, $4)",
      [code, `Practice ${code}`, locality, SOURCE],
    );
  }
  await db.query(
    `INSERT INTO area (area_code, name, locality_code, imd_decile, source_system) VALUES
     ('A1', 'Deprived', 'ZZL01', 1, $1), ('A10', 'Affluent', 'ZZL02', 10, $1)`,
    [SOURCE],
  );
}

export interface PersonSpec {
  birthDate?: string;
  sex?: "female" | "male" | "other" | "unknown";
  practice?: PracticeCode;
  area?: string | null;
  registeredOn?: string;
  deregisteredOn?: string | null;
}

export async function addPerson(db: Queryable, spec: PersonSpec = {}): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO person (person_id, family_name, given_name, birth_date, sex, area_code, source_system,
                         source_record_id, received_at)
     VALUES ($1, 'Test', 'Person', $2, $3, $4, $5, $1::uuid::text, $6)`,
    [
      id,
      spec.birthDate ?? "1940-06-15",
      spec.sex ?? "female",
      spec.area === undefined ? "A10" : spec.area,
      SOURCE,
      RECEIVED,
    ],
  );
  await db.query(
    `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, deregistered_on,
                               source_system, source_record_id, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $2::uuid::text, $7)`,
    [
      id,
      randomUUID(),
      spec.practice ?? "Z90001",
      spec.registeredOn ?? "2000-01-01",
      spec.deregisteredOn ?? null,
      SOURCE,
      RECEIVED,
    ],
  );
  return id;
}

export interface GpEntrySpec {
  code: string;
  on: string;
  system?: string;
  value?: number | null;
  kind?: "condition" | "observation" | "procedure";
}

export async function addGpEntry(db: Queryable, personId: string, e: GpEntrySpec): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, value,
                           source_system, source_record_id, received_at)
     VALUES ($1, $2, 'Z90001', $3, $4, $5, $6, $7, $8, $2::uuid::text, $9)`,
    [
      personId,
      id,
      e.on,
      e.kind ?? (e.value === undefined ? "condition" : "observation"),
      e.system ?? "http://snomed.info/sct",
      e.code,
      e.value ?? null,
      SOURCE,
      RECEIVED,
    ],
  );
  return id;
}

export async function addMedication(
  db: Queryable,
  personId: string,
  code: string,
  on: string,
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO medication_issue (person_id, issue_id, practice_code, issued_on, code_system, code, display,
                                   is_repeat, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'Z90001', $3, 'https://dmd.nhs.uk', $4, 'medicine', true, $5, $2::uuid::text, $6)`,
    [personId, id, on, code, SOURCE, RECEIVED],
  );
  return id;
}

export async function addSpell(
  db: Queryable,
  personId: string,
  s: { admitted: string; discharged?: string | null; method?: "emergency" | "elective"; receivedAt?: string },
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
                                 discharged_at, discharge_method, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'ZZA01', ($3::timestamp AT TIME ZONE 'Europe/London'), $4, 'inpatient',
             ($5::timestamp AT TIME ZONE 'Europe/London'), CASE WHEN $5::text IS NULL THEN NULL ELSE 'discharged' END,
             $6, $2::uuid::text, $7)`,
    [
      personId,
      id,
      s.admitted,
      s.method ?? "emergency",
      s.discharged ?? null,
      SOURCE,
      s.receivedAt ?? RECEIVED,
    ],
  );
  return id;
}

export async function addAe(db: Queryable, personId: string, arrived: string): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO ae_attendance (person_id, attendance_id, provider_code, arrived_at, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'ZZA01', ($3::timestamp AT TIME ZONE 'Europe/London'), $4, $2::uuid::text, $5)`,
    [personId, id, arrived, SOURCE, RECEIVED],
  );
}

export async function addOutpatient(
  db: Queryable,
  personId: string,
  on: string,
  attendance: "attended" | "did-not-attend" = "attended",
): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO outpatient_attendance (person_id, attendance_id, provider_code, appointment_on, attendance,
                                        first_attendance, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'ZZA01', $3, $4, false, $5, $2::uuid::text, $6)`,
    [personId, id, on, attendance, SOURCE, RECEIVED],
  );
}

export async function addContact(
  db: Queryable,
  personId: string,
  on: string,
  setting: "community" | "mental-health",
  service = setting === "community" ? "district-nursing" : "community-mental-health-team",
): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO care_contact (person_id, contact_id, setting, provider_code, service, contact_on, source_system,
                               source_record_id, received_at)
     VALUES ($1, $2, $3, 'ZZC01', $4, $5, $6, $2::uuid::text, $7)`,
    [personId, id, setting, service, on, SOURCE, RECEIVED],
  );
}

export async function addService(
  db: Queryable,
  personId: string,
  type: string,
  started: string,
  ended: string | null = null,
): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO social_care_service (person_id, service_id, client_id, service_type, started_on, ended_on, funding,
                                      source_system, source_record_id, received_at)
     VALUES ($1, $2, 'C1', $3, $4, $5, 'council', $6, $2::uuid::text, $7)`,
    [personId, id, type, started, ended, SOURCE, RECEIVED],
  );
}

export async function addPlacement(
  db: Queryable,
  personId: string,
  started: string,
  type: "permanent" | "trial" | "temporary" | "respite" = "permanent",
  ended: string | null = null,
): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO care_home_placement (person_id, placement_id, client_id, care_home_code, care_type, placement_type,
                                      started_on, ended_on, funding, source_system, source_record_id, received_at)
     VALUES ($1, $2, 'C1', 'ZZH01', 'residential', $3, $4, $5, 'council', $6, $2::uuid::text, $7)`,
    [personId, id, type, started, ended, SOURCE, RECEIVED],
  );
}

export async function addDeath(db: Queryable, personId: string, on: string): Promise<void> {
  await db.query(
    `INSERT INTO death (person_id, died_on, source_system, source_record_id, received_at)
     VALUES ($1, $2, $3, $1::uuid::text, $4)`,
    [personId, on, SOURCE, RECEIVED],
  );
}

export async function addCarePlan(
  db: Queryable,
  personId: string,
  started: string,
  lead: string | null,
  ended: string | null = null,
): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, ended_on, lead_professional_role,
                            source_system, source_record_id, received_at)
     VALUES ($1, $2, 'joint-health-social', $3, $4, $5, $6, $2::uuid::text, $7)`,
    [personId, id, started, ended, lead, SOURCE, RECEIVED],
  );
}
