-- The source record a coded entry is about (the patient id of its own source), kept in the row itself: a CSV
-- extract wrote an ingest_row_subject row for every entry, a second write with two indexes of its own costing
-- more than half the entry's insert. Rows written before this (and rows whose subject is another source's
-- record, as a FHIR reference by NHS Number gives) keep their ingest_row_subject row; a merge, unmerge or
-- relink moves a row found either way (src/mpi/moves.ts), and a record renamed (A47) renames both.
ALTER TABLE gp_entry ADD COLUMN subject_record_id text;
