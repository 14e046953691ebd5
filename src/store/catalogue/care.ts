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
} as const;
