-- Objections, the national data opt-out and break-glass access. Person-scoped: under Citus, distributed on
-- person_id and co-located with person (person_id leads every key).

-- A person's objection to sharing their record: it is then visible only to the organisation that holds it
-- (holding_org_code), except through an emergency break-glass.
CREATE TABLE sharing_objection (
  person_id          uuid NOT NULL,
  objection_id       uuid NOT NULL,
  holding_org_code   text NOT NULL,
  recorded_on        date NOT NULL,
  withdrawn_on       date,
  source             text NOT NULL,        -- where it was recorded, e.g. the GP system, a letter, the council
  source_system      text NOT NULL,
  source_record_id   text NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, objection_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (withdrawn_on IS NULL OR withdrawn_on >= recorded_on)
);

-- The national data opt-out: the person is excluded from every secondary use (analytics, commissioning,
-- research, bulk extracts). Direct care is not affected.
CREATE TABLE data_opt_out (
  person_id          uuid NOT NULL,
  opt_out_id         uuid NOT NULL,
  recorded_on        date NOT NULL,
  withdrawn_on       date,
  source             text NOT NULL,        -- e.g. national-data-opt-out service
  source_system      text NOT NULL,
  source_record_id   text NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, opt_out_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (withdrawn_on IS NULL OR withdrawn_on >= recorded_on)
);

-- Break-glass: a clinician without a legitimate relationship records a reason and gets time-limited
-- access to one person. Every one is flagged to the IG officer until reviewed.
CREATE TABLE break_glass (
  person_id          uuid NOT NULL,
  break_glass_id     uuid NOT NULL,
  user_id            uuid NOT NULL,
  role_code          text NOT NULL,
  team_id            uuid NOT NULL,
  reason             text NOT NULL CHECK (length(btrim(reason)) >= 10),
  started_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  reviewed_at        timestamptz,
  reviewed_by        text,
  review_note        text,
  PRIMARY KEY (person_id, break_glass_id),
  CHECK (expires_at > started_at)
);
CREATE INDEX break_glass_user_idx ON break_glass (user_id, expires_at);
CREATE INDEX break_glass_unreviewed_idx ON break_glass (started_at) WHERE reviewed_at IS NULL;
