-- Whether a source has any open reject is asked on every FHIR chunk and HL7 batch (resolveRejects, a transaction's
-- script): without an index on status (1052) that read every reject the source ever had until it found an open
-- one, so a feed with a long history of resolved rejects paid for it on every message. A partial index holds
-- only the open ones, so the question is one probe however long the history. A replay's status update leaves
-- it (not HOT), which costs a replay a little; the hot path matters more.
CREATE INDEX ingest_reject_open_idx ON ingest_reject (source_system, format) WHERE status = 'open';
