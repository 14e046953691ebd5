import type { Db } from "../../store/index.ts";
import { releaseHeld } from "../fhir/load.ts";
import { finishLoad, startLoad } from "../loads.ts";
import { BASE64_PAYLOAD, payloadBytes, type RejectRow } from "../rejects.ts";
import { sourceOrg } from "../sources.ts";
import type { CsvRow } from "./layouts.ts";
import { type CsvSession, checkHeader, checkRow, type PendingReject, writeChunk } from "./load.ts";
import { parseCsvText } from "./reader.ts";

// Replaying CSV rejects together, as a first load writes a file: the rejects of one file (same source, layout,
// origin and header) are checked again and written a chunk per transaction through the load's own chunk
// writer, so an accepted row resolves its reject in the name of whoever replayed it, and a row refused again
// updates its reject with the new reason. What this cannot take (a reject kept by file and line rather than
// by record id, a header or payload that is no longer one CSV record) is left for the one-by-one path.

const CHUNK_ROWS = 20_000;

/** A row kept by its record id: `<layout>:<id>` (the others are `<file sha256>:<line>`). */
function keptByRecordId(r: RejectRow): boolean {
  return r.layout !== null && r.originKey.startsWith(`${r.layout}:`) && r.context !== null;
}

function lineOf(r: RejectRow): number {
  const m = /:(\d+)(?::[^:]*)?$/.exec(r.location ?? "");
  return m ? Number(m[1]) : 2;
}

export interface CsvReplayOutcome {
  /** Rejects replayed here: accepted (status replayed) or refused again (reason updated). */
  done: Map<string, { accepted: boolean; reason: string | null }>;
  /** Rejects to replay one by one. */
  leftOver: string[];
}

export async function replayCsvRejects(db: Db, rejects: RejectRow[], by: string): Promise<CsvReplayOutcome> {
  const out: CsvReplayOutcome = { done: new Map(), leftOver: [] };
  // By source, layout and origin, then by header (a key joined from all four was a long string per reject).
  const byFile = new Map<string, Map<string, RejectRow[]>>();
  for (const r of rejects) {
    if (!keptByRecordId(r)) {
      out.leftOver.push(r.rejectId);
      continue;
    }
    const file = `${r.sourceSystem}\u0000${r.layout}\u0000${r.origin}`;
    let byHeader = byFile.get(file);
    if (!byHeader) {
      byHeader = new Map();
      byFile.set(file, byHeader);
    }
    const list = byHeader.get(r.context ?? "");
    if (list) list.push(r);
    else byHeader.set(r.context ?? "", [r]);
  }
  const groups = [...byFile.values()].flatMap((m) => [...m.values()]);
  const replayed: string[] = [];
  /** The rejects the replay's committed chunks resolved (replayed). */
  const resolved = new Set<string>();
  let people = false;
  for (const list of groups) {
    const first = list[0];
    const header = parseCsvText(first.context ?? "", 1, true).records[0];
    let session: CsvSession;
    try {
      if (!header) throw new Error("no header");
      const layout = checkHeader(header.fields, first.origin, first.layout ?? undefined);
      const orgCode = await sourceOrg(db, first.sourceSystem);
      if (layout.needsOrg && !orgCode) throw new Error("no organisation");
      session = {
        layout,
        sourceSystem: first.sourceSystem,
        orgCode,
        origin: first.origin,
        sha: "replay",
        header: header.fields.map((h) => h.trim()),
        headerLine: first.context ?? "",
        loadId: null,
        replayedBy: by,
      };
    } catch {
      // The one-by-one path says why, as a load of that file would.
      out.leftOver.push(...list.map((r) => r.rejectId));
      continue;
    }
    people ||= Boolean(session.layout.people);
    session.replaying = new Map();
    const replaying = session.replaying;
    const s = session;
    // Each chunk's rejects are read and checked just before it is written (as a first load reads a file), so
    // only a chunk's rows are held at a time.
    const check = (part: RejectRow[]) => {
      const rows: CsvRow[] = [];
      const invalid: PendingReject[] = [];
      for (const r of part) {
        const line = lineOf(r);
        const text = r.payload.startsWith(BASE64_PAYLOAD)
          ? payloadBytes(r.payload).toString("utf8")
          : r.payload;
        const parsed = parseCsvText(text, line, true);
        if (parsed.records.length !== 1 || parsed.problems.length > 0) {
          out.leftOver.push(r.rejectId);
          continue;
        }
        const record = parsed.records[0];
        const checked = checkRow(s, record.fields, line, record.raw);
        replaying.set(r.originKey.slice(s.layout.name.length + 1), r.rejectId);
        if ("row" in checked) rows.push(checked.row);
        else invalid.push(checked.reject);
        replayed.push(r.rejectId);
      }
      return { rows, invalid };
    };
    // A replay is a load of its own (feed health counts what it read, loaded and rejected), as a file's is.
    const loadId = await startLoad(db, {
      sourceSystem: session.sourceSystem,
      format: "csv",
      layout: session.layout.name,
      origin: session.origin,
      fileSha256: null,
    });
    session.loadId = loadId;
    const tables: Record<string, number> = {};
    try {
      // As a first load writes them: activity chunks two at a time on a server, people one at a time.
      const limit = session.layout.people ? 1 : db.engine === "postgres" ? 2 : 1;
      const inFlight: Promise<void>[] = [];
      try {
        for (let i = 0; i < list.length; i += CHUNK_ROWS) {
          const { rows, invalid } = check(list.slice(i, i + CHUNK_ROWS));
          if (rows.length === 0 && invalid.length === 0) continue;
          const write = writeChunk(db, session, rows, invalid).then((r) => {
            for (const [t, n] of Object.entries(r.tables)) tables[t] = (tables[t] ?? 0) + n;
            for (const id of r.resolved) resolved.add(id);
          });
          write.catch(() => {}); // awaited below; this only stops it counting as unhandled meanwhile
          inFlight.push(write);
          while (inFlight.length >= limit) await inFlight.shift();
        }
      } finally {
        await Promise.allSettled(inFlight);
      }
      await Promise.all(inFlight);
    } catch (error) {
      await finishLoad(db, loadId, "failed", tables, (error as Error).message).catch(() => {});
      throw error;
    }
    await finishLoad(db, loadId, "succeeded", tables);
  }
  const accepted = { accepted: true, reason: null } as const;
  for (const id of replayed) if (resolved.has(id)) out.done.set(id, accepted);
  const others = replayed.filter((id) => !resolved.has(id));
  if (others.length > 0) {
    // What became of the others is what the database now says: still open, with the reason the replay gave.
    const now = await db.query<{ reject_id: string; status: string; reason: string }>(
      "SELECT reject_id::text AS reject_id, status, reason FROM ingest_reject WHERE reject_id = ANY($1::uuid[])",
      [others],
    );
    const refused = now.filter((r) => r.status === "open").map((r) => r.reject_id);
    if (refused.length > 0)
      await db.query("UPDATE ingest_reject SET attempts = attempts + 1 WHERE reject_id = ANY($1::uuid[])", [
        refused,
      ]);
    for (const r of now)
      out.done.set(r.reject_id, {
        accepted: r.status === "replayed",
        reason: r.status === "replayed" ? null : r.reason,
      });
  }
  // People from these rows may be those FHIR resources were held for.
  if (people) await releaseHeld(db, by);
  return out;
}
