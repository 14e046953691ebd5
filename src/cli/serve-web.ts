import type { Db } from "../platform/index.ts";
import { createLogger } from "../platform/index.ts";
import type { DemoCitizen } from "../web/index.ts";
import { createWebServer } from "../web/index.ts";
import { out } from "./context.ts";
import { unavailable } from "./errors.ts";

export interface ServeOptions {
  db: Db;
  host: string;
  port: number;
  placeName: string;
  /** `oneplace demo` only: the synthetic people its demo-only citizen sign-in offers (on this machine only). */
  demoCitizens?: DemoCitizen[];
  /**
   * One of `serve --workers`' processes (serve-workers.ts): `index` from 1 of `count`. It listens only when the
   * primary says every worker is ready, says nothing on the terminal, and only the first runs the admission
   * notifier.
   */
  worker?: { index: number; count: number };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** Starts the web server and resolves when Ctrl-C (or SIGTERM) has stopped it cleanly. */
export async function serveUntilStopped(options: ServeOptions): Promise<void> {
  const logger = createLogger();
  const demoCitizenIdp =
    options.demoCitizens && LOOPBACK.has(options.host)
      ? { baseUrl: `http://localhost:${options.port}`, citizens: options.demoCitizens }
      : undefined;
  const { worker } = options;
  const app = await createWebServer({
    db: options.db,
    logger,
    placeName: options.placeName,
    demoCitizenIdp,
    ...(worker ? { process: worker, admissionNotifier: worker.index === 1 ? undefined : false } : {}),
  });
  if (worker) return serveAsWorker(app, options);
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
  if (options.demoCitizens) {
    const demoSignIn = app.hasRoute({ method: "GET", url: "/demo-nhs-login/jwks" });
    out(
      demoSignIn
        ? formatDemoCitizens(options.port, options.demoCitizens)
        : options.demoCitizens && !demoCitizenIdp
          ? "Citizens: the demo sign-in runs only on this machine (--host 127.0.0.1); it is off."
          : "Citizens: sign in at /citizen through the configured provider (ONEPLACE_CITIZEN_OIDC_ISSUER).",
    );
  }
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

/**
 * A worker of `serve --workers`: ready first (the FHIR exporter fails jobs a stopped server left unfinished as
 * it starts, so no worker may take a request before every worker has started), then listening on the port the
 * workers share when the primary says so; stopped by the primary (or when it goes).
 */
async function serveAsWorker(app: Awaited<ReturnType<typeof createWebServer>>, options: ServeOptions) {
  await app.ready();
  const send = (message: WorkerMessage) => process.send?.(message);
  await new Promise<void>((resolve) => {
    process.on("message", (message: PrimaryMessage) => {
      if (message === "listen") resolve();
    });
    send("ready");
  });
  await app.listen({ host: options.host, port: options.port });
  send("listening");
  await new Promise<void>((resolve) => {
    const stop = () => {
      app.close().then(
        () => resolve(),
        () => resolve(),
      );
    };
    // Ctrl-C reaches every process of the terminal's group: the primary stops the workers itself.
    process.on("SIGINT", () => {});
    process.once("SIGTERM", stop);
    process.once("disconnect", stop);
  });
  // The channel to the primary keeps a worker's event loop alive: without letting it go, a stopped worker never
  // exited, and the primary, waiting for its workers, never did either (what "the workers never listened" was).
  if (process.connected) process.disconnect();
}

/** What a worker tells the primary, and what the primary tells the workers. */
export type WorkerMessage = "ready" | "listening";
export type PrimaryMessage = "listen";

/** How to sign in as a citizen on the demo, and whom as. */
export function formatDemoCitizens(port: number, citizens: readonly DemoCitizen[]): string {
  return [
    `Citizens: open http://localhost:${port}/citizen and sign in with the DEMO-ONLY stand-in for NHS login (it proves nobody's identity; 'oneplace serve' never offers it). Pick one of:`,
    ...citizens.map((c) => `  ${c.label}`),
  ].join("\n");
}
