// Building blocks for the care capability's tests and benchmarks: a person on a risk register, a joint plan
// with a lead professional (synthetic values only).
import { buildAdt } from "../../src/ingest/index.ts";
import type { Queryable } from "../../src/store/index.ts";
import { ORGS, type TestPerson } from "../governance/fixtures.ts";

export async function putOnRegister(
  db: Queryable,
  personId: string,
  orgCode: string = ORGS.practice,
): Promise<void> {
  await db.query(
    `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES ($1, 'high-risk', $2, '2015-01-01')`,
    [personId, orgCode],
  );
}

export async function leadPlan(
  db: Queryable,
  personId: string,
  role: string,
  orgCode: string,
): Promise<void> {
  await db.query(
    `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, lead_professional_role, lead_org_code,
       source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'joint-health-social', '2015-01-01', $2, $3, 'test', gen_random_uuid()::text, now())`,
    [personId, role, orgCode],
  );
}

/**
 * An ADT A01 from the acute trust's PAS, sent at `at`: `person` admitted as an emergency to the assessment unit
 * (AMU) `minutesAgo` minutes before, under the trust's record `recordId` and visit `visitNumber`.
 */
export function emergencyA01(
  person: TestPerson,
  {
    at,
    controlId,
    recordId,
    visitNumber,
    minutesAgo,
  }: { at: Date; controlId: string; recordId: string; visitNumber: string; minutesAgo: number },
): string {
  return buildAdt({
    sendingApplication: "acute-pas",
    sendingFacility: ORGS.acute,
    controlId,
    trigger: "A01",
    messageTime: at.toISOString(),
    patient: {
      recordId,
      authority: ORGS.acute,
      nhsNumber: person.nhsNumber,
      family: person.familyName,
      given: person.givenName,
      birthDate: person.birthDate,
      sex: "female",
      postcode: person.postcode,
    },
    visit: {
      visitNumber,
      patientClass: "I",
      admissionType: "21",
      specialty: "300",
      site: "ZZA01001",
      ward: "AMU",
      admitAt: new Date(at.getTime() - minutesAgo * 60_000).toISOString(),
    },
  });
}

/** A person in the latest stratification at a practice, in a tier with a probability (synthetic values). */
export async function stratified(
  db: Queryable,
  personId: string,
  practiceCode: string,
  tier: "very-high" | "high" | "rising" | "low",
  probability: number,
  localityCode: string | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, locality_code, deficit_mask, deficit_count,
       efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m, emergency_admissions_prior_12m,
       emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m, ae_attendances_prior_12m,
       outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m, mental_health_contacts_12m,
       unplanned_contacts_12m, social_care_now, social_care_12m, care_home, hiu, probability, risk_percentile,
       risk_tier, scored_at)
     VALUES ($1, gen_random_uuid(), current_date, 82, 'female', $2, $5, 0, 1, 'moderate', 1, 1, 2, 0, 5, 0, 1, 0, 0, 0,
             0, 0, 0, 0, 0, false, false, $4, 99.4, $3, now())`,
    [personId, practiceCode, tier, probability, localityCode],
  );
}

/** An emergency admission of the person on a day (a spell that ended the next day). */
export async function admitted(db: Queryable, personId: string, day: string): Promise<void> {
  await db.query(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
       discharged_at, source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'ZZA01', ($2::date + time '10:00') AT TIME ZONE 'Europe/London', 'emergency', 'inpatient',
             ($2::date + 1 + time '10:00') AT TIME ZONE 'Europe/London', 'test', gen_random_uuid()::text, now())`,
    [personId, day],
  );
}
