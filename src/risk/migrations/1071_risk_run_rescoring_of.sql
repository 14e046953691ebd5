-- Rescorings no longer add a run each: every rescoring placed against one full run (with the same settings) is
-- recorded in one 'people' run, counted up as it goes, which names that full run here. A full run prunes the
-- 'people' runs of earlier full runs (and those recorded one per rescoring before this column): once it has
-- replaced risk_person, no row names them.
ALTER TABLE risk_run ADD COLUMN rescoring_of uuid;
