-- Messages held by a deletion (1035): an event dated at or before its source's A29 for the patient's record that
-- arrives after it is acknowledged and kept (ingest_message) but never applied. Each is listed here with why, so
-- feed health can show them as it shows what else is held, rather than only counting them in a file load.
CREATE TABLE adt_held_message (
  source_system    text NOT NULL,
  control_id       text NOT NULL,          -- as in ingest_message
  message_type     text NOT NULL,          -- e.g. ADT^A01
  message_time     timestamptz,            -- MSH-7
  reason           text NOT NULL,          -- names the deletion it predates, never patient details
  held_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_system, control_id)
);
CREATE INDEX adt_held_message_held_at_idx ON adt_held_message (source_system, held_at);
