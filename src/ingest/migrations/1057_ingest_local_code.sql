-- Accept and flag for FHIR, as 0930 did for HL7: an EpisodeOfCare whose type is a code OnePlace does not define
-- (a SNOMED CT or a system's own code) is stored as a care plan of type 'unmapped' (counted in no group until
-- mapped, never in a wrong one), its code as received is kept here, and the code is counted in
-- ingest_unmapped_code for the mapping worklist. A mapping added later (map care-plan-type) gives every row kept
-- here with that code its mapped type; a changed mapping corrects them again.
ALTER TABLE care_plan DROP CONSTRAINT care_plan_plan_type_check;
ALTER TABLE care_plan ADD CONSTRAINT care_plan_plan_type_check
  CHECK (plan_type IN ('joint-health-social', 'end-of-life', 'crisis', 'unmapped'));

CREATE TABLE ingest_local_code (
  source_system    text NOT NULL,
  table_name       text NOT NULL,          -- the canonical table the row is in, e.g. care_plan
  source_record_id text NOT NULL,          -- the row's provenance (the resource id)
  map_name         text NOT NULL,          -- e.g. care-plan-type
  source_code      text NOT NULL,          -- the code as received
  PRIMARY KEY (source_system, table_name, source_record_id, map_name)
);
CREATE INDEX ingest_local_code_code_idx ON ingest_local_code (source_system, map_name, source_code);
