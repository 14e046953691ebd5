-- Why a reject was dismissed (or any note on how it was resolved), recorded by the person who did it.
ALTER TABLE ingest_reject ADD COLUMN resolution_note text;
