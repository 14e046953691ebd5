-- The source record a row is about (the patient id of its own source), kept in the row itself: a CSV extract
-- wrote an ingest_row_subject row for every coded entry, registration and delayed transfer, a second write
-- with two indexes of its own costing more than half the row's insert. Rows written before this (and rows
-- whose subject is another source's record, as a FHIR reference by NHS Number gives) keep their
-- ingest_row_subject row; a merge, unmerge or relink moves a row found either way (src/mpi/moves.ts), and a
-- record renamed (A47) renames both.
ALTER TABLE gp_entry ADD COLUMN subject_record_id text;
ALTER TABLE registration ADD COLUMN subject_record_id text;
ALTER TABLE delayed_transfer ADD COLUMN subject_record_id text;
