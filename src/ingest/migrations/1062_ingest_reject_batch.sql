-- A CSV load's chunk keeps the rows it refused (those kept by record id) twice: each as its own reject, and all of
-- them together as one batch, in the file's order, as the file held them. A replay that asks for every reject of
-- a batch reads the batch as a first load reads its file and marks the batch replayed, once: it neither reads
-- nor rewrites each reject (reading back and marking each cost a replay as much again as writing its rows).
--
-- A reject's status is then its own, unless it is open and still in a batch that was replayed: then it was
-- replayed with the batch (ingest_reject_state). A batch stays whole while none of its rejects has been touched
-- on its own; whatever changes one (a replay of that one, a dismissal, a later load that resolves it or refuses it
-- again) first marks its batch not whole, and a batch not whole is never replayed as a batch again: its open
-- rejects are replayed one by one as before. A reject refused again by its batch's replay leaves the batch.
CREATE TABLE ingest_reject_batch (
  batch_id         uuid PRIMARY KEY,
  source_system    text NOT NULL,
  layout           text NOT NULL,
  origin           text NOT NULL,
  context          text NOT NULL,          -- the file's header line
  load_id          uuid,
  received_at      timestamptz NOT NULL DEFAULT now(),
  member_ids       uuid[] NOT NULL,        -- the batch's rejects, in its rows' order
  lines            integer[] NOT NULL,     -- each row's line in the file
  rows_text        text NOT NULL,          -- the rows, one after another as the file had them
  row_ends         integer[] NOT NULL,     -- where each row ends in rows_text
  whole            boolean NOT NULL DEFAULT true,
  replayed_at      timestamptz,
  replayed_by      text
);
CREATE INDEX ingest_reject_batch_whole_idx ON ingest_reject_batch (source_system) WHERE whole AND replayed_at IS NULL;

ALTER TABLE ingest_reject ADD COLUMN batch_id uuid;
-- Whether a source has an open reject left (forgetClosedRejectSources) reads the rejects in no batch, and the open
-- ones of its batches not replayed: neither reads the rejects a replayed batch resolved. Neither index names
-- status, so marking a reject resolved stays a HOT update (1061).
CREATE INDEX ingest_reject_unbatched_idx ON ingest_reject (source_system, format) WHERE batch_id IS NULL;
CREATE INDEX ingest_reject_member_idx ON ingest_reject (batch_id) WHERE batch_id IS NOT NULL;

-- Every reject as its readers see it: replayed with its batch, or as its own row says.
CREATE VIEW ingest_reject_state AS
SELECT r.reject_id, r.source_system, r.format, r.layout, r.origin, r.origin_key, r.location, r.reason, r.payload,
       r.context, r.received_at, r.load_id,
       CASE WHEN b.replayed_at IS NOT NULL THEN 'replayed' ELSE r.status END AS status,
       r.attempts,
       COALESCE(b.replayed_at, r.resolved_at) AS resolved_at,
       COALESCE(b.replayed_by, r.resolved_by) AS resolved_by,
       r.resolution_note, r.batch_id
FROM ingest_reject r
LEFT JOIN ingest_reject_batch b ON b.batch_id = r.batch_id AND r.status = 'open';
