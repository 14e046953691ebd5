// HL7v2 as English feeds send it, written by hand the way the NHS ITK v2.4 examples and v2.3 patient
// administration systems write it (not by OnePlace's own builder): identity in PID-3 alone or PID-2, codes
// nobody mapped yet, and events beyond the ones the synthetic feeds send. Through `oneplace ingest hl7`, the
// MLLP listener and the functions.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readPatient } from "../../src/ingest/hl7/adt.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { AdtRejection, addCodeMappings, feedHealth, listUnmapped } from "../../src/ingest/index.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { replayReject } from "../../src/ingest/replay.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, useTestDb, withDatabase } from "../helpers/test-db.ts";
import { loopbackSource, sendOne } from "./mllp-harness.ts";

// Two places: one the CLI children open (PGlite takes one process at a time), one this process serves MLLP from.
let database: TestDatabase;
let server: MllpServer;
let dir: string;
const place = useTestDb({
  async setup(db) {
    server = await startMllpServer({
      db,
      port: 0,
      logger: createLogger({ level: "silent" }),
      sources: [loopbackSource("trust")],
    });
  },
  teardown: () => server?.close(),
});

before(async () => {
  database = await createTestDatabase({ migrated: true });
  dir = mkdtempSync(join(tmpdir(), "oneplace-hl7-england-"));
});
after(async () => {
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, database.env);

/** One message from segments, CR-separated as on the wire. */
const hl7 = (...segments: string[]) => segments.join("\r");

const msh = (control: string, event: string, version = "2.4", app = "ITK-PAS") =>
  `MSH|^~\\&|${app}|RX1|ONEPLACE|ONEPLACE|20140601100000+0100||ADT^${event}|${control}|P|${version}|||AL|NE|GBR|8859/1`;
const evn = (event: string) => `EVN|${event}|20140601100000+0100`;

const inCliPlace = <T>(fn: (db: Db) => Promise<T>) => withDatabase(database, fn);

async function rejectReasons(db: Db, source: string): Promise<Map<string, string>> {
  const rows = await db.query<{ origin_key: string; reason: string }>(
    "SELECT origin_key, reason FROM ingest_reject WHERE source_system = $1",
    [source],
  );
  // A message's reject is keyed by its control id and payload hash (id#hash).
  return new Map(rows.map((r) => [r.origin_key.split("#")[0], r.reason]));
}

test("an NHS Number alone in PID-3, or in PID-2 as v2.3 systems send it, identifies the patient; placeholders are refused as placeholders", async () => {
  const file = join(dir, "identity.hl7");
  writeFileSync(
    file,
    [
      // ITK style: the NHS Number is the only identifier.
      hl7(
        msh("id1", "A28"),
        evn("A28"),
        "PID|1||9434765919^^^NHS^NH||SMITH^JOHN^^^MR||19400101|M|||1 HIGH ST^^LEEDS^^LS1 4AP",
      ),
      // v2.3 PAS: the NHS Number in PID-2, the hospital number in PID-3.
      hl7(
        msh("id2", "A28", "2.3"),
        evn("A28"),
        "PID|1|9434765870|RX10000042^^^RX1^MR||JONES^MARY||19510202|F",
      ),
      hl7(msh("id3", "A28"), evn("A28"), "PID|1||9999999999^^^NHS^NH||BROWN^ANN||19600303|F"),
      hl7(
        msh("id4", "A28", "2.3"),
        evn("A28"),
        "PID|1|3333333333|RX10000043^^^RX1^MR||GREEN^TOM||19610404|M",
      ),
      hl7(msh("id5", "A28"), evn("A28"), "PID|1||9434765918^^^NHS^NH||WHITE^JO||19620505|F"),
    ].join("\n"),
  );
  const load = await cli("ingest", "hl7", file, "-q");
  assert.match(
    load.stdout,
    /identity\.hl7: 5 read, 3 loaded, 0 already there, 0 held, 2 rejected/,
    load.stdout + load.stderr,
  );

  const people = await inCliPlace((db) =>
    db.query<{ source_record_id: string; nhs_number: string | null }>(
      "SELECT source_record_id, nhs_number FROM mpi_record_link WHERE source_system = 'itk-pas' ORDER BY 1",
    ),
  );
  assert.deepEqual(
    people.map((p) => [p.source_record_id, p.nhs_number]),
    [
      ["9434765919", "9434765919"],
      ["RX10000042", "9434765870"],
      // A placeholder beside a local identifier is "NHS Number not known": the patient is stored without one.
      ["RX10000043", null],
    ],
  );
  const reasons = await inCliPlace((db) => rejectReasons(db, "itk-pas"));
  assert.match(reasons.get("id3") ?? "", /PID-3 \(NHS Number is a placeholder/);
  assert.equal(reasons.get("id4"), undefined);
  assert.doesNotMatch(reasons.get("id3") ?? "", /Modulus 11/);
  assert.match(reasons.get("id5") ?? "", /Modulus 11/);

  // Over MLLP the same: an ITK message with the NHS Number alone is acknowledged AA; a placeholder AE with why.
  const ok = await sendOne(
    server.port,
    hl7(msh("mid1", "A28"), evn("A28"), "PID|1||9434765870^^^NHS^NH||JONES^MARY||19510202|F"),
  );
  assert.equal(ok.code, "AA");
  const placeholder = await sendOne(
    server.port,
    hl7(msh("mid2", "A28"), evn("A28"), "PID|1||9999999999^^^NHS||BROWN^ANN||19600303|F"),
  );
  assert.equal(placeholder.code, "AE");
  assert.match(placeholder.errorText, /placeholder/);
});

test("a source set with feeds pid2 --ignore never takes bare PID-2 digits as the NHS Number; the default still does", async () => {
  const message = (control: string, id: string) =>
    hl7(
      msh(control, "A28", "2.3", "BARE-PAS"),
      evn("A28"),
      `PID|1|9434765870|${id}^^^RX1^MR||BARE^ANN||19510202|F`,
    );
  const file = join(dir, "bare.hl7");
  writeFileSync(file, message("b1", "RX20000001"));
  assert.match((await cli("ingest", "hl7", file, "-q")).stdout, /1 loaded/);
  const set = await cli("feeds", "pid2", "bare-pas", "--ignore");
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /bare-pas: ten bare digits in PID-2 are some other id/);
  writeFileSync(file, message("b2", "RX20000002"));
  assert.match((await cli("ingest", "hl7", file, "-q")).stdout, /1 loaded/);
  const people = await inCliPlace((db) =>
    db.query<{ source_record_id: string; nhs_number: string | null }>(
      "SELECT source_record_id, nhs_number FROM mpi_record_link WHERE source_system = 'bare-pas' ORDER BY 1",
    ),
  );
  assert.deepEqual(
    people.map((p) => [p.source_record_id, p.nhs_number]),
    [
      ["RX20000001", "9434765870"],
      ["RX20000002", null],
    ],
  );
  assert.match((await cli("feeds", "pid2", "other-pas")).stdout, /are taken as the NHS Number/);
  const both = await cli("feeds", "pid2", "bare-pas", "--ignore", "--nhs-number");
  assert.notEqual(both.code, 0);
});

test("readPatient: PID-2 is read only when it is an NHS Number; no identifier at all is refused naming both", () => {
  const read = (pid: string) =>
    readPatient(parseMessage(hl7(msh("f1", "A28"), pid)), "itk-pas", "RX1", "2014-06-01T09:00:00.000Z");
  const external = read("PID|1|EXT-77^^^OTHER|RX1^^^RX1^MR||SMITH^JOHN||19400101|M");
  assert.equal(external.nhsNumber, null);
  assert.equal(external.recordId, "RX1");
  const spaced = read("PID|1|943 476 5919|||SMITH^JOHN||19400101|M");
  assert.equal(spaced.nhsNumber, "9434765919");
  assert.equal(spaced.recordId, "9434765919");
  assert.deepEqual(spaced.identifiers, []);
  // Ten bare digits that fail Modulus 11 are some other system's id: ignored, the message kept by PID-3.
  const otherId = read("PID|1|9434765910|RX2^^^RX1^MR||SMITH^JOHN||19400101|M");
  assert.equal(otherId.nhsNumber, null);
  assert.equal(otherId.recordId, "RX2");
  assert.throws(
    () => read("PID|1||||SMITH^JOHN||19400101|M"),
    (e: unknown) => e instanceof AdtRejection && /local identifier or the NHS Number/.test(e.message),
  );
});

/** A PV1 segment from its fields by position (PV1-2 class, -3 location, -4 admission type, -10 service ...). */
function pv1(fields: Record<number, string>): string {
  const out: string[] = ["PV1", "1"];
  const last = Math.max(...Object.keys(fields).map(Number));
  for (let i = 2; i <= last; i++) out.push(fields[i] ?? "");
  return out.join("|");
}

const itkPid = (dob = "19400101") =>
  `PID|1||RX20000001^^^RX1^MR~9434765919^^^NHS^NH||SMITH^JOHN^^^MR||${dob}|2|||1 HIGH ST^^LEEDS^^LS1 4AP`;

test("a first day of ADT nobody mapped: stored and acknowledged AA, listed with counts, and mapping the codes corrects what was stored", async () => {
  const db = place.db;
  const sent = [
    hl7(
      msh("u1", "A01"),
      evn("A01"),
      itkPid(),
      pv1({ 2: "I", 3: "WD12^^^RX101", 4: "EM", 10: "SUR", 19: "V9001", 44: "20140601090000+0100" }),
    ),
    // A transfer as some systems send it, without the date of birth: the record keeps the one it has.
    hl7(
      msh("u2", "A02"),
      "EVN|A02|20140601120000+0100||||20140601115500+0100",
      itkPid(""),
      pv1({ 2: "I", 3: "WD14^^^RX101", 19: "V9001" }),
    ),
    hl7(
      msh("u3", "A03"),
      evn("A03"),
      itkPid(),
      pv1({ 2: "I", 3: "WD14^^^RX101", 19: "V9001", 36: "Home", 37: "19", 45: "20140603100000+0100" }),
    ),
    // A registration whose PV1 carries a code nobody mapped: PV1 is not read for an A28, so nothing refuses it.
    hl7(msh("u4", "A28"), evn("A28"), itkPid(), pv1({ 2: "O", 4: "ZZ" })),
  ];
  for (const m of sent) {
    const ack = await sendOne(server.port, m);
    assert.equal(ack.code, "AA", `${ack.controlId}: ${ack.errorText}`);
  }
  const spell = async () =>
    (
      await db.query<{
        admission_method: string;
        specialty_code: string | null;
        discharge_method: string | null;
        discharged_at: Date | null;
      }>(
        "SELECT admission_method, specialty_code, discharge_method, discharged_at FROM hospital_spell WHERE source_system = 'itk-pas' AND source_record_id = 'V9001'",
      )
    )[0];
  const wardKinds = async () =>
    (
      await db.query<{ ward_code: string; ward_kind: string }>(
        "SELECT ward_code, ward_kind FROM ward_stay WHERE source_system = 'itk-pas' ORDER BY started_at",
      )
    ).map((r) => `${r.ward_code}:${r.ward_kind}`);
  const before = await spell();
  assert.equal(before.admission_method, "unmapped");
  assert.equal(before.specialty_code, null);
  assert.equal(before.discharge_method, null);
  assert.ok(before.discharged_at, "the discharge is stored although its method waits for a mapping");
  assert.deepEqual(await wardKinds(), ["WD12:unmapped", "WD14:unmapped"]);
  const person = await db.query<{ sex: string; birth_date: string }>(
    "SELECT sex, birth_date::text AS birth_date FROM person_record WHERE source_system = 'itk-pas' AND source_record_id = 'RX20000001'",
  );
  assert.deepEqual(person[0], { sex: "female", birth_date: "1940-01-01" });

  const worklist = (await listUnmapped(db, { sourceSystem: "itk-pas" })).map(
    (u) => `${u.mapName} ${u.field} ${u.code} ${u.occurrences}`,
  );
  assert.deepEqual(worklist.sort(), [
    "admission-method PV1-4 EM 1",
    "discharge-method PV1-36 Home 1",
    "treatment-function PV1-10 SUR 1",
    "ward-kind PV1-3.1 WD12 1",
    "ward-kind PV1-3.1 WD14 1",
  ]);
  const health = (await feedHealth(db)).find((f) => f.sourceSystem === "itk-pas");
  assert.equal(health?.unmapped.length, 5);

  const mappings = [
    { sourceSystem: "itk-pas", mapName: "admission-method", sourceCode: "EM", targetCode: "emergency" },
    { sourceSystem: "itk-pas", mapName: "ward-kind", sourceCode: "WD12", targetCode: "stroke-unit" },
    { sourceSystem: "itk-pas", mapName: "treatment-function", sourceCode: "SUR", targetCode: "100" },
    { sourceSystem: "itk-pas", mapName: "discharge-method", sourceCode: "Home", targetCode: "discharged" },
  ];
  const first = await db.transaction((tx) => addCodeMappings(tx, mappings));
  assert.deepEqual(first, { changed: 4, eventsCorrected: 4, visitsRewritten: 1, recordsCorrected: 0 });
  const after = await spell();
  assert.equal(after.admission_method, "emergency");
  assert.equal(after.specialty_code, "100");
  assert.equal(after.discharge_method, "discharged");
  assert.deepEqual(await wardKinds(), ["WD12:stroke-unit", "WD14:unmapped"]);
  const emergency = await db.query(
    "SELECT 1 FROM hospital_spell WHERE source_system = 'itk-pas' AND admission_method = 'emergency'",
  );
  assert.equal(emergency.length, 1, "the emergency admission now counts as one");
  assert.deepEqual(
    (await listUnmapped(db, { sourceSystem: "itk-pas" })).map((u) => u.code),
    ["WD14"],
  );
  // Mapping again changes nothing.
  assert.deepEqual(await db.transaction((tx) => addCodeMappings(tx, mappings)), {
    changed: 0,
    eventsCorrected: 0,
    visitsRewritten: 0,
    recordsCorrected: 0,
  });
  // A message after the mapping decodes with it at once.
  const later = await sendOne(
    server.port,
    hl7(
      msh("u5", "A01"),
      evn("A01"),
      itkPid(),
      pv1({ 2: "I", 3: "WD12^^^RX101", 4: "EM", 19: "V9002", 44: "20140605090000+0100" }),
    ),
  );
  assert.equal(later.code, "AA");
  const v2 = await db.query<{ admission_method: string }>(
    "SELECT admission_method FROM hospital_spell WHERE source_record_id = 'V9002'",
  );
  assert.equal(v2[0]?.admission_method, "emergency");
});

test("oneplace feeds unmapped lists what waits for a mapping; feeds map adds one and corrects what was stored", async () => {
  const file = join(dir, "first-day.hl7");
  writeFileSync(
    file,
    [
      hl7(
        msh("f1", "A01", "2.4", "WARD-PAS"),
        evn("A01"),
        itkPid(),
        pv1({
          2: "I",
          3: "AMU1^^^RX101",
          4: "Emerg Other",
          10: "Acute Med",
          19: "W1",
          44: "20140601090000+0100",
        }),
      ),
      hl7(
        msh("f2", "A01", "2.4", "WARD-PAS"),
        evn("A01"),
        "PID|1||RX20000002^^^RX1^MR||JONES^ANN||19450505|F",
        pv1({ 2: "I", 3: "AMU1^^^RX101", 4: "Emerg Other", 19: "W2", 44: "20140601100000+0100" }),
      ),
    ].join("\n"),
  );
  const load = await cli("ingest", "hl7", file, "-q");
  assert.match(
    load.stdout,
    /first-day\.hl7: 2 read, 2 loaded, 0 already there, 0 held, 0 rejected/,
    load.stdout + load.stderr,
  );
  const list = await cli("feeds", "unmapped", "--source", "ward-pas", "--json");
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { mapName: string; code: string; occurrences: number }[];
  assert.deepEqual(
    rows.map((r) => `${r.mapName}=${r.code}x${r.occurrences}`),
    ["admission-method=Emerg Otherx2", "ward-kind=AMU1x2", "treatment-function=Acute Medx1"],
  );
  const text = await cli("feeds", "unmapped");
  assert.match(text.stdout, /ward-pas\s+admission-method\s+PV1-4\s+Emerg Other\s+2/);

  const wrong = await cli("feeds", "map", "ward-pas", "admission-method", "Emerg Other", "urgent");
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr + wrong.stdout, /target_code for admission-method is not one of emergency/);
  const mapped = await cli("feeds", "map", "ward-pas", "admission-method", "Emerg Other", "emergency");
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.match(mapped.stdout, /1 mapping added or changed; 2 stored events corrected, 2 visits rewritten/);
  const methods = await inCliPlace((db) =>
    db.query<{ admission_method: string }>(
      "SELECT admission_method FROM hospital_spell WHERE source_system = 'ward-pas' ORDER BY source_record_id",
    ),
  );
  assert.deepEqual(
    methods.map((m) => m.admission_method),
    ["emergency", "emergency"],
  );
  const health = JSON.parse((await cli("feeds", "--json")).stdout) as {
    sourceSystem: string;
    unmapped: { code: string; occurrences: number }[];
  }[];
  assert.deepEqual(
    health.find((h) => h.sourceSystem === "ward-pas")?.unmapped.map((u) => `${u.code}x${u.occurrences}`),
    ["AMU1x2", "Acute Medx1"],
  );
});

