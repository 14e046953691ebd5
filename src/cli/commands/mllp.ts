import { readFileSync } from "node:fs";
import { readAck } from "../../ingest/hl7/ack.ts";
import { parseMessage } from "../../ingest/hl7/message.ts";
import { splitMessages } from "../../ingest/hl7/split.ts";
import { MllpClient } from "../../ingest/mllp-client.ts";
import { type MllpServer, startMllpServer } from "../../ingest/mllp-server.ts";
import { createLogger } from "../../platform/log.ts";
import type { Db } from "../../store/db.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";

// `oneplace mllp`: the HL7v2 MLLP listener on its own (`oneplace serve` starts it with the web server), and
// `oneplace mllp send` to send a batch file to a listener, one message at a time, waiting for each ACK.

export const DEFAULT_MLLP_PORT = 2575;

export async function startListener(db: Db, host: string, port: number, lanes?: number): Promise<MllpServer> {
  try {
    return await startMllpServer({ db, host, port, lanes, logger: createLogger() });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new CliError(
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

export const mllp: Command = {
  name: "mllp",
  summary: "Start the HL7v2 MLLP listener alone: ADT messages are committed, then acknowledged.",
  usage: "oneplace mllp [--port 2575] [--host 127.0.0.1]",
  options: {
    port: {
      type: "string",
      valueName: "port",
      description: `Port to listen on (default ${DEFAULT_MLLP_PORT}; 0 for any free port)`,
    },
    host: { type: "string", valueName: "address", description: "Address to listen on (default 127.0.0.1)" },
    lanes: {
      type: "string",
      valueName: "N",
      description: "Parallel writers, one database connection each (default 1 embedded, 3 on a server)",
    },
  },
  async run({ values }) {
    const port = intOption(values.port, "port", 0, 65_535) ?? DEFAULT_MLLP_PORT;
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const lanes = intOption(values.lanes, "lanes", 1, 16);
    await withDb(
      async (db) => {
        const server = await startListener(db, host, port, lanes);
        out(`OnePlace MLLP listener on ${host}:${server.port}. Press Ctrl-C to stop.`);
        const signal = await untilStopped();
        out(`Stopping (${signal})...`);
        await server.close();
        const s = server.stats();
        out(`Received ${s.received} message(s): ${s.acked.AA} AA, ${s.acked.AE} AE, ${s.acked.AR} AR.`);
      },
      { migrate: true },
    );
    return 0;
  },
};

export const mllpSend: Command = {
  name: "mllp send",
  summary: "Send an HL7v2 batch file to an MLLP listener, one message at a time, and report the ACKs.",
  usage: "oneplace mllp send <file> [--port 2575] [--host 127.0.0.1]",
  allowPositionals: true,
  options: {
    port: { type: "string", valueName: "port", description: `Listener port (default ${DEFAULT_MLLP_PORT})` },
    host: { type: "string", valueName: "address", description: "Listener address (default 127.0.0.1)" },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 1)
      throw new CliError("Give one file.", { exitCode: EXIT_USAGE, hint: usageHint("mllp send") });
    const port = intOption(values.port, "port", 1, 65_535) ?? DEFAULT_MLLP_PORT;
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const messages = splitMessages(readFileSync(positionals[0]));
    let client: MllpClient;
    try {
      client = await MllpClient.connect(port, host);
    } catch (cause) {
      throw new CliError(`Cannot connect to an MLLP listener at ${host}:${port}`, {
        hint: "Start one with 'oneplace mllp'.",
        cause,
      });
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
    out(
      `Sent ${messages.length} message(s): ${
        Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ") || "none"
      }.`,
    );
    return (counts.AA ?? 0) === messages.length ? 0 : 1;
  },
};

export const MLLP_COMMANDS: readonly Command[] = [mllp, mllpSend];
