-- The admission-notice queue filled on Citus too. The statement trigger on hospital_spell (0860) reads a
-- transition table, which a shard does not have, so `oneplace db distribute` turns it off on a cluster. This row
-- trigger does the same for each inserted row, and runs on a shard (it writes the queue row to the co-located
-- shard of admission_notice_queue, in the same transaction). It is made disabled: on one server the statement
-- trigger queues a whole statement's spells in one INSERT; `db distribute` turns this one on when it turns that
-- one off (triggers named *_on_citus; src/store/layout.ts).
-- Citus refuses a new trigger on a distributed table unless told the function is safe to run on a shard (when
-- this runs on a database already distributed); on one server or PGlite the setting is an unused placeholder.
SET LOCAL citus.enable_unsafe_triggers = on;

CREATE FUNCTION queue_admission_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.admission_method = 'emergency' AND NEW.admitted_at >= now() - interval '30 days' THEN
    INSERT INTO admission_notice_queue (person_id, spell_id, queued_at)
    VALUES (NEW.person_id, NEW.spell_id, clock_timestamp())
    ON CONFLICT (person_id, spell_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER hospital_spell_admission_notice_on_citus
  AFTER INSERT ON hospital_spell
  FOR EACH ROW EXECUTE FUNCTION queue_admission_notice();
ALTER TABLE hospital_spell DISABLE TRIGGER hospital_spell_admission_notice_on_citus;
