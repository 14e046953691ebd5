-- MDT meetings: a practice or locality multidisciplinary team meets, works through an agenda of people drawn
-- from its register (or a saved cohort) by rules it sets, and records per person what was discussed and
-- decided, the actions (owner, organisation, due date, status), the lead professional assigned or confirmed
-- and the joint plan started or reviewed. Open actions carry to the team's next meeting until closed.
-- mdt_meeting and mdt_attendee hold no person; the agenda and actions are person-scoped (under Citus
-- distributed on person_id and co-located with person).

CREATE TABLE mdt_meeting (
  meeting_id         uuid PRIMARY KEY,
  team_id            uuid NOT NULL,        -- team: the practice or locality MDT that meets
  title              text NOT NULL,
  held_on            date NOT NULL,
  starts_at          text NOT NULL DEFAULT '' CHECK (starts_at = '' OR starts_at ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  location           text NOT NULL DEFAULT '',
  source_kind        text NOT NULL CHECK (source_kind IN ('practice', 'locality', 'cohort')),
  source_code        text NOT NULL,        -- practice or locality code, or saved cohort id
  -- The rules the agenda was drawn with: very-high-new, admitted-since-last, review-due, no-plan.
  rules              text[] NOT NULL DEFAULT '{}',
  tiers              text[] NOT NULL DEFAULT '{very-high,high}',  -- the register's tiers the rules look at
  -- People the rules found whom the scheduler could not see (counted, never named).
  withheld           integer NOT NULL DEFAULT 0,
  created_by_user_id uuid NOT NULL,
  created_at         timestamptz NOT NULL,
  version            integer NOT NULL DEFAULT 1
);
-- One meeting a team at a time: scheduling the same meeting twice changes nothing.
CREATE UNIQUE INDEX mdt_meeting_team_idx ON mdt_meeting (team_id, held_on, starts_at);

-- Who attended, by role.
CREATE TABLE mdt_attendee (
  meeting_id         uuid NOT NULL,
  attendee_id        uuid NOT NULL,
  name               text NOT NULL,
  role               text NOT NULL,
  organisation       text NOT NULL DEFAULT '',
  PRIMARY KEY (meeting_id, attendee_id)
);

-- A person on a meeting's agenda, and what the meeting recorded about them.
CREATE TABLE mdt_agenda_item (
  person_id          uuid NOT NULL,
  meeting_id         uuid NOT NULL,
  position           integer NOT NULL,
  reasons            text[] NOT NULL DEFAULT '{}',   -- why on the agenda: the rules met, added, carried actions
  summary            text NOT NULL DEFAULT '',
  decisions          text NOT NULL DEFAULT '',
  lead_user_id       uuid,                           -- app_user: lead professional assigned or confirmed
  lead_role          text,
  lead_outcome       text CHECK (lead_outcome IN ('assigned', 'confirmed')),
  plan_id            uuid,                           -- the joint plan (care_plan_version) started or reviewed
  plan_outcome       text CHECK (plan_outcome IN ('started', 'reviewed')),
  recorded_by_user_id uuid,
  recorded_at        timestamptz,
  PRIMARY KEY (person_id, meeting_id),
  CHECK ((lead_user_id IS NULL) = (lead_outcome IS NULL)),
  CHECK ((plan_id IS NULL) = (plan_outcome IS NULL))
);
CREATE UNIQUE INDEX mdt_agenda_item_meeting_idx ON mdt_agenda_item (meeting_id, person_id) INCLUDE (position);

-- An action agreed for a person at a meeting; open actions carry to the team's next meeting.
CREATE TABLE mdt_action (
  person_id          uuid NOT NULL,
  action_id          uuid NOT NULL,
  meeting_id         uuid NOT NULL,        -- the meeting that agreed it
  team_id            uuid NOT NULL,        -- the MDT that follows it up
  description        text NOT NULL CHECK (description <> ''),
  owner              text NOT NULL CHECK (owner <> ''),
  organisation       text NOT NULL CHECK (organisation <> ''),
  due_on             date NOT NULL,
  status             text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
  created_by_user_id uuid NOT NULL,
  created_at         timestamptz NOT NULL,
  closed_in_meeting_id uuid,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (person_id, action_id)
);
CREATE INDEX mdt_action_meeting_idx ON mdt_action (meeting_id);
CREATE INDEX mdt_action_team_open_idx ON mdt_action (team_id, person_id) WHERE status = 'open';
