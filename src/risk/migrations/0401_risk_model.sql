-- The emergency-admission risk model, stratification runs and the per-person snapshot they produce.

-- A trained model version. It may only exist with its validation report: nothing scores with a model that
-- has none.
CREATE TABLE risk_model (
  model_id              uuid PRIMARY KEY,
  version               integer NOT NULL UNIQUE,
  kind                  text NOT NULL,              -- 'logistic-l2'
  outcome               text NOT NULL,              -- 'emergency-admission-12m'
  trained_at            timestamptz NOT NULL DEFAULT now(),
  train_index_date      date NOT NULL,
  validation_index_date date NOT NULL,
  spec                  jsonb NOT NULL,             -- features, means, scales, coefficients, intercept, lambda
  validation            jsonb NOT NULL,             -- AUC, calibration by decile and slope, capture
  CHECK (validation_index_date > train_index_date)
);

-- Settings that are configuration: tiers, High Intensity User thresholds. Defaults live in code.
CREATE TABLE risk_setting (
  key            text PRIMARY KEY,
  value          jsonb NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One stratification: the whole population ('full') or some people after new events ('people').
CREATE TABLE risk_run (
  run_id         uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('full', 'people')),
  as_of          date NOT NULL,
  model_id       uuid REFERENCES risk_model (model_id),
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  data_watermark timestamptz,                       -- latest received_at of any record the run saw
  people         integer NOT NULL DEFAULT 0,
  cutpoints      jsonb,                             -- lowest score in each tier, of a full run
  quantiles      float8[],                          -- scores at 0.1%, 0.2% ... 99.9% of a full run, ascending
  settings       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX risk_run_started_idx ON risk_run (started_at);

-- The current picture of each registered, living person: eFI, the model's inputs and the score. One row a
-- person, replaced by each full run and updated in place when a person is rescored.
CREATE TABLE risk_person (
  person_id                      uuid NOT NULL,
  run_id                         uuid NOT NULL,
  as_of                          date NOT NULL,
  age                            smallint NOT NULL,
  sex                            text NOT NULL,
  practice_code                  text NOT NULL,
  locality_code                  text,
  imd_decile                     smallint,
  deficit_mask                   bigint NOT NULL,   -- bit n set = deficit with efi_deficit_def.ordinal n
  deficit_count                  smallint NOT NULL,
  efi_category                   text CHECK (efi_category IN ('fit', 'mild', 'moderate', 'severe')),
  long_term_conditions           smallint NOT NULL,
  medicines_12m                  smallint NOT NULL,
  emergency_admissions_12m       smallint NOT NULL,
  emergency_admissions_prior_12m smallint NOT NULL,
  emergency_bed_days_12m         integer NOT NULL,
  elective_admissions_12m        smallint NOT NULL,
  ae_attendances_12m             smallint NOT NULL,
  ae_attendances_prior_12m       smallint NOT NULL,
  outpatient_attendances_12m     smallint NOT NULL,
  outpatient_missed_12m          smallint NOT NULL,
  community_contacts_12m         smallint NOT NULL,
  mental_health_contacts_12m     smallint NOT NULL,
  unplanned_contacts_12m         smallint NOT NULL,
  social_care_now                smallint NOT NULL, -- bit mask of service types active on as_of
  social_care_12m                smallint NOT NULL, -- bit mask of service types received in the 12 months
  care_home                      boolean NOT NULL,
  days_since_discharge           integer,
  hiu                            boolean NOT NULL DEFAULT false,
  model_id                       uuid,
  probability                    double precision,
  risk_rank                      integer,
  risk_percentile                real,
  risk_tier                      text CHECK (risk_tier IN ('very-high', 'high', 'rising', 'low')),
  scored_at                      timestamptz NOT NULL,
  PRIMARY KEY (person_id)
);
CREATE INDEX risk_person_practice_idx ON risk_person (practice_code);
