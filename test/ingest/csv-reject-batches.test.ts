// Batches of CSV rejects (src/ingest/reject-batches.ts): a load's chunk keeps the rows it refused as one batch too,
// and a replay of a source's open rejects reads and marks each whole batch, not each reject. What every reader
// sees of those rejects (status, who replayed them and when, whether the source has any open) is as if each had
// been replayed on its own; a reject changed on its own (dismissed, replayed alone, refused again) leaves the
// batch's path, and nothing is replayed twice or lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { feedHealth } from "../../src/ingest/health.ts";
import { countRejects, getReject, hasOpenRejects, listRejects } from "../../src/ingest/rejects.ts";
import {
  dismissReject,
  openRejectIds,
  openRejects,
  replayOpenRejects,
  replayReject,
  replayRejects,
} from "../../src/ingest/replay.ts";
import { type Db, isCitus } from "../../src/store/index.ts";
import { CODED_HEADER, csvFolder, patientLines } from "../helpers/csv-files.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;
const { file } = csvFolder("oneplace-csv-reject-batches");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const PATIENTS = 12;
const ENTRIES = 300;
/** Rows a load's chunk: 300 rows are three chunks, so three batches. */
const CHUNK = 100;

const codedLine = (
  i: number,
  patient = `p${i % PATIENTS}`,
  date = `2014-01-${String((i % 28) + 1).padStart(2, "0")}`,
) =>
  `e${i},${patient},Z90001,${date},observation,http://snomed.info/sct,38341003,${120 + (i % 40)},mm[Hg],2014-04-01T02:00:00Z`;
const coded = file("coded.csv", [CODED_HEADER, ...Array.from({ length: ENTRIES }, (_, i) => codedLine(i))]);
const patients = file("patients.csv", patientLines(PATIENTS));
/** The patients but the last: the rows about p11 are still refused after it. */
const patientsButOne = file("patients-but-one.csv", patientLines(PATIENTS).slice(0, PATIENTS));

/** The batches of a source: how many rejects each keeps, whether whole, and whether replayed. */
async function batchesOf(source: string) {
  return db.query<{ n: number; whole: boolean; replayed: boolean }>(
    `SELECT cardinality(member_ids) AS n, whole, replayed_at IS NOT NULL AS replayed
     FROM ingest_reject_batch WHERE source_system = $1 ORDER BY received_at, (lines)[1]`,
    [source],
  );
}

