-- A backend client may write (transaction and batch Bundles POSTed to /fhir/R4) only when its registration
-- names the source system its records are loaded as; without one it reads only.
ALTER TABLE fhir_client ADD COLUMN ingest_source text;
