// A transaction or batch Bundle sent to the FHIR API (POST /fhir/R4), through the same path as a FHIR file:
// the same mapping and checks, rejects kept for repair, the master person index, upserts on provenance (the
// same Bundle twice changes nothing) and a load row that feed health counts. What differs is the answer, one
// outcome per entry, and a transaction: it is applied whole or not at all (a file's Bundle is not, see
// load.ts). In a refused transaction nothing is stored or held; the entries that caused it are kept as rejects.

import { randomUUID } from "node:crypto";
import { findLinks } from "../../mpi/index.ts";
import type { Db } from "../../store/index.ts";
import { sha256 } from "../ids.ts";
import { finishLoad, type LoadCounts, settleAbandonedLoads, startLoad, wholeLoadText } from "../loads.ts";
import type { PeopleTouched } from "../touched.ts";
import { documentItems, type FhirItem, type ItemReject, typeOf } from "./document.ts";
import {
  applyChunk,
  ChunkRefused,
  type FhirSession,
  keepRejects,
  type Outcome,
  rejectedOutcome,
  releaseHeld,
  writeChunk,
} from "./load.ts";
import { isSupportedResource } from "./resources.ts";

export type BundleKind = "transaction" | "batch";

export type EntryStatus = "stored" | "held" | "rejected" | "unsupported" | "not-applied";

export interface BundleEntryOutcome {
  /** The entry's position in Bundle.entry, from 0. */
  index: number;
  resourceType: string | null;
  status: EntryStatus;
  /** Why it was rejected, held or not applied; the field named, never a value. */
  reason: string | null;
  /** A stored Patient: the person the master person index linked it to. */
  personId?: string;
}

export interface BundleLoadResult {
  loadId: string;
  kind: BundleKind;
  /** False when a transaction was refused: nothing of it was stored. */
  applied: boolean;
  entries: BundleEntryOutcome[];
  counts: LoadCounts;
  rowsByTable: Record<string, number>;
  /** Resources held by earlier loads that this Bundle's Patients released. */
  released: number;
  /** The people whose record the Bundle (and what it released) changed, each once. */
  people: string[];
}

export interface BundleLoadOptions {
  /** The source system the sender's records belong to (as `ingest fhir --source`). */
  source: string;
  /** Where it came from, for the load and its rejects (e.g. "fhir-api:<client id>"). */
  origin: string;
  /**
   * Told the people whose record changed, in the transaction that changed it (a rescoring queue commits or
   * rolls back with the write), then once after all of it has committed.
   */
  touched?: PeopleTouched;
  /** Entries the caller answered itself (a conditional create that matched): not loaded, not counted. */
  skip?: ReadonlySet<number>;
  /** References the caller bound (a skipped entry's fullUrl to the resource it matched). */
  references?: ReadonlyMap<string, string>;
}

/**
 * Loads a parsed transaction or batch Bundle. `raw` is the body as received (its hash names the load). The
 * caller has checked that `bundle` is a Bundle of that type whose entries are a list.
 */
