-- When a source last deleted what it said about a patient (A29, MSH-7), per source record. An event for that
-- record dated at or before the deletion that arrives after it (sent before the A29, delivered late) is held,
-- never used to re-create what the source deleted; an event dated after it re-creates the patient.
CREATE TABLE adt_record_deletion (
  source_system    text NOT NULL,
  record_id        text NOT NULL,          -- the patient's local identifier (PID-3)
  deleted_at       timestamptz NOT NULL,   -- MSH-7 of the latest A29 applied for the record
  control_id       text NOT NULL,          -- that A29's MSH-10
  PRIMARY KEY (source_system, record_id)
);