test("no silent loss: a different message reusing a control id is stored, each reject keeps its own payload, an A40 naming an unknown patient is refused with why", async () => {
  const db = place.db;
  const a28 = (control: string, id: string, family: string) =>
    hl7(
      msh(control, "A28", "2.4", "REUSE-PAS"),
      evn("A28"),
      `PID|1||${id}^^^RX1^MR||${family}^ANN||19500101|F`,
    );
  const first = a28("1", "RX30000001", "ONE");
  const second = a28("1", "RX30000002", "TWO"); // 31 of one hospital's fixtures share control id 1
  for (const m of [first, second, first]) assert.equal((await sendOne(server.port, m)).code, "AA");
  const people = await db.query<{ source_record_id: string }>(
    "SELECT source_record_id FROM mpi_record_link WHERE source_system = 'reuse-pas' ORDER BY 1",
  );
  assert.deepEqual(
    people.map((p) => p.source_record_id),
    ["RX30000001", "RX30000002"],
  );
  const kept = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM ingest_message WHERE source_system = 'reuse-pas' AND status = 'applied'",
  );
  assert.equal(
    Number(kept[0].n),
    2,
    "the second message is stored; the resend of the first is not stored twice",
  );
  // The first again as an engine resends it: re-stamped MSH-7, CRLF line ends, trailing separators and a
  // character escaped. The same content is a duplicate, whatever its bytes.
  const resent = `${first
    .replace("20140601100000+0100||ADT", "20140601100500+0100||ADT")
    .replace("ONE^ANN", "\\X4F\\NE^ANN")
    .replaceAll("\r", "\r\n")}||`;
  assert.notEqual(resent, first);
  const again = await sendOne(server.port, resent);
  assert.equal(again.code, "AA");
  const keptAfter = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM ingest_message WHERE source_system = 'reuse-pas' AND status = 'applied'",
  );
  assert.equal(Number(keptAfter[0].n), 2, "a resend with other bytes but the same content is a duplicate");

  // Two different bad messages under one control id: two rejects, each with its own payload.
  const nameless = (id: string) =>
    hl7(msh("9", "A28", "2.4", "REUSE-PAS"), evn("A28"), `PID|1||${id}^^^RX1^MR||||19500101|F`);
  for (const id of ["RX30000008", "RX30000009"])
    assert.equal((await sendOne(server.port, nameless(id))).code, "AE");
  const rejects = (await listRejects(db, { sourceSystem: "reuse-pas" })).filter((r) =>
    r.originKey.startsWith("9#"),
  );
  assert.equal(rejects.length, 2);
  assert.deepEqual(rejects.map((r) => /RX3000000\d/.exec(r.payload)?.[0]).sort(), [
    "RX30000008",
    "RX30000009",
  ]);

  // An A40 whose prior record was never sent would do nothing: it is refused, and replays once the record is here.
  const merge = hl7(
    msh("m1", "A40", "2.4", "REUSE-PAS"),
    "EVN|A40|20140601100000+0100",
    "PID|1||RX30000001^^^RX1^MR||ONE^ANN||19500101|F",
    "MRG|RX30000005^^^RX1^MR",
  );
  const refused = await sendOne(server.port, merge);
  assert.equal(refused.code, "AE");
  assert.equal(refused.errorCode, "204");
  assert.match(refused.errorText, /MRG-1 \(prior patient identifier\) names no patient record/);
  const [mergeReject] = (await listRejects(db, { sourceSystem: "reuse-pas" })).filter((r) =>
    r.originKey.startsWith("m1#"),
  );
  assert.ok(mergeReject, "the refused merge is kept");
  assert.equal((await sendOne(server.port, a28("5", "RX30000005", "FIVE"))).code, "AA");
  const replayed = await replayReject(db, mergeReject.rejectId, "test");
  assert.equal(replayed.accepted, true, replayed.reason ?? undefined);
});

