-- Bulk Data $export jobs (src/fhir/bulk-export.ts). A job is kicked off by one caller (a user, or a SMART
-- backend client acting as its service account) and only that caller may poll, download or cancel it. The
-- NDJSON files themselves are written under ONEPLACE_HOME/fhir-exports/<job_id>/, not in the database; the
-- row keeps what they hold (output) until they expire. No personal data is kept here: the request's query
-- is kept with identifying values masked, as the audit keeps it.

CREATE TABLE fhir_export_job (
  job_id             uuid PRIMARY KEY,
  state              text NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'expired')),
  level              text NOT NULL CHECK (level IN ('system', 'patient', 'group')),
  group_id           text,
  types              text[] NOT NULL,
  since              timestamptz,
  pseudonymised      boolean NOT NULL,
  user_id            uuid NOT NULL,
  client_id          text,                      -- the SMART backend client, or null for a user
  role_code          text NOT NULL,
  purpose            text NOT NULL,
  request            text NOT NULL,             -- the kick-off URL (its query masked)
  transaction_time   timestamptz NOT NULL,
  progress           text NOT NULL DEFAULT 'queued',
  output             jsonb,                     -- [{type, file, count}] once completed
  withheld           integer NOT NULL DEFAULT 0,
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  finished_at        timestamptz,
  expires_at         timestamptz
);
CREATE INDEX fhir_export_job_state_idx ON fhir_export_job (state, expires_at);
