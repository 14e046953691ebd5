// Benchmark of the FHIR R4 API with autocannon, the way the issue measured Medplum: 32 connections, 20 s after
// a 5 s warm-up, the server in its own process (`oneplace serve`), every request decided and audited.
//   1. read Patient by id, 2. search Patient by NHS Number, 3. a person's observations (Observation?patient=).
// A GP of the place's largest practice reads people registered there (a bearer API token). Prints requests/s,
// p50/p99 latency, non-2xx answers and the server's resident memory, and (the machine being shared) the CPU per
// request of the server, its PostgreSQL backends and the load generator, the statements sent per request, and
// the requests a second those imply on 2 quiet cores, and the server's event loop: the share of the run its one
// thread was busy (utilisation near 1: the thread is the limit; well under: requests wait on something else)
// and how late its timers ran (bench/event-loop-probe.ts, preloaded; ONEPLACE_CPU_PROFILE_DIR=DIR profiles the
// server's CPU during each run, not its start-up). ONEPLACE_DB_POOL is passed on to the server.
//
// DATABASE_URL names a PostgreSQL database the benchmark may write to (its own users, tokens and audit rows;
// a copy of a loaded place: CREATE DATABASE mine TEMPLATE place). Without it, a synthetic place of --people
// people is built in a scratch database (PGlite, or PostgreSQL with --server).
//
//   node bench/fhir-api.ts [--people N] [--duration S] [--warmup S] [--connections N]
//     [--only read,search,observations,metadata,web] [--workers N]
// --workers N runs the server as N processes (`oneplace serve --workers N`, PostgreSQL only).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { Operator } from "../src/governance/index.ts";
import {
  benchCaller,
  cpuPerRequest,
  cpuPerRequestMs,
  openBenchPlace,
  startBenchServer,
} from "./fhir-setup.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    server: { type: "string" },
    only: { type: "string" },
    workers: { type: "string" },
  },
});
const WORKERS = Number(values.workers ?? 1);
const ONLY = values.only ? new Set(values.only.split(",")) : null;
const DURATION = Number(values.duration ?? 20);
const WARMUP = Number(values.warmup ?? 5);
const CONNECTIONS = Number(values.connections ?? 32);
const OPERATOR: Operator = { userId: null, name: "bench:fhir-api", channel: "bench" };
const NHS = "https://fhir.nhs.uk/Id/nhs-number";

const place = await openBenchPlace({
  prefix: "oneplace-bench-fhir",
  people: Number(values.people ?? 20_000),
  server: values.server,
});
const { db, practice, databaseUrl, people: placePeople } = place;
const token = await benchCaller(db, OPERATOR, {
  username: "bench.fhir",
  role: "gp",
  teamCode: "bench-fhir-practice",
  kind: "practice",
  orgCode: practice,
  purpose: "direct-care",
});
const sample = await db.query<{ person_id: string; nhs_number: string; observations: number }>(
  `SELECT p.person_id::text AS person_id, p.nhs_number,
          (SELECT count(*)::int FROM gp_entry g WHERE g.person_id = p.person_id AND g.entry_kind = 'observation') AS observations
     FROM person p JOIN registration r ON r.person_id = p.person_id AND r.practice_code = $1 AND r.deregistered_on IS NULL
    WHERE p.nhs_number IS NOT NULL ORDER BY md5(p.person_id::text) LIMIT 500`,
  [practice],
);
await db.close();
const meanObservations = sample.reduce((s, p) => s + p.observations, 0) / sample.length;
console.log(
  `Place: ${placePeople.toLocaleString("en-GB")} people on ${databaseUrl ? "PostgreSQL" : "PGlite"}; ` +
    `reading ${sample.length} people of practice ${practice} (${meanObservations.toFixed(1)} observations each on average)`,
);
console.log(
  `${CONNECTIONS} connections, ${DURATION} s after a ${WARMUP} s warm-up; ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}` +
    (databaseUrl
      ? `; pool ${process.env.ONEPLACE_DB_POOL?.trim() || "default"} (ONEPLACE_DB_POOL), over ${databaseUrl.includes("host=/") ? "a Unix socket" : `TCP to ${new URL(databaseUrl).hostname}`}`
      : ""),
);

