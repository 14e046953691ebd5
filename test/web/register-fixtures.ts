// Test rows for registers: a full stratification run and one risk_person row per person, with the few
// columns a register shows set and the rest zero.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../src/store/index.ts";

export async function insertRiskRun(db: Queryable, asOf: string): Promise<string> {
  const runId = randomUUID();
  await db.query(
    `INSERT INTO risk_run (run_id, kind, as_of, started_at, finished_at, people)
     VALUES ($1, 'full', $2, now(), now(), 0)`,
    [runId, asOf],
  );
  return runId;
}

export interface RiskRow {
  personId: string;
  practiceCode: string;
  localityCode?: string | null;
  age?: number;
  tier?: "very-high" | "high" | "rising" | "low" | null;
  probability?: number | null;
  efiCategory?: "fit" | "mild" | "moderate" | "severe" | null;
  deficitCount?: number;
  hiu?: boolean;
}

export async function insertRiskPerson(
  db: Queryable,
  runId: string,
  asOf: string,
  r: RiskRow,
): Promise<void> {
  await db.query(
    `INSERT INTO risk_person (person_id, run_id, as_of, age, sex, practice_code, locality_code, deficit_mask,
       deficit_count, efi_category, long_term_conditions, medicines_12m, emergency_admissions_12m,
       emergency_admissions_prior_12m, emergency_bed_days_12m, elective_admissions_12m, ae_attendances_12m,
       ae_attendances_prior_12m, outpatient_attendances_12m, outpatient_missed_12m, community_contacts_12m,
       mental_health_contacts_12m, unplanned_contacts_12m, social_care_now, social_care_12m, care_home, hiu,
       probability, risk_percentile, risk_tier, scored_at, family_name, given_name)
     SELECT $1, $2, $3, $4, 'female', $5, $6, 0, $7, $8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, $9,
       $10, $11, $12, now(), p.family_name, p.given_name
       FROM (SELECT $1::uuid AS person_id) r LEFT JOIN person p ON p.person_id = r.person_id`,
    [
      r.personId,
      runId,
      asOf,
      r.age ?? 80,
      r.practiceCode,
      r.localityCode ?? null,
      r.deficitCount ?? 0,
      r.efiCategory ?? null,
      r.hiu ?? false,
      r.probability ?? null,
      r.probability === null || r.probability === undefined ? null : r.probability * 100,
      r.tier ?? null,
    ],
  );
}
