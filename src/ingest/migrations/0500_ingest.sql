-- Data in: raw inbound messages, loads, rejects, the ADT visit event log, code maps and reference look-ups.
-- None of these is person-scoped in the Citus sense: they are keyed by source and stay on the coordinator
-- (citus_add_local_table_to_metadata) or become reference tables (ingest_code_map, postcode_area).

-- Every HL7v2 message received, kept raw for provenance and replay. A repeated control id from the same
-- source is acknowledged again from this row, never applied twice.
CREATE TABLE ingest_message (
  source_system    text NOT NULL,
  control_id       text NOT NULL,
  message_type     text NOT NULL,          -- e.g. ADT^A01
  message_time     timestamptz,            -- MSH-7
  received_at      timestamptz NOT NULL DEFAULT now(),
  status           text NOT NULL CHECK (status IN ('applied', 'rejected')),
  ack_code         text NOT NULL CHECK (ack_code IN ('AA', 'AE', 'AR')),
  payload          text NOT NULL,
  payload_sha256   text NOT NULL,
  load_id          uuid,
  PRIMARY KEY (source_system, control_id)
);
CREATE INDEX ingest_message_received_idx ON ingest_message (source_system, received_at);

-- Each file or batch load (CSV, FHIR, HL7 batch file) with what it did. MLLP traffic is counted per source
-- in ingest_message instead.
CREATE TABLE ingest_load (
  load_id          uuid PRIMARY KEY,
  source_system    text NOT NULL,
  format           text NOT NULL CHECK (format IN ('hl7', 'fhir', 'csv')),
  layout           text,                   -- CSV layout or FHIR resource types
  origin           text NOT NULL,          -- file name (never its contents)
  file_sha256      text,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  records_read     integer NOT NULL DEFAULT 0,
  loaded           integer NOT NULL DEFAULT 0,   -- new or changed records written
  duplicates       integer NOT NULL DEFAULT 0,   -- records already there, unchanged: skipped
  rejected         integer NOT NULL DEFAULT 0,
  held             integer NOT NULL DEFAULT 0,   -- accepted and kept until what they depend on arrives
  failure          text
);
CREATE INDEX ingest_load_source_idx ON ingest_load (source_system, started_at);

-- Everything that could not be accepted, with its raw payload, for an integration engineer to see and replay.
-- origin_key makes recording idempotent: the same line of the same file, or the same message, is one reject.
CREATE TABLE ingest_reject (
  reject_id        uuid PRIMARY KEY,
  source_system    text NOT NULL,
  format           text NOT NULL CHECK (format IN ('hl7', 'fhir', 'csv')),
  layout           text,                   -- CSV layout, FHIR resource type or HL7 message type
  origin           text NOT NULL,          -- file name or mllp:<peer>
  origin_key       text NOT NULL,
  location         text,                   -- file:line:column, or segment-field, or resource path
  reason           text NOT NULL,          -- names fields and positions, never values
  payload          text NOT NULL,
  context          text,                   -- what replay needs besides the payload (a CSV header line)
  received_at      timestamptz NOT NULL DEFAULT now(),
  load_id          uuid,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'dismissed')),
  attempts         integer NOT NULL DEFAULT 1,
  resolved_at      timestamptz,
  resolved_by      text,
  UNIQUE (source_system, format, origin_key)
);
CREATE INDEX ingest_reject_open_idx ON ingest_reject (status, source_system, received_at);

-- The ADT event log of each visit (PV1-19). Spells, ward stays and A&E attendances are recomputed from it
-- after every message, so cancellations undo what they cancel and events that arrive before the event they
-- follow are held here until it arrives.
CREATE TABLE adt_visit_event (
  source_system    text NOT NULL,
  visit_number     text NOT NULL,
  control_id       text NOT NULL,
  trigger_event    text NOT NULL,          -- A01, A02, A03 ...
  message_time     timestamptz NOT NULL,   -- MSH-7: the order events happened in at the sender
  record_id        text NOT NULL,          -- the patient's local identifier (PID-3)
  detail           jsonb NOT NULL,         -- the visit fields this event carries
  received_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_system, visit_number, control_id)
);

-- Which source record each canonical row belongs to, so that merges, unmerges and relinks move exactly that
-- record's rows. Social care rows carry their client id and need no entry here.
CREATE TABLE ingest_row_subject (
  source_system    text NOT NULL,
  table_name       text NOT NULL,
  source_record_id text NOT NULL,
  subject_system   text NOT NULL,
  subject_record_id text NOT NULL,
  PRIMARY KEY (source_system, table_name, source_record_id)
);
CREATE INDEX ingest_row_subject_subject_idx ON ingest_row_subject (subject_system, subject_record_id);

-- Local codes each source uses, mapped to OnePlace's: e.g. ward codes to ward kinds. A message or row with a
-- code missing here is rejected, and replayed once the mapping is added.
CREATE TABLE ingest_code_map (
  source_system    text NOT NULL,
  map_name         text NOT NULL,          -- e.g. ward-kind
  source_code      text NOT NULL,
  target_code      text NOT NULL,
  PRIMARY KEY (source_system, map_name, source_code)
);

-- Postcode to small area (as the ONS postcode directory gives it), so a golden record gets its area.
CREATE TABLE postcode_area (
  postcode         text PRIMARY KEY,
  area_code        text NOT NULL
);

-- Practitioners from FHIR sources (staff, not patients).
CREATE TABLE ingest_practitioner (
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  identifier_system text,
  identifier_value text,
  family_name      text,
  given_name       text,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (source_system, source_record_id)
);

-- Sources OnePlace has heard from, with the organisation each speaks for (used for local identifier systems).
CREATE TABLE ingest_source (
  source_system    text PRIMARY KEY,
  org_code         text,
  first_seen_at    timestamptz NOT NULL DEFAULT now()
);
