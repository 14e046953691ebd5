import { createReadStream, readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { createInterface } from "node:readline";
import { findByNhsNumber, findLinks, recordKey, resolveRecords } from "../../mpi/index.ts";
import type { Db, Queryable } from "../../store/index.ts";
import { CATALOGUE, insertMany } from "../../store/index.ts";
import { type CanonicalName, subjectsText, writeCanonical, writeSubjects } from "../canonical.ts";
import { rowId } from "../ids.ts";
import { addToLoad, addUnsupported, emptyCounts, finishLoad, type LoadCounts, startLoad } from "../loads.ts";
import { recordReject, resolveRejectsText } from "../rejects.ts";
import { fileSha256 } from "../sources.ts";
import type { PeopleTouched } from "../touched.ts";
import { documentItems, type FhirItem, type ItemReject, typeOf } from "./document.ts";
import { londonDay, type Retraction, type SourceRow } from "./fields.ts";
import { forgetHeldText, type HeldItem, heldKey, holdItems, resolvableHeld } from "./held.ts";
import { type LocalCode, writeLocalCodes } from "./local-codes.ts";
import { referenceContext } from "./references.ts";
import { FhirReject, isSupportedResource, type MapContext, type Mapped, mapResource } from "./resources.ts";
import { FhirXmlError, fhirXmlToJson } from "./xml.ts";

// `oneplace ingest fhir <file>`: NDJSON (one resource a line, as $export writes it), a Bundle of any type, a
// single resource, as JSON or XML. Resources are loaded a chunk per transaction, each whole or on its own:
// stored, held (a clinical resource whose Patient has not arrived: released when it does), rejected (its own
// reject row) or, for types OnePlace does not load, counted per type. Offered = the sum of these, per load.
// A Bundle is not applied all or nothing, even a transaction: OnePlace keeps a copy of what the sender holds,
// and refusing a patient's whole record for one entry would lose the rest.

export interface FhirLoadOptions {
  source: string;
  chunkSize?: number;
  onProgress?: (resources: number) => void;
  replayedBy?: string;
  /** Told, in each chunk's transaction, the people it changed (the CLI queues them for rescoring). */
  touched?: PeopleTouched;
}

export interface FhirLoadResult {
  loadId: string;
  sourceSystem: string;
  counts: LoadCounts;
  rowsByTable: Record<string, number>;
  /** Resources of types OnePlace does not load, by type. */
  unsupported: Record<string, number>;
  /** Resources held by earlier loads that this one's Patients released. */
  released: number;
  seconds: number;
}

export type { FhirItem };

export interface FhirSession {
  source: string;
  origin: string;
  sha: string;
  loadId: string | null;
  replayedBy?: string;
  /** Told, in each chunk's transaction, the people whose record it changed (see ChunkOutcome.people). */
  touched?: PeopleTouched;
}

export function keyOf(s: FhirSession, item: FhirItem): string {
  const r = item.resource as { resourceType?: unknown; id?: unknown } | null;
  if (r && typeof r.resourceType === "string" && typeof r.id === "string" && r.id)
    return `${r.resourceType}/${r.id}`;
  return `${s.sha}:${item.line}`;
}

/**
 * A chunk's writes that return nothing and that nothing later in the chunk reads (subjects, the held and
 * reject bookkeeping, the load's counts), gathered to go to the database in one round trip. Flushed before
 * any statement that could depend on them.
 */
export class ChunkScript {
  #sql = "";
  add(text: string): void {
    this.#sql += text;
  }
  async flush(q: Queryable): Promise<void> {
    if (!this.#sql) return;
    const text = this.#sql;
    this.#sql = "";
    await q.exec(text);
  }
}

/** Subjects into the script when there is one and they are few (writeSubjects' own choice otherwise). */
async function subjectsOf(
  q: Queryable,
  rows: [string, string, string, string, string][],
  script?: ChunkScript,
): Promise<void> {
  if (script && rows.length > 0 && rows.length < SCRIPT_SUBJECTS) script.add(subjectsText(rows));
  else await writeSubjects(q, rows);
}

/** Up to this many subjects go as literal text; more go by COPY (writeSubjects). */
const SCRIPT_SUBJECTS = 200;

const PRACTITIONER_COLS = CATALOGUE.ingest_practitioner.columns;

/** The insert of an organisation's or a site's row as its declaration makes it (catalogue order). */
const ORG_INSERT = Object.fromEntries(
  (["organisation", "site"] as const).map((t) => {
    const names = CATALOGUE[t].columnNames;
    return [
      t,
      `INSERT INTO ${t} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
    ];
  }),
) as Record<"organisation" | "site", string>;

/** An Organization's row (organisation or site, in catalogue order) read as the writer needs it. */
function orgOf(row: SourceRow) {
  const value = (column: string) => row.values[CATALOGUE[row.table].columnNames.indexOf(column as never)];
  const site = row.table === "site";
  return {
    site,
    code: value(site ? "site_code" : "org_code") as string,
    parent: value(site ? "org_code" : "parent_code") as string | null,
    /** What the source's other resources refer to it by. */
    names: (row.others?.["ingest_fhir_organization.resource_id"] ?? []) as string[],
  };
}

async function writeOrganisations(
  q: Queryable,
  orgs: { item: FhirItem; row: SourceRow }[],
  source: string,
): Promise<{ rejects: ItemReject[]; changed: number }> {
  const rejects: ItemReject[] = [];
  let changed = 0;
  // Parents before children within the chunk; a parent OnePlace does not know rejects the child.
  const pending = orgs.map((o) => ({ ...o, org: orgOf(o.row) }));
  const known = new Set(
    (
      await q.query<{ org_code: string }>(
        "SELECT org_code FROM organisation WHERE org_code = ANY($1::text[])",
        [pending.map((o) => o.org.parent).filter((p): p is string => p !== null)],
      )
    ).map((r) => r.org_code),
  );
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const { org, row } = pending[i];
      if (org.parent && !known.has(org.parent)) continue;
      if (org.site) {
        await q
          .query(
            `${ORG_INSERT.site}
           ON CONFLICT (site_code) DO UPDATE SET org_code = excluded.org_code, name = excluded.name, postcode = excluded.postcode
           WHERE (site.org_code, site.name, site.postcode) IS DISTINCT FROM (excluded.org_code, excluded.name, excluded.postcode)
           RETURNING 1`,
            row.values,
          )
          .then((r) => (changed += r.length));
      } else {
        await q
          .query(
            `${ORG_INSERT.organisation}
           ON CONFLICT (org_code) DO UPDATE SET name = excluded.name,
             kind = CASE WHEN excluded.kind = 'unknown' THEN organisation.kind ELSE excluded.kind END,
             parent_code = excluded.parent_code,
             postcode = excluded.postcode, opened_on = excluded.opened_on, closed_on = excluded.closed_on,
             care_home_type = excluded.care_home_type
           WHERE (organisation.name, organisation.kind, organisation.parent_code, organisation.postcode,
                  organisation.opened_on, organisation.closed_on, organisation.care_home_type) IS DISTINCT FROM
                 (excluded.name, CASE WHEN excluded.kind = 'unknown' THEN organisation.kind ELSE excluded.kind END,
                  excluded.parent_code, excluded.postcode, excluded.opened_on, excluded.closed_on,
                  excluded.care_home_type)
           RETURNING 1`,
            row.values,
          )
          .then((r) => (changed += r.length));
        known.add(org.code);
      }
      // Other resources of the source refer to it by its id, or by an identifier (a conditional reference).
      if (org.names.length > 0)
        await q.query(
          `INSERT INTO ingest_fhir_organization (source_system, resource_id, org_code)
           SELECT $1, name, $3 FROM unnest($2::text[]) AS name
           ON CONFLICT (source_system, resource_id) DO UPDATE SET org_code = excluded.org_code
           WHERE ingest_fhir_organization.org_code <> excluded.org_code`,
          [source, [...new Set(org.names)], org.code],
        );
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

/** Medications the source sent, for the requests and statements that name them; returns how many changed. */
async function writeMedications(q: Queryable, meds: unknown[][]): Promise<number> {
  const written = await insertMany(
    q,
    "ingest_fhir_medication",
    CATALOGUE.ingest_fhir_medication.columns,
    meds,
    `ON CONFLICT (source_system, resource_id) DO UPDATE SET code_system = excluded.code_system, code = excluded.code,
       display = excluded.display, received_at = excluded.received_at
     WHERE (ingest_fhir_medication.code_system, ingest_fhir_medication.code, ingest_fhir_medication.display)
           IS DISTINCT FROM (excluded.code_system, excluded.code, excluded.display)
     RETURNING 1`,
  );
  return written.length;
}

/**
 * What Patients say besides who they are: the practice they are registered with (a registration from the day
 * PDS gives, else the resource's last update, else the day it was first loaded; an earlier practice from the
 * same record is closed that day) and their death.
 */
async function writePersonFacts(
  q: Queryable,
  source: string,
  loadedAt: string,
  people: { m: Extract<Mapped, { kind: "person" }> }[],
  out: ChunkOutcome,
  script?: ChunkScript,
): Promise<void> {
  const withFacts = people.filter((p) => p.m.facts.practice || p.m.facts.diedOn);
  if (withFacts.length === 0) return;
  const links = await linksOf(
    q,
    source,
    withFacts.map((p) => p.m.record.recordId),
    out.links,
  );
  const undated = withFacts.flatMap((p) =>
    p.m.facts.practice && !p.m.facts.practice.from
      ? [`${p.m.record.recordId}#gp#${p.m.facts.practice.code}`]
      : [],
  );
  const firstLoaded = new Map(
    undated.length === 0
      ? []
      : (
          await q.query<{ source_record_id: string; registered_on: string }>(
            `SELECT source_record_id, registered_on::text AS registered_on FROM registration
             WHERE source_system = $1 AND source_record_id = ANY($2::text[])`,
            [source, undated],
          )
        ).map((r) => [r.source_record_id, r.registered_on]),
  );
  const registrations: unknown[][] = [];
  const deaths: unknown[][] = [];

  const subjects: [string, string, string, string, string][] = [];
  for (const { m } of withFacts) {
    const personId = links.get(m.record.recordId);
    if (!personId) continue;
    const { practice, diedOn } = m.facts;
    const recordId = m.record.recordId;
    if (practice) {
      const id = `${recordId}#gp#${practice.code}`;
      const from = practice.from ?? firstLoaded.get(id) ?? londonDay(loadedAt);
      const closed = await q.query(
        `UPDATE registration SET deregistered_on = $5, deregistration_reason = 'moved-practice'
         WHERE person_id = $1 AND source_system = $2 AND source_record_id LIKE $3 AND source_record_id <> $4
           AND deregistered_on IS NULL AND registered_on <= $5
         RETURNING 1`,
        [personId, source, `${recordId.replace(/[\\%_]/g, "\\$&")}#gp#%`, id, from],
      );
      if (closed.length > 0) out.people.add(personId);
      registrations.push([
        personId,
        rowId("registration", source, id),
        practice.code,
        from,
        null,
        null,
        source,
        id,
        m.record.receivedAt,
      ]);
      subjects.push([source, "registration", id, source, recordId]);
    }
    if (diedOn) {
      deaths.push([personId, diedOn, null, null, source, recordId, m.record.receivedAt]);
      subjects.push([source, "death", recordId, source, recordId]);
    }
  }
  for (const [table, rows] of [
    ["registration", registrations],
    ["death", deaths],
  ] as const) {
    if (rows.length === 0) continue;
    const c = await writeCanonical(q, table, rows);
    out.tables[table] = (out.tables[table] ?? 0) + c.inserted + c.updated;
    for (const p of c.people) out.people.add(p);
  }
  await subjectsOf(q, subjects, script);
}

/** The people these records are linked to: those this chunk linked as known, the rest looked up. */
async function linksOf(
  q: Queryable,
  source: string,
  recordIds: string[],
  known: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  const missing = recordIds.filter((id) => !known.has(id));
  const links = missing.length > 0 ? await findLinks(q, source, missing) : new Map<string, string>();
  for (const id of recordIds) {
    const personId = known.get(id);
    if (personId) links.set(id, personId);
  }
  return links;
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

export interface ChunkOutcome {
  loaded: number;
  duplicates: number;
  rejects: ItemReject[];
  held: HeldItem[];
  unsupported: Record<string, number>;
  tables: Record<string, number>;
  /**
   * The people whose record changed: a row of their record stored, changed or taken out, their registration or
   * death, or who they are (a new person, or their details changed). What rescoring must look at again.
   */
  people: Set<string>;
  /** The Patients' records this chunk linked (record id to person id), as the master person index decided. */
  links: Map<string, string>;
  /** The people this chunk made (nothing else of their record is stored before this chunk). */
  created: Set<string>;
}

function emptyOutcome(): ChunkOutcome {
  return {
    loaded: 0,
    duplicates: 0,
    rejects: [],
    held: [],
    unsupported: {},
    tables: {},
    people: new Set(),
    links: new Map(),
    created: new Set(),
  };
}

/**
 * Maps and writes a chunk of resources in the caller's transaction. Writes that return nothing go into
 * `script` when one is given (the caller flushes it).
 */
export async function applyResources(
  q: Queryable,
  source: string,
  items: FhirItem[],
  script?: ChunkScript,
): Promise<ChunkOutcome> {
  const out = emptyOutcome();
  const ctx: MapContext = await referenceContext(q, source, new Date().toISOString(), items);
  const people: { item: FhirItem; m: Extract<Mapped, { kind: "person" }> }[] = [];
  const practitioners: unknown[][] = [];
  const orgs: { item: FhirItem; row: SourceRow }[] = [];
  const medications: unknown[][] = [];
  const activity: { item: FhirItem; m: Extract<Mapped, { kind: "activity" }> }[] = [];
  const retractions: Retraction[] = [];
  for (const item of items) {
    const type = typeOf(item.resource);
    if (type !== null && !isSupportedResource(type)) {
      out.unsupported[type] = (out.unsupported[type] ?? 0) + 1;
      continue;
    }
    let mapped: Mapped[];
    try {
      mapped = mapResource(item.resource, ctx);
    } catch (error) {
      if (!(error instanceof FhirReject)) throw error;
      out.rejects.push({ item, reason: error.message });
      continue;
    }
    for (const m of mapped) {
      if (m.kind === "person") people.push({ item, m });
      else if (m.kind === "row") {
        if (m.table === "organisation" || m.table === "site") orgs.push({ item, row: m });
        else (m.table === "ingest_practitioner" ? practitioners : medications).push(m.values);
      } else if (m.kind === "retraction") retractions.push(m);
      else activity.push({ item, m });
    }
  }
  if (medications.length > 0) {
    const changed = await writeMedications(q, medications);
    out.loaded += changed;
    out.duplicates += medications.length - changed;
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
      if (o?.personId) out.links.set(p.m.record.recordId, o.personId);
      // A new person (awaiting review or not) has a fresh id: no row of their record can be stored yet.
      if ((o?.outcome === "new" || o?.outcome === "review") && o.personId) out.created.add(o.personId);
      if (o?.outcome === "existing") out.duplicates++;
      else {
        out.loaded++;
        if (o?.personId) out.people.add(o.personId);
      }
    }
    out.tables.person_record = (out.tables.person_record ?? 0) + people.length;
    await writePersonFacts(q, source, ctx.at, people, out, script);
  }
  if (activity.length > 0) await writeActivity(q, source, activity, out, script);
  if (retractions.length > 0) {
    await script?.flush(q); // the retraction takes out subjects the script may be writing
    await retract(q, source, retractions, out);
  }
  return out;
}

/**
 * Resources marked entered-in-error: the rows an earlier version stored (with an observation's components)
 * are taken out of the record, and so are their subjects; an earlier version still held, waiting for its
 * Patient, is forgotten, so it is never released into the record. One that never stored or held anything
 * changes nothing.
 */
async function retract(q: Queryable, source: string, retractions: Retraction[], out: ChunkOutcome) {
  const took = new Set<string>();
  const forgotten = await q.query<{ origin_key: string }>(
    "DELETE FROM ingest_fhir_held WHERE source_system = $1 AND origin_key = ANY($2::text[]) RETURNING origin_key",
    [source, retractions.map((r) => `${r.resourceType}/${r.recordId}`)],
  );
  for (const f of forgotten) took.add(f.origin_key.slice(f.origin_key.indexOf("/") + 1));
  const byTable = new Map<CanonicalName, string[]>();
  for (const r of retractions)
    for (const t of r.tables) byTable.set(t, [...(byTable.get(t) ?? []), r.recordId]);
  for (const [table, ids] of byTable) {
    const gone = await q.query<{ source_record_id: string; person_id: string }>(
      `DELETE FROM ${table} WHERE source_system = $1
         AND (source_record_id = ANY($2::text[])
              OR split_part(source_record_id, '#component-', 1) = ANY($2::text[]))
       RETURNING source_record_id, person_id::text AS person_id`,
      [source, ids],
    );
    if (gone.length === 0) continue;
    for (const g of gone) {
      took.add(g.source_record_id.split("#component-")[0]);
      out.people.add(g.person_id);
    }
    await q.query(
      `DELETE FROM ingest_row_subject WHERE source_system = $1 AND table_name = $2
         AND source_record_id = ANY($3::text[])`,
      [source, table, gone.map((g) => g.source_record_id)],
    );
    out.tables[table] = (out.tables[table] ?? 0) + gone.length;
  }
  // Taking out what was stored counts as loaded; one with nothing left to take out, as already there.
  const changed = retractions.filter((r) => took.has(r.recordId)).length;
  out.loaded += changed;
  out.duplicates += retractions.length - changed;
}

async function writeActivity(
  q: Queryable,
  source: string,
  activity: { item: FhirItem; m: Extract<Mapped, { kind: "activity" }> }[],
  out: ChunkOutcome,
  script?: ChunkScript,
): Promise<void> {
  const recordIds = activity.flatMap((a) => (a.m.subject.kind === "record" ? [a.m.subject.recordId] : []));
  const nhsNumbers = activity.flatMap((a) => (a.m.subject.kind === "nhs" ? [a.m.subject.nhsNumber] : []));
  const links = await linksOf(q, source, [...new Set(recordIds)], out.links);
  const byNhs = await findByNhsNumber(q, nhsNumbers);
  const personOf = (a: (typeof activity)[number]) =>
    a.m.subject.kind === "record"
      ? links.get(a.m.subject.recordId)
      : byNhs.get(a.m.subject.nhsNumber)?.personId;
  // A person this chunk made has no registration unless this chunk wrote one (tables.registration).
  const needsPractice = activity
    .filter((a) => a.m.practiceOn)
    .map(personOf)
    .filter((p): p is string => !!p && (!out.created.has(p) || !!out.tables.registration));
  const practiceOn = needsPractice.length > 0 ? await practiceLookup(q, needsPractice) : () => null;
  const rows = new Map<CanonicalName, unknown[][]>();
  const parts = new Map<CanonicalName, unknown[][]>();
  const subjects: [string, string, string, string, string][] = [];
  const codes: { table: CanonicalName; recordId: string; code?: LocalCode }[] = [];
  for (const a of activity) {
    const personId = personOf(a);
    if (!personId) {
      if (a.m.part) continue;
      out.held.push({
        item: a.item,
        subject: a.m.subject,
        reason:
          a.m.subject.kind === "record"
            ? `the Patient it references has not been received from ${source} yet: held until it is`
            : "no one with the referenced NHS Number is known yet: held until they are",
      });
      continue;
    }
    // The practice the patient was registered with that day, when OnePlace knows it; facts from a hospital
    // or a service the patient is not registered through are kept without one.
    const practice = a.m.practiceOn ? practiceOn(personId, a.m.practiceOn) : null;
    const values = a.m.build(personId, practice);
    values[1] = rowId(a.m.table, source, a.m.recordId);
    const into = a.m.part ? parts : rows;
    const list = into.get(a.m.table) ?? [];
    list.push(values);
    into.set(a.m.table, list);
    const subject =
      a.m.subject.kind === "record"
        ? ([source, a.m.subject.recordId] as const)
        : ([
            byNhs.get(a.m.subject.nhsNumber)?.sourceSystem ?? source,
            byNhs.get(a.m.subject.nhsNumber)?.recordId ?? "",
          ] as const);
    subjects.push([source, a.m.table, a.m.recordId, subject[0], subject[1]]);
    if (!a.m.part) codes.push({ table: a.m.table, recordId: a.m.recordId, code: a.m.localCode });
  }
  for (const [table, list] of rows) {
    const c = await writeCanonical(q, table, list);
    out.loaded += c.inserted + c.updated;
    out.duplicates += c.unchanged;
    out.tables[table] = (out.tables[table] ?? 0) + c.inserted + c.updated;
    for (const p of c.people) out.people.add(p);
  }
  for (const [table, list] of parts) {
    const c = await writeCanonical(q, table, list);
    out.tables[table] = (out.tables[table] ?? 0) + c.inserted + c.updated;
    for (const p of c.people) out.people.add(p);
  }
  await subjectsOf(q, subjects, script);
  await writeLocalCodes(q, source, codes);
}

export async function storeRejects(q: Queryable, s: FhirSession, rejects: ItemReject[]): Promise<void> {
  for (const r of rejects) {
    await recordReject(q, {
      sourceSystem: s.source,
      format: "fhir",
      layout: typeOf(r.item.resource),
      origin: s.origin,
      originKey: keyOf(s, r.item),
      location: `${s.origin}:${r.item.line}`,
      reason: `${s.origin}:${r.item.line}: ${r.reason}`,
      payload: r.item.raw,
      loadId: s.loadId,
    });
  }
}

export type Outcome = ChunkOutcome & { counts: LoadCounts };

function countsOf(read: number, o: ChunkOutcome): LoadCounts {
  return {
    recordsRead: read,
    loaded: o.loaded,
    duplicates: o.duplicates,
    rejected: o.rejects.length,
    held: o.held.length,
    unsupported: Object.values(o.unsupported).reduce((a, b) => a + b, 0),
  };
}

/** The outcome of `read` resources of which nothing was kept but these rejects. */
export function rejectedOutcome(read: number, rejects: ItemReject[]): Outcome {
  const o = { ...emptyOutcome(), rejects };
  return { ...o, counts: countsOf(read, o) };
}

/**
 * Rejects kept in a transaction of their own (and counted to the load as `read` resources): those that did not
 * come from a resource (a damaged line or file), or a refused transaction Bundle's.
 */
export async function keepRejects(
  db: Db,
  s: FhirSession,
  rejects: ItemReject[],
  read = rejects.length,
): Promise<Outcome> {
  const o = rejectedOutcome(read, rejects);
  if (rejects.length > 0)
    await db.transaction(async (tx) => {
      await storeRejects(tx, s, rejects);
      if (s.loadId) await addToLoad(tx, s.loadId, o.counts);
    });
  return o;
}

/**
 * A chunk of resources applied in the caller's transaction: stored, held or rejected (the rejects kept), and
 * counted to the load. `whole` (a FHIR transaction Bundle): a reject is thrown as `ChunkRefused` before
 * anything is kept, so the caller's transaction rolls back with nothing half-written.
 */
export async function applyChunk(
  tx: Queryable,
  s: FhirSession,
  items: FhirItem[],
  whole = false,
  /**
   * The load's row as text, to go with the chunk's last writes in place of counting it to the load (a load
   * started and finished in this transaction: a FHIR transaction Bundle).
   */
  loadRow?: (o: Outcome) => string,
): Promise<Outcome> {
  const script = new ChunkScript();
  const o = await applyResources(tx, s.source, items, script);
  if (whole && o.rejects.length > 0) throw new ChunkRefused(o.rejects);
  if (s.touched && o.people.size > 0) {
    if (s.touched.inTransactionText) script.add(s.touched.inTransactionText([...o.people]));
    else await s.touched.inTransaction(tx, [...o.people]);
  }
  if (o.rejects.length > 0 || o.held.length > 0) {
    await script.flush(tx);
    await storeRejects(tx, s, o.rejects);
    await holdItems(tx, s, o.held);
  }
  const held = new Set(o.held.map((h) => h.item));
  const rejected = new Set(o.rejects.map((r) => r.item));
  script.add(forgetHeldText(s.source, items.filter((i) => !held.has(i)).map(heldKey)));
  // A resource once rejected and now stored or held is no longer a reject.
  script.add(
    resolveRejectsText(
      s.source,
      "fhir",
      items.filter((i) => !rejected.has(i)).map((i) => keyOf(s, i)),
      s.replayedBy ?? "ingest",
    ),
  );
  const counts = countsOf(items.length, o);
  const outcome = { ...o, counts };
  if (loadRow) script.add(loadRow(outcome));
  await script.flush(tx);
  if (s.loadId && !loadRow) {
    await addToLoad(tx, s.loadId, counts);
    await addUnsupported(tx, s.loadId, o.unsupported);
  }
  return outcome;
}

/** A whole chunk refused because some of its resources are rejects (see `applyChunk`). */
export class ChunkRefused extends Error {
  readonly rejects: ItemReject[];
  constructor(rejects: ItemReject[]) {
    super(`${rejects.length} resource(s) rejected`);
    this.rejects = rejects;
  }
}

/** A chunk of resources in one transaction; when the database refuses it, each resource on its own. */
export async function writeChunk(db: Db, s: FhirSession, items: FhirItem[]): Promise<Outcome> {
  try {
    return await db.transaction((tx) => applyChunk(tx, s, items));
  } catch (error) {
    if (items.length === 1) {
      const constraint = (error as { constraint?: string }).constraint;
      return keepRejects(db, s, [
        {
          item: items[0],
          reason: `the database refused the resource${constraint ? ` (${constraint})` : ""}`,
        },
      ]);
    }
    const total: Outcome = { ...emptyOutcome(), counts: emptyCounts() };
    for (const item of items) {
      const one = await writeChunk(db, s, [item]);
      addUp(total, one);
      total.rejects.push(...one.rejects);
      total.held.push(...one.held);
      for (const p of one.people) total.people.add(p);
      for (const [r, p] of one.links) total.links.set(r, p);
      for (const p of one.created) total.created.add(p);
    }
    return total;
  }
}

function addUp(
  total: { counts: LoadCounts; tables: Record<string, number>; unsupported: Record<string, number> },
  r: { counts: LoadCounts; tables: Record<string, number>; unsupported: Record<string, number> },
) {
  for (const k of Object.keys(r.counts) as (keyof LoadCounts)[])
    total.counts[k] = (total.counts[k] ?? 0) + (r.counts[k] ?? 0);
  for (const [t, n] of Object.entries(r.tables)) total.tables[t] = (total.tables[t] ?? 0) + n;
  for (const [t, n] of Object.entries(r.unsupported)) total.unsupported[t] = (total.unsupported[t] ?? 0) + n;
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

type Shape = "NDJSON" | "JSON" | "XML";

/** How a file is written: by its extension, else by its first character. */
function shapeOf(path: string): Shape {
  const ext = extname(path).toLowerCase();
  if (ext === ".ndjson") return "NDJSON";
  if (ext === ".xml") return "XML";
  const head = readFileSync(path, { encoding: "utf8" })
    .slice(0, 4096)
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("<")) return "XML";
  if (ext === ".json") return "JSON";
  // No telling extension: one JSON document spread over lines, or one resource a line.
  const firstLine = head.split("\n", 1)[0];
  try {
    JSON.parse(firstLine);
    return "NDJSON";
  } catch {
    return "JSON";
  }
}

/** A whole JSON or XML document as the resources it holds, or why it cannot be read. */
export function readDocument(
  text: string,
  shape: "JSON" | "XML",
): { items: FhirItem[]; rejects: ItemReject[] } {
  let doc: unknown;
  try {
    doc = shape === "XML" ? fhirXmlToJson(text) : JSON.parse(text);
  } catch (error) {
    const reason =
      error instanceof FhirXmlError
        ? `not FHIR XML: ${error.message}`
        : "not valid JSON (a truncated or damaged file)";
    return { items: [], rejects: [{ item: { line: 1, raw: text, resource: null }, reason }] };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || typeOf(doc) === null) {
    return {
      items: [],
      rejects: [
        { item: { line: 1, raw: text, resource: null }, reason: "the file is JSON but not a FHIR resource" },
      ],
    };
  }
  return documentItems(doc, text);
}

interface Tally {
  counts: LoadCounts;
  tables: Record<string, number>;
  unsupported: Record<string, number>;
}

/** Loads resources a chunk per transaction, the chunks of people first (they are in dependency order). */
async function loadItems(db: Db, s: FhirSession, items: FhirItem[], chunkSize: number, total: Tally) {
  for (let i = 0; i < items.length; i += chunkSize)
    addUp(total, await writeChunk(db, s, items.slice(i, i + chunkSize)));
}

async function loadNdjson(db: Db, s: FhirSession, path: string, options: FhirLoadOptions, total: Tally) {
  const chunkSize = options.chunkSize ?? 2000;
  let chunk: FhirItem[] = [];
  let bad: ItemReject[] = [];
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    if (bad.length > 0) {
      addUp(total, await keepRejects(db, s, bad));
      bad = [];
    }
    if (chunk.length === 0) return;
    // Chunks without people or organisations are independent: one is written while the next is read (two
    // at once on a server). A chunk with people waits for those before it, and the next waits for it.
    const people = chunk.some((i) => {
      const t = typeOf(i.resource);
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

/**
 * Applies what earlier loads held for a Patient or NHS Number now known (of any source: a person may become
 * known through another feed). Each resource is stored or rejected under its source and the file it came in;
 * what it becomes is not counted again in this load.
 */
export async function releaseHeld(
  db: Db,
  replayedBy?: string,
  touched?: PeopleTouched,
): Promise<{ released: number; people: Set<string> }> {
  const held = await resolvableHeld(db);
  const byOrigin = new Map<string, { source: string; origin: string; items: FhirItem[] }>();
  for (const h of held) {
    const key = `${h.source}\u0000${h.origin}`;
    const group = byOrigin.get(key) ?? { source: h.source, origin: h.origin, items: [] };
    group.items.push(h.item);
    byOrigin.set(key, group);
  }
  let released = 0;
  const people = new Set<string>();
  for (const { source, origin, items } of byOrigin.values()) {
    const s: FhirSession = { source, origin, sha: "held", loadId: null, replayedBy, touched };
    for (let i = 0; i < items.length; i += 2000) {
      const r = await writeChunk(db, s, items.slice(i, i + 2000));
      released += r.counts.recordsRead - r.counts.held;
      for (const p of r.people) people.add(p);
    }
  }
  return { released, people };
}

/** Loads an NDJSON file, a Bundle or a single resource (JSON or XML). */
export async function loadFhirFile(db: Db, path: string, options: FhirLoadOptions): Promise<FhirLoadResult> {
  const started = performance.now();
  const origin = basename(path);
  const sha = await fileSha256(path);
  const shape = shapeOf(path);
  const loadId = await startLoad(db, {
    sourceSystem: options.source,
    format: "fhir",
    layout: shape,
    origin,
    fileSha256: sha,
  });
  const s: FhirSession = {
    source: options.source,
    origin,
    sha,
    loadId,
    replayedBy: options.replayedBy,
    touched: options.touched,
  };
  const total: Tally = { counts: emptyCounts(), tables: {}, unsupported: {} };
  let released = 0;
  try {
    if (shape === "NDJSON") await loadNdjson(db, s, path, options, total);
    else {
      const { items, rejects } = readDocument(readFileSync(path, "utf8").replace(/^\uFEFF/, ""), shape);
      addUp(total, await keepRejects(db, s, rejects));
      await loadItems(db, s, items, options.chunkSize ?? 2000, total);
      options.onProgress?.(total.counts.recordsRead);
    }
    released = (await releaseHeld(db, options.replayedBy, options.touched)).released;
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
    unsupported: total.unsupported,
    released,
    seconds: (performance.now() - started) / 1000,
  };
}
