-- What a person adds to their own care plan from the citizen's view: what matters to them, a goal they would
-- like, a preference. Kept as the person's own words, apart from the plan's versions (a plan version is saved
-- by a staff user in a team; a citizen is neither). The lead professional takes it into the plan's next
-- version (taken_*), or closes it with a reason the person sees; until then it is 'waiting'.
-- submitted_by: the citizen's opaque audit name (citizen:…); proxy_id: set when a carer with proxy access
-- added it for the person.
CREATE TABLE citizen_contribution (
  person_id          uuid NOT NULL,
  contribution_id    uuid NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('what-matters', 'goal', 'preference')),
  body               text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  submitted_by       text NOT NULL,
  proxy_id           uuid,
  submitted_at       timestamptz NOT NULL,
  status             text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'taken', 'closed')),
  decided_by_user_id uuid REFERENCES app_user (user_id),
  decided_at         timestamptz,
  plan_id            uuid,
  plan_version       integer,
  closed_reason      text CHECK (closed_reason IS NULL OR length(closed_reason) <= 1000),
  PRIMARY KEY (person_id, contribution_id),
  CHECK ((status = 'waiting') = (decided_at IS NULL)),
  CHECK (status <> 'taken' OR (plan_id IS NOT NULL AND plan_version IS NOT NULL)),
  CHECK (status <> 'closed' OR closed_reason IS NOT NULL)
);
CREATE INDEX citizen_contribution_waiting_idx ON citizen_contribution (person_id) WHERE status = 'waiting';