test("ingest hl7: two different messages under one control id are both loaded; the same message twice once", async () => {
  const file = join(dir, "reused.hl7");
  const a28 = (id: string, family: string) =>
    hl7(msh("42", "A28", "2.4", "FILE-PAS"), evn("A28"), `PID|1||${id}^^^RX1^MR||${family}^ANN||19500101|F`);
  writeFileSync(file, [a28("RX1", "ONE"), a28("RX2", "TWO"), a28("RX1", "ONE")].join("\n"));
  const load = await cli("ingest", "hl7", file, "-q");
  assert.match(
    load.stdout,
    /reused\.hl7: 3 read, 2 loaded, 1 already there, 0 held, 0 rejected/,
    load.stdout + load.stderr,
  );
  const again = await cli("ingest", "hl7", file, "-q");
  assert.match(again.stdout, /reused\.hl7: 3 read, 0 loaded, 3 already there/, again.stdout);
});

test("MSH-11 T is refused by a production place with why and taken by a test instance; events OnePlace does not use are acknowledged and counted as unsupported", async () => {
  const file = join(dir, "test-interface.hl7");
  const testMessage = (control: string, event: string, pid: string) =>
    hl7(msh(control, event, "2.4", "TEST-PAS").replace("|P|2.4|", "|T|2.4|"), evn(event), pid);
  writeFileSync(
    file,
    [
      testMessage("t1", "A28", "PID|1||RX40000001^^^RX1^MR||TEST^ANN||19500101|F"),
      testMessage("t2", "A15", "PID|1||RX40000001^^^RX1^MR||TEST^ANN||19500101|F"),
    ].join("\n"),
  );
  const production = await cli("ingest", "hl7", file, "-q");
  assert.match(
    production.stdout,
    /2 read, 0 loaded, 0 already there, 0 held, 2 rejected, 0 unsupported/,
    production.stdout,
  );
  const reasons = await inCliPlace((db) => rejectReasons(db, "test-pas"));
  assert.match(
    [...reasons.values()].join("\n"),
    /MSH-11 processing id T \(test\) is taken only by a place set up as a test instance/,
  );

  const set = await cli("feeds", "instance", "--test");
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /This place is a test instance/);
  const asTest = await cli("ingest", "hl7", file, "-q");
  assert.match(
    asTest.stdout,
    /2 read, 1 loaded, 0 already there, 0 held, 0 rejected, 1 unsupported/,
    asTest.stdout,
  );
  const kept = await inCliPlace((db) =>
    db.query<{ control_id: string; status: string }>(
      "SELECT control_id, status FROM ingest_message WHERE source_system = 'test-pas' ORDER BY control_id",
    ),
  );
  assert.deepEqual(
    kept.map((k) => `${k.control_id}:${k.status}`),
    ["t1:applied", "t2:unsupported"],
  );
  assert.match((await cli("feeds", "instance", "--production")).stdout, /This place is production/);

  // Over MLLP: an A26 (pending discharge) is acknowledged AA, kept and marked unsupported.
  const a26 = await sendOne(
    server.port,
    hl7(msh("x26", "A26"), evn("A26"), "PID|1||RX40000002^^^RX1^MR||GONE^ANN||19500101|F"),
  );
  assert.equal(a26.code, "AA");
  const row = await place.db.query<{ status: string }>(
    "SELECT status FROM ingest_message WHERE source_system = 'itk-pas' AND control_id = 'x26'",
  );
  assert.equal(row[0]?.status, "unsupported");
});

