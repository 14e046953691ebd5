import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { availableParallelism } from "node:os";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { Logger } from "pino";
import {
  analyzeGrownTables,
  type Db,
  GroupCommit,
  PipelinedCommit,
  PreviousBatchFailed,
  type Turn,
  type Write,
} from "../store/index.ts";
import { buildAck, HL7_ERROR, type Hl7ErrorCondition } from "./hl7/ack.ts";
import { type Hl7Outcome, internalError } from "./hl7/apply.ts";
import { decodeHl7Bytes, sendingParty, sniffHeader } from "./hl7/charset.ts";
import { ADT_BATCH_TABLES, applyHl7Batch } from "./hl7/many.ts";
import { frame, MllpDecoder } from "./hl7/mllp.ts";
import { messagesInFrame, splitText } from "./hl7/split.ts";
import {
  type CompiledSource,
  certificateNamesOf,
  compileSources,
  DEFAULT_LIMITS,
  isLoopback,
  LOCAL_SOURCE,
  type MllpConfig,
  MllpConfigError,
  type MllpLimits,
  plainAddress,
  sourceOf,
} from "./mllp-config.ts";
import { recordReject } from "./rejects.ts";
import { type PeopleTouched, peopleOf } from "./touched.ts";

// The MLLP listener. Each frame becomes a message on a lane's queue; the lane takes what is waiting (up to a
// batch), applies the messages in one transaction (a failure runs them again, each in its own savepoint),
// commits, and only then writes the ACKs (one commit for many messages, none acknowledged before it is
// durable). An idle lane waits a moment (DEFAULT_GATHER_MS) for other connections' messages, or less once every
// connection is waiting for an ACK (nothing more can come) or idle (nothing owed, and not answered by the latest
// batch: its sender is not about to send) (store/group-commit.ts). With `overlap` a lane's
// batches overlap (store/pipelined-commit.ts): the next batch is gathered, parsed, locked, read and decided while
// the last one links, writes and commits, and it writes only once that one has committed. Messages about
// the same patient always go to the same lane, so lanes never wait on each other for one patient. ACKs go
// back to each connection in the order its messages arrived.
//
// Who may send is an allow-list of sources (mllp-config.ts): a connection from an address no source allows
// (or, with TLS, without a certificate a source names) is closed before a byte is read; a message whose MSH-3
// or MSH-4 its source may not send as is refused. Without configured sources, only this machine may send,
// and the listener refuses to listen anywhere but loopback. A source's merges are applied only when it is
// trusted for merges; otherwise they go to the MPI review queue. Connections are capped in total and per
// source, idle connections and frames that never finish are cut off, frames are capped in size, and every
// frame refused (AR) or failed (AE) is kept as a reject with its bytes.

export interface MllpServerOptions extends MllpConfig {
  db: Db;
  port: number;
  logger: Logger;
  /** Parallel writers: one connection each. Default 1 on the embedded engine; on a server 3, or a core less than there are. */
  lanes?: number;
  maxBatch?: number;
  /**
   * Whether a lane's next batch begins while the last links, writes and commits (two connections a lane; no
   * gain on the embedded engine, whose one connection runs one transaction at a time). Default off: on a shared
   * 2-core machine it made batches smaller and cost more CPU a message (src/ingest/README.md).
   */
  overlap?: boolean;
  /** How long a lane waits for more messages before it starts a transaction (less once none can come). */
  gatherMs?: number;
  /** Shorthand for limits.maxFrameBytes. */
  maxFrameBytes?: number;
  /** Told the people each batch's applied messages are about (e.g. by a face that queues them for rescoring). */
  touched?: PeopleTouched;
}

export interface MllpStats {
  connections: number;
  /** Connections closed at once: from no allowed source, or over a connection cap. */
  refusedConnections: number;
  /** Connections closed for idling or for a frame that did not finish in time. */
  timedOut: number;
  received: number;
  acked: { AA: number; AE: number; AR: number };
  queued: number;
  /** Bytes held in unfinished frames, over all connections. */
  bufferedBytes: number;
  lastMessageAt: string | null;
}