export async function loadFhirBundle(
  db: Db,
  bundle: unknown,
  raw: string,
  kind: BundleKind,
  options: BundleLoadOptions,
): Promise<BundleLoadResult> {
  const sha = sha256(raw);
  const entryCount = ((bundle as { entry?: unknown[] }).entry ?? []).length;
  const load = {
    sourceSystem: options.source,
    format: "fhir" as const,
    layout: `Bundle ${kind}`,
    origin: options.origin,
    fileSha256: sha,
  };
  const { items, rejects } = documentItems(bundle, raw, {
    skip: options.skip,
    references: options.references,
  });
  const session = (loadId: string): FhirSession => ({
    source: options.source,
    origin: options.origin,
    sha,
    loadId,
    touched: options.touched,
  });
  // A transaction whose entries all pass: its load row is started, filled and finished in the transaction
  // that stores it (one commit, where there were five). One that is refused is loaded again the long way
  // below, whose load row, committed first, records the refusal and keeps the rejects.
  const whole =
    kind === "transaction" && rejects.length === 0 && items.length > 0
      ? await wholeTransaction(db, load, session, items)
      : null;
  const loadId = whole?.loadId ?? (await startLoad(db, load));
  const s = session(loadId);
  try {
    const result = whole
      ? { applied: true, outcome: whole.outcome }
      : kind === "transaction"
        ? await transaction(db, s, items, rejects)
        : await batch(db, s, items, rejects);
    const hasPeople = items.some((i) => typeOf(i.resource) === "Patient");
    const release =
      result.applied && hasPeople
        ? await releaseHeld(db, undefined, options.touched)
        : { released: 0, people: [] };
    const people = [...new Set([...(result.applied ? result.outcome.people : []), ...release.people])];
    if (people.length > 0) options.touched?.committed(people);
    if (!whole)
      await finishLoad(
        db,
        loadId,
        result.applied ? "succeeded" : "failed",
        result.outcome.tables,
        result.applied ? undefined : `transaction refused: ${result.outcome.rejects.length} entries rejected`,
      );
    const entries = await entryOutcomes(
      db,
      s,
      entryCount,
      items,
      result.outcome,
      result.applied,
      options.skip,
    );
    return {
      loadId,
      kind,
      applied: result.applied,
      entries,
      counts: result.outcome.counts,
      rowsByTable: result.outcome.tables,
      released: release.released,
      people,
    };
  } catch (error) {
    await finishLoad(db, loadId, "failed", {}, (error as Error).message).catch(() => {});
    throw error;
  }
}

/**
 * A transaction Bundle applied whole with its load row in one database transaction, or null when it was
 * refused (by the checks or by the database): then nothing of it, not even the load row, was kept.
 */
async function wholeTransaction(
  db: Db,
  load: Parameters<typeof startLoad>[1],
  session: (loadId: string) => FhirSession,
  items: FhirItem[],
): Promise<{ loadId: string; outcome: Outcome } | null> {
  await settleNowAndThen(db);
  try {
    return await retried(() =>
      db.transaction(async (tx) => {
        const loadId = randomUUID();
        // The load row, started, counted and finished, goes with the transaction's last writes.
        const outcome = await applyChunk(tx, session(loadId), items, true, (o) =>
          wholeLoadText(loadId, load, o.counts, o.unsupported, o.tables),
        );
        return { loadId, outcome };
      }),
    );
  } catch (error) {
    if (error instanceof ChunkRefused || (error as { code?: unknown }).code) return null;
    throw error;
  }
}

/** When each database handle last settled abandoned loads for a transaction Bundle (see below). */
const SETTLED = new WeakMap<Db, number>();
const SETTLE_EVERY_MS = 60_000;

/**
 * A file's load marks abandoned loads failed as it starts (settleAbandonedLoads); a transaction Bundle's does so
 * at most once a minute per process: an API takes Bundles by the hundred a second, and the look-up would be a
 * round trip for each. A Bundle refused and loaded the long way settles as a file does (startLoad).
 */
async function settleNowAndThen(db: Db): Promise<void> {
  const now = Date.now();
  if (now - (SETTLED.get(db) ?? 0) < SETTLE_EVERY_MS) return;
  SETTLED.set(db, now);
  await settleAbandonedLoads(db);
}

/** All or nothing: any entry rejected (by the checks or by the database) and nothing is kept but the rejects. */
async function transaction(
  db: Db,
  s: FhirSession,
  items: FhirItem[],
  early: ItemReject[],
): Promise<{ applied: boolean; outcome: Outcome }> {
  const read = items.length + early.length;
  if (early.length > 0) return { applied: false, outcome: await keepRejects(db, s, early, read) };
  try {
    const outcome = await retried(() => db.transaction((tx) => applyChunk(tx, s, items, true)));
    return { applied: true, outcome };
  } catch (error) {
    if (error instanceof ChunkRefused)
      return { applied: false, outcome: await keepRejects(db, s, error.rejects, read) };
    if (!(error as { code?: unknown }).code) throw error; // not the database refusing the data
    // The database refused the whole: find the entries it refuses on their own (each tried and rolled back).
    const refused: ItemReject[] = [];
    for (const item of items) {
      try {
        await db.transaction(async (tx) => {
          await applyChunk(tx, { ...s, loadId: null }, [item]);
          throw new ProbeDone();
        });
      } catch (probe) {
        if (probe instanceof ProbeDone) continue;
        const constraint = (probe as { constraint?: string }).constraint;
        refused.push({
          item,
          reason: `the database refused the resource${constraint ? ` (${constraint})` : ""}`,
        });
      }
    }
    const blamed =
      refused.length > 0
        ? refused
        : items.map((item) => ({
            item,
            reason: "the database refused the transaction as a whole (no entry is refused on its own)",
          }));
    return { applied: false, outcome: await keepRejects(db, s, blamed, read) };
  }
}

