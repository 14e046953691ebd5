-- Council adult social care, delayed transfers and joint care plans. Distributed on person_id.
-- client_id is the social care system's own id for the person (social care often lacks the NHS Number).

CREATE TABLE social_care_assessment (
  person_id        uuid NOT NULL,
  assessment_id    uuid NOT NULL,
  client_id        text NOT NULL,
  assessed_on      date NOT NULL,
  assessment_type  text NOT NULL CHECK (assessment_type IN ('needs', 'carer', 'review', 'financial')),
  outcome          text NOT NULL CHECK (outcome IN ('long-term-support', 'short-term-support', 'universal-services', 'no-services')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, assessment_id),
  UNIQUE (person_id, source_system, source_record_id)
);

-- Services and packages: reablement, telecare, home care and the rest.
CREATE TABLE social_care_service (
  person_id        uuid NOT NULL,
  service_id       uuid NOT NULL,
  client_id        text NOT NULL,
  service_type     text NOT NULL CHECK (service_type IN ('reablement', 'telecare', 'home-care', 'day-care', 'direct-payment', 'equipment', 'meals')),
  started_on       date NOT NULL,
  ended_on         date,
  funding          text NOT NULL CHECK (funding IN ('council', 'self', 'nhs', 'joint')),
  referral_source  text CHECK (referral_source IN ('hospital-discharge', 'community', 'gp', 'self', 'other')),
  after_spell_id   uuid,                 -- the hospital spell a service started on discharge from
  hours_per_week   numeric,
  end_reason       text CHECK (end_reason IN ('completed', 'long-term-support', 'hospital', 'care-home', 'died', 'declined', 'moved', 'other')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, service_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX social_care_service_type_idx ON social_care_service (service_type, started_on);

-- Residential and nursing care home placements. A trial intended to become permanent counts as permanent;
-- follows_placement_id marks a move between homes (e.g. residential to nursing), which is not a new admission.
CREATE TABLE care_home_placement (
  person_id        uuid NOT NULL,
  placement_id     uuid NOT NULL,
  client_id        text NOT NULL,
  care_home_code   text NOT NULL,
  care_type        text NOT NULL CHECK (care_type IN ('residential', 'nursing')),
  placement_type   text NOT NULL CHECK (placement_type IN ('permanent', 'trial', 'temporary', 'respite')),
  started_on       date NOT NULL,
  ended_on         date,
  funding          text NOT NULL CHECK (funding IN ('council', 'self', 'nhs-chc', 'joint')),
  follows_placement_id uuid,
  end_reason       text CHECK (end_reason IN ('died', 'returned-home', 'moved-home', 'hospital', 'became-permanent', 'other')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, placement_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX care_home_placement_started_idx ON care_home_placement (started_on);

-- A delayed transfer of care: from the day the person was ready to leave until they left.
CREATE TABLE delayed_transfer (
  person_id        uuid NOT NULL,
  delay_id         uuid NOT NULL,
  spell_id         uuid NOT NULL,
  provider_code    text NOT NULL,
  ready_on         date NOT NULL,
  ended_on         date,                 -- day the person left; null while still delayed
  attribution      text NOT NULL CHECK (attribution IN ('nhs', 'social-care', 'both')),
  reason           text NOT NULL,        -- e.g. awaiting-care-package, awaiting-nursing-home, awaiting-assessment
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, delay_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (ended_on IS NULL OR ended_on >= ready_on)
);
CREATE INDEX delayed_transfer_ready_idx ON delayed_transfer (ready_on);

-- Joint health and social care plans with their accountable lead professional. The care coordination
-- capability will build on this table; the foundation needs it for the stroke and dementia measures.
CREATE TABLE care_plan (
  person_id        uuid NOT NULL,
  care_plan_id     uuid NOT NULL,
  plan_type        text NOT NULL CHECK (plan_type IN ('joint-health-social', 'end-of-life', 'crisis')),
  started_on       date NOT NULL,
  review_due_on    date,
  ended_on         date,
  lead_professional_role text,           -- e.g. gp, community-matron, social-worker
  lead_org_code    text,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, care_plan_id),
  UNIQUE (person_id, source_system, source_record_id)
);

-- Each load into the canonical tables, with what it did.
CREATE TABLE data_load (
  load_id          uuid PRIMARY KEY,
  source_system    text NOT NULL,
  description      text NOT NULL,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  rows_by_table    jsonb NOT NULL DEFAULT '{}'::jsonb,
  status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed'))
);
