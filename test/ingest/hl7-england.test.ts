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
import { AdtRejection } from "../../src/ingest/index.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase, useTestDb, withDatabase } from "../helpers/test-db.ts";
import { loopbackSource, sendOne } from "./mllp-harness.ts";

// Two places: one the CLI children open (PGlite takes one process at a time), one this process serves MLLP from.
let database: TestDatabase;
let server: MllpServer;
let dir: string;
useTestDb({
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
  return new Map(rows.map((r) => [r.origin_key, r.reason]));
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
    /identity\.hl7: 5 read, 2 loaded, 0 already there, 0 held, 3 rejected/,
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
    ],
  );
  const reasons = await inCliPlace((db) => rejectReasons(db, "itk-pas"));
  assert.match(reasons.get("id3") ?? "", /PID-3 \(NHS Number is a placeholder/);
  assert.match(reasons.get("id4") ?? "", /PID-2 \(NHS Number is a placeholder/);
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
  assert.throws(
    () => read("PID|1||||SMITH^JOHN||19400101|M"),
    (e: unknown) => e instanceof AdtRejection && /local identifier or the NHS Number/.test(e.message),
  );
});
