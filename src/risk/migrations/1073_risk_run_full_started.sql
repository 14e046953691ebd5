-- The latest full run, which every rescoring and register page looks up: every rescoring adds a 'people' run, so
-- the newest-first walk of risk_run_started_idx passed over all of those since the last full run before
-- finding it (thousands a day under a steady feed). Full runs alone, newest first, in an index of their own.
CREATE INDEX risk_run_full_started_idx ON risk_run (started_at) WHERE kind = 'full';
