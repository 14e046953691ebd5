-- No unknown patients: when an emergency admission arrives for a person on a risk register or with a care
-- team, the teams caring for them are told (admission_notification, one row a spell and team, the shape the
-- metric no-unknown-patients reads) and each member who should act gets a delivery (delivered, read).
--
-- How new admissions are found: every ingest path (MLLP and HL7 files, CSV, FHIR, replays, bulk COPY, another
-- process on the same PostgreSQL) ends in an INSERT into hospital_spell. A statement-level trigger queues the
-- emergency spells of each statement in admission_notice_queue, in the same transaction: the queue row is
-- committed with the spell, so before the MLLP listener ACKs it, and nothing is missed or seen twice whatever
-- order transactions commit in (a watermark on received_at could not promise that: HL7's received_at is the
-- message's own time). The notifier (src/care/notifier.ts, run by the web server) drains the queue with
-- FOR UPDATE SKIP LOCKED. Only admissions of the last 30 days are queued, so loading years of history (the
-- synthetic place, a back-load) tells nobody anything. No LISTEN/NOTIFY.
--
-- Person-scoped: under Citus the three tables are distributed on person_id and co-located with person;
-- Citus does not run statement triggers with transition tables on distributed tables, so there the
-- notifier's caller must queue spells itself (not yet done: the layout is documented, not tested on Citus).

CREATE TABLE admission_notification (
  person_id        uuid NOT NULL,
  notification_id  uuid NOT NULL,
  spell_id         uuid NOT NULL,          -- hospital_spell
  team_id          uuid NOT NULL,          -- team told
  -- Why this team: registered-practice (the practice's MDT coordinators), lead-professional (the joint plan's
  -- lead), care-team (a care team member team), caseload (a professional holding the person on a caseload).
  reasons          text[] NOT NULL CHECK (reasons <@ ARRAY['registered-practice', 'lead-professional', 'care-team', 'caseload']
                                          AND cardinality(reasons) > 0),
  provider_code    text NOT NULL,          -- the admitting hospital, as the spell has it
  admitted_at      timestamptz NOT NULL,
  notified_at      timestamptz NOT NULL,
  PRIMARY KEY (person_id, notification_id),
  UNIQUE (person_id, spell_id, team_id)
);

-- One row a person told of one admission (once, whichever of their teams was told first).
CREATE TABLE admission_notification_delivery (
  person_id        uuid NOT NULL,
  spell_id         uuid NOT NULL,
  user_id          uuid NOT NULL,          -- app_user
  notification_id  uuid NOT NULL,
  delivered_at     timestamptz NOT NULL,
  read_at          timestamptz,
  PRIMARY KEY (person_id, spell_id, user_id)
);
CREATE INDEX admission_notification_delivery_user_idx
  ON admission_notification_delivery (user_id, delivered_at DESC);
CREATE UNIQUE INDEX admission_notification_delivery_id_idx
  ON admission_notification_delivery (notification_id, user_id);

-- Emergency spells waiting for the notifier.
CREATE TABLE admission_notice_queue (
  person_id        uuid NOT NULL,
  spell_id         uuid NOT NULL,
  queued_at        timestamptz NOT NULL,
  PRIMARY KEY (person_id, spell_id)
);
CREATE INDEX admission_notice_queue_at_idx ON admission_notice_queue (queued_at);

CREATE FUNCTION queue_admission_notices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO admission_notice_queue (person_id, spell_id, queued_at)
  SELECT n.person_id, n.spell_id, clock_timestamp()
  FROM new_spells n
  WHERE n.admission_method = 'emergency' AND n.admitted_at >= now() - interval '30 days'
  ON CONFLICT (person_id, spell_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER hospital_spell_admission_notice
  AFTER INSERT ON hospital_spell
  REFERENCING NEW TABLE AS new_spells
  FOR EACH STATEMENT EXECUTE FUNCTION queue_admission_notices();
