import { readFileSync } from "node:fs";
import { startAdmissionNotifier } from "../../care/index.ts";
import {
  MllpClient,
  type MllpServer,
  parseMessage,
  readAck,
  splitMessages,
  startMllpServer,
} from "../../ingest/index.ts";
import type { Db } from "../../platform/index.ts";
import { createLogger } from "../../platform/index.ts";
import { defineCommand, int, path, text } from "../command.ts";
import { out } from "../context.ts";
import { unavailable } from "../errors.ts";
import { host } from "../options.ts";

// `oneplace mllp`: the HL7v2 MLLP listener on its own (`oneplace serve` starts it with the web server), and
// `oneplace mllp send` to send a batch file to a listener, one message at a time, waiting for each ACK.

export const DEFAULT_MLLP_PORT = 2575;

export async function startListener(db: Db, host: string, port: number, lanes?: number): Promise<MllpServer> {
  try {
    return await startMllpServer({ db, host, port, lanes, logger: createLogger() });
  } catch (cause) {
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

export const mllp = defineCommand({
  name: "mllp",
  summary: "Start the HL7v2 MLLP listener alone: ADT messages are committed, then acknowledged.",
  options: {
    port: port(`Port to listen on (default ${DEFAULT_MLLP_PORT}; 0 for any free port)`, 0),
    host,
    lanes: int("Parallel writers, one database connection each (default 1 embedded, 3 on a server)", {
      min: 1,
      max: 16,
    }),
  },
  db: "migrated",
  async run({ options, db }) {
    const server = await startListener(db, options.host, options.port, options.lanes);
    // Admissions it stores are notified from here too (the web server does the same; both may run).
    const notifier = startAdmissionNotifier({ db, logger: createLogger() });
    out(`OnePlace MLLP listener on ${options.host}:${server.port}. Press Ctrl-C to stop.`);
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
  },
  db: "none",
  async run({ options, args }) {
    const { port: listenerPort, host: listenerHost } = options;
    const messages = splitMessages(readFileSync(args.file));
    let client: MllpClient;
    try {
      client = await MllpClient.connect(listenerPort, listenerHost);
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
