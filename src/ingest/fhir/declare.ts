import { RECORD_COLUMNS, type SourceRecordInput } from "../../mpi/index.ts";
import { CATALOGUE, isTableName } from "../../store/index.ts";
import type { CanonicalName } from "../canonical.ts";
import { type Extractor, Focus, type Refusal } from "./extract.ts";
import {
  type Activity,
  fail,
  type MapContext,
  type Mapped,
  type PersonFacts,
  type SourceRow,
  type SourceTable,
  type SubjectRef,
} from "./fields.ts";
import type { LocalCode } from "./local-codes.ts";

// How a FHIR resource type is mapped, declared once as tables on the catalogue: each table a list of (catalogue
// column, extractor) pairs, read in the order listed (the first that fails gives the reject's reason), with the
// checks that refuse a resource and, for an Observation, the parts (components) that become rows of their own.
// A resource read by its class (an Encounter, an Organization by its kind) declares the class and a table per
// class. A column of another table is named `table.column`: a Patient's registration and death, an Organization's
// names its source refers to it by. A Patient is declared on person_record: what it maps to is a source record for
// the master person index, not a row written as it is. The loader maps with the
// compiled declaration (compile), docs/formats/fhir.md is written from it (docs.ts, `node scripts/fhir-formats.ts`),
// and checkMapping refuses at module load a column the catalogue lacks or a column that may not be null that
// nothing fills, as the CSV layouts' declarations are checked (csv/declare.ts).

/** A catalogue column of the declared table, or of another one as `table.column`, and where its value is read. */
export type Column = readonly [column: string, from: Extractor];

/** The table of source records the master person index links to people (a Patient's). */
const PEOPLE = "person_record";

export type DeclaredTable = CanonicalName | SourceTable | typeof PEOPLE;

/** Rows of their own from each element of a repeating element (an Observation's components). */
export interface Parts {
  /** The repeating element: `component`. */
  each: string;
  /** Each part's source_record_id: the resource's, with `#<suffix>N` (N from 1). */
  suffix: string;
  /** The columns read again from the part (the same extractors); the rest are the resource's. */
  columns: readonly string[];
}

export interface FhirTable {
  /** What the resource becomes, for the docs: `coded entry (condition)`. */
  title: string;
  /**
   * A person's table (person_id first: the row is theirs), one of no person's record, or person_record (a
   * Patient's source record, for the master person index).
   */
  table: DeclaredTable;
  /** Checks that refuse a resource, made before its columns are read. */
  refuse?: readonly Refusal[];
  columns: readonly Column[];
  parts?: Parts;
  /** A code OnePlace does not define, kept as received and flagged until a code map gives its value. */
  localCode?: Extractor<LocalCode | null>;
}

/** A resource read by a class: shared reads first (in order), then the table of the class it has. */
export interface FhirClasses {
  /** When this reading applies (else the next declared for the type): e.g. a OnePlace encounter kind is given. */
  when?: { says: string; holds(f: Focus): boolean };
  /** Read first, in this order, whatever the class (so their reasons come first). */
  first: readonly Extractor[];
  /** The class (read among `first`). */
  by: Extractor<string>;
  classes: readonly { codes: readonly string[]; read: FhirTable }[];
  /** Any other class: read these, then refuse with the reason. */
  otherwise: { reads?: readonly Extractor[]; reason: (code: string) => string };
  /** What the docs call the class (`kind`); by default `class`, or `kind` for a reading with `when`. */
  called?: string;
}

export interface FhirMapping {
  resource: string;
  readings: readonly (FhirTable | FhirClasses)[];
  /** A version marked entered-in-error is stored as any other: nothing is taken out of the record. */
  keptWhenEnteredInError?: true;
}

/** A resource type read one way: one table. */
export function readAs(resource: string, table: FhirTable): FhirMapping {
  return { resource, readings: [table] };
}

const isClasses = (r: FhirTable | FhirClasses): r is FhirClasses => "classes" in r;

const TABLE_ORDER: readonly string[] = Object.keys(CATALOGUE);

/** Whether a declared table is a person's (person_id first), not one of the source's own nor a source record's. */
function isPersonTable(table: DeclaredTable): table is CanonicalName {
  return CATALOGUE[table].columnNames[0] === "person_id" && table !== PEOPLE;
}

/**
 * The person's tables a mapping writes, in catalogue order: where an entered-in-error resource is taken out of
 * (none for a mapping kept when entered in error).
 */
