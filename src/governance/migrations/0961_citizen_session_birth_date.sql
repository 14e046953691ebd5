-- The date of birth NHS login asserted (the profile scope's `birthdate`), kept on the citizen's session: the
-- record is matched on the NHS Number and the date of birth together, so a local record carrying a mistyped
-- but valid NHS Number is not shown to the number's real owner. Null when the provider gave none (nothing is
-- shown then).
ALTER TABLE citizen_session ADD COLUMN birth_date date;
