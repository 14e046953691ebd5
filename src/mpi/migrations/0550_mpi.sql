-- The master person index: which person each source record is linked to (exactly one at any time), every
-- decision that made or changed a link with who or what made it, the review queue, merges and unmerges.
-- Under Citus mpi_record_link and mpi_block are distributed on source_record_id (look-ups are by record),
-- the rest stay on the coordinator.

-- The current link of each source record. The primary key is what guarantees one person per record.
CREATE TABLE mpi_record_link (
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  person_id        uuid NOT NULL,
  -- The record's NHS Number when it is valid and trusted (null when missing, mistyped, or contradicted by the
  -- demographics): what the golden record's NHS Number is taken from.
  nhs_number       text,
  -- Identifiers this record gives the person: [{"system": ..., "value": ...}]
  identifiers      jsonb NOT NULL DEFAULT '[]'::jsonb,
  ethnic_category  text,
  linked_at        timestamptz NOT NULL,
  PRIMARY KEY (source_system, source_record_id)
);
CREATE INDEX mpi_record_link_person_idx ON mpi_record_link (person_id);
CREATE INDEX mpi_record_link_nhs_idx ON mpi_record_link (nhs_number);

-- Blocking keys (date of birth, phonetic names, postcode) that find candidate people for a record.
CREATE TABLE mpi_block (
  block_key        text NOT NULL,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  PRIMARY KEY (block_key, source_system, source_record_id)
);
CREATE INDEX mpi_block_record_idx ON mpi_block (source_system, source_record_id);

-- Every decision: a record linked (by NHS Number, by score, by a reviewer), a new person created, a merge,
-- an unmerge. decided_by is 'mpi' for automatic decisions, 'hl7:<source>:<control id>' for an A40, or the
-- reviewer ('cli:<user>', 'user:<id>').
CREATE TABLE mpi_decision (
  decision_id      uuid PRIMARY KEY,
  decided_at       timestamptz NOT NULL DEFAULT now(),
  decided_by       text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('new-person', 'link-nhs-number', 'link-score', 'review-queued',
                     'review-link', 'review-separate', 'merge', 'unmerge', 'relink')),
  source_system    text,
  source_record_id text,
  from_person_id   uuid,
  to_person_id     uuid,
  score            double precision,
  reason           text NOT NULL
);
CREATE INDEX mpi_decision_record_idx ON mpi_decision (source_system, source_record_id, decided_at);
CREATE INDEX mpi_decision_person_idx ON mpi_decision (to_person_id);

-- Records whose best candidate scored between the thresholds. Until a reviewer decides, the record is
-- linked to a person of its own (so it is never lost and never on two people).
CREATE TABLE mpi_review (
  review_id        uuid PRIMARY KEY,
  source_system    text NOT NULL,
  source_record_id text NOT NULL,
  candidate_person_id uuid NOT NULL,
  score            double precision NOT NULL,
  comparison       jsonb NOT NULL,         -- per-field outcome and weight, no values
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'linked', 'separate', 'superseded')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  decided_at       timestamptz,
  decided_by       text
);
CREATE UNIQUE INDEX mpi_review_open_idx ON mpi_review (source_system, source_record_id, candidate_person_id)
  WHERE status = 'open';

-- Merges of two people into one (an A40, or a reviewer). The retired person's golden record and the records
-- and rows that moved are kept, so an unmerge can put them back.
CREATE TABLE mpi_merge (
  merge_id         uuid PRIMARY KEY,
  survivor_person_id uuid NOT NULL,
  retired_person_id uuid NOT NULL,
  retired_person   jsonb NOT NULL,         -- the golden record as it was
  records          jsonb NOT NULL,         -- [[source_system, source_record_id], ...] that were the retired person's
  moved_rows       jsonb NOT NULL DEFAULT '{}'::jsonb,  -- other person-scoped rows moved: {table: [[key...], ...]}
  decided_by       text NOT NULL,
  reason           text NOT NULL,
  merged_at        timestamptz NOT NULL DEFAULT now(),
  unmerged_at      timestamptz,
  unmerged_by      text
);
CREATE INDEX mpi_merge_retired_idx ON mpi_merge (retired_person_id);
CREATE INDEX mpi_merge_survivor_idx ON mpi_merge (survivor_person_id);
