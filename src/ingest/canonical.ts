import { findLinks } from "../mpi/index.ts";
import type { Queryable } from "../store/index.ts";
import {
  CANONICAL_TABLES,
  CATALOGUE,
  type CanonicalName,
  type ColumnSpec,
  CopyBinaryWriter,
  type CopyValue,
  CopyWriter,
  insertMany,
  insertText,
  insertWrite,
  isCitus,
  preparedText,
  signalWritten,
  toColumns,
  unnestSelect,
  type Write,
} from "../store/index.ts";
import { type EncodedLinked, SUBJECT_IN_ROW, type SubjectRow } from "./linked-encoder.ts";

// Writing canonical rows: set-based upserts keyed on provenance, so a record loaded twice is one row, a record
// sent again with changes is updated, and one sent again unchanged is left alone (received_at included:
// re-running a load changes nothing).

export interface CanonicalTable {
  table: CanonicalName;
  /** Every column in table order, with its SQL type: positional rows give values in this order. */
  columns: readonly ColumnSpec[];
  /** The conflict target: (person_id, source_system, source_record_id), or person_id alone for death. */
  key: readonly string[];
}

export { type EncodedLinked, LinkedEncoder, SUBJECT_IN_ROW, type SubjectRow } from "./linked-encoder.ts";
export type { CanonicalName };

function canonical(name: CanonicalName): CanonicalTable {
  const t = CATALOGUE[name];
  const provenanceKey = t.unique.find((k) => k.includes("source_record_id"));
  return { table: name, columns: t.columns, key: provenanceKey ?? t.primaryKey };
}

/** Each canonical table's columns and upsert key, from the store's catalogue. */
export const CANONICAL = Object.fromEntries(
  CANONICAL_TABLES.map((name) => [name, canonical(name)]),
) as Record<CanonicalName, CanonicalTable>;

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** The people whose rows were inserted or updated (every canonical table leads with person_id), each once. */
  people: string[];
}

/**
 * The upsert's ON CONFLICT clause, the stored row named `target`: a row already there is updated only when
 * something other than received_at differs. The row's own id column (second column) never changes once
 * given; neither does the key.
 */
/** Each canonical table's ON CONFLICT clause (as "t"), made once: every batch of writes ends with one. */
const CONFLICT_CLAUSES = new Map<CanonicalTable, string>();

function conflictClause(t: CanonicalTable, target: "t"): string {
  let clause = CONFLICT_CLAUSES.get(t);
  if (clause === undefined) {
    clause = conflictClauseOf(t, target);
    CONFLICT_CLAUSES.set(t, clause);
  }
  return clause;
}

function conflictClauseOf(t: CanonicalTable, target: string): string {
  const names = t.columns.map((c) => c.name);
  const fixed = new Set([...t.key, names[1]]);
  if (t.key.length === 1) fixed.delete(names[1]);
  const updatable = names.filter((n) => !fixed.has(n));
  const compared = updatable.filter((n) => n !== "received_at");
  return `ON CONFLICT (${t.key.join(", ")}) DO UPDATE SET ${updatable.map((n) => `${n} = excluded.${n}`).join(", ")}
    WHERE (${compared.map((n) => `${target}.${n}`).join(", ")}) IS DISTINCT FROM (${compared.map((n) => `excluded.${n}`).join(", ")})`;
}

function upsertSql(t: CanonicalTable): string {
  const names = t.columns.map((c) => c.name);
  return `INSERT INTO ${t.table} AS t (${names.join(", ")}) ${unnestSelect(t.columns)}
    ${conflictClause(t, "t")}
    RETURNING (xmax = 0) AS inserted, person_id::text AS person_id`;
}

