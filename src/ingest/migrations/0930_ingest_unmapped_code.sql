-- Accept and flag: a local code that neither the source's code map nor the standard knows no longer refuses
-- the message. The event is stored with the code as received (adt_visit_event.detail.unmapped) and the code
-- is counted here, per source and code map, for the mapping worklist (`oneplace feeds unmapped`) and feed
-- health. A spell whose admission method, or a ward stay whose ward kind, is not mapped yet is stored as
-- 'unmapped' (so it is counted in no group until mapped, never in a wrong one); mapping the code rewrites it.
CREATE TABLE ingest_unmapped_code (
  source_system    text NOT NULL,
  map_name         text NOT NULL,          -- e.g. admission-method, ward-kind
  source_code      text NOT NULL,
  occurrences      integer NOT NULL,       -- messages applied carrying it
  first_seen       timestamptz NOT NULL,   -- MSH-7 of the first and last of them
  last_seen        timestamptz NOT NULL,
  PRIMARY KEY (source_system, map_name, source_code)
);

ALTER TABLE hospital_spell DROP CONSTRAINT hospital_spell_admission_method_check;
ALTER TABLE hospital_spell ADD CONSTRAINT hospital_spell_admission_method_check
  CHECK (admission_method IN ('emergency', 'elective', 'maternity', 'transfer', 'other', 'unmapped'));
ALTER TABLE ward_stay DROP CONSTRAINT ward_stay_ward_kind_check;
ALTER TABLE ward_stay ADD CONSTRAINT ward_stay_ward_kind_check
  CHECK (ward_kind IN ('assessment', 'general', 'stroke-unit', 'elderly-care', 'surgical', 'critical-care', 'maternity', 'other', 'unmapped'));

-- A mapping added later finds the stored events that carried its code unmapped without reading every event.
CREATE INDEX adt_visit_event_unmapped_idx ON adt_visit_event (source_system) WHERE detail ? 'unmapped';