/** How many of a source's rejects are in each status, as every reader sees them. */
async function statusesOf(source: string) {
  const rows = await db.query<{ status: string; by: string | null; n: number }>(
    `SELECT status, resolved_by AS by, count(*)::int AS n FROM ingest_reject_state WHERE source_system = $1
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [source],
  );
  return rows.map((r) => `${r.n} ${r.status}${r.by ? ` by ${r.by}` : ""}`);
}

async function rowsIn(source: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM gp_entry WHERE source_system = $1",
    [source],
  );
  return row.n;
}

/** Every open reject of a source replayed, as `rejects replay --all --source` replays them. */
const replayAllOf = async (source: string) => replayOpenRejects(db, await openRejects(db, source), "tester");

test("a replay of a source's open rejects reads each chunk's batch: all replayed, by whom, as every reader sees it", async () => {
  const rejected = await loadCsvFile(db, coded, { source: "gp-late", chunkRows: CHUNK });
  assert.equal(rejected.counts.rejected, ENTRIES);
  assert.deepEqual(await batchesOf("gp-late"), [
    { n: CHUNK, whole: true, replayed: false },
    { n: CHUNK, whole: true, replayed: false },
    { n: CHUNK, whole: true, replayed: false },
  ]);
  await loadCsvFile(db, patients, { source: "gp-late" });

  const ids = await openRejectIds(db, "gp-late");
  const open = await openRejects(db, "gp-late");
  assert.deepEqual([open.batches.length, open.ids.length, open.count], [3, 0, ENTRIES]);
  assert.deepEqual(await replayAllOf("gp-late"), { offered: ENTRIES, accepted: ENTRIES, notAccepted: [] });
  assert.equal(await rowsIn("gp-late"), ENTRIES);
  assert.deepEqual(await batchesOf("gp-late"), [
    { n: CHUNK, whole: true, replayed: true },
    { n: CHUNK, whole: true, replayed: true },
    { n: CHUNK, whole: true, replayed: true },
  ]);
  // Each reject was left as it was recorded: its batch says it was replayed.
  const [own] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM ingest_reject WHERE source_system = 'gp-late' AND status = 'open' AND batch_id IS NOT NULL",
  );
  assert.equal(own.n, ENTRIES);
  assert.deepEqual(await statusesOf("gp-late"), [`${ENTRIES} replayed by tester`]);
  assert.equal(await countRejects(db, { sourceSystem: "gp-late" }), 0);
  assert.equal((await listRejects(db, { sourceSystem: "gp-late", status: "replayed", limit: 1 })).length, 1);
  const one = await getReject(db, ids[0]);
  assert.equal(one?.status, "replayed");
  assert.equal(one?.resolvedBy, "tester");
  assert.ok(one?.resolvedAt);
  const health = (await feedHealth(db)).find((h) => h.sourceSystem === "gp-late");
  assert.equal(health?.openRejects, 0);
  assert.equal(
    await hasOpenRejects(db, "gp-late", "csv"),
    false,
    "no open reject left: the source is forgotten",
  );
  assert.equal((await openRejects(db, "gp-late")).count, 0);

  // Asked again, nothing is written twice and no one else is named.
  const again = await replayRejects(db, ids.slice(0, 20), "someone else");
  assert.ok(again.every((r) => r.accepted && r.reason === "already replayed"));
  assert.equal(await rowsIn("gp-late"), ENTRIES);
  assert.deepEqual(await statusesOf("gp-late"), [`${ENTRIES} replayed by tester`]);
  // Dismissing one replayed with its batch is refused: it is not open.
  assert.equal(await dismissReject(db, ids[0], "tester", "too late"), false);
});

test("a row its batch's replay refuses again reopens on its own with the new reason; the source stays marked", async () => {
  await loadCsvFile(db, coded, { source: "gp-part", chunkRows: CHUNK });
  await loadCsvFile(db, patientsButOne, { source: "gp-part" });
  const aboutP11 = ENTRIES / PATIENTS;

  const done = await replayAllOf("gp-part");
  assert.deepEqual([done.offered, done.accepted], [ENTRIES, ENTRIES - aboutP11]);
  const refused = done.notAccepted;
  assert.equal(refused.length, aboutP11);
  // Each names its own line, and why (never the value).
  assert.ok(
    refused.every((r) =>
      /^coded\.csv:\d+:patient_id: .*no record with this id has been received/.test(r.reason ?? ""),
    ),
    refused[0]?.reason ?? "",
  );
  assert.equal(new Set(refused.map((r) => r.reason)).size, aboutP11);
  assert.deepEqual(await statusesOf("gp-part"), [
    `${aboutP11} open`,
    `${ENTRIES - aboutP11} replayed by tester`,
  ]);
  const left = await getReject(db, refused[0].rejectId);
  assert.equal(left?.attempts, 2);
  assert.equal(left?.batchId, null, "out of its batch");
  assert.equal(await hasOpenRejects(db, "gp-part", "csv"), true);

  // Its patient arrives: the rest replays on its own, and the source is forgotten.
  await loadCsvFile(db, patients, { source: "gp-part" });
  const open = await openRejects(db, "gp-part");
  assert.deepEqual([open.batches.length, open.ids.length], [0, aboutP11], "out of their batches: by id");
  assert.deepEqual(await replayOpenRejects(db, open, "tester"), {
    offered: aboutP11,
    accepted: aboutP11,
    notAccepted: [],
  });
  assert.equal(await rowsIn("gp-part"), ENTRIES);
  assert.deepEqual(await statusesOf("gp-part"), [`${ENTRIES} replayed by tester`]);
  assert.equal(await hasOpenRejects(db, "gp-part", "csv"), false);
});

test("a reject dismissed or replayed alone takes its batch off the batch's path; the others replay one by one", async () => {
  await loadCsvFile(db, coded, { source: "gp-mixed", chunkRows: CHUNK });
  await loadCsvFile(db, patients, { source: "gp-mixed" });
  const ids = await openRejectIds(db, "gp-mixed");
  // Rows are recorded a chunk at a time, so the first hundred asked are one batch; the next, another.
  assert.equal(await dismissReject(db, ids[0], "tester", "sent again by hand"), true);
  assert.equal((await replayReject(db, ids[CHUNK], "tester")).accepted, true);
  assert.deepEqual(
    (await batchesOf("gp-mixed")).map((b) => b.whole),
    [false, false, true],
  );

  const open = await openRejects(db, "gp-mixed");
  assert.deepEqual([open.batches.length, open.ids.length], [1, 2 * (CHUNK - 1)]);
  assert.deepEqual(await replayOpenRejects(db, open, "tester"), {
    offered: ENTRIES - 2,
    accepted: ENTRIES - 2,
    notAccepted: [],
  });
  assert.equal(await rowsIn("gp-mixed"), ENTRIES - 1, "every row but the one dismissed");
  assert.deepEqual(await statusesOf("gp-mixed"), [
    "1 dismissed by tester",
    `${ENTRIES - 1} replayed by tester`,
  ]);
  assert.deepEqual(
    (await batchesOf("gp-mixed")).map((b) => b.replayed),
    [false, false, true],
  );
  assert.equal(await hasOpenRejects(db, "gp-mixed", "csv"), false);
});

test("a replay of rejects by id replays them one by one, their batch no longer whole; the rest then replays", async () => {
  await loadCsvFile(db, coded, { source: "gp-half", chunkRows: ENTRIES });
  await loadCsvFile(db, patients, { source: "gp-half" });
  const ids = await openRejectIds(db, "gp-half");
  const first = await replayRejects(db, ids.slice(0, 100), "tester");
  assert.ok(first.every((r) => r.accepted));
  assert.deepEqual(await batchesOf("gp-half"), [{ n: ENTRIES, whole: false, replayed: false }]);
  assert.deepEqual(await statusesOf("gp-half"), [`${ENTRIES - 100} open`, "100 replayed by tester"]);
  assert.equal(await rowsIn("gp-half"), 100);
  assert.deepEqual(await replayAllOf("gp-half"), {
    offered: ENTRIES - 100,
    accepted: ENTRIES - 100,
    notAccepted: [],
  });
  assert.equal(await rowsIn("gp-half"), ENTRIES);
  assert.equal(await hasOpenRejects(db, "gp-half", "csv"), false);
});

test("the same file refused twice is one reject a row, as it was, in one whole batch; a changed row reopens", async () => {
  await loadCsvFile(db, coded, { source: "gp-twice", chunkRows: ENTRIES });
  const before = await listRejects(db, { sourceSystem: "gp-twice", limit: ENTRIES });
  const again = await loadCsvFile(db, coded, { source: "gp-twice", chunkRows: ENTRIES });
  assert.equal(again.counts.rejected, ENTRIES);
  const after = await listRejects(db, { sourceSystem: "gp-twice", limit: ENTRIES });
  const seen = (rows: typeof before) =>
    rows.map((r) => [r.rejectId, r.originKey, r.reason, r.attempts, r.receivedAt, r.status].join(" ")).sort();
  assert.deepEqual(seen(after), seen(before), "every reject as it was");
  assert.deepEqual(await batchesOf("gp-twice"), [{ n: ENTRIES, whole: true, replayed: false }]);

  await loadCsvFile(db, patients, { source: "gp-twice" });
  assert.equal((await replayAllOf("gp-twice")).accepted, ENTRIES);
  assert.equal(await rowsIn("gp-twice"), ENTRIES);

  // A row of a replayed batch refused again by a later file (its date now impossible) is open again, once more.
  const changed = file("coded-changed.csv", [CODED_HEADER, codedLine(7, "p7", "2014-02-30")]);
  assert.equal((await loadCsvFile(db, changed, { source: "gp-twice" })).counts.rejected, 1);
  const [open] = await listRejects(db, { sourceSystem: "gp-twice" });
  assert.equal(open.originKey, "gp-coded-record:e7");
  assert.equal(open.attempts, 2);
  assert.match(open.reason, /coded-changed\.csv:2/);
  assert.deepEqual(await statusesOf("gp-twice"), ["1 open", `${ENTRIES - 1} replayed by tester`]);
});

test("a batch of thousands replayed whole: what its check or its write refuses reopens, and its load counts each row once", async () => {
  const BIG = 6000;
  const bad = 4321; // a row about p1 whose date is impossible: refused by its check, again
  const rows = Array.from({ length: BIG }, (_, i) =>
    i === bad ? codedLine(i, "p1", "2014-02-30") : codedLine(i),
  );
  const big = file("coded-big.csv", [CODED_HEADER, ...rows]);
  assert.equal((await loadCsvFile(db, big, { source: "gp-big", chunkRows: BIG })).counts.rejected, BIG);
  assert.deepEqual(await batchesOf("gp-big"), [{ n: BIG, whole: true, replayed: false }]);
  await loadCsvFile(db, patientsButOne, { source: "gp-big" });
  const aboutP11 = BIG / PATIENTS;
  const refused = aboutP11 + 1;

  const done = await replayAllOf("gp-big");
  assert.deepEqual([done.offered, done.accepted, done.notAccepted.length], [BIG, BIG - refused, refused]);
  const byCheck = done.notAccepted.filter((r) =>
    r.reason?.startsWith(`coded-big.csv:${bad + 2}:recorded_on`),
  );
  assert.equal(byCheck.length, 1, "the row its check refuses, on its own line");
  assert.equal(await rowsIn("gp-big"), BIG - refused);
  assert.deepEqual(await statusesOf("gp-big"), [`${refused} open`, `${BIG - refused} replayed by tester`]);
  const reopened = await listRejects(db, { sourceSystem: "gp-big", status: "open", limit: BIG });
  assert.ok(reopened.every((r) => r.attempts === 2));
  // The replay is a load of its own that counted every row once.
  const [load] = await db.query<{ read: number; loaded: number; rejected: number }>(
    `SELECT records_read AS read, loaded, rejected FROM ingest_load
     WHERE source_system = 'gp-big' AND layout = 'gp-coded-record' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.deepEqual({ ...load }, { read: BIG, loaded: BIG - refused, rejected: refused });
});

