-- Electronic Frailty Index (Clegg et al. 2016): reference data and each person's deficits with their evidence.
-- The code lists themselves live in code_list_member (list_id 'efi:<deficit_id>'), loaded from
-- data/efi/efi-deficits.csv by src/risk/efi-reference.ts.

-- The 36 deficits. ordinal is the bit a deficit takes in risk_person.deficit_mask.
CREATE TABLE efi_deficit_def (
  deficit_id     text PRIMARY KEY,
  ordinal        smallint NOT NULL UNIQUE CHECK (ordinal BETWEEN 0 AND 35),
  name           text NOT NULL,
  long_term_condition boolean NOT NULL DEFAULT false
);

-- Value rules (data/efi/efi-value-rules.md, section 3 thresholds): a recorded value of this code makes the
-- deficit present when value > above and value < below (strict, as the source compares; null = unbounded),
-- and, for haemoglobin, only for the given sex. Both bounds null: any numeric value counts.
CREATE TABLE efi_value_rule (
  rule_id        text PRIMARY KEY,
  deficit_id     text NOT NULL REFERENCES efi_deficit_def (deficit_id),
  system         text NOT NULL,
  code           text NOT NULL,
  label          text NOT NULL,
  sex            text CHECK (sex IN ('male', 'female')),
  above          numeric,
  below          numeric,
  source         text NOT NULL
);
CREATE INDEX efi_value_rule_code_idx ON efi_value_rule (system, code);

-- Which version of each reference file is loaded, so loading is idempotent and cheap to repeat.
CREATE TABLE risk_reference_load (
  name           text PRIMARY KEY,
  checksum       text NOT NULL,
  loaded_at      timestamptz NOT NULL DEFAULT now()
);

-- Each coded deficit a person has, with the earliest record that made it present (a gp_entry: its code and
-- value are read from there when a clinician asks why). Coded deficits never resolve, so the eFI on any
-- date is the deficits with first_on on or before it, plus polypharmacy on that date (which is time-limited
-- and computed from medication_issue, so it is not stored here). Kept narrow: it is rebuilt for everyone.
CREATE TABLE efi_deficit (
  person_id      uuid NOT NULL,
  deficit_id     text NOT NULL,
  first_on       date NOT NULL,
  basis          text NOT NULL CHECK (basis IN ('code', 'value')),
  entry_id       uuid NOT NULL,
  rule_id        text,
  PRIMARY KEY (person_id, deficit_id)
);
