import { PROVENANCE, PROVENANCE_KEY, table } from "./define.ts";

// The tables src/care/migrations creates (care: caseloads, care teams and referrals; admission notifications),
// in migration order. How to add one: src/store/README.md.

export const CARE_TABLES = {
  // 0300_care_team_and_referral.sql
  caseload_entry: table(
    {
      person_id: "uuid",
      caseload_entry_id: "uuid",
      user_id: "uuid",
      team_id: "uuid",
      started_on: "date",
      ended_on: "date?",
      ...PROVENANCE,
    },
    {
      primaryKey: ["person_id", "caseload_entry_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  care_team_member: table(
    {
      person_id: "uuid",
      membership_id: "uuid",
      team_id: "uuid",
      started_on: "date",
      ended_on: "date?",
      ...PROVENANCE,
    },
    {
      primaryKey: ["person_id", "membership_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  referral: table(
    {
      person_id: "uuid",
      referral_id: "uuid",
      to_team_id: "uuid",
      from_team_id: "uuid?",
      service: "text",
      referred_on: "date",
      closed_on: "date?",
      outcome: "text?",
      ...PROVENANCE,
      // 0950_care_plans_services_referrals.sql adds what a referral made in OnePlace carries
      service_code: "text?",
      reason: "text?",
      urgency: "text?",
      consent: "text?",
      referred_by_user_id: "uuid?",
      referred_at: "timestamptz?",
      due_on: "date?",
      decided_by_user_id: "uuid?",
      decided_at: "timestamptz?",
      decline_reason: "text?",
      outcome_summary: "text?",
      version: "integer",
      episode_started_on: "date?",
      episode_ended_on: "date?",
      after_spell_id: "uuid?",
      follow_up_due_on: "date?",
      follow_up_outcome: "text?",
      follow_up_recorded_by_user_id: "uuid?",
      follow_up_recorded_at: "timestamptz?",
    },
    {
      primaryKey: ["person_id", "referral_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  // 0860_admission_notification.sql
  admission_notification: table(
    {
      person_id: "uuid",
      notification_id: "uuid",
      spell_id: "uuid",
      team_id: "uuid",
      reasons: "text[]",
      provider_code: "text",
      admitted_at: "timestamptz",
      notified_at: "timestamptz",
    },
    {
      primaryKey: ["person_id", "notification_id"],
      unique: [["person_id", "spell_id", "team_id"]],
    },
  ),
  admission_notification_delivery: table(
    {
      person_id: "uuid",
      spell_id: "uuid",
      user_id: "uuid",
      notification_id: "uuid",
      delivered_at: "timestamptz",
      read_at: "timestamptz?",
    },
    { primaryKey: ["person_id", "spell_id", "user_id"] },
  ),
  admission_notice_queue: table(
    { person_id: "uuid", spell_id: "uuid", queued_at: "timestamptz" },
    { primaryKey: ["person_id", "spell_id"] },
  ),
  // 0950_care_plans_services_referrals.sql
  care_plan_version: table(
    {
      person_id: "uuid",
      plan_id: "uuid",
      version: "integer",
      status: "text",
      content: "jsonb",
      lead_user_id: "uuid?",
      lead_role: "text?",
      lead_org_code: "text?",
      review_due_on: "date?",
      saved_at: "timestamptz",
      saved_by_user_id: "uuid",
      saved_by_team_id: "uuid",
      changes: "jsonb",
    },
    { primaryKey: ["person_id", "plan_id", "version"] },
  ),
  care_service: table(
    {
      service_code: "text",
      name: "text",
      provider: "text",
      description: "text",
      team_code: "text",
      min_age: "integer?",
      max_age: "integer?",
      efi_categories: "text[]",
      risk_tiers: "text[]",
      localities: "text[]",
      hours: "text",
      response_time: "text",
      response_days: "integer?",
      how_to_refer: "text",
      kind: "text",
      bcf_scheme: "text?",
      active: "boolean",
      source: "text",
      updated_at: "timestamptz",
    },
    { primaryKey: ["service_code"] },
  ),
} as const;
