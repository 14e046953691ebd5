-- The metrics engine: definitions as versioned data, compute runs, computed and entered values, targets.
-- All reference-sized tables (a definition, a run, a value per area and period), so under Citus each is a
-- reference table (create_reference_table); none holds a person_id.

-- A metric definition. A new version is added whenever any part of it changes; values name the version
-- they were computed with. numerator_sql and denominator_sql are SELECTs over the canonical tables that
-- return (period_id, person_id, practice_code, n, split) for a CTE named periods the engine provides; see
-- src/outcomes/definitions.ts for the contract.
CREATE TABLE metric_definition (
  metric_id        text NOT NULL CHECK (metric_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  version          integer NOT NULL CHECK (version >= 1),
  title            text NOT NULL,
  short_title      text NOT NULL,
  description      text NOT NULL DEFAULT '',
  group_name       text NOT NULL,                 -- bcf-national, bcf-local, place
  kind             text NOT NULL CHECK (kind IN ('sql', 'builtin', 'entered')),
  value_kind       text NOT NULL CHECK (value_kind IN ('rate', 'count', 'change')),
  numerator_label  text NOT NULL DEFAULT '',
  denominator_label text NOT NULL DEFAULT '',
  numerator_rules  text NOT NULL DEFAULT '',      -- inclusion and exclusion rules in words
  denominator_rules text NOT NULL DEFAULT '',
  numerator_sql    text,
  denominator_sql  text,
  builtin          text,                          -- name of a computation in code (kind builtin)
  snapshot_sql     text,                          -- period type snapshot: a SELECT giving the as-at date
  multiplier       numeric NOT NULL DEFAULT 1,
  unit             text NOT NULL,
  decimals         smallint NOT NULL DEFAULT 1,
  period_type      text NOT NULL CHECK (period_type IN ('financial-year', 'quarter', 'month', 'year', 'snapshot')),
  fy_window        text,                          -- e.g. 10-01..12-31: the part of a financial year counted
  follow_up_days   integer NOT NULL DEFAULT 0,    -- days after the period needed before it is final
  average_over     text CHECK (average_over IN ('month')),
  population       text NOT NULL DEFAULT '',
  direction        text NOT NULL CHECK (direction IN ('higher', 'lower')),
  amber_tolerance  numeric NOT NULL DEFAULT 0.05 CHECK (amber_tolerance >= 0),
  target_note      text,
  requires         text[] NOT NULL DEFAULT '{}',  -- tables that must exist and hold rows
  area_levels      text[] NOT NULL DEFAULT '{place,locality,practice}',
  checksum         text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (metric_id, version),
  CHECK ((kind = 'sql') = (numerator_sql IS NOT NULL)),
  CHECK ((kind = 'builtin') = (builtin IS NOT NULL))
);

-- The checksum of each shipped definition when it was last installed, so a place's own change to a shipped
-- definition stands until OnePlace ships a changed one.
CREATE TABLE metric_shipped (
  metric_id        text PRIMARY KEY,
  checksum         text NOT NULL,
  installed_at     timestamptz NOT NULL DEFAULT now()
);

-- One computation: when, up to which date the data were read, and what data had been loaded by then
-- (the number of succeeded loads and when the last one finished).
CREATE TABLE metric_run (
  run_id           uuid PRIMARY KEY,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  as_of            date NOT NULL,                 -- data cut-off: events after it are not counted
  data_loads       integer NOT NULL DEFAULT 0,    -- succeeded data_load rows at the time
  last_load_at     timestamptz,
  engine           text NOT NULL,
  seconds          double precision
);

-- Computed values: one per metric, period and area per run. The latest run holds the current value.
CREATE TABLE metric_value (
  run_id           uuid NOT NULL REFERENCES metric_run (run_id) ON DELETE CASCADE,
  metric_id        text NOT NULL,
  version          integer NOT NULL,
  period_id        text NOT NULL,
  period_start     date NOT NULL,                 -- the days actually counted (a window inside a year)
  period_end       date NOT NULL,
  area_level       text NOT NULL CHECK (area_level IN ('place', 'locality', 'practice')),
  area_code        text NOT NULL,
  numerator        numeric,
  denominator      numeric,
  value            numeric,
  breakdown        jsonb,                         -- the numerator split, e.g. delayed days by attribution
  status           text NOT NULL CHECK (status IN ('final', 'provisional')),
  note             text,
  computed_at      timestamptz NOT NULL,
  PRIMARY KEY (run_id, metric_id, period_id, area_level, area_code),
  FOREIGN KEY (metric_id, version) REFERENCES metric_definition (metric_id, version)
);
CREATE INDEX metric_value_lookup_idx ON metric_value (metric_id, period_id, area_level, area_code, computed_at);

-- Values typed in from elsewhere (a published baseline, a survey result), with their source and the check
-- of the value against its own numerator and denominator when both are given.
CREATE TABLE metric_entered_value (
  entry_id         uuid PRIMARY KEY,
  metric_id        text NOT NULL,
  period_id        text NOT NULL,
  period_start     date NOT NULL,
  period_end       date NOT NULL,
  area_level       text NOT NULL DEFAULT 'place' CHECK (area_level IN ('place', 'locality', 'practice')),
  area_code        text NOT NULL DEFAULT 'place',
  value            numeric,
  numerator        numeric,
  denominator      numeric,
  value_as_printed text,
  source           text NOT NULL,
  check_status     text NOT NULL CHECK (check_status IN ('consistent', 'mismatch', 'unchecked')),
  check_value      numeric,                       -- the value the numerator and denominator give
  entered_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX metric_entered_value_idx ON metric_entered_value (metric_id, period_id, area_level, area_code);

-- Baselines, targets and trajectories, in named sets (a BCF plan version is one set: bcf:<plan>@<version>).
CREATE TABLE metric_target (
  target_set       text NOT NULL,
  metric_id        text NOT NULL,
  role             text NOT NULL CHECK (role IN ('baseline', 'target', 'trajectory')),
  period_id        text NOT NULL,
  period_start     date NOT NULL,
  period_end       date NOT NULL,
  area_level       text NOT NULL DEFAULT 'place' CHECK (area_level IN ('place', 'locality', 'practice')),
  area_code        text NOT NULL DEFAULT 'place',
  value            numeric,                       -- as stated
  numerator        numeric,
  denominator      numeric,
  value_as_printed text,
  tolerance        numeric,                       -- amber tolerance for this target (share of it)
  payment_tranche  text,                          -- the performance payment this target unlocks
  payment_share    numeric,                       -- its share of that tranche (default: equal shares)
  source           text NOT NULL DEFAULT '',
  note             text NOT NULL DEFAULT '',
  PRIMARY KEY (target_set, metric_id, role, period_id, area_level, area_code)
);

-- Unit costs a place can edit. One row per cost and date it applies from.
CREATE TABLE unit_cost (
  cost_id          text NOT NULL,
  valid_from       date NOT NULL,
  label            text NOT NULL,
  unit             text NOT NULL,
  amount           numeric NOT NULL CHECK (amount >= 0),
  source           text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cost_id, valid_from)
);

-- Illustrative national figures for 2015/16, to be edited by the place (oneplace costs set).
INSERT INTO unit_cost (cost_id, valid_from, label, unit, amount, source) VALUES
  ('emergency-admission', '2012-04-01', 'Emergency admission (fixed part, before bed days)', 'admission', 1100, 'Illustrative: NHS reference costs 2014/15, non-elective short stay, rounded'),
  ('bed-day', '2012-04-01', 'Acute hospital bed day', 'day', 275, 'Illustrative: NHS reference costs 2014/15, excess bed day, rounded'),
  ('ae-attendance', '2012-04-01', 'A&E attendance', 'attendance', 135, 'Illustrative: NHS reference costs 2014/15, type 1 A&E, rounded'),
  ('outpatient', '2012-04-01', 'Outpatient attendance', 'attendance', 115, 'Illustrative: NHS reference costs 2014/15, consultant-led, rounded'),
  ('community-contact', '2012-04-01', 'Community health contact', 'contact', 45, 'Illustrative: PSSRU Unit Costs 2015, community nurse visit, rounded'),
  ('mental-health-contact', '2012-04-01', 'Community mental health contact', 'contact', 100, 'Illustrative: PSSRU Unit Costs 2015, CMHT contact, rounded'),
  ('home-care-week', '2012-04-01', 'Home care, a week', 'week', 170, 'Illustrative: PSSRU Unit Costs 2015, about 10 hours a week, rounded'),
  ('residential-week', '2012-04-01', 'Residential care home, a week', 'week', 550, 'Illustrative: PSSRU Unit Costs 2015, private sector, rounded'),
  ('nursing-week', '2012-04-01', 'Nursing home, a week', 'week', 750, 'Illustrative: PSSRU Unit Costs 2015, private sector, rounded'),
  ('reablement-episode', '2012-04-01', 'Reablement episode', 'episode', 1900, 'Illustrative: PSSRU Unit Costs 2015, rounded'),
  ('telecare-week', '2012-04-01', 'Telecare, a week', 'week', 4, 'Illustrative: about 200 pounds a year per installation');

-- The code list the dementia measure reads (SNOMED CT). Places may add codes.
INSERT INTO code_list_member (list_id, system, code, source) VALUES
  ('outcomes:dementia', 'http://snomed.info/sct', '52448006', 'OnePlace outcomes: dementia'),
  ('outcomes:dementia', 'http://snomed.info/sct', '26929004', 'OnePlace outcomes: Alzheimer''s disease'),
  ('outcomes:dementia', 'http://snomed.info/sct', '429998004', 'OnePlace outcomes: vascular dementia'),
  ('outcomes:dementia', 'http://snomed.info/sct', '15662003', 'OnePlace outcomes: senile dementia'),
  ('outcomes:dementia', 'http://snomed.info/sct', '312991009', 'OnePlace outcomes: senile dementia of the Lewy body type'),
  ('outcomes:dementia', 'http://snomed.info/sct', '230270009', 'OnePlace outcomes: frontotemporal dementia')
ON CONFLICT DO NOTHING;
