-- The routes of a person, found by the person: on one server the golden record's write keeps its people's NHS
-- Number routes in step in one statement after it (src/store/nhs-number-routes.ts), which finds the routes to
-- drop by person_id (without this index, a scan of every route for each batch of people linked).
CREATE INDEX person_by_nhs_number_person_idx ON person_by_nhs_number (person_id);