export function tablesOf(m: FhirMapping): CanonicalName[] {
  if (m.keptWhenEnteredInError) return [];
  const tables = new Set(
    tablesDeclared(m).flatMap((t) => (isPersonTable(t.read.table) ? [t.read.table] : [])),
  );
  return [...tables].sort((a, b) => TABLE_ORDER.indexOf(a) - TABLE_ORDER.indexOf(b));
}

/** A column of another table than the one declared (`table.column`): its table and column. */
function elsewhere(column: string): [table: string, column: string] | null {
  const dot = column.indexOf(".");
  return dot < 0 ? null : [column.slice(0, dot), column.slice(dot + 1)];
}

/** Each table a mapping declares, with the class codes it is read for (none for a resource read one way). */
export function tablesDeclared(m: FhirMapping): Declared[] {
  return m.readings.flatMap((r): Declared[] =>
    isClasses(r) ? r.classes.map((c) => ({ ...c, when: r.when?.says })) : [{ codes: [], read: r }],
  );
}

/** A table of a mapping: read for these class codes (none: the resource is read one way), when `when` says. */
export interface Declared {
  codes: readonly string[];
  read: FhirTable;
  when?: string;
}

/** Columns the loader gives: the source, and the row id (from provenance). */
const GIVEN = new Set(["source_system"]);

/** The row id column: the second of a primary key (person_id, <id>), given from provenance (ids.ts). */
function rowIdColumn(table: DeclaredTable): string | null {
  const key = CATALOGUE[table].primaryKey as readonly string[];
  return key.length === 2 && key[0] === "person_id" ? key[1] : null;
}

/**
 * Where a table's declaration and the catalogue disagree: a column the catalogue lacks, a column declared twice,
 * a column that may not be null filled by an extractor that may give null or by nothing, person_id not a
 * reference to a patient, a practice looked up on a column not declared, a part reading a column not declared.
 */
export function checkTable(resource: string, t: FhirTable): string[] {
  const problems: string[] = [];
  const at = `${resource} → ${t.table}`;
  if (!isTableName(t.table)) return [`${at}: the catalogue has no table ${t.table}`];
  const catalogue = CATALOGUE[t.table];
  const id = rowIdColumn(t.table);
  const seen = new Set<string>();
  for (const [column, from] of t.columns) {
    if (seen.has(column)) problems.push(`${at}: ${column} is declared twice`);
    seen.add(column);
    const other = elsewhere(column);
    if (other) {
      // A row of another table exists only when its value is given: its nullability is not this row's.
      const [table, name] = other;
      if (!isTableName(table) || !CATALOGUE[table].columnNames.includes(name as never))
        problems.push(`${at}: the catalogue has no column ${column}`);
      continue;
    }
    const col = catalogue.columns.find((c) => c.name === column);
    if (!col) problems.push(`${at}: ${column} is not a column of ${t.table} in the catalogue`);
    if (col && !col.nullable && from.optional)
      problems.push(`${at}: ${column} may not be null, but ${from.path || from.how} may give none`);
    if ((column === "person_id") !== (from.person === true))
      problems.push(`${at}: person_id, and only it, is read as a reference to a patient`);
    if (from.practiceOn !== undefined && (column !== "practice_code" || !seen.has(from.practiceOn)))
      problems.push(
        `${at}: ${column} looks up the practice on ${from.practiceOn}, not a column declared before it`,
      );
  }
  for (const col of catalogue.columns)
    if (!col.nullable && !seen.has(col.name) && col.name !== id && !GIVEN.has(col.name))
      if (t.table !== PEOPLE || col.name !== "person_id")
        problems.push(`${at}: nothing fills ${t.table}.${col.name}, which may not be null`);
  for (const c of t.parts?.columns ?? [])
    if (!seen.has(c)) problems.push(`${at}: its parts read ${c}, which is not a column declared`);
  return problems;
}

/** Where a mapping and the catalogue disagree (each table), or a class is declared twice. Empty when they agree. */
export function checkMapping(m: FhirMapping): string[] {
  const problems = tablesDeclared(m).flatMap((t) => checkTable(m.resource, t.read));
  for (const r of m.readings) {
    if (!isClasses(r)) continue;
    if (!r.first.includes(r.by)) problems.push(`${m.resource}: its class is not read first`);
    const codes = r.classes.flatMap((c) => c.codes);
    for (const c of new Set(codes.filter((x, i) => codes.indexOf(x) !== i)))
      problems.push(`${m.resource}: class ${c} is declared twice`);
  }
  return problems;
}

/** Where a row's column comes from: an extractor's value, or (negative) what the row's origin gives. */
const NULL = -1;
const PERSON = -2;
const SOURCE = -3;
const RECORD = -4;
const RECEIVED_AT = -5;
const PRACTICE = -6;

