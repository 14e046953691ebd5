import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notFound } from "../core/errors.ts";
import type { Db } from "../store/index.ts";
import { loadCsvFile } from "./csv/load.ts";
import { CsvReplay, type CsvReplayOutcome, lineOf } from "./csv/replay.ts";
import type { FhirItem } from "./fhir/document.ts";
import { type FhirSession, keyOf, readDocument, writeChunk } from "./fhir/load.ts";
import type { Hl7Context } from "./hl7/apply.ts";
import { decodeHl7Bytes } from "./hl7/charset.ts";
import { applyHl7Batch } from "./hl7/many.ts";
import { messagesInFrame, splitText } from "./hl7/split.ts";
import { openRejectIdsOutsideBatches, type WholeBatch, wholeBatchesOf } from "./reject-batches.ts";
import {
  breakBatches,
  forgetClosedRejectSources,
  getReject,
  getRejects,
  type IngestFormat,
  openOwn,
  payloadBytes,
  type RejectRow,
  rejectIdsMatching,
} from "./rejects.ts";

// Replaying a reject after a fix (a code mapping added, the record it needed loaded, a corrected row): the raw
// payload goes through the same path as when it first arrived. Accepted, the reject is marked replayed by
// whoever asked; refused again, the reject is updated with the new reason and one more attempt.

export interface ReplayResult {
  rejectId: string;
  accepted: boolean;
  reason: string | null;
}

async function settle(
  db: Db,
  original: RejectRow,
  accepted: boolean,
  loadId: string | null,
  by: string,
): Promise<string | null> {
  if (loadId) {
    // A replay that produced a reject under another key (an unreadable row keyed by file and line) folds
    // into the original reject instead of adding a second one.
    const extra = await db.query<{ reason: string }>(
      "DELETE FROM ingest_reject WHERE load_id = $1 AND reject_id <> $2 RETURNING reason",
      [loadId, original.rejectId],
    );
    if (extra.length > 0 && !accepted) {
      await db.query(
        "UPDATE ingest_reject SET reason = $2, received_at = now(), status = 'open' WHERE reject_id = $1",
        [original.rejectId, extra[0].reason],
      );
    }
  }
  if (accepted) {
    await db.query(
      "UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = $2 WHERE reject_id = $1",
      [original.rejectId, by],
    );
    return null;
  }
  // One more attempt, once: a row refused again with a new reason was counted already when the load kept it.
  await db.query("UPDATE ingest_reject SET attempts = attempts + 1 WHERE reject_id = $1 AND attempts = $2", [
    original.rejectId,
    original.attempts,
  ]);
  const now = await getReject(db, original.rejectId);
  return now?.reason ?? original.reason;
}

export async function replayReject(db: Db, rejectId: string, by: string): Promise<ReplayResult> {
  const result = await oneByOne(db, rejectId, by);
  const r = await getReject(db, rejectId);
  if (r) await forgetClosedRejectSources(db, [r]);
  return result;
}

