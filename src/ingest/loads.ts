import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { literal, type Queryable } from "../store/index.ts";
import type { RejectInput } from "./rejects.ts";

// Each file load is recorded: 'running' is committed first, with the process running it (host#pid), then
// counts as chunks commit (each a heartbeat), then 'succeeded' or 'failed'. A load whose process died part
// way keeps the counts of what it committed, and is marked failed ("abandoned") the next time a load starts
// or feed health is read: at once when its process is gone from this host, or when another host's load has
// not committed a chunk for STALE_MINUTES. Running it again skips what is already there.

/** A load on another host with no committed chunk for this long is taken as abandoned. */
export const STALE_MINUTES = 30;

/** This process, as a load's runner: host#pid. */
export function thisRunner(): string {
  return `${hostname()}#${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Whether a running load's process is known to be gone: on this host and no such process. */
function runnerGone(runner: string | null): boolean {
  if (!runner) return false;
  const at = runner.lastIndexOf("#");
  const pid = Number(runner.slice(at + 1));
  if (runner.slice(0, at) !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  return pid !== process.pid && !processAlive(pid);
}

/**
 * Marks failed every 'running' load whose process has died (see above), with why, in ingest_load and
 * data_load. Returns the loads it marked.
 */
export async function settleAbandonedLoads(q: Queryable): Promise<string[]> {
  const running = await q.query<{ load_id: string; runner: string | null; stale: boolean }>(
    `SELECT load_id::text AS load_id, runner,
            COALESCE(heartbeat_at, started_at) < now() - make_interval(mins => $1) AS stale
     FROM ingest_load WHERE status = 'running'`,
    [STALE_MINUTES],
  );
  const settled: string[] = [];
  for (const r of running) {
    const gone = runnerGone(r.runner);
    if (!gone && !r.stale) continue;
    const why = gone
      ? `abandoned: the process running it (${r.runner}) stopped before it finished`
      : `abandoned: no chunk committed for ${STALE_MINUTES} minutes${r.runner ? ` by ${r.runner}` : ""}`;
    const rows = await q.query(
      `UPDATE ingest_load SET status = 'failed', finished_at = now(),
         failure = $2 || '; what it committed is kept, and loading the file again skips it'
       WHERE load_id = $1 AND status = 'running' RETURNING 1`,
      [r.load_id, why],
    );
    if (rows.length === 0) continue;
    await q.query(
      "UPDATE data_load SET status = 'failed', finished_at = now() WHERE load_id = $1 AND status = 'running'",
      [r.load_id],
    );
    settled.push(r.load_id);
  }
  return settled;
}

export interface LoadCounts {
  recordsRead: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  held: number;
  /** Resources of types OnePlace does not load, skipped and counted (FHIR). */
  unsupported?: number;
}

export function emptyCounts(): LoadCounts {
  return { recordsRead: 0, loaded: 0, duplicates: 0, rejected: 0, held: 0 };
}

export function addCounts(a: LoadCounts, b: LoadCounts): void {
  a.recordsRead += b.recordsRead;
  a.loaded += b.loaded;
  a.duplicates += b.duplicates;
  a.rejected += b.rejected;
  a.held += b.held;
  if (b.unsupported) a.unsupported = (a.unsupported ?? 0) + b.unsupported;
}

/** What a load is of: the source, the format and layout, the file (by name and hash). */
export interface LoadOf extends Pick<RejectInput, "sourceSystem" | "format" | "layout" | "origin"> {
  fileSha256: string | null;
}

/** How data_load describes a load: "CSV gp-coded-record from extract.csv". */
function loadDescription(l: LoadOf): string {
  return `${l.format.toUpperCase()}${l.layout ? ` ${l.layout}` : ""} from ${l.origin}`;
}

export async function startLoad(q: Queryable, l: LoadOf): Promise<string> {
  await settleAbandonedLoads(q);
  const loadId = randomUUID();
  await q.query(
    `INSERT INTO ingest_load (load_id, source_system, format, layout, origin, file_sha256, started_at, status,
       runner, heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, $6, now(), 'running', $7, now())`,
    [loadId, l.sourceSystem, l.format, l.layout, l.origin, l.fileSha256, thisRunner()],
  );
  await q.query(
    `INSERT INTO data_load (load_id, source_system, description, started_at, status)
     VALUES ($1, $2, $3, now(), 'running')`,
    [loadId, l.sourceSystem, loadDescription(l)],
  );
  return loadId;
}

/** Adds a committed chunk's counts (call inside the chunk's transaction, so counts and rows commit together). */
export async function addToLoad(q: Queryable, loadId: string, c: LoadCounts): Promise<void> {
  await q.query(
    `UPDATE ingest_load SET records_read = records_read + $2, loaded = loaded + $3, duplicates = duplicates + $4,
       rejected = rejected + $5, held = held + $6, heartbeat_at = now() WHERE load_id = $1`,
    [loadId, c.recordsRead, c.loaded, c.duplicates, c.rejected, c.held],
  );
}

/** Adds a chunk's resources of types OnePlace does not load, by type, to its load (inside the chunk's transaction). */
export async function addUnsupported(
  q: Queryable,
  loadId: string,
  byType: Record<string, number>,
): Promise<void> {
  if (Object.keys(byType).length === 0) return;
  await q.query(
    `UPDATE ingest_load SET unsupported_by_type = (
       SELECT COALESCE(jsonb_object_agg(t, n), '{}'::jsonb) FROM (
         SELECT t, sum(n)::integer AS n FROM (
           SELECT key AS t, value::integer AS n FROM jsonb_each_text(ingest_load.unsupported_by_type)
           UNION ALL SELECT key, value::integer FROM jsonb_each_text($2::jsonb)) AS both_counts
         GROUP BY t) AS summed)
     WHERE load_id = $1`,
    [loadId, JSON.stringify(byType)],
  );
}

export async function finishLoad(
  q: Queryable,
  loadId: string,
  status: "succeeded" | "failed",
  rowsByTable: Record<string, number>,
  failure?: string,
): Promise<void> {
  await q.query("UPDATE ingest_load SET status = $2, finished_at = now(), failure = $3 WHERE load_id = $1", [
    loadId,
    status,
    failure ?? null,
  ]);
  await q.query(
    "UPDATE data_load SET status = $2, finished_at = now(), rows_by_table = $3::jsonb WHERE load_id = $1",
    [loadId, status, JSON.stringify(rowsByTable)],
  );
}

/**
 * A load started, counted and finished in one transaction (a FHIR transaction Bundle), as the statements
 * startLoad, addToLoad, addUnsupported and finishLoad would run, in one script to send with the transaction's
 * other writes. Abandoned loads are not settled here (see settleAbandonedLoads).
 */
export function wholeLoadText(
  loadId: string,
  l: LoadOf,
  c: LoadCounts,
  unsupportedByType: Record<string, number>,
  rowsByTable: Record<string, number>,
): string {
  const id = literal(loadId, "uuid");
  return `INSERT INTO ingest_load (load_id, source_system, format, layout, origin, file_sha256, started_at, status,
       runner, heartbeat_at, records_read, loaded, duplicates, rejected, held, unsupported_by_type, finished_at)
     VALUES (${id}, ${literal(l.sourceSystem, "text")}, ${literal(l.format, "text")}, ${literal(l.layout, "text")},
       ${literal(l.origin, "text")}, ${literal(l.fileSha256, "text")}, now(), 'succeeded', ${literal(thisRunner(), "text")},
       now(), ${literal(c.recordsRead, "integer")}, ${literal(c.loaded, "integer")}, ${literal(c.duplicates, "integer")},
       ${literal(c.rejected, "integer")}, ${literal(c.held, "integer")}, ${literal(JSON.stringify(unsupportedByType), "jsonb")},
       now());
     INSERT INTO data_load (load_id, source_system, description, started_at, status, finished_at, rows_by_table)
     VALUES (${id}, ${literal(l.sourceSystem, "text")}, ${literal(loadDescription(l), "text")}, now(), 'succeeded', now(),
       ${literal(JSON.stringify(rowsByTable), "jsonb")});
`;
}

export interface LoadRow extends LoadCounts {
  loadId: string;
  sourceSystem: string;
  format: string;
  layout: string | null;
  origin: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  /** Why it failed (for an abandoned load: that its process stopped). */
  failure: string | null;
  /** Resources of types OnePlace does not load, by type (FHIR). */
  unsupportedByType: Record<string, number>;
}

export async function getLoad(q: Queryable, loadId: string): Promise<LoadRow | null> {
  const rows = await q.query<Record<string, unknown>>("SELECT * FROM ingest_load WHERE load_id = $1", [
    loadId,
  ]);
  if (rows.length === 0) return null;
  const r = rows[0];
  return {
    loadId,
    sourceSystem: String(r.source_system),
    format: String(r.format),
    layout: (r.layout as string | null) ?? null,
    origin: String(r.origin),
    status: String(r.status),
    startedAt: (r.started_at as Date).toISOString(),
    finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
    failure: (r.failure as string | null) ?? null,
    recordsRead: Number(r.records_read),
    loaded: Number(r.loaded),
    duplicates: Number(r.duplicates),
    rejected: Number(r.rejected),
    held: Number(r.held),
    unsupported: Object.values((r.unsupported_by_type as Record<string, number> | null) ?? {}).reduce(
      (a, b) => a + Number(b),
      0,
    ),
    unsupportedByType: (r.unsupported_by_type as Record<string, number> | null) ?? {},
  };
}
