import { createReadStream, readFileSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { OnePlaceError } from "../../core/errors.ts";
import { findByNhsNumber, findLinks, recordKey, resolveRecords } from "../../mpi/index.ts";
import type { Db, Queryable } from "../../store/index.ts";
import { CATALOGUE, insertMany } from "../../store/index.ts";
import { type CanonicalName, writeCanonical, writeSubjects } from "../canonical.ts";
import { rowId } from "../ids.ts";
import { addToLoad, emptyCounts, finishLoad, type LoadCounts, startLoad } from "../loads.ts";
import { recordReject, resolveRejects } from "../rejects.ts";
import { fileSha256 } from "../sources.ts";
import { FhirReject, type Mapped, mapResource, type OrgRow } from "./resources.ts";

// `oneplace ingest fhir <file>`: bulk NDJSON (one resource a line, as $export writes it) or a Bundle. NDJSON
// and batch/collection Bundles are loaded a chunk of resources per transaction, each resource whole or
// rejected; a transaction Bundle is all or nothing. References to a Patient resolve within a Bundle
// (urn:uuid fullUrls), to Patients this source sent in earlier loads (Patient/<id>), or by NHS Number.

export interface FhirLoadOptions {
  source: string;
  chunkSize?: number;
  onProgress?: (resources: number) => void;
  replayedBy?: string;
}

export interface FhirLoadResult {
  loadId: string;
  sourceSystem: string;
  counts: LoadCounts;
  rowsByTable: Record<string, number>;
  seconds: number;
}

export interface FhirItem {
  line: number;
  raw: string;
  resource: unknown;
}

export interface FhirSession {
  source: string;
  origin: string;
  sha: string;
  loadId: string | null;
  replayedBy?: string;
}

interface ItemReject {
  item: FhirItem;
  reason: string;
}

function keyOf(s: FhirSession, item: FhirItem): string {
  const r = item.resource as { resourceType?: unknown; id?: unknown } | null;
  if (r && typeof r.resourceType === "string" && typeof r.id === "string" && r.id)
    return `${r.resourceType}/${r.id}`;
  return `${s.sha}:${item.line}`;
}

function layoutOf(item: FhirItem): string | null {
  const t = (item.resource as { resourceType?: unknown } | null)?.resourceType;
  return typeof t === "string" ? t.slice(0, 40) : null;
}

const PRACTITIONER_COLS = CATALOGUE.ingest_practitioner.columns;

async function writeOrganisations(
  q: Queryable,
  orgs: { item: FhirItem; org: OrgRow }[],
  source: string,
): Promise<{ rejects: ItemReject[]; changed: number }> {
  const rejects: ItemReject[] = [];
  let changed = 0;
  // Parents before children within the chunk; a parent OnePlace does not know rejects the child.
  const pending = [...orgs];
  const known = new Set(
    (
      await q.query<{ org_code: string }>(
        "SELECT org_code FROM organisation WHERE org_code = ANY($1::text[])",
        [orgs.map((o) => o.org.parent).filter((p): p is string => p !== null)],
      )
    ).map((r) => r.org_code),
  );
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { org } = pending[i];
      if (org.parent && !known.has(org.parent)) continue;
      if (org.site) {
        await q
          .query(
            `INSERT INTO site (site_code, org_code, name, postcode, source_system, received_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (site_code) DO UPDATE SET org_code = excluded.org_code, name = excluded.name, postcode = excluded.postcode
           WHERE (site.org_code, site.name, site.postcode) IS DISTINCT FROM (excluded.org_code, excluded.name, excluded.postcode)
           RETURNING 1`,
            [org.code, org.parent, org.name, org.postcode, source, org.receivedAt],
          )
          .then((r) => (changed += r.length));
      } else {
        await q
          .query(
            `INSERT INTO organisation (org_code, name, kind, parent_code, postcode, opened_on, closed_on, care_home_type,
             source_system, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (org_code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_code = excluded.parent_code,
             postcode = excluded.postcode, opened_on = excluded.opened_on, closed_on = excluded.closed_on,
             care_home_type = excluded.care_home_type
           WHERE (organisation.name, organisation.kind, organisation.parent_code, organisation.postcode, organisation.opened_on,
                  organisation.closed_on, organisation.care_home_type) IS DISTINCT FROM
                 (excluded.name, excluded.kind, excluded.parent_code, excluded.postcode, excluded.opened_on,
                  excluded.closed_on, excluded.care_home_type)
           RETURNING 1`,
            [
              org.code,
              org.name,
              org.kind,
              org.parent,
              org.postcode,
              org.openedOn,
              org.closedOn,
              org.careHomeType,
              source,
              org.receivedAt,
            ],
          )
          .then((r) => (changed += r.length));
        known.add(org.code);
      }
      pending.splice(i, 1);
      i--;
      progress = true;
    }
  }
  for (const p of pending) {
    rejects.push({
      item: p.item,
      reason: "Organization.partOf names an organisation OnePlace does not know (load it first, then replay)",
    });
  }
  return { rejects, changed };
}