/** A coded-record file without extracted_at: its rows are received when they are loaded. */
const undated = file("coded-undated.csv", [
  CODED_HEADER.replace(",extracted_at", ""),
  ...Array.from({ length: ENTRIES }, (_, i) =>
    (i === 7 ? codedLine(i, "p7", "2014-13-01") : codedLine(i)).replace(/,[^,]*$/, ""),
  ),
]);

/** A source's batches: how many, and how many keep their rows encoded. */
async function encodedBatchesOf(source: string) {
  const [row] = await db.query<{ batches: number; encoded: number }>(
    `SELECT count(*)::int AS batches, count(*) FILTER (WHERE encoded_as IS NOT NULL AND encoded IS NOT NULL)::int AS encoded
     FROM ingest_reject_batch WHERE source_system = $1`,
    [source],
  );
  return { ...row };
}

/** A source's entries as stored, less what names the source (row id, source, subject) or when it arrived. */
async function entriesOf(source: string) {
  const rows = await db.query<{ entry: string }>(
    `SELECT (to_jsonb(g) - 'entry_id' - 'source_system' - 'received_at')::text AS entry
     FROM gp_entry g WHERE source_system = $1 ORDER BY source_record_id`,
    [source],
  );
  return rows.map((r) => r.entry);
}

/** Whether batches keep their rows encoded: on a server that is not Citus (CsvSession's keepEncoded). */
const keepsEncoded = () => db.engine === "postgres" && !isCitus(db);

