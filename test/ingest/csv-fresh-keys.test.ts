// How a CSV chunk of activity rows is written: the rows whose key is not stored go in by a plain INSERT, the
// changed ones through ON CONFLICT, the unchanged ones not at all, in one statement; a key another writer stores
// while the chunk is being written sends the chunk round again through ON CONFLICT (never two rows, never a
// reject); and a replay stores a file's rows in the file's order, as a first load does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { openRejectIds, replayRejects } from "../../src/ingest/replay.ts";
import type { Db } from "../../src/store/index.ts";
import { csvFolder, CODED_HEADER as HEADER, patientLines, storeEntryAhead } from "../helpers/csv-files.ts";
import { citusTest, serverUrl, useTestDb } from "../helpers/test-db.ts";

let db: Db;
const { file } = csvFolder("oneplace-csv-fresh-keys");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const PATIENTS = 30;
const patients = (name: string) => file(name, patientLines(PATIENTS, "male"));
/** Entry i, about patient (i / 7): a patient's entries are together in the file, as GP extracts have them. */
const entry = (i: number, value = 120 + (i % 40)) =>
  `e${i},p${Math.floor(i / 7) % PATIENTS},Z90001,2015-03-${String((i % 28) + 1).padStart(2, "0")},observation,http://snomed.info/sct,38341003,${value},mm[Hg],2015-04-01T02:00:00Z`;

async function valuesOf(source: string): Promise<Map<string, string>> {
  const rows = await db.query<{ id: string; value: string }>(
    "SELECT source_record_id AS id, value::text AS value FROM gp_entry WHERE source_system = $1",
    [source],
  );
  return new Map(rows.map((r) => [r.id, r.value]));
}

test("one chunk of new, unchanged and changed rows: each counted and stored once, as the file says", async () => {
  await loadCsvFile(db, patients("patients-a.csv"), { source: "gp-a" });
  const first = await loadCsvFile(
    db,
    file("first.csv", [HEADER, ...Array.from({ length: 100 }, (_, i) => entry(i))]),
    { source: "gp-a" },
  );
  assert.deepEqual([first.counts.loaded, first.counts.duplicates], [100, 0]);

  // 0-49 unchanged, 50-79 changed, 80-99 left out, 100-149 new: one chunk.
  const lines = [
    ...Array.from({ length: 50 }, (_, i) => entry(i)),
    ...Array.from({ length: 30 }, (_, i) => entry(50 + i, 300 + i)),
    ...Array.from({ length: 50 }, (_, i) => entry(100 + i)),
  ];
  const second = await loadCsvFile(db, file("second.csv", [HEADER, ...lines]), { source: "gp-a" });
  assert.deepEqual(
    [second.counts.loaded, second.counts.duplicates, second.counts.rejected],
    [80, 50, 0],
    "30 changed and 50 new loaded, 50 unchanged",
  );
  const stored = await valuesOf("gp-a");
  assert.equal(stored.size, 150);
  assert.equal(stored.get("e10"), String(120 + 10));
  assert.equal(stored.get("e60"), "310");
  assert.equal(stored.get("e90"), String(120 + (90 % 40)), "a row left out of the second file is left alone");
  assert.equal(stored.get("e140"), String(120 + (140 % 40)));

  const again = await loadCsvFile(db, file("second-again.csv", [HEADER, ...lines]), { source: "gp-a" });
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, 130], "loading twice changes nothing");
  assert.deepEqual(await valuesOf("gp-a"), stored);
});

test("a key another writer stores while the chunk is written: the chunk goes through ON CONFLICT, one row per key", {
  skip: serverUrl ? false : "PGlite has one connection: no other writer",
}, async () => {
  await loadCsvFile(db, patients("patients-b.csv"), { source: "gp-b" });
  const lines = Array.from({ length: 60 }, (_, i) => entry(i));
  // Another transaction stores e7 (with another value) and holds it uncommitted while the load runs: the
  // load's statement took e7 for new, waits for that transaction, and then finds it stored.
  let stored!: () => void;
  const storedOne = new Promise<void>((resolve) => {
    stored = resolve;
  });
  const other = db.transaction(async (tx) => {
    await storeEntryAhead(tx, {
      source: "gp-b",
      entryId: "e7",
      subject: "p1",
      recordedOn: "2015-03-08",
      code: "38341003",
      value: 999,
      unit: "mm[Hg]",
    });
    stored();
    await sleep(1500);
  });
  await storedOne;
  const load = await loadCsvFile(db, file("racing.csv", [HEADER, ...lines]), { source: "gp-b" });
  await other;
  assert.deepEqual([load.counts.loaded, load.counts.rejected], [60, 0], "59 inserted and e7 updated");
  const rows = await db.query<{ id: string; value: string }>(
    "SELECT source_record_id AS id, value::text AS value FROM gp_entry WHERE source_system = 'gp-b' AND source_record_id = 'e7'",
  );
  assert.deepEqual(rows, [{ id: "e7", value: String(120 + 7) }], "one row, as the file has it");
  assert.equal((await valuesOf("gp-b")).size, 60);
  assert.deepEqual(await listRejects(db, { sourceSystem: "gp-b" }), []);
});

test("a replay stores a file's rows in the file's order, as its first load does", {
  skip: citusTest ? "on a cluster the rows are in their shards, in no one order" : false,
}, async () => {
  await loadCsvFile(db, patients("patients-c.csv"), { source: "gp-c" });
  const coded = file("ordered.csv", [HEADER, ...Array.from({ length: 700 }, (_, i) => entry(i))]);
  await loadCsvFile(db, coded, { source: "gp-c" });
  const rejected = await loadCsvFile(db, coded, { source: "gp-c-later" });
  assert.equal(rejected.counts.rejected, 700);
  await loadCsvFile(db, patients("patients-c-later.csv"), { source: "gp-c-later" });
  const results = await replayRejects(db, await openRejectIds(db, "gp-c-later"), "tester");
  assert.equal(results.filter((r) => r.accepted).length, 700);
  const order = async (source: string) =>
    (
      await db.query<{ id: string }>(
        "SELECT source_record_id AS id FROM gp_entry WHERE source_system = $1 ORDER BY ctid",
        [source],
      )
    ).map((r) => r.id);
  const fileOrder = Array.from({ length: 700 }, (_, i) => `e${i}`);
  assert.deepEqual(await order("gp-c"), fileOrder, "a first load stores the rows in the file's order");
  assert.deepEqual(await order("gp-c-later"), fileOrder, "and so does the replay");
});

test("a source's first CSV load meeting a row its source stored another way: written again looking, one row per key", async () => {
  await loadCsvFile(db, patients("patients-d.csv"), { source: "gp-d" });
  // e3 stored before the source's first CSV load (as another path, or a synthetic place, would have).
  await storeEntryAhead(db, {
    source: "gp-d",
    entryId: "e3",
    subject: "p0",
    recordedOn: "2015-03-04",
    code: "38341003",
    value: 999,
    unit: "mm[Hg]",
  });
  const load = await loadCsvFile(
    db,
    file("first-of-gp-d.csv", [HEADER, ...Array.from({ length: 20 }, (_, i) => entry(i))]),
    { source: "gp-d" },
  );
  assert.deepEqual([load.counts.loaded, load.counts.duplicates, load.counts.rejected], [20, 0, 0]);
  const stored = await valuesOf("gp-d");
  assert.equal(stored.size, 20);
  assert.equal(stored.get("e3"), String(120 + 3), "updated as the file has it, not stored twice");
});
