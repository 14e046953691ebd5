-- What ten bare digits in PID-2 (no assigning authority, no identifier type) mean from a source. v2.2/2.3 patient
-- administration systems in England put the NHS Number there ('nhs-number', the default); a source that puts
-- some other 10-digit id there is set to 'ignore', so a number that happens to pass Modulus 11 never links the
-- patient to someone else's NHS Number. An NHS Number marked as one (authority NHS or type NH) is always taken.
ALTER TABLE ingest_source ADD COLUMN pid2_bare_digits text NOT NULL DEFAULT 'nhs-number'
  CHECK (pid2_bare_digits IN ('nhs-number', 'ignore'));
