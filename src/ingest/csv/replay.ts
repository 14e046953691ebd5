import { type Db, isCitus, type Queryable } from "../../store/index.ts";
import { isUniqueViolation, type LinkedWrite } from "../canonical.ts";
import { releaseHeld } from "../fhir/load.ts";
import { finishLoad, startLoad } from "../loads.ts";
import {
  type BatchRows,
  batchRows,
  claimBatch,
  markBatchReplayed,
  type WholeBatch,
} from "../reject-batches.ts";
import {
  BASE64_PAYLOAD,
  type CsvClaimedFile,
  type CsvRejectFile,
  claimCsvRejects,
  csvFileKey,
  getReject,
  payloadBytes,
  releaseClaims,
} from "../rejects.ts";
import { sourceOrg } from "../sources.ts";
import { type CsvRow, layoutByName } from "./layouts.ts";
import {
  type ChunkWritten,
  type CsvSession,
  checkHeader,
  firstWrite,
  type PendingReject,
  writeChunkIn,
} from "./load.ts";
import type { PreparedChunk } from "./prepare.ts";
import { parseCsvText } from "./reader.ts";
import { checkReplayed } from "./replay-check.ts";
import { preparedFromEncoding } from "./replay-encoded.ts";
import type { ReplayPrepared } from "./replay-prepare.ts";
import { BatchThreads, preparedOnThread } from "./replay-threads.ts";

// Replaying CSV rejects as a first load writes a file: a batch of a load's chunk (reject-batches.ts) when every one
// of its rejects is asked for, otherwise a chunk of the rejects asked for at a time, in one transaction. A batch is
// marked replayed and read in one statement; of a chunk of ids, the open CSV rows kept by record id are claimed
// (each marked replayed and read in one statement). Either is checked again as a load checks a file's rows, and
// written a file's rows at a time through the load's own chunk writer; a row refused again reopens its reject with
// the new reason, in the same transaction, so a reject is never left resolved without its row. What this cannot
// take (a reject kept by file and line rather than by record id, a header or payload that is no longer one CSV
// record, another format) is left as it was, for the caller's other paths.

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
  /** How many rejects the replay resolved (status replayed). */
  accepted: number;
  /** Rejects refused again (still open, one more attempt), with the reason the replay gave. */
  refused: Map<string, string>;
  /** The sources (with a CSV reject the replay claimed) to forget when none is left open. */
  sources: Set<string>;
  /** Those of them with a reject the replay refused again: open still, so not worth a look. */
  stillOpen: Set<string>;
}

/**
 * What a transaction of a replay takes: a whole batch (its rejects' ids once read, should it be whole no longer),
 * or a chunk of ids. Once written, `ids` are those it left as they were (for the caller's other paths).
 */
interface Unit {
  batch: WholeBatch | null;
  ids: readonly string[] | null;
}

/** What a transaction wrote of one file. */
interface Written {
  file: FileReplay;
  tables: Record<string, number>;
  resolved: string[];
  refused: { rejectId: string; reason: string }[];
}

/** What a transaction wrote of one file, from what its chunk writer said. */
function writtenOf(file: FileReplay, w: ChunkWritten): Written {
  return { file, tables: w.tables, resolved: w.resolved, refused: w.refused ?? [] };
}

/** Of a unit's ids, those its transaction neither resolved nor refused again. */
function leftOf(
  ids: readonly string[],
  written: readonly Written[],
  unwritable: readonly string[],
): readonly string[] {
  let settled = unwritable.length;
  for (const w of written) settled += w.resolved.length + w.refused.length;
  // As a rule every id was settled or unwritable: no set of thousands of ids to tell them apart.
  if (settled === ids.length) return unwritable;
  const done = new Set<string>();
  for (const w of written) {
    for (const id of w.resolved) done.add(id);
    for (const r of w.refused) done.add(r.rejectId);
  }
  return ids.filter((id) => !done.has(id));
}

/** One file's replay: its session (null: the one-by-one path says why), and what it wrote. */
interface FileReplay {
  session: CsvSession | null;
  tables: Record<string, number>;
}

