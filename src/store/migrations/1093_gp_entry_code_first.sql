-- The GP record's code index keyed by the code first: every entry's code system is the same text
-- ('http://snomed.info/sct'), so with it first the sort that builds the index (after every synthetic load and
-- bulk load, src/store/deferred-indexes.ts) could not tell two keys apart by their first bytes and read both
-- whole at each comparison. Every lookup gives both columns (a code in a code system), so either order serves.
DROP INDEX gp_entry_code_idx;
CREATE INDEX gp_entry_code_idx ON gp_entry (code, code_system);
