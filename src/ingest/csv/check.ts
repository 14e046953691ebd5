import type { LinkedWrite } from "../canonical.ts";
import type { ColumnDef, Declared } from "./declare.ts";
import type { CsvLayout, CsvRow } from "./writers.ts";

// A CSV record checked against its layout, on whichever thread reads the file (load.ts, prepare.ts): what a load
// knows of its file (its session), and a row to write or the reasons it cannot be.

export interface PendingReject {
  line: number;
  raw: string;
  reason: string;
  column?: string;
  recordId: string | null;
  /** A replay's row: the reject it came from (reopened when the row is refused again). */
  rejectId?: string;
}

/** What checking a row needs of its layout (the parsing thread has the declaration alone). */
export type CheckedLayout = Pick<Declared, "columns" | "recordIdColumn">;

export interface CsvSession<L extends CheckedLayout = CsvLayout> {
  layout: L;
  /** The layout's column for each header position (null for none). */
  defs?: (ColumnDef | null)[];
  /** The header position of the layout's record id column. */
  recordIndex?: number;
  sourceSystem: string;
  orgCode: string | null;
  origin: string;
  sha: string;
  header: string[];
  headerLine: string;
  loadId: string | null;
  replayedBy?: string;
  /** A replay's session: each row carries the reject it came from (`CsvRow.rejectId`), resolved by that id. */
  replaying?: boolean;
  /** Whether the source may have open CSV rejects for this load's rows to resolve (known after its first chunk). */
  openRejects?: boolean;
  /** How activity chunks are written (canonical.ts): `blind` for the first load of a source's layout, else `fresh`. */
  write?: LinkedWrite;
  /**
   * Whether rows refused for want of their person are kept encoded with their batch (reject-batches.ts): on a
   * server that is not Citus, where a replay writes them from those bytes. On the embedded engine the database
   * runs on the loading thread, and reading the bytes back there cost a replay more than checking the rows again
   * on a thread of their own (0.65 of a first load's rate against 0.95); Citus writes no batch blind.
   */
  keepEncoded?: boolean;
}

/** Checks one record against the layout: a row to write, or the reasons it cannot be. */
export function checkRow(
  s: CsvSession<CheckedLayout>,
  fields: string[],
  line: number,
  raw: string,
): { row: CsvRow } | { reject: PendingReject } {
  const recordIndex = recordIndexOf(s);
  if (!s.defs) s.defs = s.header.map((h) => s.layout.columns.find((c) => c.name === h) ?? null);
  const recordId = fields[recordIndex]?.trim() || null;
  let nul = -1;
  for (let i = 0; i < fields.length && nul === -1; i++) if (fields[i].includes("\u0000")) nul = i;
  if (nul !== -1) {
    // A NUL byte cannot be stored as text: the row is kept as a reject (its bytes in base64) and the file goes on.
    const column = s.header[nul] ?? `field ${nul + 1}`;
    return {
      reject: {
        line,
        raw,
        recordId: recordId?.includes("\u0000") ? null : recordId,
        column,
        reason: `${s.origin}:${line}:${column}: holds a NUL byte (0x00), which a CSV extract's text cannot carry`,
      },
    };
  }
  if (fields.length !== s.header.length) {
    return {
      reject: {
        line,
        raw,
        recordId,
        reason: `${s.origin}:${line}: has ${fields.length} fields but the header has ${s.header.length}`,
      },
    };
  }
  const values: CsvRow["values"] = {};
  let problems: string[] | null = null;
  let firstColumn: string | undefined;
  for (let i = 0; i < s.defs.length; i++) {
    const def = s.defs[i];
    if (!def) continue;
    const text = fields[i].trim();
    if (text === "") {
      if (def.required) {
        problems ??= [];
        problems.push(`${s.origin}:${line}:${def.name}: is required`);
        firstColumn ??= def.name;
      }
      values[def.name] = null;
      continue;
    }
    const parsed = def.type.parse(text);
    if (parsed.ok) values[def.name] = parsed.value;
    else {
      problems ??= [];
      problems.push(`${s.origin}:${line}:${def.name}: ${parsed.problem}`);
      firstColumn ??= def.name;
    }
  }
  if (problems) return { reject: { line, raw, recordId, reason: problems.join("; "), column: firstColumn } };
  return { row: { line, raw, values } };
}

function recordIndexOf(s: CsvSession<CheckedLayout>): number {
  s.recordIndex ??= s.header.indexOf(s.layout.recordIdColumn);
  return s.recordIndex;
}

/**
 * A row that passed checkRow, with only what its reject names (line, record, its record id as checkRow gives it):
 * for rows refused after their check (a subject not linked), without checking every cell again.
 */
export function rejectableRow(
  s: CsvSession<CheckedLayout>,
  fields: string[],
  line: number,
  raw: string,
): CsvRow {
  const text = fields[recordIndexOf(s)]?.trim() ?? "";
  const def = s.layout.columns.find((c) => c.name === s.layout.recordIdColumn);
  const parsed = text === "" || !def ? null : def.type.parse(text);
  return { line, raw, values: { [s.layout.recordIdColumn]: parsed?.ok ? parsed.value : null } };
}
