import { isUtf8 } from "node:buffer";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import type { Db } from "../store/index.ts";
import { buildAck, HL7_ERROR, type Hl7ErrorCondition } from "./hl7/ack.ts";
import { type Hl7Outcome, internalError } from "./hl7/apply.ts";
import { applyHl7Batch } from "./hl7/many.ts";
import { frame, MllpDecoder } from "./hl7/mllp.ts";

// The MLLP listener. Each frame becomes a message on a lane's queue; a lane takes what is waiting (up to a
// batch), applies each message in its own savepoint of one transaction, commits, and only then writes the
// ACKs (group commit: one commit for many messages, none acknowledged before it is durable). Messages about
// the same patient always go to the same lane, so lanes never wait on each other for one patient. ACKs go
// back to each connection in the order its messages arrived.

export interface MllpServerOptions {
  db: Db;
  host?: string;
  port: number;
  logger: Logger;
  /** Parallel writers: one connection each. Default 1 on the embedded engine, 3 on a server. */
  lanes?: number;
  maxBatch?: number;
  maxFrameBytes?: number;
}

export interface MllpStats {
  connections: number;
  received: number;
  acked: { AA: number; AE: number; AR: number };
  queued: number;
  lastMessageAt: string | null;
}

export interface MllpServer {
  port: number;
  stats(): MllpStats;
  close(): Promise<void>;
}

interface Job {
  raw: string;
  origin: string;
  done: (ack: Buffer) => void;
}

function charsetDecode(body: Buffer): string | null {
  if (isUtf8(body)) return body.toString("utf8");
  // MSH-18 may declare an 8-bit character set.
  const head = body.subarray(0, Math.min(body.length, 512)).toString("latin1");
  const msh = head.split(/\r|\n/)[0] ?? "";
  const fields = msh.length > 3 ? msh.split(msh[3]) : [];
  const charset = (fields[17] ?? "").trim().toUpperCase();
  if (charset === "8859/1" || charset === "8859/15" || charset === "ASCII") return body.toString("latin1");
  return null;
}

/** The lane for a message: by the patient's first PID-3 identifier, so one patient's messages stay in order. */
function laneOf(raw: string, lanes: number): number {
  if (lanes === 1) return 0;
  const at = raw.indexOf("\rPID");
  if (at === -1) return 0;
  const sep = raw[at + 4];
  const end = raw.indexOf("\r", at + 1);
  const fields = raw.slice(at + 1, end === -1 ? undefined : end).split(sep);
  const id = (fields[3] ?? "").split(/[~^]/)[0];
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % lanes;
}

class Lane {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #maxBatch: number;
  readonly #onOutcome: (o: Hl7Outcome) => void;
  #queue: Job[] = [];
  #running = false;
  #idle: (() => void)[] = [];

  constructor(db: Db, logger: Logger, maxBatch: number, onOutcome: (o: Hl7Outcome) => void) {
    this.#db = db;
    this.#logger = logger;
    this.#maxBatch = maxBatch;
    this.#onOutcome = onOutcome;
  }

  get depth(): number {
    return this.#queue.length;
  }

  push(job: Job): void {
    this.#queue.push(job);
    if (!this.#running) void this.#run();
  }

  whenIdle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        const acks = await this.#apply(batch);
        for (let i = 0; i < batch.length; i++) batch[i].done(acks[i]);
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #apply(batch: Job[]): Promise<Buffer[]> {
    const onError = (error: unknown) =>
      this.#logger.error(
        { err: { type: (error as Error)?.name, code: (error as { code?: string })?.code } },
        "mllp: message failed",
      );
    try {
      const outcomes = await applyHl7Batch(
        this.#db,
        batch.map((j) => ({ raw: j.raw, ctx: { origin: j.origin } })),
        onError,
      );
      for (const o of outcomes) this.#onOutcome(o);
      return outcomes.map((o) => frame(o.ack));
    } catch (error) {
      // The commit itself failed: nothing in the batch is stored. Try each message alone so one cannot sink the rest.
      onError(error);
      if (batch.length === 1) {
        return [frame(buildAck({ code: "AE", controlId: "", error: internalError() }))];
      }
      const acks: Buffer[] = [];
      for (const job of batch) acks.push(...(await this.#apply([job])));
      return acks;
    }
  }
}

export async function startMllpServer(options: MllpServerOptions): Promise<MllpServer> {
  const { db, logger } = options;
  const laneCount = options.lanes ?? (db.engine === "pglite" ? 1 : 3);
  const stats: MllpStats = {
    connections: 0,
    received: 0,
    acked: { AA: 0, AE: 0, AR: 0 },
    queued: 0,
    lastMessageAt: null,
  };
  const lanes = Array.from(
    { length: laneCount },
    () =>
      new Lane(db, logger, options.maxBatch ?? 64, (o) => {
        stats.acked[o.code]++;
      }),
  );
  const sockets = new Set<Socket>();

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    stats.connections++;
    const peer = `mllp:${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    logger.info({ peer }, "mllp: connection opened");
    const decoder = new MllpDecoder(options.maxFrameBytes);
    // ACKs are written in arrival order whatever order lanes finish in.
    let order: Promise<void> = Promise.resolve();
    const send = (ack: Promise<Buffer>) => {
      order = order.then(async () => {
        const bytes = await ack;
        if (!socket.destroyed) socket.write(bytes);
      });
    };
    // A frame that never became a message: refused (AR) without a control id to echo.
    const refuse = (condition: Hl7ErrorCondition, message: string) =>
      send(Promise.resolve(frame(buildAck({ code: "AR", controlId: "", error: { condition, message } }))));
    socket.on("data", (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.kind === "junk") {
          logger.warn({ peer, bytes: event.bytes }, "mllp: bytes outside a frame ignored");
          continue;
        }
        if (event.kind === "oversize") {
          logger.warn({ peer, bytes: event.bytes }, "mllp: frame too large, discarded");
          refuse(HL7_ERROR.applicationInternalError, "frame larger than the listener accepts");
          continue;
        }
        stats.received++;
        stats.lastMessageAt = new Date().toISOString();
        const raw = charsetDecode(event.body);
        if (raw === null) {
          refuse(HL7_ERROR.dataTypeError, "message is not UTF-8 and MSH-18 declares no other character set");
          continue;
        }
        const lane = lanes[laneOf(raw, laneCount)];
        send(new Promise<Buffer>((resolve) => lane.push({ raw, origin: peer, done: resolve })));
      }
      stats.queued = lanes.reduce((n, l) => n + l.depth, 0);
    });
    socket.on("error", (error) =>
      logger.warn({ peer, code: (error as { code?: string }).code }, "mllp: socket error"),
    );
    socket.on("close", () => {
      sockets.delete(socket);
      stats.connections--;
      if (decoder.pendingBytes > 0) {
        logger.warn(
          { peer, bytes: decoder.pendingBytes },
          "mllp: sender disconnected mid-frame; the partial message was not applied",
        );
      }
      logger.info({ peer }, "mllp: connection closed");
    });
  };

  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  logger.info({ port, lanes: laneCount }, "mllp: listening");
  return {
    port,
    stats: () => ({ ...stats, acked: { ...stats.acked }, queued: lanes.reduce((n, l) => n + l.depth, 0) }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(lanes.map((l) => l.whenIdle()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
