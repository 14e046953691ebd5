import type { Db } from "../../store/index.ts";
import { releaseHeld } from "../fhir/load.ts";
import { finishLoad, startLoad } from "../loads.ts";
import { BASE64_PAYLOAD, payloadBytes, type RejectToReplay } from "../rejects.ts";
import { sourceOrg } from "../sources.ts";
import type { CsvRow } from "./layouts.ts";
import {
  type CsvSession,
  checkHeader,
  checkRow,
  firstWrite,
  type PendingReject,
  writeChunk,
} from "./load.ts";
import { parseCsvRecord, parseCsvText } from "./reader.ts";

// Replaying CSV rejects as a first load writes a file: the rejects of one file (same source, layout, origin and
// header) are gathered as the replay reads them, checked again a chunk at a time and written a chunk per
// transaction through the load's own chunk writer, so an accepted row resolves its reject (by id, one statement
// a chunk) in the name of whoever replayed it, and a row refused again updates its reject with the new reason.
// What this cannot take (a reject kept by file and line rather than by record id, a header or payload that is
// no longer one CSV record) is left for the one-by-one path.

const CHUNK_ROWS = 20_000;

/** The whole number s[from..to), or -1: a line number in a location. */
function digitsIn(s: string, from: number, to: number): number {
  if (from >= to) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + c - 48;
  }
  return n;
}

/**
 * A reject's line from its location, "file:line" or "file:line:column" (what /:(\d+)(?::[^:]*)?$/ finds, first
 * match first), by its last two colons: a regular expression per reject cost the replay more than the look.
 */
export function lineOf(location: string | null): number {
  if (!location) return 2;
  const last = location.lastIndexOf(":");
  if (last < 0) return 2;
  const before = last > 0 ? location.lastIndexOf(":", last - 1) : -1;
  const line = before >= 0 ? digitsIn(location, before + 1, last) : -1;
  if (line >= 0) return line;
  const tail = digitsIn(location, last + 1, location.length);
  return tail >= 0 ? tail : 2;
}

export interface CsvReplayOutcome {
  /** Rejects the replay resolved (status replayed). */
  accepted: Set<string>;
  /** Rejects refused again (still open, one more attempt), with the reason the replay gave. */
  refused: Map<string, string>;
  /** Rejects to replay one by one. */
  leftOver: string[];
}

/** A CSV reject kept by its record id (`RejectToReplay` with a row). */
export type CsvRejectToReplay = RejectToReplay & { row: NonNullable<RejectToReplay["row"]> };

/** One file's replay: its session (null: the one-by-one path says why), the rejects gathered, its load. */
interface FileReplay {
  session: CsvSession | null;
  pending: CsvRejectToReplay[];
  tables: Record<string, number>;
}

/** A file's session for its replay (its header checked as a load checks it), or null for the one-by-one path. */
async function replaySession(db: Db, first: CsvRejectToReplay, by: string): Promise<CsvSession | null> {
  const header = parseCsvText(first.context ?? "", 1, true).records[0];
  if (!header) return null;
  try {
    const layout = checkHeader(header.fields, first.origin, first.layout ?? undefined);
    const orgCode = await sourceOrg(db, first.sourceSystem);
    if (layout.needsOrg && !orgCode) return null;
    return {
      layout,
      sourceSystem: first.sourceSystem,
      orgCode,
      origin: first.origin,
      sha: "replay",
      header: header.fields.map((h) => h.trim()),
      headerLine: first.context ?? "",
      loadId: null,
      replayedBy: by,
      replaying: true,
    };
  } catch {
    // The one-by-one path says why, as a load of that file would.
    return null;
  }
}

/**
 * CSV rejects replayed as they are read: `add` them (in the order to replay them), then `finish` for what became
 * of them, or `fail` when the replay stops part way (each file's load is then marked failed).
 */
export class CsvReplay {
  readonly #db: Db;
  readonly #by: string;
  readonly #files = new Map<string, FileReplay>();
  readonly #inFlight: Promise<void>[] = [];
  /** Its `accepted` is the rejects the replay's committed chunks resolved (replayed), and those found so after. */
  readonly #out: CsvReplayOutcome = { accepted: new Set(), refused: new Map(), leftOver: [] };
  /** The rejects checked again and written (accepted or refused). */
  readonly #replayed: string[] = [];

  constructor(db: Db, by: string) {
    this.#db = db;
    this.#by = by;
  }

  /** The last file a reject was added to, and that reject (most rejects follow one of the same file). */
  #last: { r: CsvRejectToReplay; file: FileReplay } | null = null;

  /** Takes rejects in the order to replay them, writing a chunk of a file's whenever it has gathered one. */
  async add(rejects: readonly CsvRejectToReplay[]): Promise<void> {
    for (const r of rejects) {
      const file = this.#fileOf(r) ?? (await this.#newFile(r));
      this.#last = { r, file };
      if (!file.session) {
        this.#out.leftOver.push(r.rejectId);
        continue;
      }
      file.pending.push(r);
      if (file.pending.length >= CHUNK_ROWS) await this.#write(file, file.session);
    }
  }

