-- "Has this source any open reject of this format?" is asked once a CSV load and in every FHIR chunk's script.
-- 1053 answered it with a partial index of the open rejects, but a column in an index's predicate counts as an
-- indexed column: a reject marked resolved left that index, so the mark was not a HOT update and wrote a new
-- entry in each of the table's three other indexes for every reject a replay resolved. Instead a row here for
-- each source and format that may have open rejects: written with every reject recorded (recording opens it),
-- removed only when a look that holds off every reject writer finds none open (after a replay, a dismissal, a
-- load that resolved some). Status is in no index of ingest_reject again, so the mark is a HOT update.
DROP INDEX ingest_reject_open_idx;
CREATE TABLE ingest_reject_open_source (
  source_system    text NOT NULL,
  format           text NOT NULL CHECK (format IN ('hl7', 'fhir', 'csv')),
  PRIMARY KEY (source_system, format)
);
INSERT INTO ingest_reject_open_source (source_system, format)
SELECT DISTINCT source_system, format FROM ingest_reject WHERE status = 'open';
-- A resolved reject is some 20 bytes longer than the open one it replaces (its status, time and resolver), and
-- within a replay's chunk the old versions are not yet dead: with half of each page kept free (1052) the last
-- reject of a page found no room and its mark was not HOT. Three fifths free leaves room for every one.
ALTER TABLE ingest_reject SET (fillfactor = 40);