test("A06 turns an outpatient or A&E visit into an admission; on a visit already admitted it updates the admission", async () => {
  const db = place.db;
  const pid = "PID|1||RX50000001^^^RX1^MR||SIX^ANN||19450101|F";
  const sent = [
    hl7(
      msh("s1", "A04"),
      evn("A04"),
      pid,
      pv1({ 2: "O", 3: "OPD1^^^RX101", 19: "V6001", 44: "20140601090000+0100" }),
    ),
    hl7(
      msh("s2", "A06"),
      evn("A06"),
      pid,
      pv1({ 2: "I", 3: "AMU^^^RX101", 4: "21", 19: "V6001", 44: "20140601110000+0100" }),
    ),
  ];
  for (const m of sent) assert.equal((await sendOne(server.port, m)).code, "AA");
  const spells = await db.query<{ admission_method: string; admitted_at: Date }>(
    "SELECT admission_method, admitted_at FROM hospital_spell WHERE source_system = 'itk-pas' AND source_record_id = 'V6001'",
  );
  assert.equal(spells.length, 1);
  assert.equal(spells[0].admission_method, "emergency");
  assert.equal(new Date(spells[0].admitted_at).toISOString(), "2014-06-01T10:00:00.000Z");
  // On an admitted visit, A06 does not start the spell again: its ward stays are kept.
  const stays = async () =>
    (
      await db.query(
        "SELECT 1 FROM ward_stay WHERE source_system = 'itk-pas' AND spell_id IN (SELECT spell_id FROM hospital_spell WHERE source_record_id = 'V6001')",
      )
    ).length;
  assert.equal(await stays(), 1);
  assert.equal(
    (
      await sendOne(
        server.port,
        hl7(
          msh("s3", "A02"),
          "EVN|A02|20140602100000+0100||||20140602095500+0100",
          pid,
          pv1({ 2: "I", 3: "GEN2^^^RX101", 19: "V6001" }),
        ),
      )
    ).code,
    "AA",
  );
  assert.equal(
    (
      await sendOne(
        server.port,
        hl7(
          msh("s4", "A06"),
          evn("A06"),
          pid,
          pv1({ 2: "I", 3: "GEN2^^^RX101", 4: "21", 10: "300", 19: "V6001" }),
        ),
      )
    ).code,
    "AA",
  );
  assert.equal(await stays(), 2);
});

