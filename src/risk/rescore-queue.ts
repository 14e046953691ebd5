// Rescoring after ingest: the people a feed or a load changed wait in risk_rescore_queue (1018) and are brought
// up to date against the latest full stratification (rescorePeople: same model, same as-of, its cut-points),
// a batch at a time. Ingest never imports this: the faces that compose ingest and risk (the CLI's loads, the
// MLLP listener's set-up) queue what ingest reports it touched, and start the rescorer.
import type { Logger } from "pino";
import { arrayLiteral, type Db, isCitus, type Queryable, type Write } from "../store/index.ts";
import { latestFullRun, rescorePeople } from "./stratify.ts";

/**
 * Queues people for rescoring, in the caller's transaction when given one (so a crash after the commit still
 * leaves them queued). Nothing is queued while there is no full stratification: the first full run scores
 * everyone. Queuing a person already queued moves queued_at on, so a rescoring that read before this commit
 * does not take them off the queue.
 */
export async function queueRescore(q: Queryable, personIds: readonly string[]): Promise<number> {
  if (personIds.length === 0) return 0;
  const ids = [...new Set(personIds)].sort();
  const rows = await q.query<{ n: number }>(
    `WITH queued AS (
       INSERT INTO risk_rescore_queue (person_id, queued_at)
       SELECT id, clock_timestamp() FROM unnest($1::uuid[]) AS id
       WHERE EXISTS (SELECT 1 FROM risk_run WHERE kind = 'full')
       ON CONFLICT (person_id) DO UPDATE SET queued_at = excluded.queued_at
       RETURNING 1)
     SELECT count(*)::int AS n FROM queued`,
    [ids],
  );
  return rows[0].n;
}

/** queueRescore as one write of the caller's runWrites (store/writes.ts): one statement with its other writes. */
export function queueRescoreWrite(personIds: readonly string[]): Write | null {
  if (personIds.length === 0) return null;
  return {
    text: `INSERT INTO risk_rescore_queue (person_id, queued_at)
       SELECT id, clock_timestamp() FROM unnest($1::uuid[]) AS id
       WHERE EXISTS (SELECT 1 FROM risk_run WHERE kind = 'full')
       ON CONFLICT (person_id) DO UPDATE SET queued_at = excluded.queued_at`,
    params: [[...new Set(personIds)].sort()],
  };
}

/** queueRescore as a statement to send with the caller's other writes in one round trip (no count comes back). */
export function queueRescoreText(personIds: readonly string[]): string {
  if (personIds.length === 0) return "";
  return `INSERT INTO risk_rescore_queue (person_id, queued_at)
     SELECT id, clock_timestamp() FROM unnest(${arrayLiteral([...new Set(personIds)].sort(), "uuid")}) AS id
     WHERE EXISTS (SELECT 1 FROM risk_run WHERE kind = 'full')
     ON CONFLICT (person_id) DO UPDATE SET queued_at = excluded.queued_at;\n`;
}

export interface RescoreDrain {
  /** People rescored (still scored on the run's date) and removed (no longer registered or alive then). */
  rescored: number;
  removed: number;
  /** False when there is no full stratification to rescore against (the queue is left as it is). */
  stratified: boolean;
}

const DELETE_ONE_DONE = `DELETE FROM risk_rescore_queue WHERE person_id = $1::uuid AND person_id IN (
  SELECT q.person_id FROM risk_rescore_queue q WHERE q.person_id = $1::uuid AND q.queued_at = $2::timestamptz
  FOR UPDATE SKIP LOCKED)`;

/**
 * Rescores the people queued, up to `batch` a rescoring, until the queue is empty. A queue row is deleted
 * only if it was not queued again while its person was being rescored.
 */
