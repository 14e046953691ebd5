-- A proxy is known by their NHS Number AND their date of birth, as a person opening their own record is: NHS
-- login asserts both, and a grant is in force only for the account whose UserInfo gives the same two. Grants
-- recorded before this carry no date of birth and match nobody until staff record them again (fail closed:
-- an NHS Number alone, mistyped by one digit onto someone else's, must not open a record).
ALTER TABLE citizen_proxy ADD COLUMN proxy_birth_date date;
