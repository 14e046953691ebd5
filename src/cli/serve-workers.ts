// `oneplace serve --workers N`: N web server processes sharing one port (node:cluster), so that the server is
// not held to one core. This process (the primary) serves no requests: it starts the workers, lets them listen
// once all have started, runs the MLLP listener if asked (one listener, one port), and stops them together.
//
// What several processes share, and why it stays right (docs/fhir-api.md, "One server process per core"):
// - the audit trail: each append locks the chain head row (FOR UPDATE), so appends from any number of
//   processes make one chain (`oneplace audit verify`; test/cli/serve-workers.test.ts);
// - token look-ups, reads and their access decisions read the database each time; nothing is cached that a
//   change in another process would have to reach;
// - sign-in attempts a minute are counted in each process: the limit is divided between the workers;
// - the admission notifier runs in the first worker only; the FHIR rescorer and Bulk Data exporter run in each
//   (their state is in the database; an exporter fails unfinished jobs only as it starts, before any worker
//   listens, and a worker that stops stops the server rather than being restarted beside running jobs).
// PGlite cannot: its database is opened by one process.
import cluster, { type Worker } from "node:cluster";
import type { Db } from "../platform/index.ts";
import { out } from "./context.ts";
import { unavailable, usageError } from "./errors.ts";
import type { PrimaryMessage, WorkerMessage } from "./serve-web.ts";

/**
 * This process's place among `serve --workers`' processes (it runs the same command line, so `count` is its own
 * --workers), or null when it is not one of them. Workers are forked once, so their ids are 1 to count.
 */
export function workerOf(count: number): { index: number; count: number } | null {
  return cluster.isWorker && cluster.worker ? { index: cluster.worker.id, count } : null;
}

/** Refuses --workers on the embedded database, which one process opens. */
export function checkWorkers(db: Db, workers: number): void {
  if (workers > 1 && db.engine !== "postgres") {
    throw usageError(
      "--workers needs a PostgreSQL server (DATABASE_URL): the embedded database is opened by one process only.",
    );
  }
}

/** Starts the workers and resolves once Ctrl-C (or SIGTERM) has stopped them all. */
export async function serveWorkers(options: { host: string; port: number; workers: number }): Promise<void> {
  const workers: Worker[] = [];
  let stopping = false;
  const stopAll = () => {
    stopping = true;
    for (const w of workers) if (!w.isDead()) w.process.kill("SIGTERM");
  };
  const exited = Promise.all(
    Array.from({ length: options.workers }, () => {
      const worker = cluster.fork();
      workers.push(worker);
      return new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    }),
  );
  const failure: { code: number | null } = { code: null };
  for (const worker of workers) {
    worker.once("exit", (code) => {
      if (stopping) return;
      failure.code = code ?? 1;
      stopAll();
    });
  }
  const all = (message: WorkerMessage) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const on = (m: WorkerMessage) => {
              if (m !== message) return;
              w.off("message", on);
              resolve();
            };
            w.on("message", on);
          }),
      ),
    );
  const started = Promise.race([
    (async () => {
      await all("ready");
      const listening = all("listening");
      for (const w of workers) w.send("listen" satisfies PrimaryMessage);
      await listening;
      return true;
    })(),
    exited.then(() => false),
  ]);
  if (await started) {
    const shown = options.host === "127.0.0.1" || options.host === "::1" ? "localhost" : options.host;
    out(
      `OnePlace is running at http://${shown}:${options.port} in ${options.workers} server processes (sign in for your home page; /status says what is loaded; /health for probes). Press Ctrl-C to stop.`,
    );
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      out(`\nStopping (${signal})...`);
      stopAll();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
  await exited;
  if (failure.code !== null) {
    throw unavailable(
      "cli.serve-worker",
      `A server process stopped (exit code ${failure.code}), so the others were stopped too.`,
      { hint: "Its message is above." },
    );
  }
}
