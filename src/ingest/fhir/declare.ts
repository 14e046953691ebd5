import { CATALOGUE, isTableName } from "../../store/index.ts";
import type { CanonicalName } from "../canonical.ts";
import { type Extractor, Focus, type Refusal } from "./extract.ts";
import { activity, fail, type MapContext, type Mapped, type SubjectRef } from "./fields.ts";

// How a FHIR resource type is mapped, declared once as tables on the catalogue: each table a list of (catalogue
// column, extractor) pairs, read in the order listed (the first that fails gives the reject's reason), with the
// checks that refuse a resource and, for an Observation, the parts (components) that become rows of their own.
// A resource read by its class (an Encounter) declares the class and a table per class. The loader maps with the
// compiled declaration (compile), docs/formats/fhir.md is written from it (docs.ts, `node scripts/fhir-formats.ts`),
// and checkMapping refuses at module load a column the catalogue lacks or a column that may not be null that
// nothing fills, as the CSV layouts' declarations are checked (csv/declare.ts).

export type Column = readonly [column: string, from: Extractor];

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
  table: CanonicalName;
  /** Checks that refuse a resource, made before its columns are read. */
  refuse?: readonly Refusal[];
  columns: readonly Column[];
  parts?: Parts;
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
}

export interface FhirMapping {
  resource: string;
  readings: readonly (FhirTable | FhirClasses)[];
}

/** A resource type read one way: one table. */
export function readAs(resource: string, table: FhirTable): FhirMapping {
  return { resource, readings: [table] };
}

const isClasses = (r: FhirTable | FhirClasses): r is FhirClasses => "classes" in r;

const TABLE_ORDER: readonly string[] = Object.keys(CATALOGUE);

/** The tables a mapping writes, in catalogue order (where an entered-in-error resource is taken out of). */
export function tablesOf(m: FhirMapping): CanonicalName[] {
  const tables = new Set(tablesDeclared(m).map((t) => t.read.table));
  return [...tables].sort((a, b) => TABLE_ORDER.indexOf(a) - TABLE_ORDER.indexOf(b));
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
function rowIdColumn(table: CanonicalName): string | null {
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
    const col = catalogue.columns.find((c) => c.name === column);
    if (!col) problems.push(`${at}: ${column} is not a column of ${t.table} in the catalogue`);
    if (seen.has(column)) problems.push(`${at}: ${column} is declared twice`);
    seen.add(column);
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

/** A table compiled: the extractors of its provenance, its person and its practice's day picked out once. */
interface Compiled {
  t: FhirTable;
  /** The columns passed to activity() by name (it fills person, provenance and practice itself). */
  named: readonly Column[];
  id: Extractor;
  person: Extractor;
  received: Extractor;
  practiceDay: Extractor | null;
  /** Each part's own columns' extractors (read from the part; the rest from the resource). */
  partOwn: ReadonlySet<Extractor>;
}

/** The columns activity() fills from the row's origin, not from the named values. */
const ORIGIN = new Set(["person_id", "source_record_id", "received_at", "practice_code"]);

function compileTable(t: FhirTable): Compiled {
  const of = (column: string) => t.columns.find(([c]) => c === column)?.[1] as Extractor;
  const day = t.columns.find(([c]) => c === "practice_code")?.[1].practiceOn;
  return {
    t,
    named: t.columns.filter(([c]) => !ORIGIN.has(c)),
    id: of("source_record_id"),
    person: of("person_id"),
    received: of("received_at"),
    practiceDay: day === undefined ? null : of(day),
    partOwn: new Set((t.parts?.columns ?? []).map(of)),
  };
}

function rowsOf(c: Compiled, f: Focus): Mapped[] {
  const { t } = c;
  for (const r of t.refuse ?? []) {
    const reason = r.reason(f);
    if (reason) fail(reason);
  }
  for (const [, from] of t.columns) f.get(from);
  const id = f.get(c.id) as string;
  const subject = f.get(c.person) as SubjectRef;
  const received = f.get(c.received) as string;
  const day = c.practiceDay === null ? undefined : (f.get(c.practiceDay) as string);
  const row = (read: (from: Extractor) => unknown, recordId: string) => {
    const values: Record<string, unknown> = {};
    for (const [column, from] of c.named) values[column] = read(from);
    return activity(t.table, { id: recordId, subject, source: f.ctx.source, received }, values, day);
  };
  const rows: Mapped[] = [row((from) => f.get(from), id)];
  if (t.parts) {
    const { each, suffix } = t.parts;
    const list = (f.node as Record<string, unknown>)[each];
    const parts = Array.isArray(list) ? list : [];
    // Every part is read (and may refuse the resource) before any of their rows is made, as the columns are.
    const focuses = parts.map((p, i) => new Focus(p, `${f.name}.${each}[${i}]`, f.ctx));
    for (const pf of focuses) for (const e of c.partOwn) pf.get(e);
    focuses.forEach((pf, i) => {
      const r = row((from) => (c.partOwn.has(from) ? pf.get(from) : f.get(from)), `${id}#${suffix}${i + 1}`);
      rows.push({ ...r, part: true });
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
    for (const reading of readings) {
      if ("table" in reading) return rowsOf(reading.table, f);
      const { r, byCode } = reading;
      if (r.when && !r.when.holds(f)) continue;
      for (const e of r.first) f.get(e);
      const code = f.get(r.by);
      const table = byCode.get(code);
      if (table) return rowsOf(table, f);
      for (const e of r.otherwise.reads ?? []) f.get(e);
      return fail(r.otherwise.reason(code));
    }
    return fail(`${m.resource} matches none of the ways OnePlace reads it`);
  };
}