async function oneByOne(db: Db, rejectId: string, by: string): Promise<ReplayResult> {
  const r = await getReject(db, rejectId);
  if (!r) throw notFound("ingest.no-reject", `No reject ${rejectId}`);
  if (r.status !== "open")
    return { rejectId, accepted: r.status === "replayed", reason: `already ${r.status}` };
  // Replayed on its own, it is no longer one of a batch to replay whole.
  await breakBatches(db, [r.batchId ?? null]);
  if (r.format === "hl7") {
    const raw = decodeHl7Bytes(payloadBytes(r.payload)) ?? payloadBytes(r.payload).toString("latin1");
    // A replayed message's sender is not known to be trusted for merges (it may have been refused for
    // sending as another source): a merge it asks for waits for a reviewer.
    const ctx = { origin: `replay:${r.origin}`, replayedBy: by, merges: "review" as const };
    if (messagesInFrame(raw) > 1) return replayFrame(db, r, splitText(raw), ctx, by);
    const [out] = await applyHl7Batch(db, [{ raw, ctx }]);
    const accepted = out.code === "AA";
    return { rejectId, accepted, reason: await settle(db, r, accepted, null, by) };
  }
  const dir = mkdtempSync(join(tmpdir(), "oneplace-replay-"));
  try {
    if (r.format === "csv") {
      const file = join(dir, r.origin);
      writeFileSync(
        file,
        Buffer.concat([Buffer.from(`${r.context ?? ""}\n`), payloadBytes(r.payload), Buffer.from("\n")]),
      );
      const res = await loadCsvFile(db, file, {
        layout: r.layout ?? undefined,
        source: r.sourceSystem,
        replayedBy: by,
        firstLine: Math.max(1, lineOf(r.location) - 1),
      });
      const accepted = res.counts.rejected === 0;
      return { rejectId, accepted, reason: await settle(db, r, accepted, res.loadId, by) };
    }
    const [result] = await replayFhir(db, [r], by);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A frame refused for holding several messages: each is applied in order, as a batch file's would be. Every
 * message then stands on its own (stored, held, or refused as its own reject with its own payload), so the
 * frame's reject is done with whatever became of them; accepted when all were.
 */
async function replayFrame(
  db: Db,
  r: RejectRow,
  messages: string[],
  ctx: Hl7Context,
  by: string,
): Promise<ReplayResult> {
  const outcomes = await applyHl7Batch(
    db,
    messages.map((raw) => ({ raw, ctx })),
  );
  const refused = outcomes.filter((o) => o.code !== "AA").length;
  await db.query(
    "UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = $2 WHERE reject_id = $1",
    [r.rejectId, by],
  );
  return {
    rejectId: r.rejectId,
    accepted: refused === 0,
    reason:
      refused === 0
        ? null
        : `${messages.length - refused} of the frame's ${messages.length} messages applied; ${refused} refused, each kept as a reject of its own`,
  };
}

/**
 * FHIR rejects, replayed together: each payload (a resource, or a line or file that could not be read) goes
 * through the same path as a load, a chunk of resources per transaction, under the file it came in and with
 * the key it was rejected under, so the reject is resolved (stored or held) or updated with its new reason.
 */
async function replayFhir(db: Db, rejects: RejectRow[], by: string): Promise<ReplayResult[]> {
  const groups = new Map<string, { s: FhirSession; items: FhirItem[] }>();
  // An old reject of a whole Bundle: its entries are replayed each under its own key (and refused, each its
  // own reject); the Bundle's reject is then done with.
  const wholeDocuments = new Set<string>();
  for (const r of rejects) {
    const line = Number(r.location?.slice(r.location.lastIndexOf(":") + 1)) || 1;
    // A reject of something unreadable is keyed by the file's hash and line; read again, it keeps that key.
    const sha = /^[0-9a-f]{64}:\d+$/.test(r.originKey) ? r.originKey.slice(0, 64) : "replay";
    const key = `${r.sourceSystem}\u0000${r.origin}\u0000${sha}`;
    const group = groups.get(key) ?? {
      s: { source: r.sourceSystem, origin: r.origin, sha, loadId: null, replayedBy: by },
      items: [],
    };
    const text = payloadBytes(r.payload).toString("utf8");
    let resource: unknown = null;
    try {
      resource = JSON.parse(text);
    } catch {}
    if (resource !== null && typeof resource === "object" && !("entry" in resource)) {
      group.items.push({ line, raw: text, resource });
    } else {
      const doc = readDocument(text, text.trimStart().startsWith("<") ? "XML" : "JSON");
      group.items.push(...doc.items);
      for (const bad of doc.rejects) group.items.push({ ...bad.item, line });
      if (r.layout === "Bundle" && doc.items.length > 0 && doc.rejects.length === 0)
        wholeDocuments.add(r.rejectId);
    }
    groups.set(key, group);
  }
  // What was refused again, by source and key, with its new reason (the rest was stored or held: resolved).
  const refusedAgain = new Map<string, string>();
  for (const { s, items } of groups.values()) {
    for (let i = 0; i < items.length; i += 2000) {
      const out = await writeChunk(db, s, items.slice(i, i + 2000));
      for (const r of out.rejects)
        refusedAgain.set(`${s.source}\u0000${keyOf(s, r.item)}`, `${s.origin}:${r.item.line}: ${r.reason}`);
    }
  }
  for (const id of wholeDocuments)
    await db.query(
      "UPDATE ingest_reject SET status = 'replayed', resolved_at = now(), resolved_by = $2 WHERE reject_id = $1",
      [id, by],
    );
  const results = rejects.map((r) => {
    const reason = wholeDocuments.has(r.rejectId)
      ? undefined
      : refusedAgain.get(`${r.sourceSystem}\u0000${r.originKey}`);
    return { rejectId: r.rejectId, accepted: reason === undefined, reason: reason ?? null };
  });
  const refused = results.filter((r) => !r.accepted).map((r) => r.rejectId);
  if (refused.length > 0)
    await db.query("UPDATE ingest_reject SET attempts = attempts + 1 WHERE reject_id = ANY($1::uuid[])", [
      refused,
    ]);
  return results;
}

/**
 * Replays whole batches and rejects by id: the batches and the open CSV rows kept by record id as a first load writes
 * a file (csv/replay.ts), then the FHIR ones among the rest together, and the others one by one.
 */
async function replayTaken(
  db: Db,
  batches: readonly WholeBatch[],
  ids: string[],
  by: string,
): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  const csv = new CsvReplay(db, by);
  let outcome: CsvReplayOutcome;
  try {
    await csv.replay(batches, ids);
    outcome = await csv.finish();
  } catch (error) {
    await csv.fail(error as Error);
    throw error;
  }
  // The CSV rejects accepted (most of a replay, as a rule) are not copied here: what it took and is not answered
  // was accepted.
  for (const [rejectId, reason] of outcome.refused)
    results.set(rejectId, { rejectId, accepted: false, reason });
  /** The sources and formats replayed (to forget those left with no open reject). */
  const sources = new Map<string, { sourceSystem: string; format: IngestFormat }>();
  // A source with a reject the replay refused again has one open: no look needed (a scan of its every reject).
  for (const sourceSystem of outcome.sources)
    if (!outcome.stillOpen.has(sourceSystem))
      sources.set(`${sourceSystem}\u0000csv`, { sourceSystem, format: "csv" });
  const rest = csv.leftOver();
  const fhir: RejectRow[] = [];
  for (const r of await getRejects(db, rest)) {
    if (r.format === "fhir" && r.status === "open") fhir.push(r);
    if (r.format !== "csv" || !outcome.stillOpen.has(r.sourceSystem))
      sources.set(`${r.sourceSystem}\u0000${r.format}`, r);
  }
  // The FHIR ones as just read (read once, not again by their ids).
  if (fhir.length > 0) for (const res of await replayFhir(db, fhir, by)) results.set(res.rejectId, res);
  for (const id of rest) if (!results.has(id)) results.set(id, await oneByOne(db, id, by));
  await forgetClosedRejectSources(db, [...sources.values()]);
  return results;
}

/**
 * Replays rejects in the order given: the open CSV rows kept by record id a chunk at a time as a first load writes
 * a file (csv/replay.ts), then the FHIR ones among the rest together, and the others one by one.
 */
export async function replayRejects(db: Db, rejectIds: string[], by: string): Promise<ReplayResult[]> {
  const uuid = (id: string) => /^[0-9a-f-]{36}$/i.test(id);
  const results = await replayTaken(db, [], [...new Set(rejectIds)].filter(uuid), by);
  // Every id replayed and not answered was accepted; one that is no id at all is answered as one by one answers it.
  for (const id of rejectIds) if (!uuid(id) && !results.has(id)) results.set(id, await oneByOne(db, id, by));
  return rejectIds.map((id) => results.get(id) ?? { rejectId: id, accepted: true, reason: null });
}

/**
 * Every open reject (of a source, with a reason containing some text), as a replay of them takes them: the whole
 * batches not yet replayed, read and marked as files (when no reason narrows them: a batch's rejects may have
 * several), and the other rejects by id, oldest first.
 */
export interface OpenRejects {
  batches: WholeBatch[];
  ids: string[];
  /** How many rejects in all. */
  count: number;
}

export async function openRejects(db: Db, sourceSystem?: string, reason?: string): Promise<OpenRejects> {
  if (reason?.trim()) {
    const ids = await openRejectIds(db, sourceSystem, reason);
    return { batches: [], ids, count: ids.length };
  }
  const batches = await wholeBatchesOf(db, sourceSystem);
  const ids = await openRejectIdsOutsideBatches(db, sourceSystem);
  return { batches, ids, count: batches.reduce((n, b) => n + b.rejects, ids.length) };
}

/** What a replay of open rejects did: how many it took and accepted, and each of the others with why. */
export interface OpenRejectsReplayed {
  offered: number;
  accepted: number;
  notAccepted: ReplayResult[];
}

/** Replays the open rejects `openRejects` found. */
export async function replayOpenRejects(db: Db, open: OpenRejects, by: string): Promise<OpenRejectsReplayed> {
  const results = await replayTaken(db, open.batches, open.ids, by);
  const notAccepted = [...results.values()].filter((r) => !r.accepted);
  return { offered: open.count, accepted: open.count - notAccepted.length, notAccepted };
}

/** Every open reject (of a source, with a reason containing some text), oldest first. */
export function openRejectIds(db: Db, sourceSystem?: string, reason?: string): Promise<string[]> {
  return rejectIdsMatching(db, { sourceSystem, status: "open", reason });
}

/** Marks an open reject as dealt with outside OnePlace, with why; false when it was not open. */
export async function dismissReject(db: Db, rejectId: string, by: string, note?: string): Promise<boolean> {
  const r = await getReject(db, rejectId);
  if (!r) return false;
  // Its batch first, so that a replay of the batch under way either finished first (the reject is then not open)
  // or finds it no longer whole.
  await breakBatches(db, [r.batchId ?? null]);
  const rows = await db.query<{ source_system: string; format: IngestFormat }>(
    `UPDATE ingest_reject SET status = 'dismissed', resolved_at = now(), resolved_by = $2, resolution_note = $3
     WHERE reject_id = $1 AND ${openOwn("ingest_reject")} RETURNING source_system, format`,
    [rejectId, by, note ?? null],
  );
  await forgetClosedRejectSources(
    db,
    rows.map((r) => ({ sourceSystem: r.source_system, format: r.format })),
  );
  return rows.length > 0;
}
