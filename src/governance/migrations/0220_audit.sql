-- The audit trail of every read, search, export and change of personal data, and of sign-ins and account
-- administration. Append-only, with a hash chain: each row's hash covers its content, its position and the
-- previous row's hash, so editing, deleting or reordering a row is detected by `oneplace audit verify`.
-- Under Citus this table is NOT distributed on person (one row can name many people): it stays on the
-- coordinator as a citus local table, with audit_chain_head beside it.

CREATE TABLE audit_event (
  seq                bigint PRIMARY KEY,   -- position in the chain, 1, 2, 3 ... with no gaps
  event_id           uuid NOT NULL UNIQUE,
  occurred_at        timestamptz NOT NULL,
  actor_user_id      uuid,
  actor              text NOT NULL,        -- username, or cli:<operating-system user>
  role_code          text,
  team_code          text,
  purpose            text,
  action             text NOT NULL,
  -- The people the event concerns (disclosed, or asked for when denied) and those filtered out of a list or
  -- search. Up to 64 they are a uuid[] (indexed); a larger set is packed, 16 bytes per id, into a bytea
  -- that is cheap to write. The hash covers the list either way.
  person_ids         uuid[] NOT NULL DEFAULT '{}',
  withheld_ids       uuid[] NOT NULL DEFAULT '{}',
  person_set         bytea,
  withheld_set       bytea,
  person_count       integer NOT NULL DEFAULT 0,     -- people disclosed (pseudonymised outputs record only the count)
  allowed            boolean NOT NULL,
  reason             text NOT NULL,
  relationship       text,
  disclosure         text,                 -- identifiable, demographics, pseudonymised, aggregate
  break_glass_id     uuid,
  flagged            boolean NOT NULL DEFAULT false,  -- for the IG officer's attention (break-glass)
  channel            text NOT NULL,        -- web, api, cli, fhir ...
  client_address     text,
  detail             text,                 -- what was asked, without personal data (route, query shape)
  prev_hash          text NOT NULL,
  hash               text NOT NULL
);
CREATE INDEX audit_event_person_idx ON audit_event USING gin (person_ids);
CREATE INDEX audit_event_withheld_idx ON audit_event USING gin (withheld_ids);
CREATE INDEX audit_event_actor_idx ON audit_event (actor, seq);
CREATE INDEX audit_event_flagged_idx ON audit_event (seq) WHERE flagged;
CREATE INDEX audit_event_large_set_idx ON audit_event (seq) WHERE person_set IS NOT NULL OR withheld_set IS NOT NULL;
-- Packed ids are random bytes: compressing them is wasted work.
ALTER TABLE audit_event ALTER COLUMN person_set SET STORAGE EXTERNAL;
ALTER TABLE audit_event ALTER COLUMN withheld_set SET STORAGE EXTERNAL;

-- Does a packed set of ids contain any of these? For the IG officer's "who looked at this person?".
CREATE FUNCTION audit_set_contains(packed bytea, ids uuid[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT packed IS NOT NULL AND EXISTS (
    SELECT 1 FROM generate_series(0, length(packed) / 16 - 1) AS i, unnest(ids) AS id
     WHERE substring(packed FROM i * 16 + 1 FOR 16) = decode(replace(id::text, '-', ''), 'hex'))
$$;

-- The head of the chain: one row, updated by every append. Updating it takes a row lock, which serialises
-- appends from every process and connection. Under READ COMMITTED a waiting UPDATE re-reads the newest
-- version of the row, so the previous hash is taken from here (prev_hash = the old hash), never from
-- audit_event, whose rows committed after the statement began would be invisible to it.
CREATE TABLE audit_chain_head (
  id                 smallint PRIMARY KEY CHECK (id = 1),
  seq                bigint NOT NULL,
  hash               text NOT NULL,
  prev_hash          text NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash, prev_hash) VALUES (1, 0, repeat('0', 64), repeat('0', 64));

CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();
