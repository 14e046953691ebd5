import { PROVENANCE, PROVENANCE_KEY, table } from "./define.ts";

// The tables src/store/migrations creates (reference data, the person-scoped canonical tables and
// data_load), in migration order. How to add one: src/store/README.md.

export const STORE_TABLES = {
  // 0001_reference.sql
  organisation: table(
    {
      org_code: "text",
      name: "text",
      kind: "text",
      parent_code: "text?",
      postcode: "text?",
      opened_on: "date?",
      closed_on: "date?",
      care_home_type: "text?",
      source_system: "text",
      received_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["org_code"] },
  ),
  site: table(
    {
      site_code: "text",
      org_code: "text",
      name: "text",
      postcode: "text?",
      source_system: "text",
      received_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["site_code"] },
  ),
  code: table(
    {
      system: "text",
      code: "text",
      display: "text",
    },
    { layout: "reference", primaryKey: ["system", "code"] },
  ),
  code_list_member: table(
    {
      list_id: "text",
      system: "text",
      code: "text",
      source: "text",
    },
    { layout: "reference", primaryKey: ["list_id", "system", "code"] },
  ),
  area: table(
    {
      area_code: "text",
      name: "text",
      locality_code: "text?",
      imd_decile: "smallint",
      source_system: "text",
    },
    { layout: "reference", primaryKey: ["area_code"] },
  ),
  // 0002_person.sql
  person: table(
    {
      person_id: "uuid",
      nhs_number: "text?",
      family_name: "text",
      given_name: "text",
      birth_date: "date",
      sex: "text",
      postcode: "text?",
      area_code: "text?",
      ethnic_category: "text?",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id"] },
  ),
  person_identifier: table(
    {
      person_id: "uuid",
      system: "text",
      value: "text",
      source_system: "text",
      received_at: "timestamptz",
    },
    { layout: "distributed", primaryKey: ["person_id", "system", "value"] },
  ),
  person_record: table(
    {
      person_id: "uuid",
      source_system: "text",
      source_record_id: "text",
      nhs_number: "text?",
      family_name: "text?",
      given_name: "text?",
      birth_date: "date?",
      sex: "text?",
      postcode: "text?",
      received_at: "timestamptz",
    },
    { layout: "distributed", primaryKey: ["person_id", "source_system", "source_record_id"] },
  ),
  registration: table(
    {
      person_id: "uuid",
      registration_id: "uuid",
      practice_code: "text",
      registered_on: "date",
      deregistered_on: "date?",
      deregistration_reason: "text?",
      ...PROVENANCE,
      // 1051_subject_in_row.sql: the source record (of source_system) the registration is about
      subject_record_id: "text?",
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "registration_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  death: table(
    {
      person_id: "uuid",
      died_on: "date",
      place_of_death: "text?",
      underlying_cause: "text?",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id"] },
  ),
  synth_truth: table(
    {
      person_id: "uuid",
      source_system: "text",
      source_record_id: "text",
    },
    { layout: "distributed", primaryKey: ["person_id", "source_system", "source_record_id"] },
  ),
  // 0003_activity.sql
  hospital_spell: table(
    {
      person_id: "uuid",
      spell_id: "uuid",
      provider_code: "text",
      site_code: "text?",
      admitted_at: "timestamptz",
      admission_method: "text",
      patient_class: "text",
      specialty_code: "text?",
      primary_diagnosis: "text?",
      discharged_at: "timestamptz?",
      discharge_method: "text?",
      discharge_destination: "text?",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id", "spell_id"], unique: [PROVENANCE_KEY] },
  ),
  ward_stay: table(
    {
      person_id: "uuid",
      ward_stay_id: "uuid",
      spell_id: "uuid",
      ward_code: "text",
      ward_kind: "text",
      started_at: "timestamptz",
      ended_at: "timestamptz?",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "ward_stay_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  ae_attendance: table(
    {
      person_id: "uuid",
      attendance_id: "uuid",
      provider_code: "text",
      arrived_at: "timestamptz",
      departed_at: "timestamptz?",
      arrival_mode: "text?",
      disposal: "text?",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "attendance_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  outpatient_attendance: table(
    {
      person_id: "uuid",
      attendance_id: "uuid",
      provider_code: "text",
      specialty_code: "text?",
      appointment_on: "date",
      attendance: "text",
      first_attendance: "boolean",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "attendance_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  care_contact: table(
    {
      person_id: "uuid",
      contact_id: "uuid",
      setting: "text",
      provider_code: "text",
      service: "text",
      contact_on: "date",
      contact_mode: "text?",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id", "contact_id"], unique: [PROVENANCE_KEY] },
  ),
  gp_entry: table(
    {
      person_id: "uuid",
      entry_id: "uuid",
      practice_code: "text?", // 0941: null when the source is not the patient's practice
      recorded_on: "date",
      entry_kind: "text",
      code_system: "text",
      code: "text",
      value: "numeric?",
      unit: "text?",
      ...PROVENANCE,
      // 0942_record_from_standard_fhir.sql: a coded value (a smoking status)
      value_code_system: "text?",
      value_code: "text?",
      // 1051_subject_in_row.sql: the source record (of source_system) the entry is about
      subject_record_id: "text?",
    },
    { layout: "distributed", primaryKey: ["person_id", "entry_id"], unique: [PROVENANCE_KEY] },
  ),
  medication_issue: table(
    {
      person_id: "uuid",
      issue_id: "uuid",
      practice_code: "text?", // 0941: null when the source is not the patient's practice
      issued_on: "date",
      code_system: "text",
      code: "text",
      display: "text",
      quantity: "numeric?",
      is_repeat: "boolean",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id", "issue_id"], unique: [PROVENANCE_KEY] },
  ),
  // 0004_social_care.sql
  social_care_assessment: table(
    {
      person_id: "uuid",
      assessment_id: "uuid",
      client_id: "text",
      assessed_on: "date",
      assessment_type: "text",
      outcome: "text",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "assessment_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  social_care_service: table(
    {
      person_id: "uuid",
      service_id: "uuid",
      client_id: "text",
      service_type: "text",
      started_on: "date",
      ended_on: "date?",
      funding: "text",
      referral_source: "text?",
      after_spell_id: "uuid?",
      hours_per_week: "numeric?",
      end_reason: "text?",
      ...PROVENANCE,
    },
    { layout: "distributed", primaryKey: ["person_id", "service_id"], unique: [PROVENANCE_KEY] },
  ),
  care_home_placement: table(
    {
      person_id: "uuid",
      placement_id: "uuid",
      client_id: "text",
      care_home_code: "text",
      care_type: "text",
      placement_type: "text",
      started_on: "date",
      ended_on: "date?",
      funding: "text",
      follows_placement_id: "uuid?",
      end_reason: "text?",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "placement_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  delayed_transfer: table(
    {
      person_id: "uuid",
      delay_id: "uuid",
      spell_id: "uuid",
      provider_code: "text",
      ready_on: "date",
      ended_on: "date?",
      attribution: "text",
      reason: "text",
      ...PROVENANCE,
      // 1051_subject_in_row.sql: the source record (of source_system) the delay is about
      subject_record_id: "text?",
    },
    { layout: "distributed", primaryKey: ["person_id", "delay_id"], unique: [PROVENANCE_KEY] },
  ),
  care_plan: table(
    {
      person_id: "uuid",
      care_plan_id: "uuid",
      plan_type: "text",
      started_on: "date",
      review_due_on: "date?",
      ended_on: "date?",
      lead_professional_role: "text?",
      lead_org_code: "text?",
      ...PROVENANCE,
    },
    {
      layout: "distributed",
      primaryKey: ["person_id", "care_plan_id"],
      unique: [PROVENANCE_KEY],
    },
  ),
  data_load: table(
    {
      load_id: "uuid",
      source_system: "text",
      description: "text",
      started_at: "timestamptz",
      finished_at: "timestamptz?",
      rows_by_table: "jsonb",
      status: "text",
    },
    { layout: "reference", primaryKey: ["load_id"] },
  ),
  // 1089_person_by_nhs_number.sql: who holds each NHS Number, sharded on the number (src/store/nhs-number-routes.ts)
  person_by_nhs_number: table(
    {
      nhs_number: "text",
      person_id: "uuid",
    },
    { layout: "nhs-number", primaryKey: ["nhs_number", "person_id"] },
  ),
} as const;
