import type { Db } from "../platform/index.ts";
import { createLogger } from "../platform/index.ts";
import { createWebServer } from "../web/index.ts";
import { out } from "./context.ts";
import { unavailable } from "./errors.ts";

export interface ServeOptions {
  db: Db;
  host: string;
  port: number;
  placeName: string;
}

/** Starts the web server and resolves when Ctrl-C (or SIGTERM) has stopped it cleanly. */
export async function serveUntilStopped(options: ServeOptions): Promise<void> {
  const logger = createLogger();
  const app = await createWebServer({ db: options.db, logger, placeName: options.placeName });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw unavailable(
      "cli.web-listen",
      code === "EADDRINUSE"
        ? `Port ${options.port} is already in use.`
        : `Cannot start the web server on ${options.host}:${options.port}: ${(cause as Error).message}`,
      { hint: "Choose another port with --port.", cause },
    );
  }
  const shown = options.host === "127.0.0.1" || options.host === "::1" ? "localhost" : options.host;
  out(
    `OnePlace is running at http://${shown}:${options.port}  (sign in for your home page; /status says what is loaded; /health for probes). Press Ctrl-C to stop.`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      out(`\nStopping (${signal})...`);
      app.close().then(
        () => resolve(),
        () => resolve(),
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
