// The fixtures the CSV ingest tests share: a scratch folder for a test file's CSV files, the two layouts' header
// lines, a run of test patients, and a coded entry stored ahead of a load (as another path would have stored it).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { rowId } from "../../src/ingest/index.ts";
import type { Queryable } from "../../src/store/index.ts";
import { testNhsNumber } from "./nhs-numbers.ts";

export const PATIENT_HEADER =
  "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at";
export const CODED_HEADER =
  "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at";

/**
 * A folder of its own for one test file's CSV files, removed when that file's tests end. `file` writes text as
 * given, or lines each ended by "\n", and returns the path.
 */
export function csvFolder(prefix: string): {
  file(name: string, content: string | readonly string[]): string;
} {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : `${content.join("\n")}\n`);
      return path;
    },
  };
}

/** A patients file's lines: its header, then patients p0 … p(count-1), each with a test NHS Number of its own. */
export function patientLines(count: number, sex: "female" | "male" = "female"): string[] {
  return [
    PATIENT_HEADER,
    ...Array.from(
      { length: count },
      (_, i) => `p${i},${testNhsNumber(i)},Family${i},Given${i},1950-01-0${(i % 9) + 1},${sex},,,`,
    ),
  ];
}

/** An observation a source stored before a load (another path, or a synthetic place, would have): its subject's person. */
export interface EntryStoredAhead {
  source: string;
  entryId: string;
  subject: string;
  recordedOn: string;
  code: string;
  value: number;
  unit: string;
}

/** Stores one coded entry for a subject already linked in the MPI, as a writer other than the CSV load would. */
export async function storeEntryAhead(db: Queryable, e: EntryStoredAhead): Promise<void> {
  await db.query(
    `INSERT INTO gp_entry (person_id, entry_id, practice_code, recorded_on, entry_kind, code_system, code, value, unit,
       source_system, source_record_id, received_at, subject_record_id)
     SELECT person_id, $1, 'Z90001', $2, 'observation', 'http://snomed.info/sct', $3, $4, $5, $6, $7, now(), $8
     FROM mpi_record_link WHERE source_system = $6 AND source_record_id = $8`,
    [
      rowId("gp_entry", e.source, e.entryId),
      e.recordedOn,
      e.code,
      e.value,
      e.unit,
      e.source,
      e.entryId,
      e.subject,
    ],
  );
}