/** The practice a person was registered with on a day (their first practice for days before they joined). */
async function practiceLookup(
  q: Queryable,
  personIds: string[],
): Promise<(personId: string, day: string) => string | null> {
  const rows = await q.query<{ person_id: string; practice_code: string; registered_on: string }>(
    `SELECT person_id::text AS person_id, practice_code, registered_on FROM registration
     WHERE person_id = ANY($1::uuid[]) ORDER BY person_id, registered_on, registration_id`,
    [[...new Set(personIds)]],
  );
  const byPerson = new Map<string, { practice: string; from: string }[]>();
  for (const r of rows) {
    const list = byPerson.get(r.person_id) ?? [];
    list.push({ practice: r.practice_code, from: r.registered_on });
    byPerson.set(r.person_id, list);
  }
  return (personId, day) => {
    const regs = byPerson.get(personId);
    if (!regs || regs.length === 0) return null;
    let practice = regs[0].practice;
    for (const r of regs) if (r.from <= day) practice = r.practice;
    return practice;
  };
}

interface ChunkOutcome {
  loaded: number;
  duplicates: number;
  rejects: ItemReject[];
  tables: Record<string, number>;
}

/** Maps and writes a chunk of resources in the caller's transaction. */
export async function applyResources(
  q: Queryable,
  source: string,
  items: FhirItem[],
  bundleIds?: Map<string, string>,
): Promise<ChunkOutcome> {
  const out: ChunkOutcome = { loaded: 0, duplicates: 0, rejects: [], tables: {} };
  const at = new Date().toISOString();
  const people: { item: FhirItem; m: Extract<Mapped, { kind: "person" }> }[] = [];
  const practitioners: unknown[][] = [];
  const orgs: { item: FhirItem; org: OrgRow }[] = [];
  const activity: { item: FhirItem; m: Extract<Mapped, { kind: "activity" }> }[] = [];
  for (const item of items) {
    try {
      const m = mapResource(item.resource, source, at, bundleIds);
      if (m.kind === "person") people.push({ item, m });
      else if (m.kind === "practitioner") practitioners.push(m.values);
      else if (m.kind === "organisation") orgs.push({ item, org: m.org });
      else activity.push({ item, m });
    } catch (error) {
      if (!(error instanceof FhirReject)) throw error;
      out.rejects.push({ item, reason: error.message });
    }
  }
  if (orgs.length > 0) {
    const { rejects, changed } = await writeOrganisations(q, orgs, source);
    out.rejects.push(...rejects);
    out.loaded += changed;
    out.duplicates += orgs.length - rejects.length - changed;
    out.tables.organisation = changed;
  }
  if (practitioners.length > 0) {
    const written = await insertMany(
      q,
      "ingest_practitioner",
      PRACTITIONER_COLS,
      practitioners,
      `ON CONFLICT (source_system, source_record_id) DO UPDATE SET identifier_system = excluded.identifier_system,
         identifier_value = excluded.identifier_value, family_name = excluded.family_name, given_name = excluded.given_name
       WHERE (ingest_practitioner.identifier_system, ingest_practitioner.identifier_value, ingest_practitioner.family_name,
              ingest_practitioner.given_name) IS DISTINCT FROM
             (excluded.identifier_system, excluded.identifier_value, excluded.family_name, excluded.given_name)
       RETURNING 1`,
    );
    out.loaded += written.length;
    out.duplicates += practitioners.length - written.length;
  }
  if (people.length > 0) {
    const outcomes = await resolveRecords(
      q,
      people.map((p) => p.m.record),
    );
    for (const p of people) {
      const o = outcomes.get(recordKey(source, p.m.record.recordId));
      if (o?.outcome === "existing") out.duplicates++;
      else out.loaded++;
    }
    out.tables.person_record = (out.tables.person_record ?? 0) + people.length;
  }
  if (activity.length > 0) {
    const recordIds = activity.flatMap((a) => (a.m.subject.kind === "record" ? [a.m.subject.recordId] : []));
    const nhsNumbers = activity.flatMap((a) => (a.m.subject.kind === "nhs" ? [a.m.subject.nhsNumber] : []));
    const links = await findLinks(q, source, recordIds);
    const byNhs = await findByNhsNumber(q, nhsNumbers);
    const personOf = (a: (typeof activity)[number]) =>
      a.m.subject.kind === "record"
        ? links.get(a.m.subject.recordId)
        : byNhs.get(a.m.subject.nhsNumber)?.personId;
    const needsPractice = activity
      .filter((a) => a.m.practiceOn)
      .map(personOf)
      .filter((p): p is string => !!p);
    const practiceOn = needsPractice.length > 0 ? await practiceLookup(q, needsPractice) : () => null;
    const rows = new Map<CanonicalName, unknown[][]>();
    const subjects: [string, string, string, string, string][] = [];
    for (const a of activity) {
      const personId = personOf(a);
      if (!personId) {
        out.rejects.push({
          item: a.item,
          reason:
            a.m.subject.kind === "record"
              ? `the Patient it references has not been received from ${source} yet (load it, then replay)`
              : "no one with the referenced NHS Number is known yet (load them, then replay)",
        });
        continue;
      }
      let practice: string | null = null;
      if (a.m.practiceOn) {
        practice = practiceOn(personId, a.m.practiceOn);
        if (!practice) {
          out.rejects.push({
            item: a.item,
            reason: "the patient has no GP registration, so the practice that recorded it is unknown",
          });
          continue;
        }
      }
      const values = a.m.build(personId, practice);
      values[1] = rowId(a.m.table, source, a.m.recordId);
      const list = rows.get(a.m.table) ?? [];
      list.push(values);
      rows.set(a.m.table, list);
      const subject =
        a.m.subject.kind === "record"
          ? ([source, a.m.subject.recordId] as const)
          : ([
              byNhs.get(a.m.subject.nhsNumber)?.sourceSystem ?? source,
              byNhs.get(a.m.subject.nhsNumber)?.recordId ?? "",
            ] as const);
      subjects.push([source, a.m.table, a.m.recordId, subject[0], subject[1]]);
    }
    for (const [table, list] of rows) {
      const c = await writeCanonical(q, table, list);
      out.loaded += c.inserted + c.updated;
      out.duplicates += c.unchanged;
      out.tables[table] = (out.tables[table] ?? 0) + c.inserted + c.updated;
    }
    await writeSubjects(q, subjects);
  }
  return out;
}

