import type { Sex } from "../../core/nhs-dd-codes.ts";
import type { SourceRecordInput } from "../../mpi/index.ts";
import { cols, insertText, insertWrite, type Queryable, type Write } from "../../store/index.ts";
import type { AdtEvent } from "./adt.ts";
import { CODED_FIELDS, type CodeMapName } from "./coded.ts";

// The codes applied messages carried that no mapping or standard knows: counted per source and code map (the
// mapping worklist and feed health read the counts), and kept from overwriting what a person's record knew.

const UNMAPPED_COLS = cols(
  "source_system text, map_name text, source_code text, occurrences integer, first_seen timestamptz, last_seen timestamptz",
);

const UNMAPPED_ON_CONFLICT = `ON CONFLICT (source_system, map_name, source_code) DO UPDATE SET
  occurrences = ingest_unmapped_code.occurrences + excluded.occurrences,
  first_seen = LEAST(ingest_unmapped_code.first_seen, excluded.first_seen),
  last_seen = GREATEST(ingest_unmapped_code.last_seen, excluded.last_seen)`;

/** The write counting the unmapped codes of messages applied now (one row per source, map and code). */
export function unmappedWrite(events: readonly AdtEvent[]): Write | null {
  const rows = new Map<string, [string, string, string, number, string, string]>();
  for (const e of events) {
    for (const f of e.unmapped) {
      const k = `${e.sourceSystem}\u0000${f.map}\u0000${f.code}`;
      const row = rows.get(k);
      if (!row) rows.set(k, [e.sourceSystem, f.map, f.code, 1, e.messageTime, e.messageTime]);
      else {
        row[3] += 1;
        if (e.messageTime < row[4]) row[4] = e.messageTime;
        if (e.messageTime > row[5]) row[5] = e.messageTime;
      }
    }
  }
  return insertWrite("ingest_unmapped_code", UNMAPPED_COLS, [...rows.values()], UNMAPPED_ON_CONFLICT);
}

/** The statement adding counted codes: source, map, code, occurrences, first and last seen. */
export function unmappedCodesText(
  rows: readonly (readonly [string, string, string, number, string, string])[],
): string {
  return insertText("ingest_unmapped_code", UNMAPPED_COLS, rows, UNMAPPED_ON_CONFLICT);
}

/** What the record linked already knows, as the MPI's linked-record view gives it. */
export type KnownDemographics = {
  birth_date: string | Date | null;
  sex: string | null;
};

/**
 * A message without a date of birth (where its event does not need one) or with a sex code nobody mapped must
 * not wipe what the patient's record already holds: the record keeps its own.
 */
export function keepKnownDemographics(e: AdtEvent, known: KnownDemographics | undefined): void {
  if (!known) return;
  const p: SourceRecordInput = e.patient;
  if (!p.birthDate && known.birth_date) {
    p.birthDate =
      known.birth_date instanceof Date
        ? known.birth_date.toISOString().slice(0, 10)
        : String(known.birth_date).slice(0, 10);
  }
  if (e.unmapped.some((f) => f.map === "sex") && known.sex) p.sex = known.sex as Sex;
}

/** Whether a message's patient needs what the record knows (it left something out or unmapped). */
export function needsKnownDemographics(e: AdtEvent): boolean {
  return !e.patient.birthDate || e.unmapped.some((f) => f.map === "sex");
}

export interface UnmappedRow {
  sourceSystem: string;
  mapName: CodeMapName;
  field: string;
  code: string;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
}

/** The mapping worklist: codes still without a mapping, most frequent first. */
export async function listUnmapped(
  q: Queryable,
  filter: { sourceSystem?: string } = {},
): Promise<UnmappedRow[]> {
  const rows = await q.query<{
    source_system: string;
    map_name: string;
    source_code: string;
    occurrences: number;
    first_seen: Date | string;
    last_seen: Date | string;
  }>(
    `SELECT u.source_system, u.map_name, u.source_code, u.occurrences, u.first_seen, u.last_seen
     FROM ingest_unmapped_code u
     WHERE ($1::text IS NULL OR u.source_system = $1)
       AND NOT EXISTS (SELECT 1 FROM ingest_code_map m WHERE m.source_system = u.source_system
                       AND m.map_name = u.map_name AND m.source_code = u.source_code)
     ORDER BY u.occurrences DESC, u.source_system, u.map_name, u.source_code`,
    [filter.sourceSystem ?? null],
  );
  return rows.map((r) => ({
    sourceSystem: r.source_system,
    mapName: r.map_name as CodeMapName,
    field: CODED_FIELDS[r.map_name as CodeMapName]?.field ?? "",
    code: r.source_code,
    occurrences: Number(r.occurrences),
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
  }));
}