test("on a server a batch keeps the rows its load refused as encoded; replayed from them, it writes what rows checked again write", async () => {
  for (const source of ["gp-kept", "gp-checked"]) {
    const loaded = await loadCsvFile(db, undated, { source, chunkRows: CHUNK });
    assert.equal(loaded.counts.rejected, ENTRIES);
  }
  // On a server every batch keeps its rows encoded but the one row its check refused, kept as text alone.
  assert.deepEqual(await encodedBatchesOf("gp-kept"), { batches: 3, encoded: keepsEncoded() ? 3 : 0 });
  const [notEncoded] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ingest_reject_batch b, generate_subscripts(b.member_ids, 1) i
     WHERE b.source_system = 'gp-kept' AND b.encoded_ends[i] = coalesce(b.encoded_ends[i - 1], 0)`,
  );
  assert.equal(notEncoded.n, keepsEncoded() ? 1 : 0);
  // The other source's batches say they were encoded otherwise (as before an upgrade): checked again from text.
  await db.query(
    "UPDATE ingest_reject_batch SET encoded_as = 'an older encoding' WHERE source_system = 'gp-checked'",
  );
  for (const source of ["gp-kept", "gp-checked"]) await loadCsvFile(db, patients, { source });

  const before = Date.now();
  for (const source of ["gp-kept", "gp-checked"]) {
    const done = await replayAllOf(source);
    assert.deepEqual([done.offered, done.accepted], [ENTRIES, ENTRIES - 1], source);
    assert.match(done.notAccepted[0]?.reason ?? "", /^coded-undated\.csv:9:recorded_on/);
  }
  // Replayed, a batch keeps no encoded copy of its rows.
  assert.deepEqual(await encodedBatchesOf("gp-kept"), { batches: 3, encoded: 0 });
  const kept = await entriesOf("gp-kept");
  assert.equal(kept.length, ENTRIES - 1);
  assert.deepEqual(
    kept.map((e) => e.replace(/"gp-kept"/g, '"the source"')),
    (await entriesOf("gp-checked")).map((e) => e.replace(/"gp-checked"/g, '"the source"')),
  );
  // Rows that named no time of extraction are received when the replay writes them, either way.
  const [early] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM gp_entry WHERE source_system IN ('gp-kept', 'gp-checked')
       AND received_at < to_timestamp($1::double precision / 1000)`,
    [before],
  );
  assert.equal(early.n, 0);
});

