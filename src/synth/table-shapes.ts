import { CATALOGUE, type CopyRow, type Table } from "../store/index.ts";

// The tables the generator fills, taken from the store's catalogue: their columns and order are the
// catalogue's, so a column added by a migration is a column the generator must supply (the row types say so).

export const ORGANISATION = CATALOGUE.organisation;
export const SITE = CATALOGUE.site;
export const AREA = CATALOGUE.area;

export const PERSON = CATALOGUE.person;
export const PERSON_BY_NHS_NUMBER = CATALOGUE.person_by_nhs_number;
export const PERSON_IDENTIFIER = CATALOGUE.person_identifier;
export const PERSON_RECORD = CATALOGUE.person_record;
export const REGISTRATION = CATALOGUE.registration;
export const DEATH = CATALOGUE.death;
export const SYNTH_TRUTH = CATALOGUE.synth_truth;

export const HOSPITAL_SPELL = CATALOGUE.hospital_spell;
export const WARD_STAY = CATALOGUE.ward_stay;
export const AE_ATTENDANCE = CATALOGUE.ae_attendance;
export const OUTPATIENT_ATTENDANCE = CATALOGUE.outpatient_attendance;
export const CARE_CONTACT = CATALOGUE.care_contact;
export const GP_ENTRY = CATALOGUE.gp_entry;
export const MEDICATION_ISSUE = CATALOGUE.medication_issue;

export const SOCIAL_CARE_ASSESSMENT = CATALOGUE.social_care_assessment;
export const SOCIAL_CARE_SERVICE = CATALOGUE.social_care_service;
export const CARE_HOME_PLACEMENT = CATALOGUE.care_home_placement;
export const DELAYED_TRANSFER = CATALOGUE.delayed_transfer;
export const CARE_PLAN = CATALOGUE.care_plan;

/** Every table the generator fills, parents before children (organisation before site and area). */
export const ALL_SHAPES = [
  ORGANISATION,
  SITE,
  AREA,
  PERSON,
  PERSON_BY_NHS_NUMBER,
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
] as const;

export type SynthTableName = (typeof ALL_SHAPES)[number]["name"];

/** One generated row: its table and its values by column name, every column given. */
export type SynthRow = { [T in SynthTableName]: readonly [Table<T>, CopyRow<T>] }[SynthTableName];
