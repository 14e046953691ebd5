-- Each source record's current link beside the demographics it was linked with: what the MPI reads before it
-- re-links a record, and what a batched ingest reads in the same statement as its other look-ups (so callers
-- outside the MPI name this view rather than copying its join).
CREATE VIEW mpi_linked_record AS
SELECT l.source_system, l.source_record_id, l.person_id::text AS person_id, l.nhs_number, l.identifiers,
       l.ethnic_category, pr.nhs_number AS rec_nhs, pr.family_name, pr.given_name, pr.birth_date, pr.sex,
       pr.postcode
FROM mpi_record_link l
LEFT JOIN person_record pr ON pr.person_id = l.person_id AND pr.source_system = l.source_system
                          AND pr.source_record_id = l.source_record_id;
