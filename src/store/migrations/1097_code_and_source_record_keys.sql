-- Two more indexes that a load builds from sorted rows (src/store/deferred-indexes.ts), keyed so the sort can
-- tell rows apart by their first column. The GP record's code index on the code alone: every GP entry of a
-- place has the same code system, and a few hundred codes cover a million entries, so in (code, code_system)
-- nearly every comparison went on to read the system whole; a code system is checked on the rows a code finds.
-- The source records' index value first, as 1093 did for identifiers (a handful of source systems). On the
-- embedded engine at Thurrock's size, timed on the demo's place: 6.8 -> 3.8 s and 2.6 -> 1.1 s of the load's
-- one thread. Every lookup gives both columns (a code in its system, a record's id in its system): equality on
-- each, which either order serves.
DROP INDEX gp_entry_code_idx;
CREATE INDEX gp_entry_code_idx ON gp_entry (code);
DROP INDEX person_record_source_idx;
CREATE INDEX person_record_source_idx ON person_record (source_record_id, source_system);
