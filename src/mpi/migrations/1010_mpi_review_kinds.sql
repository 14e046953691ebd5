-- The review queue holds more than "link this record to this person": a feed's event that would change what
-- OnePlace knows about someone, where the MPI cannot confirm it, waits there for a person to decide.
--   link         a record whose best candidate scored between the thresholds (or a merge from an untrusted feed)
--   visit-move   an A45 moving a visit from the record below onto the candidate person, who is not confirmed
--   record-delete an A29 deleting the record below, the person's last, while OnePlace holds care about them
-- detail carries what the decision applies (the visit, the event), ids and codes only, never demographics.
ALTER TABLE mpi_review ADD COLUMN kind text NOT NULL DEFAULT 'link'
  CHECK (kind IN ('link', 'visit-move', 'record-delete'));
ALTER TABLE mpi_review ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;
DROP INDEX mpi_review_open_idx;
CREATE UNIQUE INDEX mpi_review_open_idx
  ON mpi_review (source_system, source_record_id, candidate_person_id, kind, (COALESCE(detail->>'visit', '')))
  WHERE status = 'open';

-- The decisions those events make: a record renamed by its source (A47), a record retracted by its source (A29),
-- a visit moved to another patient (A45).
ALTER TABLE mpi_decision DROP CONSTRAINT mpi_decision_kind_check;
ALTER TABLE mpi_decision ADD CONSTRAINT mpi_decision_kind_check
  CHECK (kind IN ('new-person', 'link-nhs-number', 'link-score', 'review-queued', 'review-link', 'review-separate',
                  'merge', 'unmerge', 'relink', 'rename', 'retract', 'visit-move'));
