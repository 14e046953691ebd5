import { type Command, intOption } from "../command.ts";
import { withDb } from "../context.ts";
import { serveUntilStopped } from "../serve-web.ts";

export const webOptions = {
  port: { type: "string", valueName: "port", description: "Web server port (default 3000)" },
  host: { type: "string", valueName: "address", description: "Address to listen on (default 127.0.0.1)" },
} as const;

export const serve: Command = {
  name: "serve",
  summary: "Start the web server on the configured database (the status page and /health).",
  usage: "oneplace serve [--port 3000] [--host 127.0.0.1]",
  options: webOptions,
  async run({ values }) {
    const port = intOption(values.port, "port", 1, 65_535) ?? 3000;
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    await withDb((db) => serveUntilStopped({ db, host, port, placeName: "Thurrock (synthetic)" }), {
      migrate: true,
    });
    return 0;
  },
};
