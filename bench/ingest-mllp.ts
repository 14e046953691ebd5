// MLLP listener throughput and ACK latency, with ACK after commit. The listener runs in its own process
// (`oneplace mllp`), as in production; this process is the senders. The messages are the synthetic place's
// ADT feed (admissions, transfers, discharges, A&E, cancellations), split by patient over the connections so
// each patient's messages stay in order, the patients balanced over them by message count (bench/mllp-feed.ts).
//
//   node bench/ingest-mllp.ts [people=3000]          (DATABASE_URL=postgres://... for PostgreSQL; MLLP_LANES=N;
//                                                     MLLP_OVERLAP=1 for `mllp --overlap`)
//
// MLLP_RESCORE=on|off (default: the listener as it runs, with no full stratification, so nothing is rescored):
// first loads the same synthetic place (`oneplace synth`, same seed, so the feed's patients are its registered
// people), trains a model and stratifies, then runs the listener rescoring the people each batch touched
// (on) or with `--no-rescore` (off), and prints how many were rescored.
//
// Prints messages/s over 4 connections with every ACK sent only after its message committed (each connection's
// share printed: about equal, so the rounds have 4 senders until near the end), two ways: in
// strict original mode (each sender waits for an ACK before its next message, so at most 4 messages are ever
// in flight: the target's shape, ≥ 1,000 messages/s on PostgreSQL with p99 ACK ≤ 25 ms, printed with its ACK
// latency percentiles) and with each sender keeping a window of up to 16 messages in flight (ACKs still in order, each
// after its commit), as engines that pipeline do; then ACK latency percentiles at 500 messages/s offered. Each
// figure comes with the load average and the CPU time per message (the listener process, and the PostgreSQL
// backends when the server is on this machine), as wall time on a shared machine says little.
//
// MLLP_TARGET_ONLY=1 runs the target's shape alone.
//
// MLLP_CPU_PROF=DIR writes the listener's V8 CPU profile to DIR and prints where its CPU went
// (bench/cpu-profile-summary.ts). MLLP_TRACE=1 prints the listener's timeline per batch when it stops (round
// trips a batch, the listener's time before each, COMMIT to ACK: bench/mllp-trace.ts; PostgreSQL only).

import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { MllpClient } from "../src/ingest/index.ts";
import { openDb } from "../src/store/index.ts";
import { listenerPort } from "../test/helpers/cli.ts";
import { type CpuProfile, printProfile } from "./cpu-profile-summary.ts";
import { cpuMeter, cpuPer, load, openBenchDb } from "./ingest-bench-db.ts";
import { mllpBenchFeed, splitBySender } from "./mllp-feed.ts";

const people = Number(process.argv[2] ?? 3000);
const CONNECTIONS = 4;
const { dir, messages, codeMap } = await mllpBenchFeed(people, "oneplace-mllp-bench-");