  #fileOf(r: CsvRejectToReplay): FileReplay | undefined {
    const last = this.#last;
    if (
      last &&
      last.r.context === r.context &&
      last.r.origin === r.origin &&
      last.r.layout === r.layout &&
      last.r.sourceSystem === r.sourceSystem
    )
      return last.file;
    return this.#files.get(`${r.sourceSystem}\u0000${r.layout}\u0000${r.origin}\u0000${r.context}`);
  }

  async #newFile(r: CsvRejectToReplay): Promise<FileReplay> {
    const file: FileReplay = { session: await replaySession(this.#db, r, this.#by), pending: [], tables: {} };
    this.#files.set(`${r.sourceSystem}\u0000${r.layout}\u0000${r.origin}\u0000${r.context}`, file);
    return file;
  }

  /** A chunk of a file's rejects checked again, as a first load checks a file's rows. */
  #check(s: CsvSession, part: CsvRejectToReplay[]): { rows: CsvRow[]; invalid: PendingReject[] } {
    const rows: CsvRow[] = [];
    const invalid: PendingReject[] = [];
    for (const r of part) {
      const line = lineOf(r.row.location);
      const payload = r.row.payload;
      const text = payload.startsWith(BASE64_PAYLOAD) ? payloadBytes(payload).toString("utf8") : payload;
      const record = parseCsvRecord(text, line);
      if (!record) {
        this.#out.leftOver.push(r.rejectId);
        continue;
      }
      const checked = checkRow(s, record.fields, line, record.raw);
      if ("row" in checked) {
        checked.row.rejectId = r.rejectId;
        rows.push(checked.row);
      } else invalid.push(checked.reject);
      this.#replayed.push(r.rejectId);
    }
    // In the file's order, as a first load writes them (rejects come in the order asked, which openRejectIds
    // gives by time and then id, a random order within a chunk): a person's rows then go to the same pages of
    // the table and its indexes together, as they would have, instead of one page each.
    rows.sort((a, b) => a.line - b.line);
    return { rows, invalid };
  }

  async #write(file: FileReplay, s: CsvSession): Promise<void> {
    const { rows, invalid } = this.#check(s, file.pending.splice(0));
    if (rows.length === 0 && invalid.length === 0) return;
    // A replay is a load of its own (feed health counts what it read, loaded and rejected), as a file's is.
    s.write ??= await firstWrite(this.#db, s.sourceSystem, s.layout.name, null);
    s.loadId ??= await startLoad(this.#db, {
      sourceSystem: s.sourceSystem,
      format: "csv",
      layout: s.layout.name,
      origin: s.origin,
      fileSha256: null,
    });
    // As a first load writes them: activity chunks two at a time on a server, people one at a time.
    const limit = s.layout.people ? 1 : this.#db.engine === "postgres" ? 2 : 1;
    if (s.layout.people) await this.#drain();
    const write = writeChunk(this.#db, s, rows, invalid).then((r) => {
      for (const [t, n] of Object.entries(r.tables)) file.tables[t] = (file.tables[t] ?? 0) + n;
      for (const id of r.resolved) this.#out.accepted.add(id);
    });
    write.catch(() => {}); // awaited later; this only stops it counting as unhandled meanwhile
    this.#inFlight.push(write);
    while (this.#inFlight.length >= limit) await this.#inFlight.shift();
  }

  async #drain(): Promise<void> {
    try {
      await Promise.all(this.#inFlight);
    } finally {
      await Promise.allSettled(this.#inFlight.splice(0));
    }
  }

  async finish(): Promise<CsvReplayOutcome> {
    for (const file of this.#files.values()) if (file.session) await this.#write(file, file.session);
    await this.#drain();
    let people = false;
    for (const { session, tables } of this.#files.values()) {
      if (!session?.loadId) continue;
      await finishLoad(this.#db, session.loadId, "succeeded", tables);
      people ||= Boolean(session.layout.people);
    }
    const out = this.#out;
    const others: string[] = [];
    for (const id of this.#replayed) if (!out.accepted.has(id)) others.push(id);
    if (others.length > 0) {
      // What became of the others is what the database now says: still open, with the reason the replay gave.
      const now = await this.#db.query<{ reject_id: string; status: string; reason: string }>(
        "SELECT reject_id::text AS reject_id, status, reason FROM ingest_reject WHERE reject_id = ANY($1::uuid[])",
        [others],
      );
      const refused = now.filter((r) => r.status === "open").map((r) => r.reject_id);
      if (refused.length > 0)
        await this.#db.query(
          "UPDATE ingest_reject SET attempts = attempts + 1 WHERE reject_id = ANY($1::uuid[])",
          [refused],
        );
      for (const r of now) {
        if (r.status === "replayed") out.accepted.add(r.reject_id);
        else out.refused.set(r.reject_id, r.reason);
      }
    }
    // People from these rows may be those FHIR resources were held for.
    if (people) await releaseHeld(this.#db, this.#by);
    return out;
  }

  /** After an error: what was written stays; each file's load is marked failed with why. */
  async fail(error: Error): Promise<void> {
    await Promise.allSettled(this.#inFlight.splice(0));
    for (const { session, tables } of this.#files.values()) {
      if (session?.loadId)
        await finishLoad(this.#db, session.loadId, "failed", tables, error.message).catch(() => {});
    }
  }
}
