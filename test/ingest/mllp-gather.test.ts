// The listener's group commit gathers the messages of senders that each wait for their ACK into one batch, and
// does not wait for a connection that is idle (connected, nothing owed, not answered by the latest batch).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { a28Builder, loopbackSource } from "./mllp-harness.ts";

/** Long beside a commit, so a wait for it shows whatever the machine's load. */
const GATHER_MS = 1000;
let db: Db;
let server: MllpServer;
let transactions = 0;

useTestDb({
  async setup(opened) {
    db = opened;
    const counted: Db = Object.create(db);
    counted.transaction = (fn) => {
      transactions++;
      return db.transaction(fn);
    };
    server = await startMllpServer({
      db: counted,
      port: 0,
      logger: createLogger({ level: "silent" }),
      sources: [loopbackSource("acute")],
      gatherMs: GATHER_MS,
    });
  },
  teardown: () => server?.close(),
});

const a28 = a28Builder("gather");
let patient = 0;
const send = async (client: MllpClient) => readAck(parseMessage(await client.send(a28(++patient)))).code;

test("four senders each waiting for its ACK: their messages are committed together, a batch a round", async () => {
  const clients = await Promise.all([0, 1, 2, 3].map(() => MllpClient.connect(server.port)));
  const before = transactions;
  const codes = await Promise.all(
    clients.map(async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 8; i++) out.push(await send(c));
      return out;
    }),
  );
  const used = transactions - before;
  await Promise.all(clients.map((c) => c.close()));
  assert.deepEqual(new Set(codes.flat()), new Set(["AA"]));
  assert.equal(codes.flat().length, 32);
  // 8 rounds of 4: a batch each (the first message may go alone, its connection's first, before the others
  // have sent), never a batch a message.
  assert.ok(used <= 12, `${used} transactions for 32 messages in 8 rounds`);
  const [stored] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM ingest_message WHERE control_id LIKE 'gather%'",
  );
  assert.equal(stored.n, 32);
});

test("a sender is not kept waiting for a connection that is idle", async () => {
  const quiet = await MllpClient.connect(server.port);
  const busy = await MllpClient.connect(server.port);
  try {
    // The quiet connection sends once, is answered, and sends nothing more.
    assert.equal(await send(quiet), "AA");
    const started = performance.now();
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await send(busy));
    const ms = performance.now() - started;
    assert.deepEqual(codes, ["AA", "AA", "AA", "AA", "AA", "AA"]);
    // Waiting for the quiet connection would cost GATHER_MS a message (6 s); the first may wait once, as the
    // quiet one was answered by the batch before it.
    assert.ok(ms < 5 * GATHER_MS, `6 messages took ${Math.round(ms)} ms`);
  } finally {
    await Promise.all([quiet.close(), busy.close()]);
  }
});
