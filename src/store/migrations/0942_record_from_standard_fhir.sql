-- What standard FHIR R4 / UK Core brings that the canonical model had no place for. A coded entry can be an
-- allergy, an immunisation or a diagnostic report as well as a condition, observation or procedure, and can hold
-- a coded value (a smoking status, a blood group) as well as a number. An organisation whose kind the sender does
-- not say (an ODS code alone) is kept as 'unknown' until it is known.
ALTER TABLE gp_entry ADD COLUMN value_code_system text;
ALTER TABLE gp_entry ADD COLUMN value_code text;
ALTER TABLE gp_entry DROP CONSTRAINT gp_entry_entry_kind_check;
ALTER TABLE gp_entry ADD CONSTRAINT gp_entry_entry_kind_check CHECK (entry_kind IN (
  'condition', 'observation', 'procedure', 'allergy', 'immunisation', 'report'));
ALTER TABLE organisation DROP CONSTRAINT organisation_kind_check;
ALTER TABLE organisation ADD CONSTRAINT organisation_kind_check CHECK (kind IN (
  'locality', 'practice', 'acute', 'community', 'mental-health', 'ambulance', 'council', 'ccg', 'care-home',
  'voluntary', 'unknown'));
