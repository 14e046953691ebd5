-- Registers as worklists: a locality's register reads its people from risk_person by locality, as a
-- practice's does by practice (risk_person_practice_idx), rather than scanning the whole place.
CREATE INDEX risk_person_locality_idx ON risk_person (locality_code);
