-- Proxy access: a citizen (a carer, an attorney, a deputy, a parent), identified by their own NHS Number as
-- NHS login asserts it at P9, may open another person's record in the citizen's view. Recorded by staff in a
-- direct-care role with a relationship to the person (audited as a change to the person's record), on one
-- of four bases, from a start date to a review date; revoking takes effect on the next request. What each
-- basis allows is in src/governance/citizen-proxy.ts. person_id: the person acted for.
CREATE TABLE citizen_proxy (
  person_id            uuid NOT NULL,
  proxy_id             uuid NOT NULL,
  proxy_nhs_number     text NOT NULL CHECK (proxy_nhs_number ~ '^[0-9]{10}$'),
  proxy_name           text NOT NULL CHECK (length(proxy_name) BETWEEN 1 AND 200),
  relationship         text NOT NULL CHECK (length(relationship) BETWEEN 1 AND 100),
  basis                text NOT NULL CHECK (basis IN ('consent', 'lpa-health-welfare', 'court-deputy', 'parent')),
  starts_on            date NOT NULL,
  review_on            date NOT NULL,
  recorded_by_user_id  uuid NOT NULL REFERENCES app_user (user_id),
  recorded_by_team_id  uuid NOT NULL REFERENCES team (team_id),
  recorded_at          timestamptz NOT NULL,
  revoked_at           timestamptz,
  revoked_by_user_id   uuid REFERENCES app_user (user_id),
  revoked_reason       text CHECK (revoked_reason IS NULL OR length(revoked_reason) <= 1000),
  PRIMARY KEY (person_id, proxy_id),
  CHECK (review_on > starts_on),
  CHECK ((revoked_at IS NULL) = (revoked_by_user_id IS NULL))
);
CREATE INDEX citizen_proxy_by_proxy_idx ON citizen_proxy (proxy_nhs_number) WHERE revoked_at IS NULL;

-- Whose record the citizen session is looking at: null for the signed-in person's own; otherwise a proxy
-- grant, checked again on every request (so a revocation ends it at once).
ALTER TABLE citizen_session ADD COLUMN acting_for_proxy_id uuid;
