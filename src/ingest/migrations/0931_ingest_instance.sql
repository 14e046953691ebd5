-- Whether this place is a test instance. A sender marks each message production (MSH-11 P) or test (T); a test
-- instance (a trust's test interface pointed at a OnePlace set up to try it) takes both, any other place refuses
-- test messages (AR) with that reason. One row; no row is a production place.
CREATE TABLE ingest_instance (
  only_row         boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  test_instance    boolean NOT NULL,
  changed_at       timestamptz NOT NULL DEFAULT now(),
  changed_by       text NOT NULL
);

-- A message of an ADT event OnePlace does not use is acknowledged and kept, counted as unsupported, never refused.
ALTER TABLE ingest_message DROP CONSTRAINT ingest_message_status_check;
ALTER TABLE ingest_message ADD CONSTRAINT ingest_message_status_check
  CHECK (status IN ('applied', 'rejected', 'unsupported'));
