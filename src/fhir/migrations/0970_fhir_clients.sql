-- The FHIR API (src/fhir): SMART Backend Services clients, the access tokens issued to them, and the client
-- assertion ids already used (replay protection). A client acts as one service account in one role in one
-- team for one purpose, recorded at registration, exactly as an API token does.

CREATE TABLE fhir_client (
  client_id          text PRIMARY KEY,
  name               text NOT NULL,
  user_id            uuid NOT NULL REFERENCES app_user (user_id),
  role_code          text NOT NULL,
  team_id            uuid NOT NULL,
  purpose            text NOT NULL,
  scopes             text[] NOT NULL,
  jwks               jsonb NOT NULL,            -- the client's public keys (a JWK Set); never a private key
  created_at         timestamptz NOT NULL DEFAULT now(),
  revoked_at         timestamptz
);

CREATE TABLE fhir_access_token (
  token_hash         text PRIMARY KEY,          -- SHA-256 of the bearer token; the token itself is never stored
  client_id          text NOT NULL REFERENCES fhir_client (client_id),
  scopes             text[] NOT NULL,
  issued_at          timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL
);
CREATE INDEX fhir_access_token_client_idx ON fhir_access_token (client_id);

CREATE TABLE fhir_assertion_jti (
  client_id          text NOT NULL,
  jti                text NOT NULL,
  expires_at         timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- A FHIR read by id names a resource by its own id alone: these let it be found without the person's id.
CREATE INDEX gp_entry_entry_id_idx ON gp_entry (entry_id);
CREATE INDEX medication_issue_issue_id_idx ON medication_issue (issue_id);
CREATE INDEX hospital_spell_spell_id_idx ON hospital_spell (spell_id);
CREATE INDEX ae_attendance_attendance_id_idx ON ae_attendance (attendance_id);
CREATE INDEX outpatient_attendance_attendance_id_idx ON outpatient_attendance (attendance_id);
CREATE INDEX care_contact_contact_id_idx ON care_contact (contact_id);
CREATE INDEX sharing_objection_objection_id_idx ON sharing_objection (objection_id);