test("a replay writes a batch from the bytes its load kept while they are encoded as now, else from its text", async () => {
  for (const source of ["gp-bytes", "gp-text"]) {
    await loadCsvFile(db, coded, { source, chunkRows: CHUNK });
    // The text a batch keeps, changed after its load (the same length, so each row still ends where it did).
    await db.query(
      "UPDATE ingest_reject_batch SET rows_text = replace(rows_text, 'mm[Hg]', 'mm[HG]') WHERE source_system = $1",
      [source],
    );
    await loadCsvFile(db, patients, { source });
  }
  await db.query(
    "UPDATE ingest_reject_batch SET encoded_as = 'an older encoding' WHERE source_system = 'gp-text'",
  );
  for (const source of ["gp-bytes", "gp-text"])
    assert.equal((await replayAllOf(source)).accepted, ENTRIES, source);
  const units = await db.query<{ source: string; unit: string; n: number }>(
    `SELECT source_system AS source, unit, count(*)::int AS n FROM gp_entry
     WHERE source_system IN ('gp-bytes', 'gp-text') GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  // Where batches keep no bytes (the embedded engine, Citus), each is checked again from its text.
  const fromBytes = keepsEncoded() ? "mm[Hg]" : "mm[HG]";
  assert.deepEqual(
    units.map((u) => ({ ...u })),
    [
      { source: "gp-bytes", unit: fromBytes, n: ENTRIES },
      { source: "gp-text", unit: "mm[HG]", n: ENTRIES },
    ],
  );
});
