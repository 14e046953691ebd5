-- What FHIR resources refer to: an Organization (its ODS code, or its id when it has none) by its id or by each
-- of its identifiers (`system|value`, as a conditional reference names it), and a Medication (its code) by its
-- id, per source, so a reference in a later load or another file resolves.
CREATE TABLE ingest_fhir_organization (
  source_system    text NOT NULL,
  resource_id      text NOT NULL,          -- the id, or system|value of an identifier
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
