-- Coded entries and medicines from any source, not only GP practices: a hospital's observations or a
-- community service's medication list are kept with no practice (practice_code stays the practice the patient
-- was registered with that day whenever OnePlace knows it).
ALTER TABLE gp_entry ALTER COLUMN practice_code DROP NOT NULL;
ALTER TABLE medication_issue ALTER COLUMN practice_code DROP NOT NULL;
