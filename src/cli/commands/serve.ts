import { defineCommand, flag, int, text } from "../command.ts";
import { out } from "../context.ts";
import { host } from "../options.ts";
import { serveUntilStopped } from "../serve-web.ts";
import { checkWorkers, serveWorkers, workerOf } from "../serve-workers.ts";
import { DEFAULT_MLLP_PORT, startListener } from "./mllp.ts";

export const webOptions = {
  port: int("Web server port (default 3000)", { valueName: "port", min: 1, max: 65_535, default: 3000 }),
  host,
};

const PLACE_NAME = "Thurrock (synthetic)";

export const serve = defineCommand({
  name: "serve",
  summary:
    "Start the web server (the status page and /health) and the HL7v2 MLLP listener on the configured database.",
  options: {
    ...webOptions,
    "mllp-port": int(
      `MLLP listener port (default: ONEPLACE_MLLP_CONFIG's, else ${DEFAULT_MLLP_PORT}; 0 for any free port)`,
      { valueName: "port", min: 0, max: 65_535 },
    ),
    "mllp-host": text(
      "MLLP listener address (default: ONEPLACE_MLLP_CONFIG's, else 127.0.0.1; never the web server's --host)",
      { valueName: "address" },
    ),
    "no-mllp": flag("Do not start the MLLP listener"),
    workers: int(
      "Web server processes sharing the port, at most one per core (default 1; PostgreSQL only: DATABASE_URL)",
      { valueName: "N", min: 1, max: 64, default: 1 },
    ),
  },
  db: "migrated",
  serving: true,
  async run({ options, db }) {
    const worker = workerOf(options.workers);
    if (worker) {
      await serveUntilStopped({ db, host: options.host, port: options.port, placeName: PLACE_NAME, worker });
      return 0;
    }
    checkWorkers(db, options.workers);
    const mllp = options["no-mllp"]
      ? null
      : await startListener(db, { host: options["mllp-host"], port: options["mllp-port"] });
    if (mllp) out(`HL7v2 MLLP listener on ${mllp.host}:${mllp.port}.`);
    try {
      if (options.workers > 1)
        await serveWorkers({ host: options.host, port: options.port, workers: options.workers });
      else await serveUntilStopped({ db, host: options.host, port: options.port, placeName: PLACE_NAME });
    } finally {
      await mllp?.close();
    }
    return 0;
  },
});
