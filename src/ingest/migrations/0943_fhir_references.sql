-- What FHIR resources refer to by id: an Organization (its ODS code, or its id when it has none) and a
-- Medication (its code), per source, so a reference in a later load or another file resolves.
CREATE TABLE ingest_fhir_organization (
  source_system    text NOT NULL,
  resource_id      text NOT NULL,
  org_code         text NOT NULL,
  PRIMARY KEY (source_system, resource_id)
);

CREATE TABLE ingest_fhir_medication (
  source_system    text NOT NULL,
  resource_id      text NOT NULL,
  code_system      text NOT NULL,
  code             text NOT NULL,
  display          text NOT NULL,
  received_at      timestamptz NOT NULL,
  PRIMARY KEY (source_system, resource_id)
);
