-- Who holds each NHS Number, keyed by the number: on a Citus cluster person is sharded on person_id, so a
-- look-up by NHS Number (a FHIR Patient search by identifier, citizen sign-in, the IG and MDT look-ups, the
-- master person index's resolve) went to every shard. This table is distributed on nhs_number (its own
-- co-location group), so the number names one shard, and the person's own reads follow by person_id. Every
-- writer of person's NHS Number keeps it in step in the same transaction (src/store/nhs-number-routes.ts says
-- who); on one server it is kept the same way, and read only where that is cheaper (src/store/README.md).
-- Not unique on the number alone: the master person index keeps NHS Numbers unique, as person's own index does.
CREATE TABLE person_by_nhs_number (
  nhs_number       text NOT NULL,
  person_id        uuid NOT NULL,
  PRIMARY KEY (nhs_number, person_id)
);

INSERT INTO person_by_nhs_number (nhs_number, person_id)
SELECT nhs_number, person_id FROM person WHERE nhs_number IS NOT NULL
ON CONFLICT DO NOTHING;