test("MSH-18 8859/1 is honoured by ingest hl7 and mllp send: a Latin-1 name is stored as the name", async () => {
  const latin1 = (control: string, id: string) =>
    Buffer.from(
      hl7(
        msh(control, "A28", "2.4", "LATIN-PAS"),
        evn("A28"),
        `PID|1||${id}^^^RX1^MR||Bront\u00eb^Zo\u00eb||19500101|F`,
      ),
      "latin1",
    );
  const file = join(dir, "latin1.hl7");
  writeFileSync(
    file,
    Buffer.concat([latin1("l1", "RX60000001"), Buffer.from("\n"), latin1("l2", "RX60000002")]),
  );
  const load = await cli("ingest", "hl7", file, "-q");
  assert.match(load.stdout, /2 read, 2 loaded/, load.stdout + load.stderr);
  const names = await inCliPlace((db) =>
    db.query<{ family_name: string; given_name: string }>(
      "SELECT family_name, given_name FROM person_record WHERE source_system = 'latin-pas' ORDER BY source_record_id",
    ),
  );
  assert.deepEqual(
    names.map((n) => `${n.given_name} ${n.family_name}`),
    ["Zo\u00eb Bront\u00eb", "Zo\u00eb Bront\u00eb"],
  );
  const sent = await runCli(["mllp", "send", file, "--port", String(server.port)], {});
  assert.match(sent.stdout, /Sent 2 message\(s\): 2 AA/, sent.stdout + sent.stderr);
  const overMllp = await place.db.query<{ given_name: string }>(
    "SELECT given_name FROM person_record WHERE source_system = 'latin-pas' AND source_record_id = 'RX60000001'",
  );
  assert.equal(overMllp[0]?.given_name, "Zo\u00eb");
});
