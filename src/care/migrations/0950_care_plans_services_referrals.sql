-- Joint care plans, the directory of services and referrals made from it.
--
-- One source of truth for plans: every version of a plan written in OnePlace is a row of care_plan_version
-- (immutable: a save, a sign-off or a review adds a version, never rewrites one). The plan in force, the
-- latest signed-off version, is projected into care_plan (source_system 'oneplace-care', care_plan_id = the
-- plan's id) in the same transaction as its sign-off, so everything that already reads care_plan (the
-- national condition, the register, the metrics, the notifier's lead professional, the person banner) reads
-- it without change; plans fed from other systems stay in care_plan as received. A draft is never projected:
-- a plan counts only once signed off with an accountable lead professional.
-- Person-scoped tables: under Citus distributed on person_id and co-located with person.

CREATE TABLE care_plan_version (
  person_id          uuid NOT NULL,
  plan_id            uuid NOT NULL,
  version            integer NOT NULL CHECK (version >= 1),
  status             text NOT NULL CHECK (status IN ('draft', 'signed-off', 'ended')),
  -- What matters to me, strengths, needs, goals, actions, contingency and crisis, carer, end of life,
  -- consent to share: the shape in src/care/plan-content.ts.
  content            jsonb NOT NULL,
  lead_user_id       uuid,                 -- app_user: the accountable lead professional, by name
  lead_role          text,                 -- gp, community-matron, district-nurse, social-worker, care-coordinator
  lead_org_code      text,
  review_due_on      date,
  saved_at           timestamptz NOT NULL,
  saved_by_user_id   uuid NOT NULL,        -- app_user
  saved_by_team_id   uuid NOT NULL,        -- team the author acted in (its organisation contributes)
  -- What this version changed, in words: [{ "field": ..., "change": "added|changed|removed", "summary": ... }].
  changes            jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (person_id, plan_id, version),
  CHECK (status IN ('draft', 'ended') OR (lead_user_id IS NOT NULL AND lead_role IS NOT NULL AND lead_org_code IS NOT NULL
                              AND review_due_on IS NOT NULL))
);
CREATE INDEX care_plan_version_lead_idx ON care_plan_version (lead_user_id) WHERE lead_user_id IS NOT NULL;

-- The directory of services (reference data, not person-scoped): who they are for and how to refer.
CREATE TABLE care_service (
  service_code       text PRIMARY KEY CHECK (service_code ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
  name               text NOT NULL,
  provider           text NOT NULL,
  description        text NOT NULL DEFAULT '',
  team_code          text NOT NULL,        -- the team that receives its referrals (team.team_code)
  min_age            integer,
  max_age            integer,
  efi_categories     text[] NOT NULL DEFAULT '{}',   -- fit, mild, moderate, severe; empty: any
  risk_tiers         text[] NOT NULL DEFAULT '{}',   -- empty: any
  localities         text[] NOT NULL DEFAULT '{}',   -- organisation codes of localities; empty: the whole place
  hours              text NOT NULL DEFAULT '',
  response_time      text NOT NULL DEFAULT '',
  response_days      integer CHECK (response_days IS NULL OR response_days >= 0), -- for the worklist's due date
  how_to_refer       text NOT NULL DEFAULT '',
  kind               text NOT NULL DEFAULT 'other' CHECK (kind IN ('reablement', 'rapid-response', 'intermediate-care',
                       'telecare', 'local-area-coordination', 'voluntary', 'social-care', 'community-health', 'other')),
  bcf_scheme         text,
  active             boolean NOT NULL DEFAULT true,
  source             text NOT NULL,        -- seed, or the file it was imported from
  updated_at         timestamptz NOT NULL,
  CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age)
);

-- Referrals made in OnePlace carry what the receiving team needs and what they decided. Referrals fed from
-- other systems leave these empty. The access check reads referred_on and closed_on only: a referral is a
-- relationship until the day it is declined, completed or withdrawn.
ALTER TABLE referral
  ADD COLUMN service_code       text,
  ADD COLUMN reason             text,
  ADD COLUMN urgency            text CHECK (urgency IN ('routine', 'urgent', 'emergency')),
  ADD COLUMN consent            text CHECK (consent IN ('given', 'best-interests')),
  ADD COLUMN referred_by_user_id uuid,
  ADD COLUMN referred_at        timestamptz,
  ADD COLUMN due_on             date,     -- when the receiving team should have decided
  ADD COLUMN decided_by_user_id uuid,
  ADD COLUMN decided_at         timestamptz,
  ADD COLUMN decline_reason     text,
  ADD COLUMN outcome_summary    text,
  ADD COLUMN version            integer NOT NULL DEFAULT 1,
  -- Reablement: the episode and the 91-day follow-up the BCF metric (ASCOF 2B) needs.
  ADD COLUMN episode_started_on date,
  ADD COLUMN episode_ended_on   date,
  ADD COLUMN after_spell_id     uuid,     -- the hospital spell the episode followed
  ADD COLUMN follow_up_due_on   date,
  ADD COLUMN follow_up_outcome  text CHECK (follow_up_outcome IN ('at-home', 'in-hospital', 'in-care-home', 'died')),
  ADD COLUMN follow_up_recorded_by_user_id uuid,
  ADD COLUMN follow_up_recorded_at timestamptz;
CREATE INDEX referral_open_team_idx ON referral (to_team_id, referred_on) WHERE closed_on IS NULL;
-- One open referral per person and service, however many submit at once (a second would be lost between teams).
CREATE UNIQUE INDEX referral_one_open_per_service ON referral (person_id, service_code)
  WHERE service_code IS NOT NULL AND closed_on IS NULL AND outcome IS DISTINCT FROM 'completed';
CREATE INDEX referral_follow_up_idx ON referral (to_team_id, follow_up_due_on)
  WHERE follow_up_due_on IS NOT NULL AND follow_up_outcome IS NULL;
