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
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** Starts the web server and resolves when Ctrl-C (or SIGTERM) has stopped it cleanly. */
export async function serveUntilStopped(options: ServeOptions): Promise<void> {
  const logger = createLogger();
  const demoCitizenIdp =
    options.demoCitizens && LOOPBACK.has(options.host)
      ? { baseUrl: `http://localhost:${options.port}`, citizens: options.demoCitizens }
      : undefined;
  const app = await createWebServer({
    db: options.db,
    logger,
    placeName: options.placeName,
    demoCitizenIdp,
  });
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

/** How to sign in as a citizen on the demo, and whom as. */
export function formatDemoCitizens(port: number, citizens: readonly DemoCitizen[]): string {
  return [
    `Citizens: open http://localhost:${port}/citizen and sign in with the DEMO-ONLY stand-in for NHS login (it proves nobody's identity; 'oneplace serve' never offers it). Pick one of:`,
    ...citizens.map((c) => `  ${c.label}`),
  ].join("\n");
}
