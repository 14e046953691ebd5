import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import type { IngestFormat } from "./rejects.ts";

// Each file load is recorded: 'running' is committed first, then counts as chunks commit, then 'succeeded' or
// 'failed'. A load killed part way stays 'running' with the counts of what it committed; running it again
// skips what is already there.

export interface LoadCounts {
  recordsRead: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  held: number;
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
}

export async function startLoad(
  q: Queryable,
  l: {
    sourceSystem: string;
    format: IngestFormat;
    layout: string | null;
    origin: string;
    fileSha256: string | null;
  },
): Promise<string> {
  const loadId = randomUUID();
  await q.query(
    `INSERT INTO ingest_load (load_id, source_system, format, layout, origin, file_sha256, started_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, now(), 'running')`,
    [loadId, l.sourceSystem, l.format, l.layout, l.origin, l.fileSha256],
  );
  await q.query(
    `INSERT INTO data_load (load_id, source_system, description, started_at, status)
     VALUES ($1, $2, $3, now(), 'running')`,
    [loadId, l.sourceSystem, `${l.format.toUpperCase()}${l.layout ? ` ${l.layout}` : ""} from ${l.origin}`],
  );
  return loadId;
}

/** Adds a committed chunk's counts (call inside the chunk's transaction, so counts and rows commit together). */
export async function addToLoad(q: Queryable, loadId: string, c: LoadCounts): Promise<void> {
  await q.query(
    `UPDATE ingest_load SET records_read = records_read + $2, loaded = loaded + $3, duplicates = duplicates + $4,
       rejected = rejected + $5, held = held + $6 WHERE load_id = $1`,
    [loadId, c.recordsRead, c.loaded, c.duplicates, c.rejected, c.held],
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

export interface LoadRow extends LoadCounts {
  loadId: string;
  sourceSystem: string;
  format: string;
  layout: string | null;
  origin: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
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
    recordsRead: Number(r.records_read),
    loaded: Number(r.loaded),
    duplicates: Number(r.duplicates),
    rejected: Number(r.rejected),
    held: Number(r.held),
  };
}
