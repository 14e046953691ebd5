-- On a Citus cluster, a cheap sign that hospital_spell may have been written (src/store/spell-signal.ts): the
-- admission notifier's queue is filled by a trigger on each shard, so finding it empty meant asking every shard,
-- every 500 ms. Every write that can queue a notice reaches the cluster through the coordinator, so its writers
-- bump this coordinator-local sequence (nextval: no row lock for concurrent writers to wait on) and the notifier
-- reads its last value, one local read, asking the shards only after it moved. CACHE 1 (the default), so every
-- nextval moves last_value. One server and PGlite keep their one local probe and never bump it.
CREATE SEQUENCE hospital_spell_written AS bigint CACHE 1;
