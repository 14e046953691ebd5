-- A citizen's signed-in session (NHS login, or a provider shaped like it), apart from staff sessions: a
-- citizen holds no role and no team, so a citizen session can never be taken for a staff one. The browser
-- holds a random token; the database its SHA-256, the provider's subject, the NHS Number the provider
-- asserted and the identity proofing level (P9 is needed to see the record).
CREATE TABLE citizen_session (
  session_id         uuid PRIMARY KEY,
  token_hash         text NOT NULL UNIQUE,
  oidc_issuer        text NOT NULL,
  oidc_subject       text NOT NULL,
  nhs_number         text CHECK (nhs_number ~ '^[0-9]{10}$'),
  proofing_level     text NOT NULL CHECK (proofing_level IN ('P0', 'P5', 'P9')),
  client_address     text,
  created_at         timestamptz NOT NULL,
  last_seen_at       timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL
);
CREATE INDEX citizen_session_expiry_idx ON citizen_session (expires_at);
