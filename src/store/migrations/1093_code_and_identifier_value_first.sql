-- The GP record's code index and the person identifiers' value index keyed by the value first. Every GP entry's
-- code system is the same text ('http://snomed.info/sct'), and a place's identifiers are of two or three
-- systems of 30-odd characters, so with the system first the sorts that build these indexes (after every
-- synthetic or bulk load, src/store/deferred-indexes.ts) could not tell two keys apart by their first bytes
-- and read both whole at each comparison: at Thurrock's size on the embedded engine 5.4 s and 1.9 s of the
-- demo's start-up, 3.8 s and 1.1 s this way round. Every lookup gives both columns (a code in a code system,
-- an identifier's value in its system), so either order serves it.
DROP INDEX gp_entry_code_idx;
CREATE INDEX gp_entry_code_idx ON gp_entry (code, code_system);
DROP INDEX person_identifier_value_idx;
CREATE INDEX person_identifier_value_idx ON person_identifier (value, system);
