-- Health and care activity: narrow typed tables, one row per event or coded entry, distributed on person_id.

-- A hospital provider spell: admission to discharge.
CREATE TABLE hospital_spell (
  person_id           uuid NOT NULL,
  spell_id            uuid NOT NULL,
  provider_code       text NOT NULL,
  site_code           text,
  admitted_at         timestamptz NOT NULL,
  admission_method    text NOT NULL CHECK (admission_method IN ('emergency', 'elective', 'maternity', 'transfer', 'other')),
  patient_class       text NOT NULL CHECK (patient_class IN ('inpatient', 'day-case')),
  specialty_code      text,              -- treatment function code, e.g. 300 general medicine, 430 geriatric medicine
  primary_diagnosis   text,              -- ICD-10
  discharged_at       timestamptz,       -- null while in hospital
  discharge_method    text CHECK (discharge_method IN ('discharged', 'self-discharged', 'died', 'transferred')),
  -- NHS Data Dictionary discharge destination: 19 usual residence, 29 temporary residence, 51 other NHS
  -- hospital, 54 NHS care home, 65 local authority residential care, 85 non-NHS care home, 88 hospice, 79 died
  discharge_destination text,
  source_system       text NOT NULL,
  source_record_id    text NOT NULL,
  received_at         timestamptz NOT NULL,
  PRIMARY KEY (person_id, spell_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (discharged_at IS NULL OR discharged_at >= admitted_at)
);
CREATE INDEX hospital_spell_admitted_idx ON hospital_spell (admitted_at);
CREATE INDEX hospital_spell_discharged_idx ON hospital_spell (discharged_at);

CREATE TABLE ward_stay (
  person_id        uuid NOT NULL,
  ward_stay_id     uuid NOT NULL,
  spell_id         uuid NOT NULL,
  ward_code        text NOT NULL,
  ward_kind        text NOT NULL CHECK (ward_kind IN ('assessment', 'general', 'stroke-unit', 'elderly-care', 'surgical', 'critical-care', 'maternity', 'other')),
  started_at       timestamptz NOT NULL,
  ended_at         timestamptz,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, ward_stay_id),
  UNIQUE (person_id, source_system, source_record_id)
);
CREATE INDEX ward_stay_spell_idx ON ward_stay (person_id, spell_id);

CREATE TABLE ae_attendance (
  person_id        uuid NOT NULL,
  attendance_id    uuid NOT NULL,
  provider_code    text NOT NULL,
  arrived_at       timestamptz NOT NULL,
  departed_at      timestamptz,
  arrival_mode     text CHECK (arrival_mode IN ('ambulance', 'walk-in', 'other')),
  disposal         text CHECK (disposal IN ('admitted', 'discharged', 'referred', 'left', 'died')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, attendance_id),
  UNIQUE (person_id, source_system, source_record_id)
);
CREATE INDEX ae_attendance_arrived_idx ON ae_attendance (arrived_at);

CREATE TABLE outpatient_attendance (
  person_id        uuid NOT NULL,
  attendance_id    uuid NOT NULL,
  provider_code    text NOT NULL,
  specialty_code   text,
  appointment_on   date NOT NULL,
  attendance       text NOT NULL CHECK (attendance IN ('attended', 'did-not-attend', 'cancelled')),
  first_attendance boolean NOT NULL,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, attendance_id),
  UNIQUE (person_id, source_system, source_record_id)
);
CREATE INDEX outpatient_attendance_on_idx ON outpatient_attendance (appointment_on);

-- Community and mental health service contacts.
CREATE TABLE care_contact (
  person_id        uuid NOT NULL,
  contact_id       uuid NOT NULL,
  setting          text NOT NULL CHECK (setting IN ('community', 'mental-health')),
  provider_code    text NOT NULL,
  service          text NOT NULL,        -- e.g. district-nursing, rapid-response, community-mental-health-team
  contact_on       date NOT NULL,
  contact_mode     text CHECK (contact_mode IN ('face-to-face', 'home-visit', 'telephone', 'video')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, contact_id),
  UNIQUE (person_id, source_system, source_record_id)
);
CREATE INDEX care_contact_on_idx ON care_contact (contact_on);

-- GP coded record: conditions, observations (with value and unit) and procedures.
CREATE TABLE gp_entry (
  person_id        uuid NOT NULL,
  entry_id         uuid NOT NULL,
  practice_code    text NOT NULL,
  recorded_on      date NOT NULL,
  entry_kind       text NOT NULL CHECK (entry_kind IN ('condition', 'observation', 'procedure')),
  code_system      text NOT NULL,
  code             text NOT NULL,        -- a string: SNOMED CT ids can exceed a JavaScript number
  value            numeric,
  unit             text,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, entry_id),
  UNIQUE (person_id, source_system, source_record_id)
);
CREATE INDEX gp_entry_code_idx ON gp_entry (code_system, code);

CREATE TABLE medication_issue (
  person_id        uuid NOT NULL,
  issue_id         uuid NOT NULL,
  practice_code    text NOT NULL,
  issued_on        date NOT NULL,
  code_system      text NOT NULL,
  code             text NOT NULL,
  display          text NOT NULL,
  quantity         numeric,
  is_repeat        boolean NOT NULL,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, issue_id),
  UNIQUE (person_id, source_system, source_record_id)
);
