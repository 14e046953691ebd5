// What a CSV replay writes and what it costs the rejects it resolves: the rows a replay writes are the rows a first
// load of the same file writes; marking the rejects resolved is a HOT update (no index of ingest_reject gets a
// new entry); and "has this source an open reject?" stays right as rejects open, are replayed, dismissed and
// resent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { CsvReplay, lineOf } from "../../src/ingest/csv/replay.ts";
import {
  type CsvClaimedFile,
  claimCsvRejects,
  hasOpenRejects,
  listRejects,
  recordRejects,
} from "../../src/ingest/rejects.ts";
import { dismissReject, openRejectIds, replayRejects } from "../../src/ingest/replay.ts";
import type { Db } from "../../src/store/index.ts";
import { CODED_HEADER, csvFolder, PATIENT_HEADER, patientLines } from "../helpers/csv-files.ts";
import { testNhsNumber } from "../helpers/nhs-numbers.ts";
import { useTestDb } from "../helpers/test-db.ts";

let db: Db;

/** The ids of the rejects claimed, sorted. */
const idsOf = (files: CsvClaimedFile[]) => files.flatMap((f) => f.rejects.map((r) => r.rejectId)).sort();
const { file } = csvFolder("oneplace-csv-replay-writes");

useTestDb({
  setup(opened) {
    db = opened;
  },
});

const PATIENTS = 40;
const ENTRIES = 2000;

const patients = file("patients.csv", patientLines(PATIENTS));

const coded = file("coded.csv", [
  CODED_HEADER,
  ...Array.from(
    { length: ENTRIES },
    (_, i) =>
      `e${i},p${i % PATIENTS},Z90001,2014-01-${String((i % 28) + 1).padStart(2, "0")},observation,http://snomed.info/sct,38341003,${120 + (i % 40)},mm[Hg],2014-04-01T02:00:00Z`,
  ),
]);

/** What a source's rows hold, the source aside (the same people, so the same person ids). */
async function rowsOf(source: string) {
  return db.query(
    `SELECT source_record_id, person_id::text, subject_record_id, practice_code, recorded_on::text,
            entry_kind, code_system, code, value::text, unit, received_at::text
     FROM gp_entry WHERE source_system = $1 ORDER BY source_record_id`,
    [source],
  );
}

/** Bytes in each index of ingest_reject. */
async function rejectIndexBytes(): Promise<Record<string, number>> {
  const rows = await db.query<{ name: string; bytes: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid)::text AS bytes
     FROM pg_index WHERE indrelid = 'ingest_reject'::regclass ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
}

test("a replay writes the rows a first load writes, and marks its rejects resolved without a new index entry", async () => {
  // A first load, its patients known.
  await loadCsvFile(db, patients, { source: "gp" });
  const first = await loadCsvFile(db, coded, { source: "gp" });
  assert.equal(first.counts.loaded, ENTRIES);

  // The same file from a source whose patients are not known yet: every row rejected.
  const rejected = await loadCsvFile(db, coded, { source: "gp-later" });
  assert.equal(rejected.counts.rejected, ENTRIES);
  assert.equal(await hasOpenRejects(db, "gp-later", "csv"), true);
  assert.equal(await hasOpenRejects(db, "gp", "csv"), false);

  await loadCsvFile(db, patients, { source: "gp-later" });
  const indexes = await rejectIndexBytes();
  const ids = await openRejectIds(db, "gp-later");
  assert.equal(ids.length, ENTRIES);
  const results = await replayRejects(db, ids, "tester");
  assert.equal(results.filter((r) => r.accepted).length, ENTRIES);

  assert.deepEqual(await rowsOf("gp-later"), await rowsOf("gp"), "the replay wrote what a first load wrote");
  assert.deepEqual(
    await rejectIndexBytes(),
    indexes,
    "resolving the rejects left every index of ingest_reject as it was (HOT updates)",
  );
  assert.equal(
    await hasOpenRejects(db, "gp-later", "csv"),
    false,
    "no open reject left: the source is forgotten",
  );

  // Twice changes nothing.
  const again = await replayRejects(db, ids.slice(0, 50), "someone else");
  assert.ok(again.every((r) => r.accepted && r.reason === "already replayed"));
  const resolvedBy = await db.query<{ by: string; n: number }>(
    "SELECT resolved_by AS by, count(*)::int AS n FROM ingest_reject_state WHERE source_system = 'gp-later' GROUP BY 1",
  );
  assert.deepEqual(resolvedBy, [{ by: "tester", n: ENTRIES }]);
});

