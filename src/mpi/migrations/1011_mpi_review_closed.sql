-- A reviewer's "yes" to a feed's event that no longer applies as it was queued (the visit was moved on, cancelled
-- or deleted, or the record it was to move onto was deleted since) closes the item without changing anything:
-- a decision of its own, saying why (the item keeps the same words in detail->>'closed').
ALTER TABLE mpi_decision DROP CONSTRAINT mpi_decision_kind_check;
ALTER TABLE mpi_decision ADD CONSTRAINT mpi_decision_kind_check
  CHECK (kind IN ('new-person', 'link-nhs-number', 'link-score', 'review-queued', 'review-link', 'review-separate',
                  'merge', 'unmerge', 'relink', 'rename', 'retract', 'visit-move', 'review-closed'));
