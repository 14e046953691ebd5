import {
  findByNhsNumber,
  RECORD_COLUMNS,
  recordKey,
  resolveRecords,
  type SourceRecordInput,
} from "../../mpi/index.ts";
import { CATALOGUE, type CopyValue, insertMany, type Queryable, type Table } from "../../store/index.ts";
import {
  type CanonicalName,
  copyEncodedBlind,
  type EncodedLinked,
  type LinkedWrite,
  recordSubjects,
  type SubjectRow,
  upsertCanonical,
  upsertLinked,
} from "../canonical.ts";
import { pickEncoded } from "../linked-encoder.ts";
import {
  checkDeclaration,
  type Declaration,
  type Declared,
  type LayoutDecl,
  type LinkedDeclaration,
  linkedEncoder,
  resolve,
  rowBuilder,
} from "./declare.ts";

// How a declared layout writes a chunk of checked rows, by how its rows find their person: people through the
// master person index, activity against the person its subject (a source record) is linked to, a death
// against the holder of its NHS Number, reference data as it is. Every row is built from the declaration in
// the catalogue's column order (declare.ts's rowBuilder).

export interface CsvRow {
  line: number;
  raw: string;
  values: Record<string, string | number | boolean | null>;
  /** In a replay, the reject the row was read from (resolved when the row is written). */
  rejectId?: string;
}

export interface RowReject {
  row: CsvRow;
  reason: string;
  column?: string;
}

export interface ChunkContext {
  q: Queryable;
  sourceSystem: string;
  orgCode: string | null;
  /** How activity rows are written (canonical.ts's LinkedWrite): `fresh` unless a retry asks for `upsert`. */
  write?: LinkedWrite;
  /** Keep the rows refused for want of their person encoded, for their batch (CsvSession's `keepEncoded`). */
  keepEncoded?: boolean;
}

export interface ChunkResult {
  loaded: number;
  duplicates: number;
  rejects: RowReject[];
  /** Rows written per canonical table. */
  tables: Record<string, number>;
  /** The rows rejected because their subject is not linked, encoded, when the context keeps them so. */
  unlinked?: EncodedLinked;
}

/** The encoded rows on these lines. */
function unlinkedOf(enc: EncodedLinked, lines: readonly number[]): EncodedLinked {
  const wanted = new Set(lines);
  const at: number[] = [];
  for (let i = 0; i < enc.lines.length; i++) if (wanted.has(enc.lines[i])) at.push(i);
  return pickEncoded(enc, at);
}

export interface CsvLayout extends Declared {
  /** The source's organisation is needed (e.g. the council, for client id identifiers). */
  needsOrg?: boolean;
  /** Rows are people, linked through the MPI in file order (so chunks are written one at a time). */
  people?: boolean;
  apply(ctx: ChunkContext, rows: CsvRow[]): Promise<ChunkResult>;
  /**
   * Activity written blind (a first load): the rows encoded one by one, ready for `applyEncoded`, before their
   * people are known (so on the thread that parsed them); `take` gives null when they must go through `apply`.
   */
  encoder?(sourceSystem: string): { add(row: CsvRow): void; take(): EncodedLinked | null };
  /** A blind write of encoded rows; `rowsAt` gives back the rows of the lines it rejects. */
  applyEncoded?(
    ctx: ChunkContext,
    enc: EncodedLinked,
    rowsAt: (lines: readonly number[]) => CsvRow[],
  ): Promise<ChunkResult>;
}

function emptyResult(): ChunkResult {
  return { loaded: 0, duplicates: 0, rejects: [], tables: {} };
}

/** A chunk's rows written to a canonical table: loaded (inserted or updated) and already there unchanged. */
function counted(
  result: ChunkResult,
  table: string,
  counts: { inserted: number; updated: number; unchanged: number },
): ChunkResult {
  result.loaded = counts.inserted + counts.updated;
  result.duplicates = counts.unchanged;
  result.tables[table] = result.loaded;
  return result;
}

/** The declaration resolved, refused at start when it disagrees with the catalogue. */
function declared(decl: LayoutDecl): Declared {
  const problems = checkDeclaration(decl);
  if (problems.length > 0) throw new Error(`CSV layout declarations: ${problems.join("; ")}`);
  return resolve(decl);
}