async function storeRejects(q: Queryable, s: FhirSession, rejects: ItemReject[]): Promise<void> {
  for (const r of rejects) {
    await recordReject(q, {
      sourceSystem: s.source,
      format: "fhir",
      layout: layoutOf(r.item),
      origin: s.origin,
      originKey: keyOf(s, r.item),
      location: `${s.origin}:${r.item.line}`,
      reason: `${s.origin}:${r.item.line}: ${r.reason}`,
      payload: r.item.raw,
      loadId: s.loadId,
    });
  }
}

async function writeChunk(
  db: Db,
  s: FhirSession,
  items: FhirItem[],
  bundleIds?: Map<string, string>,
): Promise<ChunkOutcome & { counts: LoadCounts }> {
  const run = (tx: Queryable) => applyResources(tx, s.source, items, bundleIds);
  try {
    return await db.transaction(async (tx) => {
      const o = await run(tx);
      await storeRejects(tx, s, o.rejects);
      const rejected = new Set(o.rejects.map((r) => r.item));
      await resolveRejects(
        tx,
        s.source,
        "fhir",
        items.filter((i) => !rejected.has(i)).map((i) => keyOf(s, i)),
        s.replayedBy ?? "ingest",
      );
      const counts: LoadCounts = {
        recordsRead: items.length,
        loaded: o.loaded,
        duplicates: o.duplicates,
        rejected: o.rejects.length,
        held: 0,
      };
      if (s.loadId) await addToLoad(tx, s.loadId, counts);
      return { ...o, counts };
    });
  } catch (error) {
    if (items.length === 1) {
      const constraint = (error as { constraint?: string }).constraint;
      const rejects = [
        {
          item: items[0],
          reason: `the database refused the resource${constraint ? ` (${constraint})` : ""}`,
        },
      ];
      await db.transaction(async (tx) => {
        await storeRejects(tx, s, rejects);
        if (s.loadId)
          await addToLoad(tx, s.loadId, { recordsRead: 1, loaded: 0, duplicates: 0, rejected: 1, held: 0 });
      });
      return {
        loaded: 0,
        duplicates: 0,
        rejects,
        tables: {},
        counts: { recordsRead: 1, loaded: 0, duplicates: 0, rejected: 1, held: 0 },
      };
    }
    const total: ChunkOutcome & { counts: LoadCounts } = {
      loaded: 0,
      duplicates: 0,
      rejects: [],
      tables: {},
      counts: emptyCounts(),
    };
    for (const item of items) {
      const r = await writeChunk(db, s, [item], bundleIds);
      total.loaded += r.loaded;
      total.duplicates += r.duplicates;
      total.rejects.push(...r.rejects);
      for (const k of Object.keys(total.counts) as (keyof LoadCounts)[]) total.counts[k] += r.counts[k];
      for (const [t, n] of Object.entries(r.tables)) total.tables[t] = (total.tables[t] ?? 0) + n;
    }
    return total;
  }
}

