import { deferWrite, type Queryable } from "./db.ts";
import { isCitus } from "./layout.ts";
import { prepared } from "./prepared.ts";

// hospital_spell_written (migration 1098): on a Citus cluster, a sign that hospital_spell may have been written,
// read without asking the shards. The admission notice queue is filled by a trigger on each shard of
// hospital_spell (migration 1015), so "is anything queued" is a probe of every shard; every write that can queue
// a notice reaches the cluster through the coordinator, so its writers bump this coordinator-local sequence and
// the notifier (care/notifier.ts) probes the shards only after it moved. nextval takes no lock a concurrent
// writer waits on, and is not undone by a rollback (a rolled-back write costs a spurious probe, never a missed
// one). It moves before the writer commits, so the notifier keeps probing for a while after a move; and it
// probes every shard every few seconds anyway, for a writer that does not bump (SQL from outside OnePlace).
//
// Who bumps: the canonical writes (ingest/canonical.ts: CSV, FHIR, replays), the HL7 batches (ingest/hl7/many.ts),
// the master person index's moves of rows between people (mpi/moves.ts) and the synthetic load (synth/load.ts).
// One server and PGlite never bump it: there the notifier's probe is one local index probe already.

/** The tables a write to which can queue an admission notice, and so bumps the sign. */
const SIGNALLED = new Set(["hospital_spell"]);

const BUMP = prepared("store.spell-signal.bump", "SELECT nextval('hospital_spell_written')");
const READ = prepared(
  "store.spell-signal.read",
  "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS value FROM hospital_spell_written",
);

/** After a write to `table` (on Citus, and a table whose rows can queue a notice): the sign moved. */
export async function signalWritten(q: Queryable, table: string): Promise<void> {
  if (isCitus(q) && SIGNALLED.has(table)) await deferWrite(q, BUMP);
}

/** The sign's value now: it differs from one read before only if a writer bumped it since. */
export async function spellsWrittenSign(q: Queryable): Promise<number> {
  const [row] = await q.query<{ value: number }>(READ);
  return Number(row.value);
}
