-- "Who looked at this person?" for the audit rows whose lists are packed (more than 64 people: register
-- pages, exports, cohorts). Searching inside every packed list (audit_set_has, 0881) costs the size of the
-- whole trail; this is one row per person in such a list, so the search is an index look-up. It is derived
-- from audit_event (the hash covers the lists themselves, not this) and written in the same statement as
-- the audit row, so it can never lag behind or hold a row the trail does not.
CREATE TABLE audit_set_member (
  person_id          uuid NOT NULL,
  seq                bigint NOT NULL,      -- audit_event.seq
  withheld           boolean NOT NULL,     -- in withheld_set rather than person_set
  PRIMARY KEY (person_id, seq, withheld)
);

INSERT INTO audit_set_member (person_id, seq, withheld)
SELECT DISTINCT encode(substring(s.packed FROM g * 16 + 1 FOR 16), 'hex')::uuid, e.seq, s.withheld
  FROM audit_event e
 CROSS JOIN LATERAL (VALUES (e.person_set, false), (e.withheld_set, true)) AS s(packed, withheld)
 CROSS JOIN LATERAL generate_series(0, length(s.packed) / 16 - 1) AS g
 WHERE s.packed IS NOT NULL;
