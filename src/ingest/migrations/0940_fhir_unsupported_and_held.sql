-- FHIR as others send it. Resources of types OnePlace does not load are counted per type in the load that
-- offered them, never refused. A clinical resource whose Patient has not arrived yet is held here with why,
-- and released (applied) by the load that brings that Patient; what it waits for is a Patient id of the same
-- source ('record') or an NHS Number ('nhs').
ALTER TABLE ingest_load ADD COLUMN unsupported_by_type jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE TABLE ingest_fhir_held (
  source_system    text NOT NULL,
  origin_key       text NOT NULL,          -- ResourceType/id
  resource_type    text NOT NULL,
  waiting_kind     text NOT NULL CHECK (waiting_kind IN ('record', 'nhs')),
  waiting_for      text NOT NULL,
  reason           text NOT NULL,          -- names fields, never values
  payload          text NOT NULL,
  origin           text NOT NULL,          -- the file it came in
  location         text,
  load_id          uuid,
  held_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_system, origin_key)
);
CREATE INDEX ingest_fhir_held_waiting_idx ON ingest_fhir_held (waiting_kind, waiting_for);