test("a replay of a file's rejects in many chunks at once is one load of that file, finished", async () => {
  await loadCsvFile(db, patients, { source: "gp" });
  await loadCsvFile(db, coded, { source: "gp" });
  assert.equal((await loadCsvFile(db, coded, { source: "gp-chunks" })).counts.rejected, ENTRIES);
  await loadCsvFile(db, patients, { source: "gp-chunks" });
  // Eight chunks, two at a time on a server: both of the first two used to make the file's session, each starting
  // a load of its own, and only the one made last was finished (the other was left running for ever). Each load's
  // start is slowed here so that the second chunk asks while the first is still making it, as on a busy server.
  const slowLoadStarts = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "query") return typeof value === "function" ? value.bind(target) : value;
      return async (sql: string, params?: readonly unknown[]) => {
        if (sql.trimStart().startsWith("INSERT INTO ingest_load")) await delay(150);
        return target.query(sql, params);
      };
    },
  });
  const replay = new CsvReplay(slowLoadStarts, "tester", ENTRIES / 8);
  await replay.replay([], await openRejectIds(db, "gp-chunks"));
  const outcome = await replay.finish();
  assert.equal(outcome.accepted, ENTRIES);
  assert.deepEqual(await rowsOf("gp-chunks"), await rowsOf("gp"), "the replay wrote what a first load wrote");
  const loads = await db.query<{ status: string; read: number; loaded: number }>(
    `SELECT status, records_read AS read, loaded FROM ingest_load
     WHERE source_system = 'gp-chunks' AND layout = 'gp-coded-record' ORDER BY started_at`,
  );
  assert.deepEqual(loads, [
    { status: "succeeded", read: ENTRIES, loaded: 0 },
    { status: "succeeded", read: ENTRIES, loaded: ENTRIES },
  ]);
});

