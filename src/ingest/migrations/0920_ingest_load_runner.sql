-- Which process runs a load (host#pid) and when it last committed a chunk, so a load whose process died
-- (killed, crashed, the machine lost) is marked failed instead of showing 'running' for ever.
ALTER TABLE ingest_load ADD COLUMN runner text;
ALTER TABLE ingest_load ADD COLUMN heartbeat_at timestamptz;
