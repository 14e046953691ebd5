// A first load of activity parsed, checked and encoded on a thread of its own (csv/prepare-worker.ts) stores and
// rejects exactly what the same load on the loading thread does: rows checked and refused, a record with quoted
// commas and line breaks, a row repeating a key, rows about a record not received yet, chunk after chunk; a key
// stored before the load sends the chunk round again through the rows; and loading twice changes nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { rowId } from "../../src/ingest/ids.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import type { Db } from "../../src/store/index.ts";
import { csvFolder, CODED_HEADER as HEADER, patientLines, storeEntryAhead } from "../helpers/csv-files.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
const { file } = csvFolder("oneplace-csv-parse-thread");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const PATIENTS = 12;
const patients = (name: string) => file(name, patientLines(PATIENTS));
const entry = (i: number, value: string | number = 60 + (i % 30)) =>
  `e${i},p${Math.floor(i / 5) % PATIENTS},Z90001,2016-05-${String((i % 28) + 1).padStart(2, "0")},observation,http://snomed.info/sct,27113001,${value},kg,2016-06-01T02:00:00Z`;

/** A coded record with something of every kind in it, over several chunks of 7. */
const CODED = [
  HEADER,
  ...Array.from({ length: 5 }, (_, i) => entry(i)),
  entry(3, 99),
  ...Array.from({ length: 15 }, (_, i) => entry(5 + i)),
  "e20,p1,Z90001,2016-13-40,observation,http://snomed.info/sct,27113001,70,kg,2016-06-01T02:00:00Z",
  "e21,p1,Z90001,2016-05-02,observation",
  'e22,p2,Z90001,2016-05-03,observation,http://snomed.info/sct,27113001,71,"k,g\nwith a break",2016-06-01T02:00:00Z',
  "e23,p-unknown,Z90001,2016-05-04,observation,http://snomed.info/sct,27113001,72,kg,2016-06-01T02:00:00Z",
  'e24,p3,Z90001,2016-05-05,observ"ation,http://snomed.info/sct,27113001,73,kg,',
  ...Array.from({ length: 20 }, (_, i) => entry(25 + i)),
  "",
].join("\r\n");

async function stored(source: string) {
  return db.query<Record<string, unknown>>(
    `SELECT source_record_id, practice_code, recorded_on::text, entry_kind,
            code_system, code, value::text, unit, received_at::text, subject_record_id
       FROM gp_entry WHERE source_system = $1 ORDER BY source_record_id`,
    [source],
  );
}

async function rejects(source: string) {
  return (await listRejects(db, { sourceSystem: source }))
    .map((r) => [r.location, r.reason, r.payload, r.status, r.originKey])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

test("a first load parsed on its own thread stores and rejects what the loading thread's does", async () => {
  const coded = file("coded.csv", CODED);
  for (const source of ["gp-thread", "gp-here"]) await loadCsvFile(db, patients(`${source}.csv`), { source });
  const threaded = await loadCsvFile(db, coded, { source: "gp-thread", chunkRows: 7, parseThread: true });
  const here = await loadCsvFile(db, coded, { source: "gp-here", chunkRows: 7, parseThread: false });
  assert.deepEqual(threaded.counts, here.counts);
  assert.deepEqual(
    [
      threaded.counts.recordsRead,
      threaded.counts.loaded,
      threaded.counts.duplicates,
      threaded.counts.rejected,
    ],
    [46, 41, 1, 4],
    "41 rows stored (e3 once, as its last line in the chunk has it), 4 refused",
  );
  assert.deepEqual(await stored("gp-thread"), await stored("gp-here"));
  const rows = await stored("gp-thread");
  assert.equal(rows.find((r) => r.source_record_id === "e3")?.value, "99", "the last line with a key wins");
  assert.equal(rows.find((r) => r.source_record_id === "e22")?.unit, "k,g\nwith a break");
  const [{ id }] = await db.query<{ id: string }>(
    "SELECT entry_id::text AS id FROM gp_entry WHERE source_system = 'gp-thread' AND source_record_id = 'e7'",
  );
  assert.equal(id, rowId("gp_entry", "gp-thread", "e7"));
  const kept = await rejects("gp-thread");
  assert.equal(kept.length, 4);
  assert.equal(
    kept[2][4],
    "gp-coded-record:e23",
    "a row refused after its check is kept under its record id",
  );
  assert.deepEqual(
    kept.map((r) => r[0]),
    ["coded.csv:23:recorded_on", "coded.csv:24", "coded.csv:27:patient_id", "coded.csv:28"],
  );
  assert.deepEqual(
    kept.map((r) => [r[0], String(r[1]).replaceAll("gp-thread", "SOURCE"), r[2], r[3], r[4]]),
    (await rejects("gp-here")).map((r) => [
      r[0],
      String(r[1]).replaceAll("gp-here", "SOURCE"),
      r[2],
      r[3],
      r[4],
    ]),
  );

  const again = await loadCsvFile(db, coded, { source: "gp-thread", chunkRows: 7, parseThread: true });
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, 42], "loading twice changes nothing");
  assert.deepEqual(await stored("gp-thread"), await stored("gp-here"));
});

test("a key stored before a first load parsed on its own thread: the chunk is written again, one row per key", async () => {
  await loadCsvFile(db, patients("patients-d.csv"), { source: "gp-thread-d" });
  await storeEntryAhead(db, {
    source: "gp-thread-d",
    entryId: "e3",
    subject: "p0",
    recordedOn: "2016-05-04",
    code: "27113001",
    value: 999,
    unit: "kg",
  });
  const load = await loadCsvFile(
    db,
    file("first-of-d.csv", [HEADER, ...Array.from({ length: 20 }, (_, i) => entry(i)), ""].join("\n")),
    { source: "gp-thread-d", chunkRows: 8, parseThread: true },
  );
  assert.deepEqual([load.counts.loaded, load.counts.duplicates, load.counts.rejected], [20, 0, 0]);
  const rows = await stored("gp-thread-d");
  assert.equal(rows.length, 20);
  assert.equal(rows.find((r) => r.source_record_id === "e3")?.value, String(60 + 3), "as the file has it");
});

test("a file of many pieces' text: the parsing thread's chunks are cut where the loading thread's are, each problem kept once", async () => {
  const broken = new Set([3, 499, 500, 501, 502, 650, 1001, 1290]);
  const lines = Array.from({ length: 1300 }, (_, i) =>
    broken.has(i)
      ? `e${i},p1,Z90001,2016-05-05,observ"ation,http://snomed.info/sct,27113001,73,kg,`
      : entry(i),
  );
  const big = file("big.csv", [HEADER, ...lines, ""].join("\n"));
  for (const source of ["gp-big-thread", "gp-big-here"])
    await loadCsvFile(db, patients(`${source}.csv`), { source });
  const threaded = await loadCsvFile(db, big, { source: "gp-big-thread", chunkRows: 500, parseThread: true });
  const here = await loadCsvFile(db, big, { source: "gp-big-here", chunkRows: 500, parseThread: false });
  assert.deepEqual(threaded.counts, here.counts);
  assert.deepEqual([threaded.counts.recordsRead, threaded.counts.rejected], [1300, broken.size]);
  assert.deepEqual(
    (await rejects("gp-big-thread")).map((r) => r[0]),
    (await rejects("gp-big-here")).map((r) => r[0]),
  );
});
