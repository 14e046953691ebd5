// MLLP listener throughput and ACK latency, with ACK after commit. The listener runs in its own process
// (`oneplace mllp`), as in production; this process is the senders. The messages are the synthetic place's
// ADT feed (admissions, transfers, discharges, A&E, cancellations), split by patient over the connections so
// each patient's messages stay in order.
//
//   node bench/ingest-mllp.ts [people=3000]          (DATABASE_URL=postgres://... for PostgreSQL)
//
// Prints: messages/s sustained over 4 connections sending as fast as ACKs return, and ACK latency
// percentiles with the senders paced to 500 messages/s in total.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitMessages } from "../src/ingest/hl7/split.ts";
import { MllpClient } from "../src/ingest/mllp-client.ts";
import { DEFAULT_SYNTH_CONFIG } from "../src/synth/config.ts";
import { writeFeeds } from "../src/synth/feeds/write-feeds.ts";
import { openBenchDb } from "./ingest-bench-db.ts";

const people = Number(process.argv[2] ?? 3000);
const CONNECTIONS = 4;
const dir = mkdtempSync(join(tmpdir(), "oneplace-mllp-bench-"));
await writeFeeds({ ...DEFAULT_SYNTH_CONFIG, seed: "mllp-bench", people }, dir, {
  outOfOrder: 0.03,
  cancellations: 0.03,
  duplicateMessages: 0.01,
  corrupt: 0,
});
const messages = splitMessages(readFileSync(join(dir, "acute-pas/adt.hl7")));
const patientOf = (m: string) => m.split("\r").find((l) => l.startsWith("PID"))?.split("|")[3]?.split("^")[0] ?? "";
function streams(list: string[], n: number): string[][] {
  const out: string[][] = Array.from({ length: n }, () => []);
  for (const m of list) {
    const id = patientOf(m);
    let h = 0;
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
    out[Math.abs(h) % n].push(m);
  }
  return out;
}
const half = Math.floor(messages.length / 2);
const throughputSet = streams(messages.slice(0, half), CONNECTIONS);
const latencySet = streams(messages.slice(half), CONNECTIONS);

const bench = await openBenchDb();
const engine = bench.db.engine;
await bench.db.close();
const codeMap = join(dir, "acute-pas/code-maps.csv");
const setup = spawn(process.execPath, ["bin/oneplace.js", "ingest", "codes", codeMap], { env: { ...process.env, ...bench.env }, stdio: "ignore" });
await new Promise((r) => setup.on("close", r));
const listener = spawn(process.execPath, ["bin/oneplace.js", "mllp", "--port", "0"], {
  env: { ...process.env, ...bench.env, ONEPLACE_LOG_LEVEL: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await new Promise<number>((resolve, reject) => {
  let out = "";
  listener.stdout.on("data", (d) => {
    out += d;
    const m = /listener on [^:]+:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  listener.on("close", () => reject(new Error(out)));
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

try {
  const clients = await Promise.all(throughputSet.map(() => MllpClient.connect(port)));
  let started = performance.now();
  const codes: Record<string, number> = {};
  await Promise.all(
    clients.map(async (c, i) => {
      for (const m of throughputSet[i]) {
        const ack = await c.send(m);
        const code = /\rMSA\|(\w\w)/.exec(ack)?.[1] ?? "?";
        codes[code] = (codes[code] ?? 0) + 1;
      }
    }),
  );
  let seconds = (performance.now() - started) / 1000;
  const sent = throughputSet.reduce((n, s) => n + s.length, 0);
  console.log(`engine ${engine}; ${people} people; ${messages.length} ADT messages in the feed`);
  console.log(
    `throughput: ${sent} messages over ${CONNECTIONS} connections in ${seconds.toFixed(1)} s = ${Math.round(sent / seconds)} messages/s (ACK after commit; ${JSON.stringify(codes)})`,
  );

  // Paced: 500 messages/s in total, 125/s on each connection, each message waiting for the one before's ACK.
  const target = 500;
  const interval = (1000 * CONNECTIONS) / target;
  const latencies: number[] = [];
  started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const list = latencySet[i];
      const t0 = performance.now() + i * (interval / CONNECTIONS);
      for (let k = 0; k < list.length; k++) {
        const due = t0 + k * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sentAt = performance.now();
        await c.send(list[k]);
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${target} messages/s offered (${Math.round(latencies.length / seconds)}/s achieved, ${latencies.length} messages): ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`,
  );
  await Promise.all(clients.map((c) => c.close()));
} finally {
  listener.kill("SIGTERM");
  await new Promise((r) => listener.on("close", r));
  await bench.dispose();
  rmSync(dir, { recursive: true, force: true });
}