test("a source is marked as having open rejects while it has any: recorded, replayed, dismissed, resent", async () => {
  const row = (id: string, patient: string) =>
    `${id},${patient},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;
  // Two rows about a patient nobody has sent, one with a date that is no date.
  await loadCsvFile(
    db,
    file("late.csv", [
      CODED_HEADER,
      row("x1", "nobody"),
      row("x2", "nobody"),
      "x3,p1,Z90001,2014-13-01,observation,http://snomed.info/sct,38341003,,,",
    ]),
    { source: "gp-late" },
  );
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), true);

  // A replay that fails again keeps the source marked, each reject open with its reason.
  const ids = await openRejectIds(db, "gp-late");
  const results = await replayRejects(db, ids, "tester");
  assert.ok(results.every((r) => !r.accepted));
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), true);
  const open = await listRejects(db, { sourceSystem: "gp-late" });
  assert.deepEqual(open.map((r) => [r.location, r.attempts]).sort(), [
    ["late.csv:2:patient_id", 2],
    ["late.csv:3:patient_id", 2],
    ["late.csv:4:recorded_on", 2],
  ]);

  // Dismissing one leaves two open: still marked.
  const bad = open.find((r) => r.location === "late.csv:4:recorded_on");
  assert.ok(bad && (await dismissReject(db, bad.rejectId, "tester", "sent again corrected")));
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), true);

  // The rows resent once their patient is known (a load, not a replay) resolve the last two: forgotten.
  await loadCsvFile(db, patients, { source: "gp-late" });
  await loadCsvFile(db, file("resent.csv", [CODED_HEADER, row("x1", "p1"), row("x2", "p2")]), {
    source: "gp-late",
  });
  assert.equal((await listRejects(db, { sourceSystem: "gp-late" })).length, 0);
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), false);

  // A new reject marks it again, and a resend then resolves it (the mark is what lets a load look).
  await loadCsvFile(db, file("later.csv", [CODED_HEADER, row("x4", "nobody")]), { source: "gp-late" });
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), true);
  await loadCsvFile(db, file("later-resent.csv", [CODED_HEADER, row("x4", "p3")]), { source: "gp-late" });
  assert.equal((await listRejects(db, { sourceSystem: "gp-late" })).length, 0);
  assert.equal(await hasOpenRejects(db, "gp-late", "csv"), false);
});

test("claimCsvRejects marks replayed and reads the open CSV rejects given, once, by file; undone with its transaction", async () => {
  const rows = Array.from(
    { length: 5 },
    (_, i) =>
      `m${i},nobody${i},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,1,mm[Hg],2014-04-01T02:00:00Z`,
  );
  await loadCsvFile(db, file("marks.csv", [CODED_HEADER, ...rows]), { source: "gp-marks" });
  const ids = await openRejectIds(db, "gp-marks");
  assert.equal(ids.length, 5);
  const claimedIn = async (some: string[]) =>
    idsOf(await db.transaction((tx) => claimCsvRejects(tx, some, "tester")));

  assert.deepEqual(await claimedIn([ids[1], ids[0]]), [ids[0], ids[1]].sort(), "both open: both");
  assert.deepEqual(
    await claimedIn([ids[1], ids[2], ids[3]]),
    [ids[2], ids[3]].sort(),
    "one already replayed: only the two that were open",
  );
  assert.deepEqual(await claimedIn([ids[0], ids[1]]), [], "none open: none");
  // A claim whose transaction fails leaves its rejects open: a replay's rows and their rejects' marks go together.
  await assert.rejects(
    db.transaction(async (tx) => {
      assert.deepEqual(idsOf(await claimCsvRejects(tx, [ids[4]], "tester")), [ids[4]]);
      throw new Error("the chunk's write failed");
    }),
    /the chunk's write failed/,
  );
  assert.deepEqual(await openRejectIds(db, "gp-marks"), [ids[4]]);
  assert.deepEqual(await claimedIn([ids[4], ids[4]]), [ids[4]], "an id given twice is claimed once");
  const marks = await db.query<{ status: string; by: string; n: number }>(
    `SELECT status, resolved_by AS by, count(*)::int AS n FROM ingest_reject_state WHERE source_system = 'gp-marks'
     GROUP BY 1, 2`,
  );
  assert.deepEqual(marks, [{ status: "replayed", by: "tester", n: 5 }]);
});

test("a replayed row the database refuses leaves its reject open naming why and its own line; the rest of its chunk is replayed", async () => {
  const row = (id: string, patient: string) =>
    `${id},${patient},Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;
  await loadCsvFile(
    db,
    file("refused.csv", [CODED_HEADER, row("y1", "p1"), row("y2", "p2"), row("y3", "p1")]),
    { source: "gp-refused" },
  );
  await loadCsvFile(db, patients, { source: "gp-refused" });
  // Only rows written from now on are checked: y2 is one the database refuses.
  await db.exec(
    "ALTER TABLE gp_entry ADD CONSTRAINT replay_test_no_y2 CHECK (source_record_id <> 'y2') NOT VALID",
  );
  try {
    const results = await replayRejects(db, await openRejectIds(db, "gp-refused"), "tester");
    assert.deepEqual(results.map((r) => r.accepted).sort(), [false, true, true]);
  } finally {
    await db.exec("ALTER TABLE gp_entry DROP CONSTRAINT replay_test_no_y2");
  }
  const stored = await db.query<{ id: string }>(
    "SELECT source_record_id AS id FROM gp_entry WHERE source_system = 'gp-refused' ORDER BY 1",
  );
  assert.deepEqual(
    stored.map((r) => r.id),
    ["y1", "y3"],
  );
  const rejects = await listRejects(db, { sourceSystem: "gp-refused", status: "all" });
  assert.deepEqual(rejects.map((r) => [r.originKey, r.status]).sort(), [
    ["gp-coded-record:y1", "replayed"],
    ["gp-coded-record:y2", "open"],
    ["gp-coded-record:y3", "replayed"],
  ]);
  // The constraint is named where the engine says which (Citus's workers name their shard's copy of it).
  const open = rejects.find((r) => r.status === "open");
  assert.match(open?.reason ?? "", /the database refused the row( \(replay_test_no_y2\))?$/);
  // Replayed alone (under its header, as a file of two lines), the row is still named by its own line.
  assert.equal(open?.location, "refused.csv:3");
  assert.equal(open?.attempts, 2);
});

