// Coded entries and registrations from a GP extract keep the record they are about in the row itself (no ingest_row_subject
// row): a merge, an unmerge, a relink and a record renamed (A47) still move exactly that record's entries.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadCsvFile } from "../../src/ingest/index.ts";
import { mergePersons, relinkRecord, renameRecord, resolveRecords, unmerge } from "../../src/mpi/index.ts";
import type { Db } from "../../src/store/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { sourceRecord } from "./source-record.ts";

let t: TestDb;
let db: Db;
const dir = mkdtempSync(join(tmpdir(), "oneplace-moves-csv-"));

before(async () => {
  t = await openTestDb();
  db = t.db;
});
after(async () => {
  await t?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function personOf(id: string): Promise<string> {
  const rows = await db.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = 'gp' AND source_record_id = $1",
    [id],
  );
  return rows[0].person_id;
}

async function owners(): Promise<Record<string, string>> {
  const rows = await db.query<{ source_record_id: string; person_id: string }>(
    `SELECT source_record_id, person_id::text AS person_id FROM gp_entry
     UNION ALL SELECT source_record_id, person_id::text FROM registration ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.source_record_id, r.person_id]));
}

test("entries and registrations loaded from a GP extract follow their record through merge, unmerge, relink and rename", async () => {
  await db.transaction((tx) =>
    resolveRecords(tx, [
      sourceRecord("gp", "pa", { given: "Ann", family: "Ashby", birthDate: "1940-01-01" }),
      sourceRecord("gp", "pb", { given: "Bob", family: "Brook", birthDate: "1950-05-05", sex: "male" }),
    ]),
  );
  const a = await personOf("pa");
  const b = await personOf("pb");
  assert.notEqual(a, b);
  const file = join(dir, "coded.csv");
  const row = (id: string, patient: string) =>
    `${id},${patient},Z90001,2014-01-01,condition,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;
  writeFileSync(
    file,
    [
      "entry_id,patient_id,practice_code,recorded_on,entry_kind,code_system,code,value,unit,extracted_at",
      row("ea1", "pa"),
      row("ea2", "pa"),
      row("eb1", "pb"),
      "",
    ].join("\n"),
  );
  const loaded = await loadCsvFile(db, file, { source: "gp" });
  assert.equal(loaded.counts.loaded, 3);
  const registrations = join(dir, "registrations.csv");
  writeFileSync(
    registrations,
    "registration_id,patient_id,practice_code,registered_on,deregistered_on,deregistration_reason,extracted_at\n" +
      "rb1,pb,Z90001,2010-01-01,,,2014-04-01T02:00:00Z\n",
  );
  assert.equal((await loadCsvFile(db, registrations, { source: "gp" })).counts.loaded, 1);
  assert.equal(
    (await db.query("SELECT 1 FROM ingest_row_subject")).length,
    0,
    "the subject is kept in the row, not in a row of its own",
  );
  assert.deepEqual(await owners(), { ea1: a, ea2: a, eb1: b, rb1: b });
  const again = await loadCsvFile(db, file, { source: "gp" });
  assert.deepEqual(
    [again.counts.loaded, again.counts.duplicates],
    [0, 3],
    "the same extract again changes nothing",
  );

  const merged = await db.transaction((tx) => mergePersons(tx, a, b, "cli:reviewer", "the same person"));
  assert.deepEqual(
    await owners(),
    { ea1: a, ea2: a, eb1: a, rb1: a },
    "a merge moves the retired person's entries",
  );
  await db.transaction((tx) => unmerge(tx, merged.mergeId as string, "cli:reviewer", "not the same"));
  assert.deepEqual(
    await owners(),
    { ea1: a, ea2: a, eb1: b, rb1: b },
    "an unmerge puts back exactly that record's",
  );

  const c = await db.transaction((tx) => relinkRecord(tx, ["gp", "pb"], null, "cli:reviewer", "split off"));
  assert.deepEqual(
    await owners(),
    { ea1: a, ea2: a, eb1: c, rb1: c },
    "a relink takes the record's entries along",
  );

  // The GP renames pb (A47), then the renamed record is relinked: its entries still go with it.
  await db.transaction((tx) => renameRecord(tx, "gp", "pb", "pb-new", "hl7:gp:1", "A47"));
  const d = await db.transaction((tx) => relinkRecord(tx, ["gp", "pb-new"], a, "cli:reviewer", "same as pa"));
  assert.equal(d, a);
  assert.deepEqual(await owners(), { ea1: a, ea2: a, eb1: a, rb1: a });
  const subjects = await db.query<{ subject_record_id: string }>(
    "SELECT subject_record_id FROM gp_entry WHERE source_record_id = 'eb1'",
  );
  assert.equal(subjects[0].subject_record_id, "pb-new");
});