const eventLoopReport = join(mkdtempSync(join(tmpdir(), "oneplace-bench-loop-")), "event-loop.json");
const server = await startBenchServer(
  {
    ...place.env,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ""} --import=${resolve(import.meta.dirname, "event-loop-probe.ts")}`.trim(),
    ONEPLACE_EVENT_LOOP_REPORT: eventLoopReport,
  },
  WORKERS,
);

interface EventLoopSample {
  idleMs: number;
  activeMs: number;
  delayP99Ms: number;
  delayMeanMs: number;
}

/**
 * The server's event loop so far (the probe answers SIGUSR2 with a report, and starts a fresh delay histogram and,
 * with ONEPLACE_CPU_PROFILE_DIR set, a CPU profile of the run, which the next signal ends).
 */
async function eventLoop(): Promise<EventLoopSample | null> {
  rmSync(eventLoopReport, { force: true });
  process.kill(server.process.pid as number, "SIGUSR2");
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 20));
    try {
      return JSON.parse(readFileSync(eventLoopReport, "utf8")) as EventLoopSample;
    } catch {}
  }
  return null;
}

function eventLoopFigures(before: EventLoopSample | null, after: EventLoopSample | null): string {
  if (!before || !after) return "event loop: no figures (the probe did not report)";
  const active = after.activeMs - before.activeMs;
  const idle = after.idleMs - before.idleMs;
  return `event loop busy ${((100 * active) / Math.max(1, active + idle)).toFixed(0)}% of the run, timers late by ${after.delayMeanMs.toFixed(1)} ms on average (p99 ${after.delayP99Ms.toFixed(1)} ms)`;
}
const base = server.base;

/** CPU per request of everything one request costs on this machine, for what a quiet 2-core machine implies. */
const figures: { name: string; server: number; database: number; generator: number }[] = [];

async function run(key: string, name: string, path: (i: number) => string): Promise<void> {
  if (ONLY && !ONLY.has(key)) return;
  let i = 0;
  const options = {
    url: base,
    connections: CONNECTIONS,
    headers: { authorization: `Bearer ${token}`, accept: "application/fhir+json" },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: path(i++ % sample.length) }) }],
  };
  await autocannon({ ...options, duration: WARMUP });
  const loopBefore = await eventLoop();
  const before = await server.cpu();
  const generatorBefore = process.cpuUsage();
  const load = loadavg()[0];
  const result = await autocannon({ ...options, duration: DURATION });
  const generatorUsed = process.cpuUsage(generatorBefore);
  const after = await server.cpu();
  const loopAfter = await eventLoop();
  const loadAfter = loadavg()[0];
  const cpu = cpuPerRequestMs(before, after, result.requests.total);
  const generator = (generatorUsed.user + generatorUsed.system) / 1000 / Math.max(1, result.requests.total);
  figures.push({ name, server: cpu.server, database: cpu.database ?? 0, generator });
  console.log(
    `${name.padEnd(34)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}  ${cpuPerRequest(before, after, result.requests.total)}  load ${load.toFixed(1)}`,
  );
  console.log(
    `${"".padEnd(34)} ${result.requests.total} requests; load generator ${generator.toFixed(2)} ms/request; ` +
      (cpu.transactions === null ? "" : `about ${cpu.transactions.toFixed(2)} statements/request; `) +
      `${quietRate(cpu.server, cpu.server + (cpu.database ?? 0))} req/s on 2 quiet cores (${quietRate(cpu.server, cpu.server + (cpu.database ?? 0) + generator)} with the load generator on them too); load ${load.toFixed(1)} to ${loadAfter.toFixed(1)}`,
  );
  // With --workers the probe answering is the primary's, which serves no request.
  if (WORKERS === 1) console.log(`${"".padEnd(34)} ${eventLoopFigures(loopBefore, loopAfter)}`);
}

/**
 * Requests a second that 2 quiet cores give when a request costs `server` ms of the server's CPU and `total` ms
 * of CPU in all: the server is one thread (with PGlite inside it), so it has one core at most, unless it runs
 * as several processes (--workers).
 */
function quietRate(server: number, total: number): string {
  return total > 0 ? Math.min((1000 * Math.min(WORKERS, 2)) / server, 2000 / total).toFixed(0) : "-";
}

try {
  await run("read", "read Patient by id", (i) => `/fhir/R4/Patient/${sample[i].person_id}`);
  await run(
    "search",
    "search Patient by NHS Number",
    (i) => `/fhir/R4/Patient?identifier=${NHS}|${sample[i].nhs_number}`,
  );
  await run(
    "observations",
    "a person's observations",
    (i) => `/fhir/R4/Observation?patient=${sample[i].person_id}`,
  );
  // Two references, to tell the API's own cost from what every face pays: the CapabilityStatement (HTTP and
  // JSON, no database) and the web's JSON person read (the same decision and audit row, no FHIR).
  await run("metadata", "reference: metadata (no database)", () => "/fhir/R4/metadata");
  await run("web", "reference: web /api/people/:id", (i) => `/api/people/${sample[i].person_id}`);
  const memory = server.rss();
  console.log(`server resident memory: ${memory.now.toFixed(0)} MiB now, ${memory.peak.toFixed(0)} MiB peak`);
  console.log(
    "CPU per request (ms): server + database (+ load generator) = total; req/s 2 quiet cores imply (the server, one thread, has one core at most)",
  );
  for (const f of figures) {
    const total = f.server + f.database;
    console.log(
      `  ${f.name.padEnd(34)} ${f.server.toFixed(2)} + ${f.database.toFixed(2)} (+ ${f.generator.toFixed(2)}) = ${total.toFixed(2)} (${(total + f.generator).toFixed(2)}); ${quietRate(f.server, total)} (${quietRate(f.server, total + f.generator)})`,
    );
  }
} finally {
  await server.stop();
  await place.drop();
}