/** A table compiled: the extractors of its provenance, person and practice day, and its row's plan. */
interface Compiled {
  t: FhirTable;
  /** A person's table (a row of their record), or one of the source's own (a row of what it declares alone). */
  personal: boolean;
  /** Source records for the master person index (a Patient's), not rows. */
  people: boolean;
  /** Each column declared, by name (`table.column` for another table's). */
  of: Readonly<Record<string, Extractor | undefined>>;
  /** For a Patient's: each source record field and the extractor of the person_record column it is kept in. */
  recordFields: readonly (readonly [field: string, from: Extractor | undefined])[];
  /** The columns declared on other tables. */
  others: readonly Column[];
  id: Extractor;
  person: Extractor;
  received: Extractor;
  practiceDay: Extractor | null;
  /** Each catalogue column in order: an index into `from`, or where the origin gives it. */
  plan: Int8Array;
  from: readonly Extractor[];
  /** Every column's extractor, in the order declared (read first, so the first that fails gives the reason). */
  reads: readonly Extractor[];
  refuse: readonly Refusal[];
  /** Each part's own columns' extractors (read from the part; the rest from the resource). */
  partOwn: ReadonlySet<Extractor>;
}

function compileTable(t: FhirTable): Compiled {
  const of = (column: string) => t.columns.find(([c]) => c === column)?.[1] as Extractor;
  const day = t.columns.find(([c]) => c === "practice_code")?.[1].practiceOn;
  const from: Extractor[] = [];
  const personal = isPersonTable(t.table);
  const plan = CATALOGUE[t.table].columnNames.map((column, i) => {
    if (column === "source_system") return SOURCE;
    if (personal) {
      if (i === 0) return PERSON;
      if (column === "source_record_id") return RECORD;
      if (column === "received_at") return RECEIVED_AT;
      if (column === "practice_code") return day === undefined ? NULL : PRACTICE;
    }
    const e = t.columns.find(([c]) => c === column)?.[1];
    if (!e) return NULL;
    from.push(e);
    return from.length - 1;
  });
  return {
    t,
    personal,
    id: of("source_record_id"),
    person: of("person_id"),
    received: of("received_at"),
    practiceDay: day === undefined ? null : of(day),
    plan: Int8Array.from(plan),
    from,
    people: t.table === PEOPLE,
    of: Object.fromEntries(t.columns),
    recordFields: Object.entries(RECORD_COLUMNS).map(([column, field]) => [field, of(column)] as const),
    others: t.columns.filter(([column]) => elsewhere(column)),
    reads: t.columns.map(([, e]) => e),
    refuse: t.refuse ?? [],
    partOwn: new Set((t.parts?.columns ?? []).map(of)),
  };
}

/**
 * A row of a person's table from the plan: person_id given when the person is known, the row id
 * left for the loader, the provenance from the origin, the practice of the day when one is declared, null for
 * every column not declared.
 */
function activityOf(
  c: Compiled,
  values: readonly unknown[],
  origin: {
    recordId: string;
    subject: SubjectRef;
    source: string;
    received: string;
    day: string | undefined;
  },
): Activity {
  const { plan } = c;
  const { recordId, source, received, day } = origin;
  const build = (personId: string, practice: string | null) => {
    const row: unknown[] = new Array(plan.length);
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i];
      if (p >= 0) row[i] = values[p] ?? null;
      else if (p === PERSON) row[i] = personId;
      else if (p === SOURCE) row[i] = source;
      else if (p === RECORD) row[i] = recordId;
      else if (p === RECEIVED_AT) row[i] = received;
      else if (p === PRACTICE) row[i] = practice;
      else row[i] = null;
    }
    return row;
  };
  const table = c.t.table as CanonicalName;
  const { subject } = origin;
  return day === undefined
    ? { kind: "activity", table, recordId, subject, build }
    : { kind: "activity", table, recordId, subject, practiceOn: day, build };
}

/**
 * A row of the source's own table: each column from its extractor, source_system from the load, null for the
 * rest; the columns declared on other tables beside it.
 */
function sourceRowOf(c: Compiled, f: Focus): SourceRow {
  const { plan, from } = c;
  const values: unknown[] = new Array(plan.length);
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i];
    values[i] = p >= 0 ? (f.get(from[p]) ?? null) : p === SOURCE ? f.ctx.source : null;
  }
  if (c.others.length === 0) return { kind: "row", table: c.t.table as SourceTable, values };
  const others: Record<string, unknown> = {};
  for (const [column, e] of c.others) others[column] = f.get(e);
  return { kind: "row", table: c.t.table as SourceTable, values, others };
}

