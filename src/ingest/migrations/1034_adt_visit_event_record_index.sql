-- A source's visit events by the patient record they name (PID-3): A29 (delete person information) reads a
-- record's visits and whether the source said anything about the patient after it, and A47 (change patient
-- identifier) relabels them. Without this both read every event the source ever sent.
CREATE INDEX adt_visit_event_record_idx ON adt_visit_event (source_system, record_id);
