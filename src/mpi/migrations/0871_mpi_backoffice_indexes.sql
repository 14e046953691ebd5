-- The back office's reads: a person's MPI history finds decisions on either side of them (to_person_id has
-- its index already), and the review queue is read open items first, best score first.
CREATE INDEX mpi_decision_from_person_idx ON mpi_decision (from_person_id);
CREATE INDEX mpi_review_open_score_idx ON mpi_review (score DESC, created_at, review_id) WHERE status = 'open';