/** One statement may not touch a row twice: the last version of a record in the batch wins. */
function lastOfEachKey(
  t: CanonicalTable,
  rows: readonly (readonly unknown[])[],
): readonly (readonly unknown[])[] {
  const keyIndexes = t.key.map((k) => t.columns.findIndex((c) => c.name === k));
  const byKey = new Map<string, readonly unknown[]>();
  for (const row of rows) byKey.set(keyIndexes.map((i) => String(row[i])).join("\u0000"), row);
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

const SQL_CACHE = new Map<string, string>();

/** Upserts rows (values in the table's column order). */
export async function upsertCanonical(
  q: Queryable,
  table: CanonicalName,
  rows: readonly (readonly unknown[])[],
): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, people: [] };
  const t: CanonicalTable = CANONICAL[table];
  let sql = SQL_CACHE.get(table);
  if (!sql) {
    sql = upsertSql(t);
    SQL_CACHE.set(table, sql);
  }
  // One text per table: prepared, so each connection parses and plans it once.
  const result = await q.query<{ inserted: boolean; person_id: string }>(
    preparedText("ingest.upsert", sql),
    toColumns(lastOfEachKey(t, rows), t.columns.length),
  );
  await signalWritten(q, table);
  let inserted = 0;
  const people = new Set<string>();
  for (const r of result) {
    if (r.inserted) inserted++;
    people.add(r.person_id);
  }
  return {
    inserted,
    updated: result.length - inserted,
    unchanged: rows.length - result.length,
    people: [...people],
  };
}

const SUBJECT_COLS = CATALOGUE.ingest_row_subject.columns;

/** Records which source record each row belongs to (for merges and unmerges). */
export async function recordSubjects(
  q: Queryable,
  rows: readonly (readonly [
    sourceSystem: string,
    table: string,
    recordId: string,
    subjectSystem: string,
    subjectId: string,
  ])[],
): Promise<void> {
  await insertMany(q, "ingest_row_subject", SUBJECT_COLS, rows, "ON CONFLICT DO NOTHING");
}

/** upsertCanonical as one write of runWrites (store/writes.ts): its text depends only on the table. */
export function upsertCanonicalWrite(
  table: CanonicalName,
  rows: readonly (readonly unknown[])[],
): Write | null {
  const t: CanonicalTable = CANONICAL[table];
  return insertWrite(t.table, t.columns, lastOfEachKey(t, rows), conflictClause(t, "t"), "t");
}

/** recordSubjects as one write of runWrites. */
export function subjectsWrite(
  rows: readonly (readonly [string, string, string, string, string])[],
): Write | null {
  return insertWrite("ingest_row_subject", SUBJECT_COLS, rows, "ON CONFLICT DO NOTHING");
}

/** recordSubjects as text. */
export function subjectsText(rows: readonly (readonly [string, string, string, string, string])[]): string {
  return insertText("ingest_row_subject", SUBJECT_COLS, rows, "ON CONFLICT DO NOTHING");
}

/**
 * Writes many rows through a temporary staging table filled with COPY, then one INSERT ... SELECT with the
 * conflict handling: the fastest way to upsert tens of thousands of rows on either engine. Returns how many
 * were inserted and how many updated (the rest were already there, unchanged).
 */