class AtomicBundleFailed extends OnePlaceError {
  override readonly name = "AtomicBundleFailed";
  readonly rejects: ItemReject[];
  constructor(rejects: ItemReject[]) {
    super("invalid", "ingest.fhir-bundle-rejected", "transaction bundle rejected");
    this.rejects = rejects;
  }
}

/** A whole transaction Bundle, all or nothing. */
async function writeTransactionBundle(
  db: Db,
  s: FhirSession,
  bundleItem: FhirItem,
  items: FhirItem[],
  ids: Map<string, string>,
) {
  try {
    return await db.transaction(async (tx) => {
      const o = await applyResources(tx, s.source, items, ids);
      if (o.rejects.length > 0) throw new AtomicBundleFailed(o.rejects);
      await resolveRejects(tx, s.source, "fhir", [keyOf(s, bundleItem)], s.replayedBy ?? "ingest");
      const counts: LoadCounts = {
        recordsRead: items.length,
        loaded: o.loaded,
        duplicates: o.duplicates,
        rejected: 0,
        held: 0,
      };
      if (s.loadId) await addToLoad(tx, s.loadId, counts);
      return { ...o, counts };
    });
  } catch (error) {
    if (!(error instanceof AtomicBundleFailed)) throw error;
    const reason = `transaction Bundle rejected as a whole: ${error.rejects
      .slice(0, 5)
      .map((r) => `entry ${r.item.line}: ${r.reason}`)
      .join("; ")}${error.rejects.length > 5 ? ` (and ${error.rejects.length - 5} more)` : ""}`;
    const rejects = [{ item: bundleItem, reason }];
    const counts: LoadCounts = {
      recordsRead: items.length,
      loaded: 0,
      duplicates: 0,
      rejected: items.length,
      held: 0,
    };
    await db.transaction(async (tx) => {
      await storeRejects(tx, s, rejects);
      if (s.loadId) await addToLoad(tx, s.loadId, counts);
    });
    return { loaded: 0, duplicates: 0, rejects, tables: {}, counts };
  }
}