/**
 * A Patient as the master person index takes it: person_record's columns as the source record's fields
 * (RECORD_COLUMNS), its identifiers and ethnic category as mpi_record_link's, and what it says besides who they
 * are: the practice of registration.practice_code from registration.registered_on, and death.died_on.
 */
function personOf(c: Compiled, f: Focus): Mapped {
  const value = (e: Extractor | undefined) => (e === undefined ? null : (f.get(e) ?? null));
  const { of } = c;
  const record: Record<string, unknown> = {
    sourceSystem: f.ctx.source,
    recordId: value(of.source_record_id),
  };
  for (const [field, e] of c.recordFields) record[field] = value(e);
  record.receivedAt = value(of.received_at);
  record.identifiers = value(of["mpi_record_link.identifiers"]) ?? [];
  record.ethnicCategory = value(of["mpi_record_link.ethnic_category"]);
  const practice = value(of["registration.practice_code"]) as string | null;
  const facts: PersonFacts = {
    practice: practice
      ? { code: practice, from: value(of["registration.registered_on"]) as string | null }
      : null,
    diedOn: value(of["death.died_on"]) as string | null,
  };
  return { kind: "person", record: record as unknown as SourceRecordInput, facts };
}

function rowsOf(c: Compiled, f: Focus): Mapped[] {
  const { t, refuse, reads, from } = c;
  for (let i = 0; i < refuse.length; i++) {
    const reason = refuse[i].reason(f);
    if (reason) fail(reason);
  }
  for (let i = 0; i < reads.length; i++) f.get(reads[i]);
  if (c.people) return [personOf(c, f)];
  if (!c.personal) return [sourceRowOf(c, f)];
  const id = f.get(c.id) as string;
  const origin = {
    recordId: id,
    subject: f.get(c.person) as SubjectRef,
    source: f.ctx.source,
    received: f.get(c.received) as string,
    day: c.practiceDay === null ? undefined : (f.get(c.practiceDay) as string),
  };
  const values: unknown[] = new Array(from.length);
  for (let i = 0; i < from.length; i++) values[i] = f.get(from[i]);
  const row = activityOf(c, values, origin);
  const localCode = t.localCode ? f.get(t.localCode) : null;
  const rows: Mapped[] = [localCode ? { ...row, localCode } : row];
  if (t.parts) {
    const { each, suffix } = t.parts;
    const list = (f.node as Record<string, unknown>)[each];
    const parts = Array.isArray(list) ? list : [];
    // Every part is read (and may refuse the resource) before any of their rows is made, as the columns are.
    const focuses = parts.map((p, i) => new Focus(p, `${f.name}.${each}[${i}]`, f.ctx));
    for (const pf of focuses) for (const e of c.partOwn) pf.get(e);
    focuses.forEach((pf, i) => {
      const values = c.from.map((e) => (c.partOwn.has(e) ? pf.get(e) : f.get(e)));
      const row = activityOf(c, values, { ...origin, recordId: `${id}#${suffix}${i + 1}` });
      rows.push({ ...row, part: true });
    });
  }
  return rows;
}

/** The mapper a declaration compiles to: checked against the catalogue first (a disagreement throws at start). */
export function compile(m: FhirMapping): (resource: unknown, ctx: MapContext) => Mapped[] {
  const problems = checkMapping(m);
  if (problems.length > 0) throw new Error(`FHIR mapping declarations: ${problems.join("; ")}`);
  type Reading = { table: Compiled } | { r: FhirClasses; byCode: ReadonlyMap<string, Compiled> };
  const readings = m.readings.map(
    (r): Reading =>
      isClasses(r)
        ? {
            r,
            byCode: new Map(r.classes.flatMap((c) => c.codes.map((code) => [code, compileTable(c.read)]))),
          }
        : { table: compileTable(r) },
  );
  return (resource, ctx) => {
    const f = new Focus(resource, m.resource, ctx);
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i];
      if ("table" in reading) return rowsOf(reading.table, f);
      const { r, byCode } = reading;
      if (r.when && !r.when.holds(f)) continue;
      for (let j = 0; j < r.first.length; j++) f.get(r.first[j]);
      const code = f.get(r.by);
      const table = byCode.get(code);
      if (table) return rowsOf(table, f);
      for (const e of r.otherwise.reads ?? []) f.get(e);
      return fail(r.otherwise.reason(code));
    }
    return fail(`${m.resource} matches none of the ways OnePlace reads it`);
  };
}
