-- Citus: a unique index on a table distributed on person_id must contain person_id (each shard can only check
-- its own rows). admission_notification_delivery's (notification_id, user_id) did not. A notification belongs
-- to one person (admission_notification's key is (person_id, notification_id)), so adding person_id to the
-- unique key forbids the same rows as before; a plain index on (notification_id, user_id) keeps marking one
-- notification read (care/notifications.ts) an index look-up.
DROP INDEX admission_notification_delivery_id_idx;
CREATE UNIQUE INDEX admission_notification_delivery_id_idx
  ON admission_notification_delivery (person_id, notification_id, user_id);
CREATE INDEX admission_notification_delivery_notification_idx
  ON admission_notification_delivery (notification_id, user_id);
