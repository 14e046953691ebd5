-- People to bring up to date against the latest full stratification after ingest stored new or changed facts
-- about them. Scores are derived data, but a crash between an ingest's commit and the rescoring must not
-- leave anyone stale until the next full run: the MLLP listener writes these rows in the same transaction
-- as the messages, and a file load before it rescores; the rescorer (risk/rescore-queue.ts) deletes a row
-- only once the person has been rescored since it was queued. One row a person: queuing again moves
-- queued_at on, so a person touched while being rescored is rescored again.
CREATE TABLE risk_rescore_queue (
  person_id        uuid PRIMARY KEY,
  queued_at        timestamptz NOT NULL
);
CREATE INDEX risk_rescore_queue_at_idx ON risk_rescore_queue (queued_at);