export async function copyUpsert(
  q: Queryable,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly (readonly unknown[])[],
  conflict: string,
  /** A column whose distinct values among the rows written come back (the people a canonical write changed). */
  changedOf?: string,
): Promise<{ inserted: number; updated: number; changed?: string[] }> {
  if (rows.length === 0) return { inserted: 0, updated: 0, ...(changedOf ? { changed: [] } : {}) };
  const stage = `oneplace_stage_${table}`;
  const names = columns.map((c) => c.name).join(", ");
  await q.exec(
    `CREATE TEMP TABLE IF NOT EXISTS ${stage} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
  );
  const copy = new CopyWriter();
  // A row shorter than the table (a column added since its writer was written) loads null in the rest, as
  // the unnest and VALUES paths do.
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as CopyValue[];
    copy.values(row, Math.max(row.length, columns.length)).end();
  }
  await q.copyFrom(
    stage,
    columns.map((c) => c.name),
    [copy.take()],
  );
  const counts = await q.query<{ inserted: number; total: number; changed: string[] | null }>(
    `WITH written AS (
       INSERT INTO ${table} AS t (${names}) SELECT ${names} FROM ${stage} ${conflict}
       RETURNING (xmax = 0) AS inserted${changedOf ? `, ${changedOf}::text AS changed` : ""}
     ) SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS total,
         ${changedOf ? "array_agg(DISTINCT changed)" : "NULL::text[]"} AS changed FROM written`,
  );
  await q.exec(`TRUNCATE ${stage}`);
  const inserted = Number(counts[0].inserted);
  return {
    inserted,
    updated: Number(counts[0].total) - inserted,
    ...(changedOf ? { changed: (counts[0].changed ?? []).filter((c) => c !== null) } : {}),
  };
}

/** recordSubjects through COPY, for big chunks. */
export async function copySubjects(
  q: Queryable,
  rows: readonly (readonly [string, string, string, string, string])[],
): Promise<void> {
  const unique = new Map<string, readonly string[]>();
  for (const r of rows) unique.set(`${r[0]}\u0000${r[1]}\u0000${r[2]}`, r);
  await copyUpsert(q, "ingest_row_subject", SUBJECT_COLS, [...unique.values()], "ON CONFLICT DO NOTHING");
}

const COPY_FROM_ROWS = 200;

/** Upserts canonical rows the way that is fastest for their number: big chunks through COPY. */
export async function writeCanonical(
  q: Queryable,
  table: CanonicalName,
  rows: readonly (readonly unknown[])[],
): Promise<UpsertCounts> {
  if (rows.length < COPY_FROM_ROWS) return upsertCanonical(q, table, rows);
  const t: CanonicalTable = CANONICAL[table];
  const c = await copyUpsert(
    q,
    t.table,
    t.columns,
    lastOfEachKey(t, rows),
    conflictClause(t, "t"),
    "person_id",
  );
  await signalWritten(q, table);
  return {
    inserted: c.inserted,
    updated: c.updated,
    unchanged: rows.length - c.inserted - c.updated,
    people: c.changed ?? [],
  };
}

export function writeSubjects(
  q: Queryable,
  rows: readonly (readonly [string, string, string, string, string])[],
): Promise<void> {
  return rows.length >= COPY_FROM_ROWS ? copySubjects(q, rows) : recordSubjects(q, rows);
}

export interface LinkedUpsertCounts extends Omit<UpsertCounts, "people"> {
  /** The lines of rows whose subject is not linked to anyone: nothing was written for them. */
  unlinked: number[];
}

function stageName(table: CanonicalName): string {
  return `oneplace_linked_${table}`;
}

const LINKED_SQL = new Map<string, string>();

/**
 * How a staged chunk is written: `upsert`, every row through ON CONFLICT (on Citus, and a chunk retried after a
 * concurrent writer stored a key first); `fresh`, the rows whose key is not stored (by the statement's snapshot)
 * by a plain INSERT and only the others through ON CONFLICT. A speculative insertion (ON CONFLICT) cost PostgreSQL
 * a third more per row than a plain one (10.2 against 7.8 µs on a gp_entry-shaped table), and most of a first
 * load is new keys. A key stored by a concurrent
 * writer after the snapshot makes the plain INSERT fail (unique_violation) rather than write it twice: the
 * caller then writes the chunk again with `upsert`. `blind`: every row COPYed straight into the table, no stored
 * row looked up (copyLinkedBlind; on Citus, as `upsert`), for a load that expects no stored row of its source (its
 * first): a row stored after all fails the chunk on the unique key, and the caller writes it again with `fresh`.
 */
export type LinkedWrite = "blind" | "fresh" | "upsert";

/** Whether an error is PostgreSQL's unique_violation: a `fresh` write met a key stored since its snapshot. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "23505";
}

/**
 * The one statement that writes a staged chunk: each row joined to the person its subject is linked to (the
 * MPI look-up as a join), inserted or updated when it differs from what is stored (an unchanged row is not
 * touched, so a re-run locks and writes nothing), its subject recorded, and the lines whose subject is not
 * linked returned.
 */
function linkedUpsertSql(
  table: CanonicalName,
  recordSubject: boolean,
  citus: boolean,
  mode: LinkedWrite,
): string {
  const t = CANONICAL[table];
  const names = t.columns.map((c) => c.name);
  const fixed = new Set([...t.key, names[1]]);
  const compared = names.filter((n) => !fixed.has(n) && n !== "received_at");
  const stage = stageName(table);
  // A table that keeps its row's subject in the row (subject_record_id) needs no ingest_row_subject row.
  const inRow = recordSubject && names.includes(SUBJECT_IN_ROW);
  const value = (n: string) => (inRow && n === SUBJECT_IN_ROW ? "n.subject_id" : `n.${n}`);
  const subjects =
    recordSubject && !inRow
      ? `, subjects AS (
      INSERT INTO ingest_row_subject (source_system, table_name, source_record_id, subject_system, subject_record_id)
      SELECT n.source_system, '${table}', n.source_record_id, $1, n.subject_id FROM linked n
      WHERE n.person_id IS NOT NULL
      ON CONFLICT DO NOTHING
    )`
      : "";
  const unlinked = "(SELECT array_agg(line ORDER BY line) FROM linked WHERE person_id IS NULL) AS unlinked";
  const linkedOnly = `WITH linked AS MATERIALIZED (
      SELECT l.person_id, s.* FROM ${stage} s
      LEFT JOIN mpi_record_link l ON l.source_system = $1 AND l.source_record_id = s.subject_id
    )`;
  const insert = (where: string) => `INSERT INTO ${table} AS t (${names.join(", ")})
      SELECT ${names.map(value).join(", ")} FROM linked n
      WHERE ${where}`;
  const upserted = (where: string) => `written AS (
      ${insert(where)}
      ${conflictClause(t, "t")}
      RETURNING (xmax = 0) AS inserted
    )${subjects}
    SELECT (SELECT count(*) FILTER (WHERE inserted) FROM written) AS inserted,
           (SELECT count(*) FROM written) AS written,
           ${unlinked}`;
  if (citus) {
    // The stored rows are in the workers' shards: ON CONFLICT alone finds them (a join from the coordinator's
    // staging table would pull the distributed table to it).
    return `${linkedOnly}, ${upserted("n.person_id IS NOT NULL")}`;
  }
  // Each row's stored version (by its key: at most one) is found once: none, the same, or changed. A LATERAL
  // look-up by the key, so always an index probe per staged row: as a join, the planner (the staging table
  // unanalysed, the table's statistics behind a load) hashed the whole table for every chunk, a cost that grew
  // with the table (so a replay into a table a first load had filled paid more a row than the first load).
  const stored = t.key.map((k) => `o.${k} = ${k === "person_id" ? "l.person_id" : `s.${k}`}`).join(" AND ");
  const sameAsStored = `(${compared.map((n) => `o.${n}`).join(", ")}) IS NOT DISTINCT FROM (${compared
    .map((n) => (inRow && n === SUBJECT_IN_ROW ? "s.subject_id" : `s.${n}`))
    .join(", ")})`;
  const linked = `WITH linked AS MATERIALIZED (
      SELECT l.person_id, s.*, COALESCE(o.stored, 'new') AS stored
      FROM ${stage} s
      LEFT JOIN mpi_record_link l ON l.source_system = $1 AND l.source_record_id = s.subject_id
      LEFT JOIN LATERAL (
        SELECT CASE WHEN ${sameAsStored} THEN 'same' ELSE 'changed' END AS stored
        FROM ${table} o WHERE ${stored} LIMIT 1
      ) o ON true
    )`;
  if (mode === "upsert") return `${linked}, ${upserted("n.person_id IS NOT NULL AND n.stored <> 'same'")}`;
  return `${linked}, fresh AS (
      ${insert("n.person_id IS NOT NULL AND n.stored = 'new'")}
      RETURNING 1
    ), changed AS (
      ${insert("n.person_id IS NOT NULL AND n.stored = 'changed'")}
      ${conflictClause(t, "t")}
      RETURNING (xmax = 0) AS inserted
    )${subjects}
    SELECT (SELECT count(*) FROM fresh) + (SELECT count(*) FILTER (WHERE inserted) FROM changed) AS inserted,
           (SELECT count(*) FROM fresh) + (SELECT count(*) FROM changed) AS written,
           ${unlinked}`;
}

/**
 * A blind write (not on Citus) without a staging table: the people the chunk's subjects are linked to are read
 * first (one look-up by key per subject), then the linked rows are COPYed straight into the table, in binary
 * (the server parses no value). COPY stores each row with the bulk path (a page's rows at once) and nothing
 * between: staging the chunk, reading it back and joining it cost PostgreSQL more than writing the rows did. A
 * key stored after all fails the COPY on the unique key, and with it the chunk's transaction, as the blind
 * INSERT does: the caller writes the chunk again with `fresh`.
 */
async function copyLinkedBlind(
  q: Queryable,
  table: CanonicalName,
  subjectSystem: string,
  rows: Iterable<SubjectRow>,
  recordSubject: boolean,
): Promise<{ inserted: number; unlinked: number[] }> {
  const t = CANONICAL[table];
  const names = t.columns.map((c) => c.name);
  const inRow = recordSubject ? names.indexOf(SUBJECT_IN_ROW) : -1;
  const all = [...rows];
  const people = await findLinks(
    q,
    subjectSystem,
    all.map((r) => r.subjectId),
  );
  const linked: SubjectRow[] = [];
  const persons: string[] = [];
  const unlinked: number[] = [];
  for (const r of all) {
    const person = people.get(r.subjectId);
    if (person === undefined) unlinked.push(r.line);
    else {
      linked.push(r);
      persons.push(person);
    }
  }
  unlinked.sort((a, b) => a - b);
  if (linked.length === 0) return { inserted: 0, unlinked };
  const [data, format] = copyData(t, linked, persons, inRow);
  const inserted = await q.copyFrom(table, names, [data], { format });
  await signalWritten(q, table);
  if (recordSubject && inRow < 0) {
    // The staged values lack person_id: each column one place to the left of the table's.
    const source = names.indexOf("source_system") - 1;
    const id = names.indexOf("source_record_id") - 1;
    await writeSubjects(
      q,
      linked.map((r) => [String(r.values[source]), table, String(r.values[id]), subjectSystem, r.subjectId]),
    );
  }
  return { inserted, unlinked };
}

/** Shared by every chunk: encoding is synchronous, and take() hands each its bytes and starts a new buffer. */
const LINKED_COPY = new CopyBinaryWriter(1 << 20);

/**
 * Linked rows as one COPY's data (each its person, then its values, its subject in `subjectAt` when that is a
 * column): binary, or text when a value is not one binary COPY takes as it is (a date written another way),
 * which the server then reads as it reads any text COPY. One row array serves every row (a chunk's rows live
 * long enough for an array each to reach the old generation).
 */
function copyData(
  t: CanonicalTable,
  rows: readonly SubjectRow[],
  people: readonly string[],
  subjectAt: number,
): [Uint8Array, "binary" | "text"] {
  const shape = CATALOGUE[t.table];
  const row: CopyValue[] = new Array(t.columns.length);
  const fill = (i: number) => {
    const values = rows[i].values;
    row[0] = people[i];
    for (let c = 1; c < row.length; c++) row[c] = values[c - 1];
    if (subjectAt >= 0) row[subjectAt] = rows[i].subjectId;
    return row;
  };
  try {
    for (let i = 0; i < rows.length; i++) LINKED_COPY.values(shape, fill(i));
    return [LINKED_COPY.take(), "binary"];
  } catch (error) {
    LINKED_COPY.take();
    if (!(error instanceof RangeError)) throw error;
    const text = new CopyWriter();
    for (let i = 0; i < rows.length; i++) text.values(fill(i), row.length).end();
    return [text.take(), "text"];
  }
}

/**
 * Writes activity rows against the people their subjects are linked to, as fast as either engine allows: a
 * blind write COPYs the linked rows straight into the table (copyLinkedBlind); otherwise one COPY into a
 * temporary staging table, then one statement (linkedUpsertSql). Rows repeating a row id keep the last; the
 * ones before it count as unchanged. Idempotent: the same rows again change nothing.
 */
export async function upsertLinked(
  q: Queryable,
  table: CanonicalName,
  subjectSystem: string,
  rows: readonly SubjectRow[],
  recordSubject: boolean,
  mode: LinkedWrite = "fresh",
): Promise<LinkedUpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, unlinked: [] };
  const t = CANONICAL[table];
  // The row id is the second column (the first staged one): the last row with each id wins.
  const last = new Map<unknown, SubjectRow>();
  for (const r of rows) last.set(r.values[0], r);
  const citus = isCitus(q);
  if (mode === "blind" && !citus) {
    const { inserted, unlinked } = await copyLinkedBlind(
      q,
      table,
      subjectSystem,
      last.values(),
      recordSubject,
    );
    return { inserted, updated: 0, unchanged: rows.length - inserted - unlinked.length, unlinked };
  }
  const stage = stageName(table);
  const staged = t.columns.slice(1);
  await q.exec(
    `CREATE TEMP TABLE IF NOT EXISTS ${stage} (line integer, subject_id text, ${staged
      .map((c) => `${c.name} ${c.type}`)
      .join(", ")}) ON COMMIT DELETE ROWS;
     DELETE FROM ${stage}`,
  );
  const width = staged.length;
  const copy = new CopyWriter();
  for (const r of last.values()) copy.value(r.line).value(r.subjectId).values(r.values, width).end();
  await q.copyFrom(stage, ["line", "subject_id", ...staged.map((c) => c.name)], [copy.take()]);
  const key = `${table}:${recordSubject}:${citus}:${mode}`;
  let sql = LINKED_SQL.get(key);
  if (!sql) {
    sql = linkedUpsertSql(table, recordSubject, citus, mode);
    LINKED_SQL.set(key, sql);
  }
  const [c] = await q.query<{ inserted: number; written: number; unlinked: number[] | null }>(sql, [
    subjectSystem,
  ]);
  await signalWritten(q, table);
  const inserted = Number(c.inserted);
  const updated = Number(c.written) - inserted;
  const unlinked = c.unlinked ?? [];
  return { inserted, updated, unchanged: rows.length - inserted - updated - unlinked.length, unlinked };
}

const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGIT["0123456789abcdef".charCodeAt(i)] = i;
  HEX_DIGIT["0123456789ABCDEF".charCodeAt(i)] = i;
}

/**
 * copyLinkedBlind for rows a LinkedEncoder encoded: the people their subjects are linked to read (one probe of
 * mpi_record_link's key per subject), then each linked row's bytes put after its person's and COPYed straight
 * into the table. A key stored after all fails the COPY, as copyLinkedBlind's does.
 */
export async function copyEncodedBlind(
  q: Queryable,
  subjectSystem: string,
  enc: EncodedLinked,
): Promise<{ inserted: number; unchanged: number; unlinked: number[] }> {
  const t = CANONICAL[enc.table];
  const people = await findLinks(q, subjectSystem, enc.subjectIds);
  const out = Buffer.allocUnsafeSlow(enc.bytes.byteLength + enc.ends.length * 20);
  const src = enc.bytes;
  const unlinked: number[] = [];
  let at = 0;
  let start = 0;
  for (let i = 0; i < enc.ends.length; i++) {
    const end = enc.ends[i];
    const person = people.get(enc.subjectIds[i]);
    if (person === undefined) unlinked.push(enc.lines[i]);
    else {
      at = out.writeInt16BE(t.columns.length, at);
      at = out.writeInt32BE(16, at);
      let high = -1;
      for (let c = 0; c < person.length; c++) {
        const h = HEX_DIGIT[person.charCodeAt(c)] ?? -1;
        if (h < 0) continue;
        if (high < 0) high = h;
        else {
          out[at++] = (high << 4) | h;
          high = -1;
        }
      }
      out.set(src.subarray(start + 2, end), at);
      at += end - start - 2;
    }
    start = end;
  }
  unlinked.sort((a, b) => a - b);
  const linked = enc.ends.length - unlinked.length;
  const inserted =
    linked === 0
      ? 0
      : await q.copyFrom(
          enc.table,
          t.columns.map((c) => c.name),
          [out.subarray(0, at)],
          { format: "binary" },
        );
  await signalWritten(q, enc.table);
  return { inserted, unchanged: enc.given - inserted - unlinked.length, unlinked };
}