export interface MllpServer {
  /** The address it listens on. */
  host: string;
  port: number;
  stats(): MllpStats;
  close(): Promise<void>;
}

/** Long enough for a burst from several connections to land in one commit, short beside a commit. */
export const DEFAULT_GATHER_MS = 2;

/**
 * How often (while batches are being written) the listener looks whether the tables they use have grown enough
 * to be analysed again. A batch's statements run plans made once per connection, which PostgreSQL makes again
 * after an ANALYZE; autovacuum may take a minute to analyse a new place's tables (and the embedded engine never
 * does), and until then a plan made for the empty tables scans what the feed has stored since.
 */
export const STATISTICS_SECONDS = 2;

/** Analyses the batches' tables as they grow (analyzeGrownTables), off the path to the ACK. */
function keepStatistics(db: Db, logger: Logger) {
  let wrote = false;
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (!wrote || running) return;
    wrote = false;
    running = analyzeGrownTables(db, ADT_BATCH_TABLES)
      .then(() => undefined)
      .catch((error: unknown) =>
        logger.warn({ err: { type: (error as Error)?.name } }, "mllp: could not analyse the feed's tables"),
      )
      .finally(() => {
        running = null;
      });
  }, STATISTICS_SECONDS * 1000);
  timer.unref();
  return {
    wrote() {
      wrote = true;
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

interface Job {
  raw: string;
  origin: string;
  merges: "apply" | "review";
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

/**
 * A writer lane: a group commit of messages, each answered by its ACK. On a server its batches overlap
 * (store/pipelined-commit.ts: the next is parsed, locked and read while the last commits); on the embedded
 * engine, whose one connection runs one transaction at a time, the next gathers while the last is written
 * (store/group-commit.ts).
 */
type Lane = Pick<GroupCommit<Job, Buffer>, "submit" | "depth" | "whenIdle">;

/**
 * Applies a lane's batch in one transaction and returns the ACKs. A batch whose commit fails throws, and the
 * group commit applies each message alone; a message that fails alone is kept as a reject and answered AE.
 */
function laneWriter(db: Db, logger: Logger, onOutcome: (o: Hl7Outcome) => void, touched?: PeopleTouched) {
  const onError = (error: unknown) =>
    logger.error(
      { err: { type: (error as Error)?.name, code: (error as { code?: string })?.code } },
      "mllp: message failed",
    );
  return async (batch: Job[], turn?: Turn): Promise<Buffer[]> => {
    try {
      const outcomes = await applyHl7Batch(
        db,
        batch.map((j) => ({ raw: j.raw, ctx: { origin: j.origin, merges: j.merges } })),
        onError,
        // People are queued in the batch's statement of writes when the face can say how as one write;
        // otherwise in a step of their own before the commit.
        touched && !touched.inTransactionWrite
          ? async (tx, out) => {
              const people = peopleOf(out);
              if (people.length > 0) await touched.inTransaction(tx, people);
            }
          : undefined,
        touched?.inTransactionWrite
          ? (people) => (touched.inTransactionWrite as (p: string[]) => Write | null)(people)
          : undefined,
        turn,
      );
      for (const o of outcomes) onOutcome(o);
      const people = touched ? peopleOf(outcomes) : [];
      if (people.length > 0) touched?.committed(people);
      return outcomes.map((o) => frame(o.ack));
    } catch (error) {
      // Rolled back because the batch before failed: its lane writes this one again after it.
      if (error instanceof PreviousBatchFailed) throw error;
      // The commit itself failed: nothing in the batch is stored.
      onError(error);
      if (batch.length > 1) throw error;
      // Even its reject could not be written with it: keep the message on its own, then answer AE.
      const failure = internalError();
      await keepFrame(
        db,
        Buffer.from(batch[0].raw, "utf8"),
        batch[0].origin,
        "AE",
        failure.condition,
        failure.message,
      ).catch((e) => onError(e));
      const { controlId } = sniffHeader(batch[0].raw);
      return [frame(buildAck({ code: "AE", controlId, error: failure }))];
    }
  };
}

/**
 * Keeps a frame that was refused or failed before it could be applied (not UTF-8 nor its declared character
 * set, too large, from a sender not allowed to send as its MSH-3/MSH-4, or failing with its batch), with its
 * bytes, so nothing acknowledged AR or AE is lost. The same frame refused twice is one reject.
 */
export async function keepFrame(
  db: Db,
  bytes: Buffer,
  origin: string,
  code: "AR" | "AE",
  condition: Hl7ErrorCondition,
  message: string,
): Promise<void> {
  const sniff = sniffHeader(bytes.subarray(0, 1024).toString("latin1"));
  await recordReject(db, {
    sourceSystem: sniff.sourceSystem,
    format: "hl7",
    layout: null,
    origin,
    originKey: `frame:${code}:sha256:${createHash("sha256").update(bytes).digest("hex")}`,
    location: null,
    reason: `${condition.code} ${condition.text}: ${message}`,
    payload: bytes,
  });
}

/**
 * Why a frame holding more than one message (or a batch envelope) is refused, or null for one message. MLLP
 * carries one message per block and original mode answers each with one ACK, which the sender waits for
 * before it sends again: answering a frame with several ACKs would pair the later ones with the sender's next
 * messages, and applying only the first would lose the rest. So the whole frame is refused AR, nothing in it
 * applied, and it is kept as one reject, whose replay applies each message in it.
 */
export function severalMessages(raw: string): string | null {
  const count = messagesInFrame(raw);
  if (count <= 1) return null;
  const messages = splitText(raw).length;
  const what = messages > 1 ? `${messages} messages (MSH segments)` : "a batch envelope (FHS/BHS)";
  return `the frame holds ${what}, and MLLP carries one message per frame, each with its own ACK: nothing in this frame was applied; send each message in a frame of its own (a batch file: oneplace ingest hl7), or replay this reject to apply each message in it`;
}

interface Connection {
  socket: Socket;
  source: CompiledSource;
  decoder: MllpDecoder;
  /** Messages received whose ACK has not been written yet. */
  owed: number;
  /** The listener's count of batches done when this connection's last ACK was written (or it was opened). */
  answeredAfter: number;
}

function limitsOf(options: MllpServerOptions): MllpLimits {
  return {
    ...DEFAULT_LIMITS,
    ...(options.maxFrameBytes ? { maxFrameBytes: options.maxFrameBytes } : {}),
    ...options.limits,
  };
}

/** Everything a connection handler needs from its listener. */
interface Listener {
  db: Db;
  logger: Logger;
  options: MllpServerOptions;
  limits: MllpLimits;
  sources: CompiledSource[];
  lanes: Lane[];
  /** Batches written so far, over all lanes: what a connection's answeredAfter is counted in. */
  batches: { done: number };
  stats: MllpStats;
  connections: Set<Connection>;
  perSource: Map<string, number>;
}

/** One connection: who it is from (or closed at once), its frames to the lanes, its ACKs back in order. */
function onConnection(listener: Listener, socket: Socket): void {
  const { db, logger, options, limits, sources, lanes, batches, stats, connections, perSource } = listener;
  const laneCount = lanes.length;
  const address = plainAddress(socket.remoteAddress ?? "");
  const peer = `mllp:${address || "?"}:${socket.remotePort ?? "?"}`;
  const tls = options.tls ? (socket as TLSSocket) : null;
  const names = tls?.authorized ? certificateNamesOf(tls.getPeerCertificate()) : null;
  const source = tls && options.tls?.ca && !tls.authorized ? null : sourceOf(sources, address, names);
  const refuse = (why: string) => {
    stats.refusedConnections++;
    logger.warn({ peer, why }, "mllp: connection refused");
    socket.destroy();
  };
  const refusal = !source
    ? "no allowed source"
    : connections.size >= limits.maxConnections
      ? "too many connections"
      : (perSource.get(source.name) ?? 0) >= limits.maxConnectionsPerSource
        ? `too many connections from source ${source.name}`
        : null;
  if (!source || refusal) {
    refuse(refusal ?? "no allowed source");
    return;
  }

  const conn: Connection = {
    socket,
    source,
    decoder: new MllpDecoder(limits.maxFrameBytes),
    owed: 0,
    // A new connection is waited for like one just answered: its sender is about to send.
    answeredAfter: batches.done,
  };
  connections.add(conn);
  perSource.set(source.name, (perSource.get(source.name) ?? 0) + 1);
  socket.setNoDelay(true);
  stats.connections++;
  const origin = `${peer} (${source.name})`;
  logger.info({ peer, source: source.name }, "mllp: connection opened");

  // Idle: nothing received and no ACK owed for idleSeconds. A frame begun must finish within frameSeconds.
  socket.setTimeout(limits.idleSeconds * 1000);
  socket.on("timeout", () => {
    if (conn.owed > 0 || conn.decoder.pendingBytes > 0) return;
    stats.timedOut++;
    logger.warn({ peer, source: source.name }, "mllp: idle connection closed");
    socket.destroy();
  });
  let frameTimer: NodeJS.Timeout | null = null;
  const watchFrame = () => {
    if (conn.decoder.pendingBytes === 0) {
      if (frameTimer) clearTimeout(frameTimer);
      frameTimer = null;
    } else if (!frameTimer) {
      frameTimer = setTimeout(() => {
        stats.timedOut++;
        logger.warn(
          { peer, source: source.name, bytes: conn.decoder.pendingBytes },
          "mllp: a frame did not finish in time; connection closed",
        );
        socket.destroy();
      }, limits.frameSeconds * 1000);
      frameTimer.unref();
    }
  };

  // ACKs are written in arrival order whatever order lanes finish in.
  let order: Promise<void> = Promise.resolve();
  const send = (answer: () => Promise<Buffer>) => {
    // Counted first: a lane starts its batch at once when every connection is waiting for an answer.
    conn.owed++;
    const ack = answer();
    order = order.then(async () => {
      const bytes = await ack;
      conn.owed--;
      conn.answeredAfter = batches.done;
      if (!socket.destroyed) socket.write(bytes);
    });
  };
  // A frame that never became a message: kept as a reject, then refused (AR) without a control id to echo.
  const refuseFrame = (bytes: Buffer, condition: Hl7ErrorCondition, message: string, controlId = "") =>
    send(() =>
      keepFrame(db, bytes, origin, "AR", condition, message)
        .catch((error) =>
          logger.error(
            { peer, err: { type: (error as Error)?.name } },
            "mllp: could not keep a refused frame",
          ),
        )
        .then(() => {
          stats.acked.AR++;
          return frame(buildAck({ code: "AR", controlId, error: { condition, message } }));
        }),
    );
  const allowedParty = (raw: string): string | null => {
    const party = sendingParty(raw);
    if (source.sendingApplications.length > 0 && !source.sendingApplications.includes(party.application))
      return `MSH-3 sending application is not one source ${source.name} may send as`;
    if (source.sendingFacilities.length > 0 && !source.sendingFacilities.includes(party.facility))
      return `MSH-4 sending facility is not one source ${source.name} may send as`;
    return null;
  };
  socket.on("data", (chunk: Buffer) => {
    for (const event of conn.decoder.push(chunk)) {
      if (event.kind === "junk") {
        logger.warn({ peer, bytes: event.bytes }, "mllp: bytes outside a frame ignored");
        continue;
      }
      stats.received++;
      stats.lastMessageAt = new Date().toISOString();
      if (event.kind === "oversize") {
        logger.warn({ peer, bytes: event.bytes }, "mllp: frame too large, discarded");
        refuseFrame(
          event.head,
          HL7_ERROR.applicationInternalError,
          `frame of ${event.bytes} bytes is larger than the ${limits.maxFrameBytes} the listener accepts; its first ${event.head.length} bytes are kept`,
        );
        continue;
      }
      const raw = decodeHl7Bytes(event.body);
      if (raw === null) {
        refuseFrame(
          event.body,
          HL7_ERROR.dataTypeError,
          "message is not UTF-8 and MSH-18 declares no other character set",
        );
        continue;
      }
      const notAllowed = allowedParty(raw);
      if (notAllowed) {
        logger.warn({ peer, source: source.name }, "mllp: message from a party the source may not send as");
        refuseFrame(event.body, HL7_ERROR.applicationInternalError, notAllowed, sniffHeader(raw).controlId);
        continue;
      }
      const several = severalMessages(raw);
      if (several) {
        logger.warn({ peer, source: source.name }, "mllp: a frame holding more than one message refused");
        refuseFrame(event.body, HL7_ERROR.segmentSequence, several, sniffHeader(raw).controlId);
        continue;
      }
      const lane = lanes[laneOf(raw, laneCount)];
      const merges = source.trustMerges ? "apply" : "review";
      send(() => lane.submit({ raw, origin, merges }));
    }
    watchFrame();
    stats.queued = lanes.reduce((n, l) => n + l.depth, 0);
  });
  socket.on("error", (error) =>
    logger.warn({ peer, code: (error as { code?: string }).code }, "mllp: socket error"),
  );
  socket.on("close", () => {
    if (frameTimer) clearTimeout(frameTimer);
    connections.delete(conn);
    perSource.set(source.name, (perSource.get(source.name) ?? 1) - 1);
    stats.connections--;
    if (conn.decoder.pendingBytes > 0) {
      logger.warn(
        { peer, bytes: conn.decoder.pendingBytes },
        "mllp: sender disconnected mid-frame; the partial message was not applied",
      );
    }
    // What an unfinished frame held is let go now, not when the connection object is collected.
    conn.decoder.reset();
    logger.info({ peer }, "mllp: connection closed");
  });
}

export async function startMllpServer(options: MllpServerOptions): Promise<MllpServer> {
  const { db, logger } = options;
  const host = options.host ?? "127.0.0.1";
  const configured = options.sources ?? [];
  if (configured.length === 0 && !isLoopback(host)) {
    throw new MllpConfigError(
      `The MLLP listener will not listen on ${host} without an allow-list: configure its sources (ONEPLACE_MLLP_CONFIG), or listen on 127.0.0.1`,
    );
  }
  const byCertificate = configured.filter((s) => s.certificateNames.length > 0).map((s) => s.name);
  if (byCertificate.length > 0 && !options.tls?.ca) {
    throw new MllpConfigError(
      `MLLP source(s) ${byCertificate.join(", ")} name client certificates, but TLS with a caFile for client certificates is not configured`,
    );
  }
  const sources = compileSources(configured.length > 0 ? configured : [LOCAL_SOURCE]);
  const limits = limitsOf(options);
  // On a server, up to 3 writers, leaving a core for the listener and the database: on 2 cores, parallel
  // writers only contend (measured: 1 lane 601 messages/s, 3 lanes 318/s, bench/ingest-mllp.ts).
  const laneCount =
    options.lanes ?? (db.engine === "pglite" ? 1 : Math.max(1, Math.min(3, availableParallelism() - 1)));
  const stats: MllpStats = {
    connections: 0,
    refusedConnections: 0,
    timedOut: 0,
    received: 0,
    acked: { AA: 0, AE: 0, AR: 0 },
    queued: 0,
    bufferedBytes: 0,
    lastMessageAt: null,
  };
  const connections = new Set<Connection>();
  const statistics = keepStatistics(db, logger);
  const batches = { done: 0 };
  const writeBatch = laneWriter(
    db,
    logger,
    (o) => {
      stats.acked[o.code]++;
      statistics.wrote();
    },
    options.touched,
  );
  const write: typeof writeBatch = async (batch, turn) => {
    try {
      return await writeBatch(batch, turn);
    } finally {
      batches.done++;
    }
  };
  // A connection the latest batch answered is about to send again (a sender in original mode waits only for its
  // ACK): the next batch waits for it. One with no ACK owed that the latest batch did not answer is idle (its
  // sender has nothing to send, or has finished): waiting for it would only add gatherMs to every batch (in
  // bench/ingest-mllp.ts, the 20% of rounds after the first sender finished, each 2 ms longer).
  const idle = (c: Connection) => c.owed === 0 && c.answeredAfter !== batches.done;
  // Original mode: a sender waits for its ACK before it sends again, so once every connection has a message
  // waiting for a batch nothing more can arrive and gathering longer would only add latency. (One whose message
  // is in the batch being written will send again as soon as it has its ACK: the next batch waits for it.)
  // Overlapping batches: a message is either queued or in the batch before, whose senders cannot send again
  // before its ACK; so once every connection waits for an ACK, nothing more can come for this batch.
  const everyoneWaiting = () => {
    for (const c of connections) if (c.owed === 0 && !idle(c)) return false;
    return true;
  };
  const everyoneQueued = () => {
    let queued = 0;
    for (const l of lanes) queued += l.depth;
    let owing = 0;
    for (const c of connections) {
      if (c.owed > 0) owing++;
      else if (!idle(c)) return false;
    }
    return queued >= owing;
  };
  const maxBatch = options.maxBatch ?? 64;
  const overlap = options.overlap ?? false;
  const lanes: Lane[] = Array.from({ length: laneCount }, () =>
    overlap
      ? new PipelinedCommit({
          write,
          maxBatch,
          gatherMs: options.gatherMs ?? DEFAULT_GATHER_MS,
          ready: everyoneWaiting,
        })
      : new GroupCommit({
          write,
          maxBatch,
          gatherMs: options.gatherMs ?? DEFAULT_GATHER_MS,
          ready: everyoneQueued,
        }),
  );
  const perSource = new Map<string, number>();

  const listener: Listener = {
    db,
    logger,
    options,
    limits,
    sources,
    lanes,
    batches,
    stats,
    connections,
    perSource,
  };
  const accept = (socket: Socket) => onConnection(listener, socket);

  const server: Server = options.tls
    ? createTlsServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: Boolean(options.tls.ca),
          rejectUnauthorized: Boolean(options.tls.ca),
          minVersion: "TLSv1.2",
        },
        accept,
      )
    : createServer(accept);
  server.maxConnections = limits.maxConnections + 16;
  if (options.tls) {
    server.on("tlsClientError", (error, socket) => {
      stats.refusedConnections++;
      logger.warn(
        {
          peer: `mllp:${plainAddress(socket.remoteAddress ?? "?")}`,
          code: (error as { code?: string }).code,
        },
        "mllp: TLS handshake refused",
      );
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await statistics.stop();
    throw error;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  logger.info(
    { port, lanes: laneCount, tls: Boolean(options.tls), sources: sources.map((s) => s.name) },
    "mllp: listening",
  );
  return {
    host,
    port,
    stats: () => ({
      ...stats,
      acked: { ...stats.acked },
      queued: lanes.reduce((n, l) => n + l.depth, 0),
      bufferedBytes: [...connections].reduce((n, c) => n + c.decoder.pendingBytes, 0),
    }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(lanes.map((l) => l.whenIdle()));
      await statistics.stop();
      for (const c of connections) c.socket.destroy();
      await closed;
    },
  };
}