/** Entries of a Bundle, with urn:uuid fullUrls of its Patients mapped to their ids. */
export function bundleEntries(bundle: {
  entry?: { fullUrl?: string; resource?: unknown; request?: { method?: string } }[];
}): {
  items: FhirItem[];
  ids: Map<string, string>;
  problems: string[];
} {
  const items: FhirItem[] = [];
  const ids = new Map<string, string>();
  const problems: string[] = [];
  (bundle.entry ?? []).forEach((e, i) => {
    const resource = e.resource as { resourceType?: string; id?: string } | undefined;
    if (!resource) {
      problems.push(`entry ${i + 1} has no resource`);
      return;
    }
    if (e.request?.method && !["POST", "PUT"].includes(e.request.method)) {
      problems.push(`entry ${i + 1}: request method ${e.request.method} is not supported (POST and PUT are)`);
      return;
    }
    if (e.fullUrl?.startsWith("urn:uuid:") && resource.resourceType === "Patient") {
      if (!resource.id) resource.id = e.fullUrl.slice(9);
      ids.set(e.fullUrl, resource.id);
    }
    items.push({ line: i + 1, raw: JSON.stringify(resource), resource });
  });
  return { items, ids, problems };
}

function addUp(
  total: { counts: LoadCounts; tables: Record<string, number> },
  r: { counts: LoadCounts; tables: Record<string, number> },
) {
  for (const k of Object.keys(total.counts) as (keyof LoadCounts)[]) total.counts[k] += r.counts[k];
  for (const [t, n] of Object.entries(r.tables)) total.tables[t] = (total.tables[t] ?? 0) + n;
}

async function* ndjsonLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of rl) {
    line++;
    const t = line === 1 ? text.replace(/^\uFEFF/, "") : text;
    if (t.trim().length > 0) yield { line, text: t };
  }
}