const bench = await openBenchDb();
const engine = bench.db.engine;
await bench.db.close();
const setup = spawn(process.execPath, ["bin/oneplace.js", "ingest", "codes", codeMap], {
  env: { ...process.env, ...bench.env },
  stdio: "ignore",
});
await new Promise((r) => setup.on("close", r));
const rescore = process.env.MLLP_RESCORE;
async function cli(...args: string[]): Promise<void> {
  const child = spawn(process.execPath, ["bin/oneplace.js", ...args], {
    env: { ...process.env, ...bench.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise((r) => child.on("close", r));
  if (code !== 0) throw new Error(`oneplace ${args.join(" ")} failed (${code})`);
}
if (rescore === "on" || rescore === "off") {
  const setupStarted = performance.now();
  await cli("synth", "--people", String(people), "--seed", "mllp-bench", "--quiet");
  await cli("model", "train", "--quiet");
  await cli("stratify", "--quiet");
  console.log(
    `stratified place of ${people} people ready in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`,
  );
}
const lanes = process.env.MLLP_LANES ? ["--lanes", process.env.MLLP_LANES] : [];
if (rescore === "off") lanes.push("--no-rescore");
if (process.env.MLLP_OVERLAP === "1") lanes.push("--overlap");
const profileDir = process.env.MLLP_CPU_PROF ? resolve(process.env.MLLP_CPU_PROF) : null;
const listener = spawn(process.execPath, ["bin/oneplace.js", "mllp", "--port", "0", ...lanes], {
  env: {
    ...process.env,
    ...bench.env,
    ONEPLACE_LOG_LEVEL: "warn",
    ...(profileDir || process.env.MLLP_TRACE
      ? {
          NODE_OPTIONS: [
            profileDir ? `--cpu-prof --cpu-prof-dir=${profileDir}` : "",
            process.env.MLLP_TRACE ? `--import=${resolve("bench/mllp-trace.ts")}` : "",
          ].join(" "),
        }
      : {}),
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const port = await listenerPort(listener);

/** Transactions committed in the bench database so far (PostgreSQL's statistics, flushed at least each second). */
async function commits(): Promise<number | null> {
  if (!bench.databaseUrl) return null;
  const client = new pg.Client({ connectionString: bench.databaseUrl });
  await client.connect();
  try {
    await new Promise((r) => setTimeout(r, 1100));
    const { rows } = await client.query<{ n: string }>(
      "SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()",
    );
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** ", in N transactions (M messages each)" when the server counts them. */
const perBatch = (before: number | null, after: number | null, messages: number) =>
  before === null || after === null
    ? ""
    : `, in about ${after - before} transactions (${(messages / Math.max(1, after - before)).toFixed(1)} messages each)`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

try {
  console.log(
    `engine ${engine}; ${people} people; ${messages.length} ADT messages in the feed; rescoring ${rescore ?? "idle (no stratification)"}`,
  );
  const thirds = [0, 1, 2].map((i) =>
    messages.slice((i * messages.length) / 3, ((i + 1) * messages.length) / 3),
  );
  // MLLP_TARGET_ONLY=1: the target's shape alone (old against new in turn, quickly).
  const targetOnly = process.env.MLLP_TARGET_ONLY === "1";
  for (const [label, window, list] of [
    ["the target (original mode: 4 senders, each waiting for its ACK before the next)", 1, thirds[0]],
    ...(targetOnly ? [] : ([["windowed (16 in flight per connection)", 16, thirds[1]]] as const)),
  ] as const) {
    const sets = splitBySender(list, CONNECTIONS);
    const clients = await Promise.all(sets.map(() => MllpClient.connect(port)));
    const codes: Record<string, number> = {};
    const acks: number[] = [];
    const commitsBefore = await commits();
    const meter = await cpuMeter(bench, [listener.pid as number]);
    const started = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        const inFlight: Promise<string>[] = [];
        for (const m of sets[i]) {
          const sentAt = performance.now();
          inFlight.push(
            c.send(m).then((ack) => {
              acks.push(performance.now() - sentAt);
              return ack;
            }),
          );
          if (inFlight.length >= window) {
            const ack = await (inFlight.shift() as Promise<string>);
            const code = /\rMSA\|(\w\w)/.exec(ack)?.[1] ?? "?";
            codes[code] = (codes[code] ?? 0) + 1;
          }
        }
        for (const p of inFlight) {
          const code = /\rMSA\|(\w\w)/.exec(await p)?.[1] ?? "?";
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = await meter.stop();
    // Less the CPU meter's own look-ups (one each 100 ms), each a transaction too.
    const after = await commits();
    const batches = perBatch(
      commitsBefore,
      after === null ? null : after - Math.round(seconds * 10),
      list.length,
    );
    acks.sort((a, b) => a - b);
    console.log(
      `throughput, ${label}: ${list.length} messages over ${CONNECTIONS} connections (${sets.map((s) => s.length).join(", ")}: a sender that has sent all of its stays connected, idle, until all have) in ${seconds.toFixed(1)} s = ${Math.round(list.length / seconds)} messages/s (${JSON.stringify(codes)})${batches}; ACK p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms; ${cpuPer({ ...cpu, selfMs: 0 }, list.length, "message")}; load average ${load()}`,
    );
    await Promise.all(clients.map((c) => c.close()));
  }

  if (!targetOnly) {
    // Paced: 500 messages/s offered in total, 125/s on each connection, sent when due (pipelined if an ACK is late).
    const target = 500;
    const interval = (1000 * CONNECTIONS) / target;
    const sets = splitBySender(thirds[2], CONNECTIONS);
    const clients = await Promise.all(sets.map(() => MllpClient.connect(port)));
    const latencies: number[] = [];
    const meter = await cpuMeter(bench, [listener.pid as number]);
    const started = performance.now();
    await Promise.all(
      clients.map(async (c, i) => {
        const list = sets[i];
        const t0 = performance.now() + i * (interval / CONNECTIONS);
        const pending: Promise<void>[] = [];
        for (let k = 0; k < list.length; k++) {
          const wait = t0 + k * interval - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const sentAt = performance.now();
          pending.push(c.send(list[k]).then(() => void latencies.push(performance.now() - sentAt)));
        }
        await Promise.all(pending);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = await meter.stop();
    latencies.sort((a, b) => a - b);
    console.log(
      `ACK latency at ${target} messages/s offered (${Math.round(latencies.length / seconds)}/s achieved, ${latencies.length} messages): ` +
        `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms; ${cpuPer({ ...cpu, selfMs: 0 }, latencies.length, "message")}; load average ${load()}`,
    );
    await Promise.all(clients.map((c) => c.close()));
  }
} finally {
  listener.kill("SIGTERM");
  await new Promise((r) => listener.on("close", r));
  if (profileDir) {
    for (const name of readdirSync(profileDir).filter((f) => f.includes(`.${listener.pid}.`))) {
      const profile = JSON.parse(readFileSync(join(profileDir, name), "utf8")) as CpuProfile;
      printProfile(`the listener (${name})`, profile, 25);
    }
  }
  if (rescore === "on" || rescore === "off") {
    const after = await openDb({ databaseUrl: bench.env.DATABASE_URL, home: bench.env.ONEPLACE_HOME });
    const [r] = await after.query<{ people: number; runs: number; queued: number }>(
      `SELECT (SELECT coalesce(sum(people), 0)::int FROM risk_run WHERE kind = 'people') AS people,
              (SELECT count(*)::int FROM risk_run WHERE kind = 'people') AS runs,
              (SELECT count(*)::int FROM risk_rescore_queue) AS queued`,
    );
    console.log(
      `rescored after ingest: ${r.people} people in ${r.runs} rescorings; ${r.queued} still queued`,
    );
    await after.close();
  }
  await bench.dispose();
  rmSync(dir, { recursive: true, force: true });
}