/**
 * People: each row is a source record sent through the MPI. A column stored in person_identifier.value gives
 * the person an identifier in `identifierSystem` (of the source's organisation); one stored in
 * mpi_record_link.ethnic_category gives the golden record its ethnic category.
 */
export function peopleLayout(
  decl: Declaration<"person_record">,
  identifierSystem?: (orgCode: string) => string,
): CsvLayout {
  const d = declared({ ...decl, person: "people" });
  const of = (target: string) => d.columns.find((c) => c.storedIn.includes(target))?.name;
  const fields = Object.entries(RECORD_COLUMNS).map(
    ([column, field]) => [field, of(`person_record.${column}`)] as const,
  );
  const received = of("person_record.received_at");
  const identifier = of("person_identifier.value");
  const ethnic = of("mpi_record_link.ethnic_category");
  const toRecord = (r: CsvRow, ctx: ChunkContext, at: string): SourceRecordInput => {
    const v = r.values;
    const record: Record<string, unknown> = {
      sourceSystem: ctx.sourceSystem,
      recordId: String(v[d.recordIdColumn]),
    };
    for (const [field, column] of fields) record[field] = column === undefined ? null : (v[column] ?? null);
    record.receivedAt = received === undefined || v[received] == null ? at : String(v[received]);
    record.identifiers =
      identifier && identifierSystem
        ? [{ system: identifierSystem(ctx.orgCode as string), value: String(v[identifier]) }]
        : [];
    if (ethnic) record.ethnicCategory = v[ethnic] ?? null;
    return record as unknown as SourceRecordInput;
  };
  return {
    ...d,
    people: true,
    ...(identifierSystem ? { needsOrg: true } : {}),
    async apply(ctx, rows) {
      const result = emptyResult();
      const at = new Date().toISOString();
      const records = rows.map((r) => toRecord(r, ctx, at));
      const outcomes = await resolveRecords(ctx.q, records);
      for (const r of records) {
        const o = outcomes.get(recordKey(r.sourceSystem, r.recordId));
        if (o?.outcome === "existing") result.duplicates++;
        else result.loaded++;
      }
      result.tables.person_record = result.loaded;
      return result;
    },
  };
}

/** What a layout writing one canonical table needs: its person column and its rows without person_id. */
function canonicalWriter(decl: Declaration<CanonicalName>, person: "linked" | "nhs-number") {
  const d = declared({ ...decl, person });
  return { d, table: decl.table, person: d.personColumn as string, build: rowBuilder(d, decl.table, 1) };
}

/**
 * Activity: rows whose subject (the source record they are about, the column stored as person_id) is linked
 * get written to one canonical table; rows about a record OnePlace has not seen are rejected, to replay once
 * it arrives. The whole chunk goes to the database at once (upsertLinked: one COPY, one statement, the MPI
 * look-up a join). `recordSubject`: record in ingest_row_subject which source record each row belongs to (so
 * a merge moves it).
 */
export function linkedLayout(decl: LinkedDeclaration): CsvLayout {
  const { recordSubject, ...rest } = decl;
  const { d, table, person: subjectColumn, build } = canonicalWriter(rest, "linked");
  const staging = (rows: readonly CsvRow[], sourceSystem: string): SubjectRow[] => {
    const at = new Date().toISOString();
    const staged: SubjectRow[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      staged[i] = {
        line: r.line,
        subjectId: String(r.values[subjectColumn]),
        values: build(r, sourceSystem, at),
      };
    }
    return staged;
  };
  const unlinkedRejects = (result: ChunkResult, rows: readonly CsvRow[], sourceSystem: string) => {
    for (const row of rows) {
      result.rejects.push({
        row,
        column: subjectColumn,
        reason: `${subjectColumn}: no record with this id has been received from ${sourceSystem} yet (load it, then replay)`,
      });
    }
  };
  return {
    ...d,
    async apply(ctx, rows) {
      const result = emptyResult();
      const staged = staging(rows, ctx.sourceSystem);
      const counts = await upsertLinked(ctx.q, table, ctx.sourceSystem, staged, recordSubject, ctx.write);
      if (counts.unlinked.length > 0) {
        const byLine = new Map(rows.map((r) => [r.line, r]));
        const unlinked = counts.unlinked.map((line) => byLine.get(line) as CsvRow);
        unlinkedRejects(result, unlinked, ctx.sourceSystem);
        if (ctx.keepEncoded) {
          // Encoded for their batch, as an encoded chunk's are, so that their replay encodes nothing.
          const encoder = linkedEncoder(d, decl, ctx.sourceSystem);
          for (const r of unlinked) encoder.add(r);
          result.unlinked = encoder.take() ?? undefined;
        }
      }
      return counted(result, table, counts);
    },
    encoder: (sourceSystem) => linkedEncoder(d, decl, sourceSystem),
    async applyEncoded(ctx, enc, rowsAt) {
      const result = emptyResult();
      const counts = await copyEncodedBlind(ctx.q, ctx.sourceSystem, enc);
      if (counts.unlinked.length > 0) {
        unlinkedRejects(result, rowsAt(counts.unlinked), ctx.sourceSystem);
        if (ctx.keepEncoded) result.unlinked = unlinkedOf(enc, counts.unlinked);
      }
      return counted(result, table, { ...counts, updated: 0 });
    },
  };
}

