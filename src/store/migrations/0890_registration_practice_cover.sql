-- A practice's registered people, answered from the index alone: the access decision ("registered at my
-- practice on the day") and the practice's home and register read every registration of the practice, and
-- those rows lie on nearly every page of the table. Replaces registration_practice_idx, whose key it leads with.
CREATE INDEX registration_practice_person_idx
  ON registration (practice_code, person_id) INCLUDE (registered_on, deregistered_on);
DROP INDEX registration_practice_idx;
