import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notFound } from "../core/errors.ts";
import type { Db } from "../store/index.ts";
import { loadCsvFile } from "./csv/load.ts";
import { loadFhirFile } from "./fhir/load.ts";
import { decodeHl7Bytes } from "./hl7/charset.ts";
import { applyHl7Batch } from "./hl7/many.ts";
import { getReject, payloadBytes, type RejectRow } from "./rejects.ts";

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
  await db.query("UPDATE ingest_reject SET attempts = attempts + 1 WHERE reject_id = $1", [
    original.rejectId,
  ]);
  const now = await getReject(db, original.rejectId);
  return now?.reason ?? original.reason;
}

export async function replayReject(db: Db, rejectId: string, by: string): Promise<ReplayResult> {
  const r = await getReject(db, rejectId);
  if (!r) throw notFound("ingest.no-reject", `No reject ${rejectId}`);
  if (r.status !== "open")
    return { rejectId, accepted: r.status === "replayed", reason: `already ${r.status}` };
  if (r.format === "hl7") {
    const [out] = await applyHl7Batch(db, [
      {
        raw: decodeHl7Bytes(payloadBytes(r.payload)) ?? payloadBytes(r.payload).toString("latin1"),
        // A replayed message's sender is not known to be trusted for merges (it may have been refused for
        // sending as another source): a merge it asks for waits for a reviewer.
        ctx: { origin: `replay:${r.origin}`, replayedBy: by, merges: "review" },
      },
    ]);
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
      });
      const accepted = res.counts.rejected === 0;
      return { rejectId, accepted, reason: await settle(db, r, accepted, res.loadId, by) };
    }
    const file = join(dir, r.layout === "Bundle" ? `${r.origin}.json` : `${r.origin}.ndjson`);
    writeFileSync(file, r.layout === "Bundle" ? r.payload : `${r.payload}\n`);
    const res = await loadFhirFile(db, file, { source: r.sourceSystem, replayedBy: by });
    const accepted = res.counts.rejected === 0;
    return { rejectId, accepted, reason: await settle(db, r, accepted, res.loadId, by) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Marks an open reject as dealt with outside OnePlace, with why; false when it was not open. */
export async function dismissReject(db: Db, rejectId: string, by: string, note?: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE ingest_reject SET status = 'dismissed', resolved_at = now(), resolved_by = $2, resolution_note = $3
     WHERE reject_id = $1 AND status = 'open' RETURNING 1`,
    [rejectId, by, note ?? null],
  );
  return rows.length > 0;
}
