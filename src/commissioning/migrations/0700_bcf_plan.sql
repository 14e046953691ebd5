-- The Better Care Fund plan, versioned: each import of a plan adds a version (unless nothing changed), and
-- every part of a version is kept with it. Actual spend is a ledger per plan, not per version. Baselines
-- and targets live in metric_target under the set 'bcf:<plan_id>@<version>'. All reference-sized tables:
-- under Citus, create_reference_table for each.

CREATE TABLE bcf_plan (
  plan_id        text PRIMARY KEY CHECK (plan_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  place          text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bcf_plan_version (
  plan_id        text NOT NULL REFERENCES bcf_plan (plan_id),
  version        integer NOT NULL CHECK (version >= 1),
  title          text NOT NULL,
  version_label  text NOT NULL DEFAULT '',
  status         text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
  council        text NOT NULL DEFAULT '',
  ccg            text NOT NULL DEFAULT '',
  hwb_date       date,
  submitted_on   date,
  source         text NOT NULL DEFAULT '',
  notes          text NOT NULL DEFAULT '',
  document       jsonb NOT NULL,               -- the whole plan as imported (without actual spend)
  checksum       text NOT NULL,
  imported_from  text NOT NULL DEFAULT '',
  imported_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, version)
);

CREATE TABLE bcf_allocation (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  financial_year text NOT NULL,
  minimum        numeric,
  proposed_total numeric,
  minimum_as_printed text,
  proposed_total_as_printed text,
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, financial_year),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_contribution (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  line_no        integer NOT NULL,
  financial_year text NOT NULL,
  partner        text NOT NULL CHECK (partner IN ('council', 'ccg', 'grant', 'other')),
  organisation   text NOT NULL DEFAULT '',
  description    text NOT NULL DEFAULT '',
  amount         numeric,
  status         text NOT NULL CHECK (status IN ('confirmed', 'tbc')),
  as_printed     text,
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, line_no),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_scheme (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  scheme_id      text NOT NULL,
  theme          text NOT NULL DEFAULT '',
  name           text NOT NULL,
  scheme_type    text NOT NULL DEFAULT '',
  description    text NOT NULL DEFAULT '',
  lead_provider  text NOT NULL DEFAULT '',
  investment     text NOT NULL CHECK (investment IN ('recurrent', 'non-recurrent', 'nil')),
  expected_benefits text NOT NULL DEFAULT '',
  metric_ids     text[] NOT NULL DEFAULT '{}',
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, scheme_id),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_scheme_year (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  scheme_id      text NOT NULL,
  financial_year text NOT NULL,
  planned_min    numeric,
  planned_max    numeric,
  planned_spend  numeric,
  min_as_printed text,
  max_as_printed text,
  spend_as_printed text,
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, scheme_id, financial_year),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_payment_tranche (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  tranche_id     text NOT NULL,
  payment_date   date NOT NULL,
  amount         numeric,
  amount_as_printed text,
  description    text NOT NULL DEFAULT '',
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, tranche_id),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

-- Probability and impact are scored 1 (low) to 3 (high); out-of-range scores are kept so that validation
-- can report them.
CREATE TABLE bcf_risk (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  risk_no        integer NOT NULL,
  category       text NOT NULL DEFAULT '',
  risk           text NOT NULL,
  consequence    text NOT NULL DEFAULT '',
  probability    smallint,
  impact         smallint,
  controls       text NOT NULL DEFAULT '',
  owner          text NOT NULL DEFAULT '',
  status         text NOT NULL DEFAULT '',
  review_date    date,
  PRIMARY KEY (plan_id, version, risk_no),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_stated_total (
  plan_id        text NOT NULL,
  version        integer NOT NULL,
  line_no        integer NOT NULL,
  subject        text NOT NULL CHECK (subject IN ('scheme-min', 'scheme-max', 'scheme-spend', 'contributions')),
  financial_year text NOT NULL,
  amount         numeric,
  as_printed     text,
  note           text NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version, line_no),
  FOREIGN KEY (plan_id, version) REFERENCES bcf_plan_version (plan_id, version) ON DELETE CASCADE
);

CREATE TABLE bcf_actual_spend (
  plan_id        text NOT NULL REFERENCES bcf_plan (plan_id),
  scheme_id      text NOT NULL,
  month          text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  amount         numeric NOT NULL,
  source         text NOT NULL DEFAULT '',
  note           text NOT NULL DEFAULT '',
  loaded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, scheme_id, month)
);
