-- Saved cohorts (criteria as JSON) and registers: a saved cohort kept per practice or locality, with who
-- joined and who left at each refresh.

CREATE TABLE risk_cohort (
  cohort_id      text PRIMARY KEY CHECK (cohort_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  description    text NOT NULL DEFAULT '',
  definition     jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE risk_register (
  register_id    text PRIMARY KEY CHECK (register_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  cohort_id      text NOT NULL REFERENCES risk_cohort (cohort_id),
  scope          text NOT NULL CHECK (scope IN ('practice', 'locality')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  refreshed_on   date
);

-- One row per stay on a register: joined_on is the as-of date of the refresh that added the person,
-- left_on the as-of date of the refresh that found them gone (null while on it).
CREATE TABLE risk_register_member (
  person_id      uuid NOT NULL,
  register_id    text NOT NULL,
  org_code       text NOT NULL,
  joined_on      date NOT NULL,
  left_on        date,
  PRIMARY KEY (person_id, register_id, joined_on)
);
CREATE INDEX risk_register_member_register_idx ON risk_register_member (register_id, org_code);