/** A file's session for its replay (its header checked as a load checks it), or null for the one-by-one path. */
async function replaySession(db: Db, first: CsvRejectFile, by: string): Promise<CsvSession | null> {
  const header = parseCsvText(first.context, 1, true).records[0];
  if (!header) return null;
  let s: CsvSession;
  try {
    const layout = checkHeader(header.fields, first.origin, first.layout);
    const orgCode = await sourceOrg(db, first.sourceSystem);
    if (layout.needsOrg && !orgCode) return null;
    s = {
      layout,
      sourceSystem: first.sourceSystem,
      orgCode,
      origin: first.origin,
      sha: "replay",
      header: header.fields.map((h) => h.trim()),
      headerLine: first.context,
      loadId: null,
      replayedBy: by,
      replaying: true,
    };
  } catch {
    // The one-by-one path says why, as a load of that file would.
    return null;
  }
  s.write = await firstWrite(db, s.sourceSystem, s.layout.name, null);
  // A replay is a load of its own (feed health counts what it read, loaded and rejected), as a file's is.
  s.loadId = await startLoad(db, {
    sourceSystem: s.sourceSystem,
    format: "csv",
    layout: s.layout.name,
    origin: s.origin,
    fileSha256: null,
  });
  return s;
}

/** A database error about the data written (SQLSTATE class 22 or 23), not the database or the loader. */
function refusedAsData(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/** Thrown in a chunk's transaction when its rejects name files with no session yet: made outside, then again. */
class SessionsNeeded extends Error {
  readonly firsts: CsvRejectFile[];
  constructor(firsts: CsvRejectFile[]) {
    super("the replay needs a session for each file its rejects came from");
    this.firsts = firsts;
  }
}

/** Thrown in a chunk's transaction when it holds people and chunks before it are still being written. */
class EarlierChunksFirst extends Error {
  constructor() {
    super("a chunk holding people is written after the chunks before it");
  }
}

/**
 * CSV rejects replayed a chunk of ids per transaction (`replay`), two chunks at a time on a server unless they
 * hold people (whose rows are linked in order, one chunk at a time, as a first load writes them); then `finish`.
 */
export class CsvReplay {
  readonly #db: Db;
  readonly #by: string;
  readonly #chunkRows: number;
  readonly #files = new Map<string, FileReplay>();
  /** Files whose session is being made: a chunk that needs one then waits for it rather than making another. */
  readonly #opening = new Map<string, Promise<void>>();
  readonly #out: CsvReplayOutcome = {
    accepted: 0,
    refused: new Map(),
    sources: new Set(),
    stillOpen: new Set(),
  };
  /** Chunks of ids being replayed, by their place in the replay. */
  readonly #running = new Map<number, Promise<void>>();
  /** Whether each chunk being replayed holds people, once it has claimed its rejects. */
  readonly #claims = new Map<number, { people: Promise<boolean>; settle(people: boolean): void }>();
  /** What the replay takes, a transaction each. */
  #units: Unit[] = [];
  /** Batches being prepared on a thread ahead of their turn (null: prepared in turn, in the transaction). */
  readonly #ahead = new Map<number, Promise<ReplayPrepared | null>>();
  readonly #threads = new BatchThreads();
  /** Batches' rows being read ahead of their turn, by their place in the replay. */
  readonly #rows = new Map<number, Promise<BatchRows | null>>();

  /** `chunkRows`: ids a transaction (fewer only to test a replay of many chunks without many rejects). */
  constructor(db: Db, by: string, chunkRows = CHUNK_ROWS) {
    this.#db = db;
    this.#by = by;
    this.#chunkRows = chunkRows;
  }

  /**
   * Replays these whole batches, and the open CSV rows kept by record id among these rejects; the others are
   * left as they are. Batches of people first, then the ids a chunk at a time in the order given (people among
   * them first within a chunk), then the other batches: people before the rows about them.
   */
  async replay(batches: readonly WholeBatch[], ids: readonly string[]): Promise<void> {
    const chunksAtOnce = this.#db.engine === "postgres" ? 2 : 1;
    const ofPeople = (b: WholeBatch) => Boolean(layoutByName(b.layout)?.people);
    const units: Unit[] = batches.filter(ofPeople).map((batch) => ({ batch, ids: null }));
    for (let at = 0; at < ids.length; at += this.#chunkRows)
      units.push({ batch: null, ids: ids.slice(at, at + this.#chunkRows) });
    for (const batch of batches) if (!ofPeople(batch)) units.push({ batch, ids: null });
    this.#units = units;
    // What a batch needs before its turn that no session does starts now: the first batches' rows read, and each
    // file's thread started (taking its modules from the compile cache) while its session is made.
    for (let n = 0; n < Math.min(units.length, 2); n++) this.#readAhead(n);
    if (!isCitus(this.#db)) for (const batch of batches) this.#threads.warm(csvFileKey(batch), batch);
    let error: unknown = null;
    for (let n = 0; n < units.length && !error; n++) {
      const unit = units[n];
      const parallel = chunksAtOnce;
      let settle: (people: boolean) => void = () => {};
      const people = new Promise<boolean>((resolve) => (settle = resolve));
      this.#claims.set(n, { people, settle });
      const run = this.#chunk(n, unit).finally(() => {
        settle(false); // a chunk that failed before its claim holds no one
        this.#running.delete(n);
        this.#claims.delete(n);
      });
      run.catch((e) => {
        error ??= e;
      });
      this.#running.set(n, run);
      while (this.#running.size >= parallel) await Promise.race(this.#running.values()).catch(() => {});
    }
    await Promise.allSettled(this.#running.values());
    if (error) throw error;
  }

  /** One batch or chunk of ids in one transaction, again as sessions are needed or a key is found stored after all. */
  async #chunk(n: number, unit: Unit): Promise<void> {
    let escalate: LinkedWrite | null = null;
    // The file of the chunk's first reject (most chunks are of one file; a batch is of one) has its session before
    // the claim, so that the claim is seldom made twice.
    if (unit.batch) {
      await this.#open(unit.batch);
      // This batch and the next are prepared on the file's thread while the ones before them are written.
      this.#prepareAhead(n);
      this.#prepareAhead(n + 1);
    } else {
      const first = unit.ids?.length ? await getReject(this.#db, unit.ids[0]) : null;
      if (first?.format === "csv" && first.context !== null && first.layout !== null) {
        const of: CsvRejectFile = {
          sourceSystem: first.sourceSystem,
          layout: first.layout,
          origin: first.origin,
          context: first.context,
        };
        await this.#open(of);
      }
    }
    // A chunk claims once the one before it has (so that no chunk waits on another inside its transaction, holding
    // a connection the other may need), and writes after it when that one holds people.
    const before = this.#claims.get(n - 1);
    if (before && (await before.people)) await this.#running.get(n - 1)?.catch(() => {});
    // Taken before the transaction: a transaction waiting on it would hold a connection its batch's read may need.
    let ready = (await this.#ahead.get(n)) ?? null;
    this.#ahead.delete(n);
    this.#rows.delete(n);
    // A batch's rejects, for the path of ids should it be whole no longer (read with its rows when prepared ahead).
    if (unit.batch && !unit.ids) unit.ids = (await batchRows(this.#db, unit.batch.batchId))?.memberIds ?? [];
    for (;;) {
      try {
        const prepared = ready;
        ready = null; // a transaction tried again takes its rows as the others do
        const { written, unwritable } = await this.#db.transaction((tx) =>
          this.#claimAndWrite(tx, n, unit, escalate, prepared),
        );
        for (const w of written) {
          for (const [t, k] of Object.entries(w.tables)) w.file.tables[t] = (w.file.tables[t] ?? 0) + k;
          this.#out.accepted += w.resolved.length;
          for (const r of w.refused) this.#out.refused.set(r.rejectId, r.reason);
          if (w.refused.length > 0 && w.file.session) this.#out.stillOpen.add(w.file.session.sourceSystem);
        }
        unit.ids = leftOf(unit.ids ?? [], written, unwritable);
        return;
      } catch (error) {
        if (error instanceof EarlierChunksFirst) {
          for (const [m, run] of this.#running) if (m < n) await run.catch(() => {});
          continue;
        }
        if (error instanceof SessionsNeeded) {
          for (const first of error.firsts) await this.#open(first);
          continue;
        }
        // A key the chunk took for new was stored after all (as writeChunk: look from now on, then every row
        // through ON CONFLICT).
        if (isUniqueViolation(error) && escalate !== "upsert") {
          escalate = escalate === "fresh" ? "upsert" : "fresh";
          continue;
        }
        // A row the database refused as data (a constraint it breaks, a value it cannot take): nothing of the
        // chunk was kept, and its rejects go one by one, where such a row is kept as a reject naming what it broke.
        if (refusedAsData(error)) return;
        throw error;
      }
    }
  }

  /**
   * A file's session, made once however many chunks ask at once: two made together each started a load of the
   * file, and the second, seeing the first running, wrote with look-ups what the first would have written blind;
   * only the second was finished, so the first was left running.
   */
  async #open(of: CsvRejectFile): Promise<void> {
    const key = csvFileKey(of);
    if (this.#files.has(key)) return;
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = replaySession(this.#db, of, this.#by).then(
        (session) => {
          this.#files.set(key, { session, tables: {} });
        },
        (error) => {
          this.#opening.delete(key);
          throw error;
        },
      );
      this.#opening.set(key, opening);
    }
    await opening;
  }

  /** A batch's rows, read once, from the first to ask (the read needs no session, so it starts with the replay). */
  #readAhead(n: number): Promise<BatchRows | null> {
    const batch = this.#units[n]?.batch;
    if (!batch) return Promise.resolve(null);
    let rows = this.#rows.get(n);
    if (!rows) {
      rows = batchRows(this.#db, batch.batchId, true);
      rows.catch(() => {}); // taken by #prepareAhead, or left for the batch to be read in turn
      this.#rows.set(n, rows);
    }
    return rows;
  }

  /** A batch's rows read and handed to its file's thread, when its file's rows are written blind and encoded. */
  #prepareAhead(n: number): void {
    const batch = this.#units[n]?.batch;
    if (!batch || this.#ahead.has(n)) return;
    const key = csvFileKey(batch);
    const s = this.#files.get(key)?.session;
    if (!s || !preparedOnThread(s, isCitus(this.#db))) return;
    const unit = this.#units[n];
    const ready = this.#readAhead(n).then((rows) => {
      if (!rows) return null;
      unit.ids = rows.memberIds;
      return preparedFromEncoding(s, rows) ?? this.#threads.prepare(key, s, { ...rows, encoding: null });
    });
    // A thread that failed leaves the batch to be prepared in turn, as any other.
    this.#ahead.set(
      n,
      ready.catch(() => null),
    );
  }

  /** A batch prepared ahead, written blind if it is still whole; null when it goes the other way. */
  async #writePrepared(
    tx: Queryable,
    n: number,
    batch: WholeBatch,
    ready: ReplayPrepared,
  ): Promise<{ written: Written[]; unwritable: string[] } | null> {
    const file = this.#files.get(csvFileKey(batch));
    const s = file?.session;
    if (!file || !s || s.write !== "blind") return null;
    this.#claims.get(n)?.settle(false);
    if (!(await markBatchReplayed(tx, batch.batchId, this.#by))) return null;
    this.#out.sources.add(s.sourceSystem);
    const w = await writeChunkIn(tx, s, ready.chunk, ready.chunk.invalid, "blind");
    await releaseClaims(tx, ready.unwritable);
    return { written: [writtenOf(file, w)], unwritable: ready.unwritable };
  }

  async #claimAndWrite(
    tx: Queryable,
    n: number,
    unit: Unit,
    escalate: LinkedWrite | null,
    ready: ReplayPrepared | null,
  ): Promise<{ written: Written[]; unwritable: string[] }> {
    const prepared =
      unit.batch && ready && escalate === null ? await this.#writePrepared(tx, n, unit.batch, ready) : null;
    if (prepared) return prepared;
    // A batch no longer whole (one of its rejects changed on its own since it was found) goes as its ids.
    const batch = unit.batch && (await claimBatch(tx, unit.batch.batchId, this.#by));
    const claimed = batch ? [batch] : await claimCsvRejects(tx, unit.ids ?? [], this.#by);
    const missing = claimed.filter((f) => !this.#files.has(csvFileKey(f)));
    if (missing.length > 0) throw new SessionsNeeded(missing);
    const files = claimed.map((f) => ({
      file: this.#files.get(csvFileKey(f)) as FileReplay,
      part: f.rejects,
      sourceSystem: f.sourceSystem,
    }));
    // People first (the rows after may be about them), once the chunks before this one are written.
    files.sort(
      (a, b) =>
        Number(Boolean(b.file.session?.layout.people)) - Number(Boolean(a.file.session?.layout.people)),
    );
    const people = files.some((f) => f.file.session?.layout.people);
    this.#claims.get(n)?.settle(people);
    if (people && [...this.#running.keys()].some((m) => m < n)) throw new EarlierChunksFirst();
    const unwritable: string[] = [];
    const written: Written[] = [];
    for (const { file, part, sourceSystem } of files) {
      const s = file.session;
      this.#out.sources.add(sourceSystem);
      if (!s) {
        for (const r of part) unwritable.push(r.rejectId);
        continue;
      }
      // As writeChunk: a blind write that found a key stored after all looks from now on; ON CONFLICT is this
      // chunk's alone.
      if (escalate && s.write === "blind") s.write = "fresh";
      const write = escalate === "upsert" ? "upsert" : (s.write ?? "fresh");
      const { chunk, invalid } = this.#check(
        s,
        part,
        unwritable,
        write === "blind" && s.layout.applyEncoded !== undefined && !isCitus(this.#db),
      );
      const w = await writeChunkIn(tx, s, chunk, invalid, write);
      written.push(writtenOf(file, w));
    }
    await releaseClaims(tx, unwritable);
    return { written, unwritable };
  }

  /**
   * A file's rejects checked again, as a first load checks a file's rows, in the file's order (rejects come in
   * the order asked, which openRejectIds gives by time and then id, a random order within a chunk): a person's
   * rows then go to the same pages of the table and its indexes together, as they would have. Written blind, its
   * rows are encoded as they are checked, as a first load's parsing thread encodes them (`encoded`), so that none
   * outlives its turn; otherwise they are kept as rows, each with its reject. A payload that is no longer one CSV
   * record goes to `unwritable`.
   */
  #check(
    s: CsvSession,
    part: CsvClaimedFile["rejects"],
    unwritable: string[],
    encoded: boolean,
  ): { chunk: CsvRow[] | PreparedChunk; invalid: PendingReject[] } {
    const lines = new Int32Array(part.length);
    for (let i = 0; i < part.length; i++) lines[i] = lineOf(part[i].location);
    const order = Array.from(part.keys()).sort((a, b) => lines[a] - lines[b]);
    // Rejects of files loaded under one name (a daily extract) can share a line: an encoded chunk names its
    // rows by line, so such a chunk goes as rows.
    for (let k = 1; encoded && k < order.length; k++)
      if (lines[order[k]] === lines[order[k - 1]]) encoded = false;
    const encoder = encoded ? s.layout.encoder?.(s.sourceSystem) : undefined;
    const replayed = order.map((i) => {
      const payload = part[i].payload;
      const text = payload.startsWith(BASE64_PAYLOAD) ? payloadBytes(payload).toString("utf8") : payload;
      return { text, line: lines[i], rejectId: part[i].rejectId };
    });
    const checked = checkReplayed(s, replayed, encoder);
    for (const id of checked.unwritable) unwritable.push(id);
    return checked;
  }

  /**
   * The rejects the replay took and left as they were: not CSV rows kept by record id, no longer one CSV record, or
   * of a chunk the database refused as data.
   */
  leftOver(): string[] {
    return this.#units.flatMap((u) => u.ids ?? []);
  }

  /** Each file's load finished, those FHIR resources were held for released; what became of the rejects. */
  async finish(): Promise<CsvReplayOutcome> {
    await this.#threads.close();
    let people = false;
    for (const { session, tables } of this.#files.values()) {
      if (!session?.loadId) continue;
      await finishLoad(this.#db, session.loadId, "succeeded", tables);
      people ||= Boolean(session.layout.people);
    }
    // People from these rows may be those FHIR resources were held for.
    if (people) await releaseHeld(this.#db, this.#by);
    return this.#out;
  }

  /** After an error: what was written stays; each file's load is marked failed with why. */
  async fail(error: Error): Promise<void> {
    await Promise.allSettled(this.#running.values());
    await this.#threads.close();
    for (const { session, tables } of this.#files.values()) {
      if (session?.loadId)
        await finishLoad(this.#db, session.loadId, "failed", tables, (error as Error).message).catch(
          () => {},
        );
    }
  }
}
