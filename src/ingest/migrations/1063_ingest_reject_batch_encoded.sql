-- A batch of rows a first load refused only because their people were not known yet keeps them as that load
-- encoded them for the table (binary COPY tuples without person_id, 1062's rows_text kept beside them): a replay
-- of the batch then only looks up the people and streams the bytes, and neither parses, checks nor encodes a row
-- again. A batch whose encoding no longer matches its layout's (encoded_as: a fingerprint of the table's columns
-- and the layout's declaration) is checked again from rows_text, as before.
ALTER TABLE ingest_reject_batch
  ADD COLUMN encoded_as   text,              -- the fingerprint of the encoding; NULL: none kept
  ADD COLUMN encoded_at   text,              -- the received_at the load stamped on rows that gave none
  ADD COLUMN encoded      bytea,             -- the encoded rows, one after another
  ADD COLUMN encoded_ends integer[],         -- where each member's row ends in encoded (none: where the last did)
  ADD COLUMN subjects     text,              -- each encoded member's subject record id, one after another
  ADD COLUMN subject_ends integer[];         -- where each member's subject ends in subjects
