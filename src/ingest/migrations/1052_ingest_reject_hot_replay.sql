-- A replay marks each reject it resolves (status, resolved_at, resolved_by). With status in an index, every
-- such update wrote a new entry in each of the table's three indexes, which cost a replay more than the rows
-- it loaded. Without it, and with room left in each page for a row's next version, the update is HOT: the
-- row is rewritten in its own page and no index is touched. Open rejects are found by source and time (the
-- newest first, as `rejects list` shows them), their status read from the row.
DROP INDEX ingest_reject_open_idx;
CREATE INDEX ingest_reject_source_idx ON ingest_reject (source_system, received_at);
ALTER TABLE ingest_reject SET (fillfactor = 50);
