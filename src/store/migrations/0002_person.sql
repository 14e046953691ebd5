-- Person-scoped tables. Under Citus each is distributed on person_id (create_distributed_table), so
-- person_id leads every primary key and every unique constraint, and joins between them are on person_id.
-- Every row carries its provenance: the system it came from, that system's id for it, and when it arrived.

-- The master person index's golden record: one row per real person.
CREATE TABLE person (
  person_id        uuid NOT NULL,
  nhs_number       text CHECK (nhs_number ~ '^[0-9]{10}$'),
  family_name      text NOT NULL,
  given_name       text NOT NULL,
  birth_date       date NOT NULL,
  sex              text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  postcode         text,
  area_code        text,                 -- small area (see area); carries deprivation
  ethnic_category  text,                 -- NHS Data Dictionary ethnic category letter A..Z, or null
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id)
);
-- Not unique: under Citus a unique index must contain the distribution column. The MPI keeps NHS Numbers unique.
CREATE INDEX person_nhs_number_idx ON person (nhs_number);

-- Identifiers a person is known by: NHS Number, hospital numbers, social care client ids.
CREATE TABLE person_identifier (
  person_id        uuid NOT NULL,
  system           text NOT NULL,        -- e.g. https://fhir.nhs.uk/Id/nhs-number, urn:oneplace:id:ZZA01:mrn
  value            text NOT NULL,
  source_system    text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, system, value)
);
CREATE INDEX person_identifier_value_idx ON person_identifier (system, value);

-- Each source system's own record of the person, as that system holds it (faults and all). The MPI links
-- these to a person; until it relinks them, person_id is the link the loader made.
CREATE TABLE person_record (
  person_id        uuid NOT NULL,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  nhs_number       text,                 -- as recorded: may be missing or mistyped
  family_name      text,
  given_name       text,
  birth_date       date,
  sex              text,
  postcode         text,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, source_system, source_record_id)
);
CREATE INDEX person_record_source_idx ON person_record (source_system, source_record_id);

-- Registered practice history: one row per registration; deregistered_on null while current.
CREATE TABLE registration (
  person_id        uuid NOT NULL,
  registration_id  uuid NOT NULL,
  practice_code    text NOT NULL,
  registered_on    date NOT NULL,
  deregistered_on  date,
  deregistration_reason text CHECK (deregistration_reason IN ('moved-practice', 'moved-away', 'died', 'other')),
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, registration_id),
  UNIQUE (person_id, source_system, source_record_id),
  CHECK (deregistered_on IS NULL OR deregistered_on >= registered_on)
);
CREATE INDEX registration_practice_idx ON registration (practice_code);

CREATE TABLE death (
  person_id        uuid NOT NULL,
  died_on          date NOT NULL,
  place_of_death   text CHECK (place_of_death IN ('hospital', 'home', 'care-home', 'hospice', 'other')),
  underlying_cause text,                 -- ICD-10
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id)
);

-- The generator's truth: which source record belongs to which real person, kept apart from the links the
-- MPI makes so that matching can be scored. Empty for real data.
CREATE TABLE synth_truth (
  person_id        uuid NOT NULL,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  PRIMARY KEY (person_id, source_system, source_record_id)
);
