// A NUL byte (or bytes that are not text) never loses data: an MLLP frame holding one is refused and kept as
// a reject with its exact bytes; a CSV row holding one becomes a reject row and the rest of the file loads.
// Every frame the listener answers AR or AE is kept as a reject.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadCsvFile } from "../../src/ingest/csv/load.ts";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { frame, MllpDecoder } from "../../src/ingest/hl7/mllp.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects, payloadBytes, storedPayload } from "../../src/ingest/rejects.ts";
import { replayReject } from "../../src/ingest/replay.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { a28Builder } from "./mllp-harness.ts";

let db: Db;
let server: MllpServer;
let dir: string;

useTestDb({
  async setup(opened) {
    db = opened;
    dir = mkdtempSync(join(tmpdir(), "oneplace-nul-"));
    server = await startMllpServer({ db, port: 0, logger: createLogger({ level: "silent" }) });
  },
  async teardown() {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});

const a28 = a28Builder("nul");

/** Sends raw frame bytes on one connection and returns the ACK's text. */
function sendBytes(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new MllpDecoder();
    const s = connect({ port: server.port, host: "127.0.0.1" }, () => s.write(frame(body)));
    s.on("data", (d) => {
      for (const e of decoder.push(d))
        if (e.kind === "frame") {
          resolve(e.body.toString("utf8"));
          s.destroy();
        }
    });
    s.on("error", reject);
  });
}

test("a payload a text column cannot hold is kept as base64 of its exact bytes; ordinary text is kept as it is", () => {
  assert.equal(storedPayload("MSH|^~\\&|x"), "MSH|^~\\&|x");
  const withNul = "MSH|a\u0000b";
  assert.match(storedPayload(withNul), /^base64:/);
  assert.equal(payloadBytes(storedPayload(withNul)).toString("utf8"), withNul);
  const latin = Buffer.from([0x4d, 0x53, 0x48, 0xe9, 0x00]);
  assert.ok(payloadBytes(storedPayload(latin)).equals(latin));
  // Text that happens to start with the marker is kept encoded too, so it reads back as itself.
  assert.equal(payloadBytes(storedPayload("base64:abc")).toString("utf8"), "base64:abc");
});

test("an MLLP message holding a NUL byte is refused AR with why, and kept as a reject with its exact bytes", async () => {
  const message = a28(1).replace("Family1", "Fam\u0000ily1");
  const ack = readAck(parseMessage(await sendBytes(Buffer.from(message, "utf8"))));
  assert.equal(ack.code, "AR");
  assert.match(ack.errorText, /NUL byte \(0x00\) in segment \d+/);
  const [kept] = await listRejects(db, { reason: "NUL byte" });
  assert.ok(kept, "the message is kept as a reject");
  assert.equal(kept.format, "hl7");
  assert.equal(kept.sourceSystem, "acute-pas");
  assert.equal(payloadBytes(kept.payload).toString("utf8"), message);
  const person = await db.query("SELECT 1 FROM mpi_record_link WHERE source_record_id = 'NUL1'");
  assert.equal(person.length, 0);
  // Replayed as it is, it is refused again, and stays open with its bytes.
  const replay = await replayReject(db, kept.rejectId, "cli:tester");
  assert.equal(replay.accepted, false);
  const [still] = await listRejects(db, { reason: "NUL byte" });
  assert.equal(payloadBytes(still.payload).toString("utf8"), message);
  // The listener goes on.
  assert.equal(readAck(parseMessage(await sendBytes(Buffer.from(a28(2), "utf8")))).code, "AA");
});

test("a frame that is not UTF-8 nor its declared character set is refused AR and kept as a reject with its bytes", async () => {
  const bytes = Buffer.concat([Buffer.from(a28(3), "utf8"), Buffer.from([0x5a, 0xe9, 0xff])]);
  const ack = readAck(parseMessage(await sendBytes(bytes)));
  assert.equal(ack.code, "AR");
  const [kept] = await listRejects(db, { reason: "not UTF-8" });
  assert.ok(kept, "the frame is kept as a reject");
  assert.ok(payloadBytes(kept.payload).equals(bytes));
  assert.match(kept.origin, /^mllp:127\.0\.0\.1:\d+ \(local\)$/);
});

test("a frame that is not HL7 at all is refused AR and kept", async () => {
  const ack = readAck(parseMessage(await sendBytes(Buffer.from("hello, is this MLLP?", "utf8"))));
  assert.equal(ack.code, "AR");
  const kept = (await listRejects(db, { status: "all" })).filter(
    (r) => payloadBytes(r.payload).toString("utf8") === "hello, is this MLLP?",
  );
  assert.equal(kept.length, 1);
});

test("a CSV row holding a NUL byte becomes a reject row with its bytes; the rows after it load", async () => {
  const rows = [
    "patient_id,nhs_number,family_name,given_name,birth_date,sex,postcode,ethnic_category,extracted_at",
    "gp-n1,9434765919,Alpha,Ann,1940-01-02,female,RM17 6VA,A,2014-04-01T02:00:00Z",
    "gp-n2,9876543210,Be\u0000ta,Bob,1950-05-06,male,RM18 4VA,,2014-04-01T02:00:00Z",
    "gp-n3,4010232137,Gamma,Cat,1960-05-06,female,RM16 2AA,,2014-04-01T02:00:00Z",
  ];
  const path = join(dir, "gp-patients.csv");
  writeFileSync(path, `${rows.join("\n")}\n`);
  const r = await loadCsvFile(db, path);
  assert.deepEqual([r.counts.loaded, r.counts.rejected], [2, 1]);
  const names = await db.query<{ family_name: string }>(
    "SELECT family_name FROM person WHERE family_name IN ('Alpha', 'Gamma') ORDER BY family_name",
  );
  assert.deepEqual(
    names.map((x) => x.family_name),
    ["Alpha", "Gamma"],
  );
  const [kept] = await listRejects(db, { reason: "NUL byte" }).then((l) =>
    l.filter((x) => x.format === "csv"),
  );
  assert.ok(kept, "the row is kept as a reject");
  assert.match(kept.reason, /gp-patients\.csv:3:family_name: holds a NUL byte/);
  assert.equal(payloadBytes(kept.payload).toString("utf8"), rows[2]);
  const load = await db.query<{ status: string }>("SELECT status FROM ingest_load WHERE load_id = $1", [
    r.loadId,
  ]);
  assert.equal(load[0].status, "succeeded");
  // Loading the same file again changes nothing: still one reject.
  await loadCsvFile(db, path);
  const again = (await listRejects(db, { reason: "NUL byte" })).filter((x) => x.format === "csv");
  assert.equal(again.length, 1);
});
