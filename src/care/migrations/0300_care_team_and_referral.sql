-- Care relationships: caseloads, care teams and referrals. The care coordination capability owns these
-- tables and will extend them (MDT meetings, joint plans, tasks, the directory of services); information
-- governance reads them now to establish a legitimate relationship between a user and a person.
-- Person-scoped: under Citus, distributed on person_id and co-located with person.

-- A person on one professional's caseload within a team.
CREATE TABLE caseload_entry (
  person_id          uuid NOT NULL,
  caseload_entry_id  uuid NOT NULL,
  user_id            uuid NOT NULL,        -- app_user
  team_id            uuid NOT NULL,        -- team
  started_on         date NOT NULL,
  ended_on           date,
  source_system      text NOT NULL,
  source_record_id   text NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, caseload_entry_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX caseload_entry_user_idx ON caseload_entry (user_id, team_id);

-- A team that is part of a person's care team (e.g. the locality MDT discussing them, a community service).
CREATE TABLE care_team_member (
  person_id          uuid NOT NULL,
  membership_id      uuid NOT NULL,
  team_id            uuid NOT NULL,
  started_on         date NOT NULL,
  ended_on           date,
  source_system      text NOT NULL,
  source_record_id   text NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, membership_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX care_team_member_team_idx ON care_team_member (team_id);

-- A referral of a person to a team's service; open until closed_on.
CREATE TABLE referral (
  person_id          uuid NOT NULL,
  referral_id        uuid NOT NULL,
  to_team_id         uuid NOT NULL,
  from_team_id       uuid,
  service            text NOT NULL,        -- e.g. reablement, rapid-response, local-area-coordination
  referred_on        date NOT NULL,
  closed_on          date,
  outcome            text CHECK (outcome IN ('accepted', 'declined', 'completed', 'withdrawn')),
  source_system      text NOT NULL,
  source_record_id   text NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, referral_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (closed_on IS NULL OR closed_on >= referred_on)
);
CREATE INDEX referral_to_team_idx ON referral (to_team_id);
