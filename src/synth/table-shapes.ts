import type { TableShape } from "../store/index.ts";

// Column lists for COPY, in the order the generator supplies values. They must match the migrations.

function shape(table: string, columns: string): TableShape {
  return { table, columns: columns.split(/\s+/).filter((c) => c.length > 0) };
}

export const ORGANISATION = shape(
  "organisation",
  "org_code name kind parent_code postcode opened_on closed_on care_home_type source_system received_at",
);
export const SITE = shape("site", "site_code org_code name postcode source_system received_at");
export const AREA = shape("area", "area_code name locality_code imd_decile source_system");

export const PERSON = shape(
  "person",
  `person_id nhs_number family_name given_name birth_date sex postcode area_code ethnic_category
   source_system source_record_id received_at`,
);
export const PERSON_IDENTIFIER = shape(
  "person_identifier",
  "person_id system value source_system received_at",
);
export const PERSON_RECORD = shape(
  "person_record",
  `person_id source_system source_record_id nhs_number family_name given_name birth_date sex postcode received_at`,
);
export const REGISTRATION = shape(
  "registration",
  `person_id registration_id practice_code registered_on deregistered_on deregistration_reason
   source_system source_record_id received_at`,
);
export const DEATH = shape(
  "death",
  "person_id died_on place_of_death underlying_cause source_system source_record_id received_at",
);
export const SYNTH_TRUTH = shape("synth_truth", "person_id source_system source_record_id");

export const HOSPITAL_SPELL = shape(
  "hospital_spell",
  `person_id spell_id provider_code site_code admitted_at admission_method patient_class specialty_code
   primary_diagnosis discharged_at discharge_method discharge_destination source_system source_record_id received_at`,
);
export const WARD_STAY = shape(
  "ward_stay",
  "person_id ward_stay_id spell_id ward_code ward_kind started_at ended_at source_system source_record_id received_at",
);
export const AE_ATTENDANCE = shape(
  "ae_attendance",
  `person_id attendance_id provider_code arrived_at departed_at arrival_mode disposal
   source_system source_record_id received_at`,
);
export const OUTPATIENT_ATTENDANCE = shape(
  "outpatient_attendance",
  `person_id attendance_id provider_code specialty_code appointment_on attendance first_attendance
   source_system source_record_id received_at`,
);
export const CARE_CONTACT = shape(
  "care_contact",
  `person_id contact_id setting provider_code service contact_on contact_mode source_system source_record_id received_at`,
);
export const GP_ENTRY = shape(
  "gp_entry",
  `person_id entry_id practice_code recorded_on entry_kind code_system code value unit
   source_system source_record_id received_at`,
);
export const MEDICATION_ISSUE = shape(
  "medication_issue",
  `person_id issue_id practice_code issued_on code_system code display quantity is_repeat
   source_system source_record_id received_at`,
);

export const SOCIAL_CARE_ASSESSMENT = shape(
  "social_care_assessment",
  "person_id assessment_id client_id assessed_on assessment_type outcome source_system source_record_id received_at",
);
export const SOCIAL_CARE_SERVICE = shape(
  "social_care_service",
  `person_id service_id client_id service_type started_on ended_on funding referral_source after_spell_id
   hours_per_week end_reason source_system source_record_id received_at`,
);
export const CARE_HOME_PLACEMENT = shape(
  "care_home_placement",
  `person_id placement_id client_id care_home_code care_type placement_type started_on ended_on funding
   follows_placement_id end_reason source_system source_record_id received_at`,
);
export const DELAYED_TRANSFER = shape(
  "delayed_transfer",
  "person_id delay_id spell_id provider_code ready_on ended_on attribution reason source_system source_record_id received_at",
);
export const CARE_PLAN = shape(
  "care_plan",
  `person_id care_plan_id plan_type started_on review_due_on ended_on lead_professional_role lead_org_code
   source_system source_record_id received_at`,
);

/** Every table the generator fills, parents before children (organisation before site and area). */
export const ALL_SHAPES: readonly TableShape[] = [
  ORGANISATION,
  SITE,
  AREA,
  PERSON,
  PERSON_IDENTIFIER,
  PERSON_RECORD,
  SYNTH_TRUTH,
  REGISTRATION,
  DEATH,
  HOSPITAL_SPELL,
  WARD_STAY,
  AE_ATTENDANCE,
  OUTPATIENT_ATTENDANCE,
  CARE_CONTACT,
  GP_ENTRY,
  MEDICATION_ISSUE,
  SOCIAL_CARE_ASSESSMENT,
  SOCIAL_CARE_SERVICE,
  CARE_HOME_PLACEMENT,
  DELAYED_TRANSFER,
  CARE_PLAN,
];