/** Rows about whoever holds the NHS Number their person column gives (one who is not known yet: rejected). */
export function byNhsNumberLayout(decl: Declaration<CanonicalName>): CsvLayout {
  const { d, table, person: nhs, build } = canonicalWriter(decl, "nhs-number");
  return {
    ...d,
    async apply(ctx, rows) {
      const result = emptyResult();
      const at = new Date().toISOString();
      const holders = await findByNhsNumber(
        ctx.q,
        rows.map((r) => String(r.values[nhs])),
      );
      const out: CopyValue[][] = [];
      const subjects: [string, string, string, string, string][] = [];
      for (const r of rows) {
        const h = holders.get(String(r.values[nhs]));
        if (!h) {
          result.rejects.push({
            row: r,
            column: nhs,
            reason: `${nhs}: no one with this NHS Number is known yet (load their records, then replay)`,
          });
          continue;
        }
        const row = build(r, ctx.sourceSystem, at);
        row.unshift(h.personId);
        out.push(row);
        subjects.push([
          ctx.sourceSystem,
          table,
          String(r.values[d.recordIdColumn]),
          h.sourceSystem,
          h.recordId,
        ]);
      }
      const counts = await upsertCanonical(ctx.q, table, out);
      await recordSubjects(ctx.q, subjects);
      return counted(result, table, counts);
    },
  };
}

/**
 * Reference data for no one in particular, in the layout's table and the others its columns name, each upserted
 * on its primary key with its own conflict clause (keyed by table); `check` may refuse a row first (a code it
 * names that is not there). Counted by the layout's table.
 */
export function referenceLayout(
  decl: Declaration,
  conflicts: Readonly<Record<string, string>>,
  check?: (ctx: ChunkContext) => Promise<(r: CsvRow) => RowReject | null>,
): CsvLayout {
  const d = declared({ ...decl, person: "none" });
  const tables = Object.keys(conflicts) as (keyof typeof CATALOGUE)[];
  const builders = tables.map((t) => {
    const table = CATALOGUE[t] as Table;
    const names: readonly string[] = table.columnNames;
    const key = table.primaryKey.map((k) => names.indexOf(k));
    return { table, key, build: rowBuilder(d, t, 0) };
  });
  return {
    ...d,
    async apply(ctx, rows) {
      const result = emptyResult();
      const refuse = check ? await check(ctx) : () => null;
      const at = new Date().toISOString();
      const byTable = builders.map(() => new Map<string, CopyValue[]>());
      for (const r of rows) {
        const reject = refuse(r);
        if (reject) {
          result.rejects.push(reject);
          continue;
        }
        builders.forEach((b, i) => {
          const row = b.build(r, ctx.sourceSystem, at);
          byTable[i].set(b.key.map((k) => String(row[k])).join("\u0000"), row);
        });
      }
      let written = 0;
      for (let i = 0; i < builders.length; i++) {
        const { table } = builders[i];
        const out = await insertMany(
          ctx.q,
          table.name,
          table.columns,
          [...byTable[i].values()],
          `${conflicts[table.name]}${table.name === d.table ? " RETURNING 1" : ""}`,
        );
        if (table.name === d.table) written = out.length;
      }
      result.loaded = written;
      result.duplicates = rows.length - result.rejects.length - written;
      result.tables[d.table] = written;
      return result;
    },
  };
}
