// CSV rejects replayed together (a file at a time, through the load's own chunk writer) and activity rows
// written through one staging COPY: what a replay accepts is resolved in the replayer's name, what is refused
// again stays open with one more attempt, and neither a second replay nor a second load changes anything.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { openRejectIds, replayRejects } from "../../src/ingest/replay.ts";
import type { Db } from "../../src/store/index.ts";
import { CODED_HEADER, csvFolder, PATIENT_HEADER } from "../helpers/csv-files.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
const { file } = csvFolder("oneplace-csv-replay");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const entry = (id: string, patient: string, value = "") =>
  `${id},${patient},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,${value},${value ? "mm[Hg]" : ""},2014-04-01T02:00:00Z`;

async function state() {
  const rows = await db.query<{ source_record_id: string; value: string | null; person: boolean }>(
    `SELECT e.source_record_id, e.value::text AS value, l.person_id = e.person_id AS person
     FROM gp_entry e
     JOIN mpi_record_link l ON l.source_system = e.source_system AND l.source_record_id = e.subject_record_id
     ORDER BY 1`,
  );
  const rejects = (await listRejects(db, { sourceSystem: "gp", status: "all" })).map((r) => [
    r.location,
    r.status,
    r.attempts,
    r.resolvedBy,
  ]);
  return { rows, rejects };
}

test("rows about patients not yet known are rejected each on its own; replayed together once they arrive", async () => {
  const coded = file(
    "coded.csv",
    [
      CODED_HEADER,
      entry("e1", "p1", "140"),
      entry("e2", "p2", "150"),
      entry("e3", "p3"),
      "e4,p1,Z90001,2014-13-40,observation,http://snomed.info/sct,38341003,,,",
      entry("e5", "p1", "120"),
      entry("e5", "p1", "125"),
    ].join("\n"),
  );
  const first = await loadCsvFile(db, coded);
  assert.deepEqual([first.counts.loaded, first.counts.rejected], [0, 5]);
  // The repeated e5 is one reject: the row written last (the file's later line) is kept.
  const before = await state();
  assert.deepEqual(before.rows, []);
  assert.equal(before.rejects.length, 5);
  assert.ok(before.rejects.every((r) => r[1] === "open"));

  await loadCsvFile(
    db,
    file(
      "patients.csv",
      `${PATIENT_HEADER}\np1,9434765919,Reid,Ann,1944-04-07,female,RM17 6VA,A,\np2,9876543210,Smith,John,1950-05-06,male,,,\n`,
    ),
  );
  const ids = await openRejectIds(db, "gp");
  const results = await replayRejects(db, ids, "tester");
  const byLocation = new Map(
    (await listRejects(db, { sourceSystem: "gp", status: "all" })).map((r) => [r.location, r]),
  );
  const accepted = results.filter((r) => r.accepted).map((r) => r.rejectId);
  assert.deepEqual(
    [...byLocation.values()]
      .filter((r) => accepted.includes(r.rejectId))
      .map((r) => r.location)
      .sort(),
    ["coded.csv:2:patient_id", "coded.csv:3:patient_id", "coded.csv:7:patient_id"],
  );
  const after = await state();
  assert.deepEqual(after.rows, [
    { source_record_id: "e1", value: "140", person: true },
    { source_record_id: "e2", value: "150", person: true },
    { source_record_id: "e5", value: "125", person: true },
  ]);
  const p3 = byLocation.get("coded.csv:4:patient_id");
  assert.equal(p3?.status, "open");
  assert.equal(p3?.attempts, 2, "refused again: one more attempt");
  assert.match(
    results.find((r) => r.rejectId === p3?.rejectId)?.reason ?? "",
    /no record with this id has been received from gp yet/,
  );
  const e4 = byLocation.get("coded.csv:5:recorded_on");
  assert.equal(e4?.status, "open");
  assert.match(e4?.reason ?? "", /coded\.csv:5:recorded_on/);
  for (const location of ["coded.csv:2:patient_id", "coded.csv:7:patient_id"]) {
    assert.equal(byLocation.get(location)?.status, "replayed");
    assert.equal(byLocation.get(location)?.resolvedBy, "tester");
  }

  // Replayed again, and the file loaded again: nothing changes.
  await replayRejects(db, await openRejectIds(db, "gp"), "tester");
  const reload = await loadCsvFile(db, coded);
  assert.deepEqual([reload.counts.loaded, reload.counts.duplicates], [0, 4]);
  const end = await state();
  assert.deepEqual(end.rows, after.rows);
  assert.deepEqual(
    end.rejects.filter((r) => r[1] === "replayed"),
    after.rejects.filter((r) => r[1] === "replayed"),
  );
});

test("a changed row updates what is stored; the same row again leaves it alone", async () => {
  const coded = file("coded-2.csv", [CODED_HEADER, entry("e1", "p1", "141")].join("\n"));
  const changed = await loadCsvFile(db, coded);
  assert.deepEqual([changed.counts.loaded, changed.counts.duplicates], [1, 0]);
  const again = await loadCsvFile(db, coded);
  assert.deepEqual([again.counts.loaded, again.counts.duplicates], [0, 1]);
  const [row] = await db.query<{ value: string; n: number }>(
    "SELECT value::text AS value, (SELECT count(*)::int FROM gp_entry WHERE source_record_id = 'e1') AS n FROM gp_entry WHERE source_record_id = 'e1'",
  );
  assert.deepEqual(row, { value: "141", n: 1 });
});
