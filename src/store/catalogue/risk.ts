import { table } from "./define.ts";

// The tables src/risk/migrations creates (risk: the eFI, risk models, runs and cohorts),
// in migration order. How to add one: src/store/README.md.

export const RISK_TABLES = {
  // 0400_efi.sql
  efi_deficit_def: table(
    {
      deficit_id: "text",
      ordinal: "smallint",
      name: "text",
      long_term_condition: "boolean",
    },
    { layout: "reference", primaryKey: ["deficit_id"], unique: [["ordinal"]] },
  ),
  efi_value_rule: table(
    {
      rule_id: "text",
      deficit_id: "text",
      system: "text",
      code: "text",
      label: "text",
      sex: "text?",
      above: "numeric?",
      below: "numeric?",
      source: "text",
    },
    { layout: "reference", primaryKey: ["rule_id"] },
  ),
  risk_reference_load: table(
    {
      name: "text",
      checksum: "text",
      loaded_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["name"] },
  ),
  efi_deficit: table(
    {
      person_id: "uuid",
      deficit_id: "text",
      first_on: "date",
      basis: "text",
      entry_id: "uuid",
      rule_id: "text?",
    },
    { layout: "distributed", primaryKey: ["person_id", "deficit_id"] },
  ),
  // 0401_risk_model.sql
  risk_model: table(
    {
      model_id: "uuid",
      version: "integer",
      kind: "text",
      outcome: "text",
      trained_at: "timestamptz",
      train_index_date: "date",
      validation_index_date: "date",
      spec: "jsonb",
      validation: "jsonb",
    },
    { layout: "reference", primaryKey: ["model_id"], unique: [["version"]] },
  ),
  risk_setting: table(
    {
      key: "text",
      value: "jsonb",
      updated_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["key"] },
  ),
  risk_run: table(
    {
      run_id: "uuid",
      kind: "text",
      as_of: "date",
      model_id: "uuid?",
      started_at: "timestamptz",
      finished_at: "timestamptz?",
      data_watermark: "timestamptz?",
      people: "integer",
      cutpoints: "jsonb?",
      quantiles: "double precision[]?",
      settings: "jsonb",
      // 1071_risk_run_rescoring_of.sql
      rescoring_of: "uuid?",
    },
    { layout: "reference", primaryKey: ["run_id"] },
  ),
  risk_person: table(
    {
      person_id: "uuid",
      run_id: "uuid",
      as_of: "date",
      age: "smallint",
      sex: "text",
      practice_code: "text",
      locality_code: "text?",
      imd_decile: "smallint?",
      deficit_mask: "bigint",
      deficit_count: "smallint",
      efi_category: "text?",
      long_term_conditions: "smallint",
      medicines_12m: "smallint",
      emergency_admissions_12m: "smallint",
      emergency_admissions_prior_12m: "smallint",
      emergency_bed_days_12m: "integer",
      elective_admissions_12m: "smallint",
      ae_attendances_12m: "smallint",
      ae_attendances_prior_12m: "smallint",
      outpatient_attendances_12m: "smallint",
      outpatient_missed_12m: "smallint",
      community_contacts_12m: "smallint",
      mental_health_contacts_12m: "smallint",
      unplanned_contacts_12m: "smallint",
      social_care_now: "smallint",
      social_care_12m: "smallint",
      care_home: "boolean",
      days_since_discharge: "integer?",
      hiu: "boolean",
      model_id: "uuid?",
      probability: "double precision?",
      risk_rank: "integer?",
      risk_percentile: "real?",
      risk_tier: "text?",
      scored_at: "timestamptz",
      // 0894_risk_person_name_order.sql
      family_name: "text?",
      given_name: "text?",
    },
    { layout: "distributed", primaryKey: ["person_id"] },
  ),
  // 1018_risk_rescore_queue.sql
  risk_rescore_queue: table(
    { person_id: "uuid", queued_at: "timestamptz" },
    { layout: "distributed", primaryKey: ["person_id"] },
  ),
  // 0402_cohort.sql
  risk_cohort: table(
    {
      cohort_id: "text",
      description: "text",
      definition: "jsonb",
      created_at: "timestamptz",
      updated_at: "timestamptz",
    },
    { layout: "reference", primaryKey: ["cohort_id"] },
  ),
  risk_register: table(
    {
      register_id: "text",
      cohort_id: "text",
      scope: "text",
      created_at: "timestamptz",
      refreshed_on: "date?",
    },
    { layout: "reference", primaryKey: ["register_id"] },
  ),
  risk_register_member: table(
    {
      person_id: "uuid",
      register_id: "text",
      org_code: "text",
      joined_on: "date",
      left_on: "date?",
    },
    { layout: "distributed", primaryKey: ["person_id", "register_id", "joined_on"] },
  ),
} as const;