class ProbeDone extends Error {}

/**
 * A transaction the database rolled back for its own reasons (a deadlock or serialisation failure with
 * another writer: SQLSTATE class 40) is tried again, up to three times, rather than blamed on the data.
 */
async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 3 || typeof code !== "string" || !code.startsWith("40")) throw error;
    }
  }
}

/** Each entry on its own: what can be stored is, the rest held, rejected or counted unsupported. */
async function batch(
  db: Db,
  s: FhirSession,
  items: FhirItem[],
  early: ItemReject[],
): Promise<{ applied: boolean; outcome: Outcome }> {
  const outcome = items.length > 0 ? await writeChunk(db, s, items) : rejectedOutcome(0, []);
  if (early.length > 0) {
    const kept = await keepRejects(db, s, early);
    outcome.rejects.push(...early);
    outcome.counts.recordsRead += kept.counts.recordsRead;
    outcome.counts.rejected += kept.counts.rejected;
  }
  return { applied: true, outcome };
}

async function entryOutcomes(
  db: Db,
  s: FhirSession,
  entryCount: number,
  items: FhirItem[],
  o: Outcome,
  applied: boolean,
  skip?: ReadonlySet<number>,
): Promise<BundleEntryOutcome[]> {
  const byLine = new Map<number, BundleEntryOutcome>();
  const set = (item: FhirItem, status: EntryStatus, reason: string | null) =>
    byLine.set(item.line, { index: item.line - 1, resourceType: typeOf(item.resource), status, reason });
  for (const r of o.rejects) set(r.item, "rejected", r.reason);
  for (const h of o.held) set(h.item, "held", h.reason);
  const patients: { item: FhirItem; id: string }[] = [];
  for (const item of items) {
    if (byLine.has(item.line)) continue;
    const type = typeOf(item.resource);
    if (type === "Bundle.entry.request GET") {
      set(item, "not-applied", "a read in a Bundle is not performed: read with GET instead");
    } else if (type !== null && !isSupportedResource(type)) {
      set(item, "unsupported", `OnePlace does not store ${type} resources: counted as unsupported`);
    } else if (!applied) {
      set(item, "not-applied", "not applied: another entry of the transaction was rejected");
    } else {
      set(item, "stored", null);
      const id = (item.resource as { id?: unknown }).id;
      if (type === "Patient" && typeof id === "string") patients.push({ item, id });
    }
  }
  if (patients.length > 0) {
    // The people the load linked the Patients to, as it decided them; any it did not report, looked up.
    const missing = patients.filter((p) => !o.links.has(p.id)).map((p) => p.id);
    const links = missing.length > 0 ? await findLinks(db, s.source, missing) : new Map<string, string>();
    for (const [recordId, personId] of o.links) links.set(recordId, personId);
    for (const p of patients) {
      const personId = links.get(p.id);
      const entry = byLine.get(p.item.line);
      if (personId && entry) entry.personId = personId;
    }
  }
  return Array.from({ length: entryCount }, (_, index) => {
    if (skip?.has(index))
      return {
        index,
        resourceType: null,
        status: "not-applied" as const,
        reason: "answered without loading it (a conditional create that matched)",
      };
    return (
      byLine.get(index + 1) ?? {
        index,
        resourceType: null,
        status: "not-applied" as const,
        reason: "the entry holds nothing to apply",
      }
    );
  });
}
