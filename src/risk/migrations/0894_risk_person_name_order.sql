-- A register sorted by name, as an index per practice and per locality: the names are copied into
-- risk_person when a person is scored, so a page walks the index instead of joining every person of the
-- register to person and sorting them all. They are sort keys only: a page shows each person's current name
-- from person, and a name changed since the person was last scored sorts under the old one until then.
ALTER TABLE risk_person ADD COLUMN family_name text, ADD COLUMN given_name text;
UPDATE risk_person rp SET family_name = p.family_name, given_name = p.given_name
  FROM person p WHERE p.person_id = rp.person_id;
-- ASC NULLS FIRST is the register's A to Z; Z to A walks the same index backwards.
CREATE INDEX risk_person_practice_name_idx ON risk_person (
  practice_code, family_name NULLS FIRST, given_name NULLS FIRST, person_id
);
CREATE INDEX risk_person_locality_name_idx ON risk_person (
  locality_code, family_name NULLS FIRST, given_name NULLS FIRST, person_id
);