/** Loads an NDJSON file or a Bundle (JSON) file. */
export async function loadFhirFile(db: Db, path: string, options: FhirLoadOptions): Promise<FhirLoadResult> {
  const started = performance.now();
  const origin = basename(path);
  const sha = await fileSha256(path);
  const first = readFileSync(path, { encoding: "utf8", flag: "r" })
    .slice(0, 4096)
    .replace(/^\uFEFF/, "")
    .trimStart();
  const isBundle =
    /^\{\s*"resourceType"\s*:\s*"Bundle"/.test(first) ||
    (path.endsWith(".json") && !path.endsWith(".ndjson"));
  const loadId = await startLoad(db, {
    sourceSystem: options.source,
    format: "fhir",
    layout: isBundle ? "Bundle" : "NDJSON",
    origin,
    fileSha256: sha,
  });
  const s: FhirSession = { source: options.source, origin, sha, loadId, replayedBy: options.replayedBy };
  const total = { counts: emptyCounts(), tables: {} as Record<string, number> };
  try {
    if (isBundle) {
      const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
      await loadBundleText(db, s, text, total);
    } else {
      const chunkSize = options.chunkSize ?? 2000;
      let chunk: FhirItem[] = [];
      let bad: ItemReject[] = [];
      const inFlight: Promise<void>[] = [];
      const flush = async () => {
        if (bad.length > 0) {
          const b = bad;
          bad = [];
          await db.transaction(async (tx) => {
            await storeRejects(tx, s, b);
            if (s.loadId)
              await addToLoad(tx, s.loadId, {
                recordsRead: b.length,
                loaded: 0,
                duplicates: 0,
                rejected: b.length,
                held: 0,
              });
          });
          total.counts.recordsRead += b.length;
          total.counts.rejected += b.length;
        }
        if (chunk.length === 0) return;
        // Chunks without people or organisations are independent: one is written while the next is read (two
        // at once on a server). A chunk with people waits for those before it, and the next waits for it.
        const people = chunk.some((i) => {
          const t = (i.resource as { resourceType?: string } | null)?.resourceType;
          return t === "Patient" || t === "Organization" || t === "Practitioner";
        });
        if (people) await Promise.all(inFlight.splice(0));
        const write = writeChunk(db, s, chunk).then((r) => {
          addUp(total, r);
          options.onProgress?.(total.counts.recordsRead);
        });
        chunk = [];
        write.catch(() => {}); // awaited below; this only stops it counting as unhandled meanwhile
        inFlight.push(write);
        const limit = people ? 1 : db.engine === "postgres" ? 2 : 1;
        while (inFlight.length >= limit) await inFlight.shift();
      };
      for await (const { line, text } of ndjsonLines(path)) {
        let resource: unknown;
        try {
          resource = JSON.parse(text);
        } catch {
          bad.push({
            item: { line, raw: text, resource: null },
            reason: "not valid JSON (a truncated or damaged line)",
          });
          continue;
        }
        chunk.push({ line, raw: text, resource });
        if (chunk.length >= chunkSize) await flush();
      }
      await flush();
      await Promise.all(inFlight.splice(0));
    }
    await finishLoad(db, loadId, "succeeded", total.tables);
  } catch (error) {
    await finishLoad(db, loadId, "failed", total.tables, (error as Error).message).catch(() => {});
    throw error;
  }
  return {
    loadId,
    sourceSystem: options.source,
    counts: total.counts,
    rowsByTable: total.tables,
    seconds: (performance.now() - started) / 1000,
  };
}

/** A Bundle given as text (a file's content, or a reject being replayed). */
export async function loadBundleText(
  db: Db,
  s: FhirSession,
  text: string,
  total: { counts: LoadCounts; tables: Record<string, number> },
): Promise<void> {
  let bundle: { resourceType?: string; type?: string; id?: string; entry?: [] };
  const bundleItem: FhirItem = { line: 1, raw: text, resource: null };
  try {
    bundle = JSON.parse(text);
    bundleItem.resource = bundle;
  } catch {
    await db.transaction((tx) =>
      storeRejects(tx, s, [{ item: bundleItem, reason: "not valid JSON (a truncated or damaged file)" }]),
    );
    total.counts.rejected++;
    return;
  }
  if (bundle.resourceType !== "Bundle") {
    await db.transaction((tx) =>
      storeRejects(tx, s, [{ item: bundleItem, reason: "the file is JSON but not a FHIR Bundle" }]),
    );
    total.counts.rejected++;
    return;
  }
  const { items, ids, problems } = bundleEntries(bundle);
  if (bundle.type === "transaction") {
    if (problems.length > 0) {
      await db.transaction((tx) =>
        storeRejects(tx, s, [
          { item: bundleItem, reason: `transaction Bundle rejected as a whole: ${problems.join("; ")}` },
        ]),
      );
      total.counts.rejected++;
      return;
    }
    addUp(total, await writeTransactionBundle(db, s, bundleItem, items, ids));
    return;
  }
  if (problems.length > 0) {
    await db.transaction((tx) =>
      storeRejects(tx, s, [{ item: bundleItem, reason: `Bundle entries skipped: ${problems.join("; ")}` }]),
    );
    total.counts.rejected += problems.length;
  }
  addUp(total, await writeChunk(db, s, items, ids));
}
