-- Finding a person by name and date of birth (the web's /find): candidates are the people whose golden
-- record, or any source's record of them, has the date of birth typed or one of its slips (day and month
-- swapped, one part different). Both look-ups are on birth_date.
CREATE INDEX person_birth_date_idx ON person (birth_date);
CREATE INDEX person_record_birth_date_idx ON person_record (birth_date);
