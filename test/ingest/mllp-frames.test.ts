// Two or more HL7 messages in one MLLP frame. MLLP carries one message per block, answered by one ACK that
// the sender waits for: the listener refuses such a frame AR with why, applies nothing in it (applying only
// the first lost the rest), keeps it as one reject with all its bytes, and a replay applies each message.
// Through the MLLP listener.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects } from "../../src/ingest/rejects.ts";
import { replayReject } from "../../src/ingest/replay.ts";
import { createLogger } from "../../src/platform/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { loopbackSource, sendOne } from "./mllp-harness.ts";

let server: MllpServer;
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

const a28 = (control: string, id: string, family: string) =>
  [
    `MSH|^~\\&|FRAME-PAS|RX1|ONEPLACE|ONEPLACE|20140601100000+0100||ADT^A28|${control}|P|2.4`,
    "EVN|A28|20140601100000+0100",
    `PID|1||${id}^^^RX1^MR||${family}^ANN||19500101|F`,
  ].join("\r");

async function stored(ids: string[]): Promise<string[]> {
  const rows = await place.db.query<{ id: string }>(
    "SELECT source_record_id AS id FROM mpi_record_link WHERE source_system = 'frame-pas' AND source_record_id = ANY($1::text[]) ORDER BY 1",
    [ids],
  );
  return rows.map((r) => r.id);
}

test("a frame holding two messages is refused AR with why, nothing in it applied, kept whole as one reject; the stream stays in step", async () => {
  const both = `${a28("f1", "RX40000001", "ONE")}\r${a28("f2", "RX40000002", "TWO")}\r`;
  const client = await MllpClient.connect(server.port);
  try {
    const ack = readAck(parseMessage(await client.send(both)));
    assert.equal(ack.code, "AR");
    assert.equal(ack.controlId, "f1", "the ACK names the first message's control id");
    assert.match(ack.errorText, /holds 2 messages/);
    assert.match(ack.errorText, /one message per frame/);
    // The same connection goes on: the next message gets its own ACK, not one left over from the frame.
    const next = readAck(parseMessage(await client.send(a28("f3", "RX40000003", "THREE"))));
    assert.equal(next.code, "AA");
    assert.equal(next.controlId, "f3");
  } finally {
    await client.close();
  }
  assert.deepEqual(await stored(["RX40000001", "RX40000002"]), [], "neither message of the frame applied");

  // The same frame again is the same reject.
  assert.equal((await sendOne(server.port, both)).code, "AR");
  const rejects = (await listRejects(place.db, { sourceSystem: "frame-pas" })).filter(
    (r) => r.status === "open",
  );
  assert.equal(rejects.length, 1);
  assert.match(rejects[0].payload, /RX40000001/);
  assert.match(rejects[0].payload, /RX40000002/, "the whole frame is kept, the second message too");
  assert.match(rejects[0].reason, /holds 2 messages/);

  // Replayed, each message is applied; replayed again, nothing changes.
  const replayed = await replayReject(place.db, rejects[0].rejectId, "test");
  assert.equal(replayed.accepted, true, replayed.reason ?? undefined);
  assert.deepEqual(await stored(["RX40000001", "RX40000002"]), ["RX40000001", "RX40000002"]);
  const again = await replayReject(place.db, rejects[0].rejectId, "test");
  assert.equal(again.reason, "already replayed");
  const messages = await place.db.query<{ n: number }>(
    "SELECT count(*) AS n FROM ingest_message WHERE source_system = 'frame-pas' AND control_id IN ('f1', 'f2')",
  );
  assert.equal(Number(messages[0].n), 2);
});

test("a frame with a good and a bad message: replay applies the good one and keeps the bad one as its own reject", async () => {
  const bad = a28("g2", "RX40000012", "").replace("||^ANN|", "|||"); // no name: refused AE
  const frame = `${a28("g1", "RX40000011", "ELEVEN")}\n${bad}`;
  const ack = await sendOne(server.port, frame);
  assert.equal(ack.code, "AR");
  const [reject] = (await listRejects(place.db, { sourceSystem: "frame-pas" })).filter((r) =>
    r.payload.includes("RX40000011"),
  );
  const replayed = await replayReject(place.db, reject.rejectId, "test");
  assert.equal(replayed.accepted, false);
  assert.match(replayed.reason ?? "", /1 of the frame's 2 messages applied/);
  assert.deepEqual(await stored(["RX40000011", "RX40000012"]), ["RX40000011"]);
  const open = (await listRejects(place.db, { sourceSystem: "frame-pas" })).filter(
    (r) => r.status === "open",
  );
  assert.equal(open.length, 1, "the frame's reject is done with; the bad message is a reject of its own");
  assert.match(open[0].payload, /RX40000012/);
  assert.doesNotMatch(open[0].payload, /RX40000011/);
});

test("a batch envelope in one frame is refused with why; one message with Z-segments is not", async () => {
  const batch = `BHS|^~\\&|FRAME-PAS|RX1\r${a28("b1", "RX40000021", "BATCH")}\rBTS|1\r`;
  const ack = await sendOne(server.port, batch);
  assert.equal(ack.code, "AR");
  assert.match(ack.errorText, /batch envelope/);
  const one = `${a28("z1", "RX40000022", "ZED")}\rZPI|1|MSHx\r`;
  assert.equal((await sendOne(server.port, one)).code, "AA");
});
