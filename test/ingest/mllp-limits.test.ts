// What any sender can make the MLLP listener hold is bounded: frame size, connections in total and per
// source, idle time, time to finish a frame; what a closed connection held is let go.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { frame, VT } from "../../src/ingest/hl7/mllp.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import type { MllpLimits, MllpSource } from "../../src/ingest/mllp-config.ts";
import { type MllpServer, startMllpServer } from "../../src/ingest/mllp-server.ts";
import { listRejects, payloadBytes } from "../../src/ingest/rejects.ts";
import { createLogger } from "../../src/platform/index.ts";
import type { Db } from "../../src/store/index.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { a28Builder, loopbackSource } from "./mllp-harness.ts";

let db: Db;
const logger = createLogger({ level: "silent" });

useTestDb({
  setup(opened) {
    db = opened;
  },
});

async function listen(limits: Partial<MllpLimits>, sources?: MllpSource[]): Promise<MllpServer> {
  return startMllpServer({ db, port: 0, logger, limits, sources });
}

const a28 = a28Builder("lim");

/** An open socket, and a promise that settles when the listener closes it. */
async function open(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect({ port, host: "127.0.0.1" });
  socket.on("error", () => {});
  const started = Date.now();
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - started)));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, closed };
}

const settled = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

test("a frame over the size cap is refused AR with the reason, its head kept as a reject; the connection goes on", async () => {
  const server = await listen({ maxFrameBytes: 4096 });
  try {
    const client = await MllpClient.connect(server.port);
    const big = `${a28(1)}\rNTE|1||${"x".repeat(20_000)}`;
    const ack = readAck(parseMessage(await client.send(big)));
    assert.equal(ack.code, "AR");
    assert.match(ack.errorText, /larger than the 4096 the listener accepts/);
    // The same connection still works for a frame within the cap.
    assert.equal(readAck(parseMessage(await client.send(a28(2)))).code, "AA");
    await client.close();
    const [kept] = await listRejects(db, { reason: "larger than the 4096" });
    assert.ok(kept, "the oversize frame is kept as a reject");
    const bytes = payloadBytes(kept.payload);
    assert.ok(bytes.length >= 4096 && bytes.length < 20_000);
    assert.ok(Buffer.from(big, "utf8").subarray(0, bytes.length).equals(bytes));
    assert.equal(kept.sourceSystem, "acute-pas");
  } finally {
    await server.close();
  }
});

test("connections over the total cap are closed at once; those within it are served", async () => {
  const server = await listen({ maxConnections: 3, maxConnectionsPerSource: 10 });
  try {
    const held = await Promise.all([0, 1, 2].map(() => open(server.port)));
    await sleep(50);
    const extra = await open(server.port);
    assert.equal(await settled(extra.closed, 1000), true, "the fourth connection is closed");
    for (const h of held) assert.equal(h.socket.destroyed, false);
    assert.equal(server.stats().connections, 3);
    assert.equal(server.stats().refusedConnections, 1);
    for (const h of held) h.socket.destroy();
    await sleep(50);
    // Room again once they have gone.
    const client = await MllpClient.connect(server.port);
    assert.equal(readAck(parseMessage(await client.send(a28(3)))).code, "AA");
    await client.close();
  } finally {
    await server.close();
  }
});

test("connections over one source's cap are closed; the cap is per source", async () => {
  const server = await listen({ maxConnections: 20, maxConnectionsPerSource: 2 }, [
    loopbackSource("loopback-v4", { addresses: ["127.0.0.1"] }),
  ]);
  try {
    const held = await Promise.all([0, 1].map(() => open(server.port)));
    await sleep(50);
    const third = await open(server.port);
    assert.equal(await settled(third.closed, 1000), true, "the source's third connection is closed");
    assert.equal(server.stats().connections, 2);
    for (const h of held) h.socket.destroy();
  } finally {
    await server.close();
  }
});

test("an idle connection is closed after the idle time; one that keeps sending is not", async () => {
  const server = await listen({ idleSeconds: 1 });
  try {
    const idle = await open(server.port);
    const busy = await MllpClient.connect(server.port);
    for (let i = 0; i < 4; i++) {
      assert.equal(readAck(parseMessage(await busy.send(a28(100 + i)))).code, "AA");
      await sleep(400);
    }
    assert.equal(await settled(idle.closed, 2000), true, "the idle connection is closed");
    assert.equal(readAck(parseMessage(await busy.send(a28(200)))).code, "AA");
    await busy.close();
    assert.ok(server.stats().timedOut >= 1);
  } finally {
    await server.close();
  }
});

test("a frame trickled a byte at a time is cut off when it does not finish in time", async () => {
  const server = await listen({ frameSeconds: 1, idleSeconds: 60 });
  try {
    const slow = await open(server.port);
    const body = frame(a28(300));
    let i = 0;
    const drip = setInterval(() => {
      if (!slow.socket.destroyed && i < body.length - 1) slow.socket.write(body.subarray(i, ++i));
    }, 50);
    try {
      const ms = await Promise.race([slow.closed, sleep(4000).then(() => -1)]);
      assert.ok(ms > 0 && ms < 3000, `closed after ${ms} ms`);
    } finally {
      clearInterval(drip);
    }
    await sleep(100);
    assert.equal(server.stats().bufferedBytes, 0);
    assert.ok(server.stats().timedOut >= 1);
  } finally {
    await server.close();
  }
});

test("many connections holding unfinished frames hold at most the caps, and let go when they close", async () => {
  const maxFrameBytes = 256 * 1024;
  const server = await listen({
    maxFrameBytes,
    maxConnections: 8,
    maxConnectionsPerSource: 8,
    frameSeconds: 60,
  });
  try {
    const conns = await Promise.all(Array.from({ length: 12 }, () => open(server.port)));
    // Each sends a start block and more than the frame cap, never the end block.
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    for (const c of conns) {
      if (c.socket.destroyed) continue;
      c.socket.write(Buffer.from([VT]));
      for (let k = 0; k < 3; k++) c.socket.write(chunk);
    }
    await sleep(300);
    const during = server.stats();
    assert.ok(during.connections <= 8);
    assert.ok(during.bufferedBytes > 0);
    assert.ok(during.bufferedBytes <= 8 * maxFrameBytes, `${during.bufferedBytes} bytes held`);
    // Past the cap, a frame is not held at all.
    for (const c of conns) if (!c.socket.destroyed) c.socket.write(chunk);
    await sleep(300);
    assert.ok(server.stats().bufferedBytes <= 8 * maxFrameBytes);
    for (const c of conns) c.socket.destroy();
    await sleep(200);
    assert.equal(server.stats().bufferedBytes, 0);
    assert.equal(server.stats().connections, 0);
  } finally {
    await server.close();
  }
});
