import { readFileSync } from "node:fs";
import { startAdmissionNotifier } from "../../care/index.ts";
import {
  MllpClient,
  type MllpConfig,
  MllpConfigError,
  type MllpServer,
  parseMessage,
  readAck,
  readMllpConfigFile,
  splitMessages,
  startMllpServer,
} from "../../ingest/index.ts";
import type { Db } from "../../platform/index.ts";
import { createLogger, readSettings } from "../../platform/index.ts";
import { defineCommand, flag, int, path, text } from "../command.ts";
import { out } from "../context.ts";
import { unavailable, usageError } from "../errors.ts";
import { listenerRescorer } from "../rescore.ts";

// `oneplace mllp`: the HL7v2 MLLP listener on its own (`oneplace serve` starts it with the web server), and
// `oneplace mllp send` to send a batch file to a listener, one message at a time, waiting for each ACK.

export const DEFAULT_MLLP_PORT = 2575;

/** The listener's configuration: ONEPLACE_MLLP_CONFIG's file, or none (senders on this machine only). */
export function listenerConfig(): MllpConfig {
  const file = readSettings().mllpConfigFile;
  return file ? readMllpConfigFile(file) : {};
}

/**
 * Starts the listener: the address is the one given, else the configuration's, else 127.0.0.1 (never the web
 * server's); the port likewise, else 2575.
 */
export async function startListener(
  db: Db,
  where: { host?: string; port?: number; lanes?: number; rescore?: boolean; overlap?: boolean },
): Promise<MllpServer> {
  const config = listenerConfig();
  const host = where.host ?? config.host ?? "127.0.0.1";
  const port = where.port ?? config.port ?? DEFAULT_MLLP_PORT;
  // The people each batch applied are queued with it and rescored together a moment after the ACKs.
  const rescoring = where.rescore === false ? null : listenerRescorer(db);
  try {
    const server = await startMllpServer({
      ...config,
      db,
      host,
      port,
      lanes: where.lanes,
      overlap: where.overlap,
      logger: createLogger(),
      touched: rescoring?.touched,
    });
    return {
      ...server,
      stats: () => server.stats(),
      async close() {
        await server.close();
        await rescoring?.rescorer.stop();
      },
    };
  } catch (cause) {
    await rescoring?.rescorer.stop();
    if (cause instanceof MllpConfigError) throw cause;
    const code = (cause as { code?: string }).code;
    throw unavailable(
      "cli.mllp-listen",
      code === "EADDRINUSE"
        ? `MLLP port ${port} is already in use.`
        : `Cannot start the MLLP listener on ${host}:${port}: ${(cause as Error).message}`,
      { hint: "Choose another port.", cause },
    );
  }
}

function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

const port = (description: string, min: number) =>
  int(description, { valueName: "port", min, max: 65_535, default: DEFAULT_MLLP_PORT });
const listenPort = int(
  `Port to listen on (default: the configuration's, else ${DEFAULT_MLLP_PORT}; 0 for any free port)`,
  {
    valueName: "port",
    min: 0,
    max: 65_535,
  },
);
const listenHost = text("Address to listen on (default: the configuration's, else 127.0.0.1)", {
  valueName: "address",
});

export const mllp = defineCommand({
  name: "mllp",
  summary: "Start the HL7v2 MLLP listener alone: ADT messages are committed, then acknowledged.",
  options: {
    port: listenPort,
    host: listenHost,
    lanes: int("Parallel writers, one database connection each (default 1 embedded, 3 on a server)", {
      min: 1,
      max: 16,
    }),
    overlap: flag(
      "On a server, begin each lane's next batch (parse, lock, read) while the last one writes and commits, on a second connection",
    ),
    "no-rescore": flag(
      "Do not queue or rescore the people messages change ('stratify --changed' or the next full run brings them up to date)",
    ),
  },
  db: "migrated",
  async run({ options, db }) {
    const server = await startListener(db, {
      host: options.host,
      port: options.port,
      lanes: options.lanes,
      overlap: options.overlap,
      rescore: !options["no-rescore"],
    });
    // Admissions it stores are notified from here too (the web server does the same; both may run).
    const notifier = startAdmissionNotifier({ db, logger: createLogger() });
    out(`OnePlace MLLP listener on ${server.host}:${server.port}. Press Ctrl-C to stop.`);
    const signal = await untilStopped();
    out(`Stopping (${signal})...`);
    await server.close();
    await notifier.stop();
    const s = server.stats();
    out(`Received ${s.received} message(s): ${s.acked.AA} AA, ${s.acked.AE} AE, ${s.acked.AR} AR.`);
    return 0;
  },
});

export const mllpSend = defineCommand({
  name: "mllp send",
  summary: "Send an HL7v2 batch file to an MLLP listener, one message at a time, and report the ACKs.",
  args: { file: path("The HL7v2 batch file", { required: true }) },
  options: {
    port: port(`Listener port (default ${DEFAULT_MLLP_PORT})`, 1),
    host: text("Listener address (default 127.0.0.1)", { valueName: "address", default: "127.0.0.1" }),
    ca: path("Connect over TLS, trusting the listener's certificate from this CA file (PEM)"),
    cert: path("With --ca: this sender's client certificate (PEM), when the listener asks for one"),
    key: path("With --cert: its private key (PEM)"),
  },
  db: "none",
  async run({ options, args }) {
    const { port: listenerPort, host: listenerHost } = options;
    const messages = splitMessages(readFileSync(args.file));
    if ((options.cert || options.key) && !(options.ca && options.cert && options.key))
      throw usageError("--cert and --key go together, with --ca (the listener's CA).");
    let client: MllpClient;
    try {
      client = options.ca
        ? await MllpClient.connectTls(listenerPort, listenerHost, {
            ca: readFileSync(options.ca),
            cert: options.cert ? readFileSync(options.cert) : undefined,
            key: options.key ? readFileSync(options.key) : undefined,
          })
        : await MllpClient.connect(listenerPort, listenerHost);
    } catch (cause) {
      throw unavailable(
        "cli.mllp-connect",
        `Cannot connect to an MLLP listener at ${listenerHost}:${listenerPort}`,
        {
          hint: "Start one with 'oneplace mllp'.",
          cause,
        },
      );
    }
    const counts: Record<string, number> = {};
    try {
      for (const m of messages) {
        const ack = readAck(parseMessage(await client.send(m)));
        counts[ack.code] = (counts[ack.code] ?? 0) + 1;
        if (ack.code !== "AA")
          out(`${ack.controlId || "(no control id)"}: ${ack.code} ${ack.errorCode} ${ack.errorText}`);
      }
    } finally {
      await client.close();
    }
    const summary = Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ");
    out(`Sent ${messages.length} message(s): ${summary || "none"}.`);
    return (counts.AA ?? 0) === messages.length ? 0 : 1;
  },
});
