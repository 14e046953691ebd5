-- Reference data: small tables, replicated to every node under Citus (create_reference_table).

CREATE TABLE organisation (
  org_code       text PRIMARY KEY,
  name           text NOT NULL,
  kind           text NOT NULL CHECK (kind IN (
                   'locality', 'practice', 'acute', 'community', 'mental-health', 'ambulance',
                   'council', 'ccg', 'care-home', 'voluntary')),
  parent_code    text REFERENCES organisation (org_code),   -- a practice's locality, a care home's council
  postcode       text,
  opened_on      date,
  closed_on      date,
  -- care homes: 'residential' or 'nursing'; null otherwise
  care_home_type text CHECK (care_home_type IN ('residential', 'nursing')),
  source_system  text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_kind_idx ON organisation (kind);
CREATE INDEX organisation_parent_idx ON organisation (parent_code);

CREATE TABLE site (
  site_code      text PRIMARY KEY,
  org_code       text NOT NULL REFERENCES organisation (org_code),
  name           text NOT NULL,
  postcode       text,
  source_system  text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);

-- Codes OnePlace knows a meaning for (SNOMED CT, ICD-10, dm+d, local). Not every recorded code must be here.
CREATE TABLE code (
  system         text NOT NULL,
  code           text NOT NULL,
  display        text NOT NULL,
  PRIMARY KEY (system, code)
);

-- Named lists of codes (the eFI deficits, long-term conditions, stroke, dementia ...).
CREATE TABLE code_list_member (
  list_id        text NOT NULL,
  system         text NOT NULL,
  code           text NOT NULL,
  source         text NOT NULL,
  PRIMARY KEY (list_id, system, code)
);
CREATE INDEX code_list_member_code_idx ON code_list_member (system, code);

-- Small-area geography the generator and the dashboards share: postcode district to area and deprivation.
CREATE TABLE area (
  area_code      text PRIMARY KEY,          -- synthetic LSOA-style code
  name           text NOT NULL,
  locality_code  text REFERENCES organisation (org_code),
  imd_decile     smallint NOT NULL CHECK (imd_decile BETWEEN 1 AND 10),   -- 1 = most deprived 10% of England
  source_system  text NOT NULL
);