test("a replay writes people before the rows about them, whatever order their rejects are asked in", async () => {
  // A row about a patient this source has not sent, rejected; and that patient's own row, kept as a reject (as
  // one refused for a reason since put right is kept), asked for after it.
  const coded = file("early.csv", [
    CODED_HEADER,
    "z1,pz,Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z",
  ]);
  await loadCsvFile(db, coded, { source: "gp-order" });
  const [rowReject] = await openRejectIds(db, "gp-order");
  await recordRejects(db, [
    {
      sourceSystem: "gp-order",
      format: "csv",
      layout: "gp-patients",
      origin: "patients-late.csv",
      originKey: "gp-patients:pz",
      location: "patients-late.csv:2",
      reason: "patients-late.csv:2: refused before a fix",
      payload: `pz,${testNhsNumber(77)},Zed,Ann,1950-01-01,female,,,`,
      context: PATIENT_HEADER,
    },
  ]);
  const ids = await openRejectIds(db, "gp-order");
  const patientReject = ids.find((id) => id !== rowReject) as string;
  const results = await replayRejects(db, [rowReject, patientReject], "tester");
  assert.deepEqual(
    results.map((r) => [r.rejectId === rowReject ? "row" : "patient", r.accepted]),
    [
      ["row", true],
      ["patient", true],
    ],
  );
  const [linked] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM gp_entry e
     JOIN mpi_record_link l ON l.source_system = e.source_system AND l.source_record_id = e.subject_record_id
     WHERE e.source_system = 'gp-order' AND l.person_id = e.person_id`,
  );
  assert.equal(linked.n, 1);
  assert.equal(await hasOpenRejects(db, "gp-order", "csv"), false);
});

test("a replay's claim of rejects from files and sources in turn gives each its own file, source and header", async () => {
  // Three groups of rejects: two files of one source (their headers in other orders) and a file of another.
  const row = (id: string) =>
    `${id},nobody,Z90001,2014-01-01,observation,http://snomed.info/sct,38341003,,,2014-04-01T02:00:00Z`;
  const reordered = (line: string) => {
    const f = line.split(",");
    return [f[1], f[0], ...f.slice(2)].join(",");
  };
  await loadCsvFile(db, file("one.csv", [CODED_HEADER, row("r1"), row("r2"), row("r3")]), {
    source: "gp-read-a",
  });
  await loadCsvFile(
    db,
    file("two.csv", [reordered(CODED_HEADER), reordered(row("r4")), reordered(row("r5"))]),
    { source: "gp-read-a" },
  );
  await loadCsvFile(db, file("three.csv", [CODED_HEADER, row("r6"), row("r7")]), { source: "gp-read-b" });
  const all = await listRejects(db, { status: "open" });
  const mine = all.filter((r) => r.sourceSystem.startsWith("gp-read-"));
  assert.equal(mine.length, 7);
  // In turn, one of each group after another, and a run of one group: each row's file is told apart.
  const byOrigin = (o: string) => mine.filter((r) => r.origin === o).map((r) => r.rejectId);
  const [a, b, c] = [byOrigin("one.csv"), byOrigin("two.csv"), byOrigin("three.csv")];
  const ids = [a[0], b[0], c[0], a[1], a[2], b[1], c[1]];
  // Claimed in a transaction undone after: read as a replay reads them, and left open.
  const read = await db
    .transaction(async (tx) => {
      const claimed = await claimCsvRejects(tx, ids, "tester");
      throw Object.assign(new Error("undo"), { claimed });
    })
    .catch((error: { claimed?: Awaited<ReturnType<typeof claimCsvRejects>> }) => error.claimed ?? []);
  assert.deepEqual(idsOf(read), [...ids].sort());
  const stored = new Map(mine.map((r) => [r.rejectId, r]));
  const contexts = await db.query<{ id: string; context: string }>(
    "SELECT reject_id::text AS id, context FROM ingest_reject WHERE reject_id = ANY($1::uuid[])",
    [ids],
  );
  const contextOf = new Map(contexts.map((r) => [r.id, r.context]));
  assert.equal(read.length, 3, "three files");
  for (const f of read) {
    for (const r of f.rejects) {
      const s = stored.get(r.rejectId);
      assert.deepEqual(
        [f.sourceSystem, f.layout, f.origin, f.context, r.location, r.payload],
        [s?.sourceSystem, s?.layout, s?.origin, contextOf.get(r.rejectId), s?.location, s?.payload],
        r.rejectId,
      );
    }
  }
  assert.equal(new Set(read.map((f) => f.context)).size, 2, "two headers among the three files");
  assert.equal((await listRejects(db, { status: "open" })).filter((r) => ids.includes(r.rejectId)).length, 7);
});

test("a reject's line is read from its location as the expression /:(\\d+)(?::[^:]*)?$/ reads it", () => {
  const byExpression = (l: string | null) => {
    const m = /:(\d+)(?::[^:]*)?$/.exec(l ?? "");
    return m ? Number(m[1]) : 2;
  };
  const locations = [
    null,
    "",
    "coded.csv:12",
    "coded.csv:12:code",
    "a:1:2",
    "a:b:3",
    "coded.csv",
    "coded.csv:",
    "coded.csv:12:",
    ":5",
    "a:12:34:56",
    "coded.csv:1x:code",
    "a:7:x:y",
    "c:9:recorded_on",
    "f.csv:0",
  ];
  for (const l of locations) assert.equal(lineOf(l), byExpression(l), JSON.stringify(l));
});