export async function drainRescoreQueue(db: Db, batch = 500): Promise<RescoreDrain> {
  const total: RescoreDrain = { rescored: 0, removed: 0, stratified: true };
  if (!(await latestFullRun(db))) return { ...total, stratified: false };
  for (;;) {
    const rows = await db.query<{ person_id: string; queued_at: string }>(
      `SELECT person_id::text AS person_id, queued_at::text AS queued_at FROM risk_rescore_queue
       ORDER BY queued_at LIMIT $1`,
      [batch],
    );
    if (rows.length === 0) return total;
    const r = await rescorePeople(
      db,
      rows.map((row) => row.person_id),
    );
    total.rescored += r.rescored;
    total.removed += r.removed;
    // A row an ingest transaction holds is being queued again (its queued_at moves on when it commits):
    // skipped, not waited for, so the rescorer and a lane can never deadlock over two rows. A Citus cluster
    // locks rows (FOR UPDATE) only in a statement on one shard, so there each person's row is deleted by its own
    // statement, on the person's shard.
    if (isCitus(db)) {
      for (const row of rows) await db.query(DELETE_ONE_DONE, [row.person_id, row.queued_at]);
    } else {
      await db.query(
        `DELETE FROM risk_rescore_queue WHERE person_id IN (
           SELECT q.person_id FROM risk_rescore_queue q
           JOIN unnest($1::uuid[], $2::timestamptz[]) AS done (person_id, queued_at)
             ON q.person_id = done.person_id AND q.queued_at = done.queued_at
           FOR UPDATE OF q SKIP LOCKED)`,
        [rows.map((row) => row.person_id), rows.map((row) => row.queued_at)],
      );
    }
    if (rows.length < batch) return total;
  }
}

export interface Rescorer {
  /** Tells the rescorer people were queued and committed: they are rescored together after `windowMs`. */
  touched(): void;
  /** Drains whatever is queued now (joining a drain already running). */
  drain(): Promise<RescoreDrain>;
  /** Totals since start. */
  stats(): { rescored: number; removed: number; drains: number };
  stop(): Promise<void>;
}

/**
 * Rescores queued people off the ingest path: `touched()` (after a commit that queued people) starts a window
 * of `windowMs` (default 1 s; not moved on by later touches, so a steady feed is rescored at least that
 * often) in which everyone touched is gathered, then one drain rescores them together. A poll every
 * `intervalMs` (default 10 s, and once at start) drains what other processes, or a crash before a drain, left
 * queued; an idle place costs one index probe a poll. Errors are logged by kind and retried at the next poll.
 */
export function startRescorer(options: {
  db: Db;
  logger: Logger;
  windowMs?: number;
  intervalMs?: number;
}): Rescorer {
  const { db, logger } = options;
  const windowMs = options.windowMs ?? 1000;
  const intervalMs = options.intervalMs ?? 10_000;
  const totals = { rescored: 0, removed: 0, drains: 0 };
  let stopped = false;
  let window: NodeJS.Timeout | null = null;
  let poll: NodeJS.Timeout | null = null;
  let running: Promise<RescoreDrain> | null = null;
  let again = false;

  const once = async (): Promise<RescoreDrain> => {
    const r = await drainRescoreQueue(db);
    totals.drains++;
    totals.rescored += r.rescored;
    totals.removed += r.removed;
    if (r.rescored + r.removed > 0)
      logger.info({ rescored: r.rescored, removed: r.removed }, "people rescored after ingest");
    return r;
  };
  const drain = (): Promise<RescoreDrain> => {
    if (running) {
      // Touched during a drain: those people may have been read before their commit, so drain once more.
      again = true;
      return running;
    }
    running = (async () => {
      let r = await once();
      while (again && !stopped) {
        again = false;
        const next = await once();
        r = {
          rescored: r.rescored + next.rescored,
          removed: r.removed + next.removed,
          stratified: next.stratified,
        };
      }
      return r;
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const logged = (p: Promise<unknown>) =>
    p.catch((error: unknown) =>
      logger.error(
        {
          err: {
            type: (error as Error)?.name ?? "unknown",
            code: (error as { code?: unknown })?.code ?? null,
          },
        },
        "rescoring after ingest failed",
      ),
    );
  const schedulePoll = (ms: number) => {
    if (stopped) return;
    poll = setTimeout(async () => {
      const [waiting] = await db.query("SELECT 1 FROM risk_rescore_queue LIMIT 1").catch(() => [null]);
      if (waiting) await logged(drain());
      schedulePoll(intervalMs);
    }, ms);
    poll.unref();
  };
  schedulePoll(0);
  return {
    touched() {
      if (stopped || window) return;
      window = setTimeout(() => {
        window = null;
        void logged(drain());
      }, windowMs);
      window.unref();
    },
    drain,
    stats: () => ({ ...totals }),
    async stop() {
      stopped = true;
      if (window) clearTimeout(window);
      if (poll) clearTimeout(poll);
      await running?.catch(() => undefined);
    },
  };
}
