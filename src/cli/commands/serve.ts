import { type Command, intOption } from "../command.ts";
import { out, withDb } from "../context.ts";
import { serveUntilStopped } from "../serve-web.ts";
import { DEFAULT_MLLP_PORT, startListener } from "./mllp.ts";

export const webOptions = {
  port: { type: "string", valueName: "port", description: "Web server port (default 3000)" },
  host: { type: "string", valueName: "address", description: "Address to listen on (default 127.0.0.1)" },
} as const;

export const serve: Command = {
  name: "serve",
  summary:
    "Start the web server (the status page and /health) and the HL7v2 MLLP listener on the configured database.",
  usage: "oneplace serve [--port 3000] [--host 127.0.0.1] [--mllp-port 2575] [--no-mllp]",
  options: {
    ...webOptions,
    "mllp-port": {
      type: "string",
      valueName: "port",
      description: `MLLP listener port (default ${DEFAULT_MLLP_PORT}; 0 for any free port)`,
    },
    "no-mllp": { type: "boolean", description: "Do not start the MLLP listener" },
  },
  async run({ values }) {
    const port = intOption(values.port, "port", 1, 65_535) ?? 3000;
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const mllpPort = intOption(values["mllp-port"], "mllp-port", 0, 65_535) ?? DEFAULT_MLLP_PORT;
    await withDb(
      async (db) => {
        const mllp = values["no-mllp"] ? null : await startListener(db, host, mllpPort);
        if (mllp) out(`HL7v2 MLLP listener on ${host}:${mllp.port}.`);
        try {
          await serveUntilStopped({ db, host, port, placeName: "Thurrock (synthetic)" });
        } finally {
          await mllp?.close();
        }
      },
      { migrate: true },
    );
    return 0;
  },
};
