// Where the CLI and the MLLP listener compose ingest and risk: the people a load or a feed changed are queued
// for rescoring (risk_rescore_queue) and rescored against the latest full stratification. Ingest and risk
// never import each other; this face joins them.
import type { PeopleTouched } from "../ingest/index.ts";
import type { Db } from "../platform/index.ts";
import { analyzeGrownTables, createLogger } from "../platform/index.ts";
import {
  drainRescoreQueue,
  latestFullRun,
  peopleChangedSince,
  queueRescore,
  queueRescoreText,
  queueRescoreWrite,
  type Rescorer,
  startRescorer,
} from "../risk/index.ts";

const num = (n: number) => n.toLocaleString("en-GB");

/** Queues the people of each applied batch in its own transaction (nothing is queued without a full run). */
export function queueingTouched(onCommitted: () => void = () => {}): PeopleTouched {
  return {
    async inTransaction(tx, personIds) {
      await queueRescore(tx, personIds);
    },
    inTransactionText: queueRescoreText,
    inTransactionWrite: queueRescoreWrite,
    committed: onCommitted,
  };
}

/**
 * After a file load: analyses the tables it grew (the embedded engine has no autovacuum to do it; on a server it
 * saves the next minute of poorly planned queries), then rescores, once, everyone queued (the load's HL7 messages and FHIR chunks queued their
 * people as they committed). Loads that do not yet say whom they touched (CSV, feed folders: `sinceLatestRun`)
 * queue the people with records received since the latest full run began, as `oneplace stratify --changed`
 * does.
 * Returns the line to print.
 */
export async function rescoreAfterLoad(db: Db, options: { sinceLatestRun?: boolean } = {}): Promise<string> {
  await analyzeGrownTables(db);
  const run = await latestFullRun(db);
  if (!run) return "No full stratification yet: nobody rescored ('oneplace stratify' scores everyone).";
  if (options.sinceLatestRun) await queueRescore(db, await peopleChangedSince(db, run.startedAt));
  const started = performance.now();
  const r = await drainRescoreQueue(db);
  const seconds = (performance.now() - started) / 1000;
  return `Rescored ${num(r.rescored)} people against the stratification as at ${run.asOf} (${seconds.toFixed(2)} s); ${num(r.removed)} no longer registered or alive.`;
}

/** The MLLP listener's rescorer: people its batches queued are rescored together a moment after their ACKs. */
export function listenerRescorer(db: Db): { rescorer: Rescorer; touched: PeopleTouched } {
  const rescorer = startRescorer({ db, logger: createLogger() });
  return { rescorer, touched: queueingTouched(() => rescorer.touched()) };
}
