// What the FHIR server's resident memory is made of while it serves reads, and its CPU per request: the server
// in its own process (`oneplace serve`, as bench/fhir-api.ts runs it) with bench/memory-probe.ts preloaded, driven
// by autocannon (read Patient by id, search by NHS Number, a person's observations), with a memory breakdown
// after start-up and after each load: resident size, V8's heap spaces, and the rest by kind of mapping.
//
// DATABASE_URL names a PostgreSQL database holding a place the benchmark may write to (its users, tokens and
// audit rows); without it a synthetic place of --people people is built in a scratch database.
//
//   node bench/fhir-memory.ts [--people N] [--server URL] [--duration S] [--connections N]
//     [--node-options "--max-semi-space-size=8"] [--heap-snapshot] [--cpu-prof DIR] [--only read|search|observations]
// --node-options=--max-semi-space-size=0 runs the server with V8's own young generation (bin/oneplace.js gives
// `serve` 16 MiB semi-spaces unless one is chosen). Like bench/fhir-api.ts it ends with the two references,
// the CapabilityStatement and the web's person read, which allocate fastest.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { Operator } from "../src/governance/index.ts";
import { benchCaller, openBenchPlace, startBenchServer } from "./fhir-setup.ts";
import { formatBreakdown, residentBreakdown } from "./process-memory.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    server: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    "node-options": { type: "string" },
    "heap-snapshot": { type: "boolean" },
    "cpu-prof": { type: "string" },
    only: { type: "string" },
  },
});
const DURATION = Number(values.duration ?? 20);
const CONNECTIONS = Number(values.connections ?? 32);
const OPERATOR: Operator = { userId: null, name: "bench:fhir-memory", channel: "bench" };
const NHS = "https://fhir.nhs.uk/Id/nhs-number";
const work = mkdtempSync(join(tmpdir(), "oneplace-fhir-memory-"));
const reportFile = join(work, "memory.json");

const place = await openBenchPlace({
  prefix: "oneplace-bench-fhir-memory",
  people: Number(values.people ?? 20_000),
  server: values.server,
});
const token = await benchCaller(place.db, OPERATOR, {
  username: "bench.fhir",
  role: "gp",
  teamCode: "bench-fhir-practice",
  kind: "practice",
  orgCode: place.practice,
  purpose: "direct-care",
});
const sample = await place.db.query<{ person_id: string; nhs_number: string }>(
  `SELECT p.person_id::text AS person_id, p.nhs_number
     FROM person p JOIN registration r ON r.person_id = p.person_id AND r.practice_code = $1 AND r.deregistered_on IS NULL
    WHERE p.nhs_number IS NOT NULL ORDER BY md5(p.person_id::text) LIMIT 500`,
  [place.practice],
);
await place.db.close();
console.log(
  `Place: ${place.people.toLocaleString("en-GB")} people on ${place.databaseUrl ? "PostgreSQL" : "PGlite"}; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
);

const nodeOptions = [
  `--import=${resolve(import.meta.dirname, "memory-probe.ts")}`,
  values["heap-snapshot"] ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${work}` : "",
  values["cpu-prof"] ? `--cpu-prof --cpu-prof-dir=${resolve(values["cpu-prof"])}` : "",
  values["node-options"] ?? "",
]
  .filter(Boolean)
  .join(" ");
const server = await startBenchServer({
  ...place.env,
  NODE_OPTIONS: nodeOptions,
  ONEPLACE_MEMORY_REPORT: reportFile,
});
const pid = server.process.pid as number;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)}`;

/** CPU seconds the server has used (user + system), from /proc. */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function breakdown(label: string): Promise<void> {
  rmSync(reportFile, { force: true });
  process.kill(pid, "SIGWINCH");
  for (let i = 0; i < 100 && !existsSync(reportFile); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  const r = JSON.parse(readFileSync(reportFile, "utf8"));
  const m = r.memoryUsage;
  const spaces = (r.spaces as { name: string; physical: number }[])
    .filter((s) => s.physical > 512 * 1024)
    .map((s) => `${s.name.replace(/_space$/, "")} ${mib(s.physical)}`)
    .join(", ");
  const smaps = Object.entries(r.smaps as Record<string, number>).sort((a, b) => b[1] - a[1]);
  const anon = smaps.filter(([n]) => n === "[anon]" || n === "[heap]").reduce((s, [, kb]) => s + kb, 0);
  const files = smaps.filter(([n]) => n.startsWith("/")).slice(0, 4);
  const rss = server.rss();
  console.log(`${label.padEnd(26)} ${formatBreakdown(residentBreakdown(pid))}`);
  console.log(
    `${"".padEnd(26)} RSS ${rss.now.toFixed(0)} MiB (peak ${rss.peak.toFixed(0)}); V8 heap ${mib(m.heapTotal)} MiB committed, ${mib(m.heapUsed)} used (${spaces}); external ${mib(m.external)}, array buffers ${mib(m.arrayBuffers)}; anonymous ${(anon / 1024).toFixed(0)} MiB; files ${files.map(([n, kb]) => `${n.split("/").pop()} ${(kb / 1024).toFixed(0)}`).join(", ")}`,
  );
}

async function run(name: string, path: (i: number) => string): Promise<void> {
  let i = 0;
  const options = {
    url: server.base,
    connections: CONNECTIONS,
    headers: { authorization: `Bearer ${token}`, accept: "application/fhir+json" },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: path(i++ % sample.length) }) }],
  };
  const cpu = cpuSeconds();
  const result = await autocannon({ ...options, duration: DURATION });
  const used = cpuSeconds() - cpu;
  console.log(
    `${name.padEnd(26)} ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}; server CPU ${((used * 1000) / result.requests.total).toFixed(2)} ms a request`,
  );
  await breakdown(`  after ${name}`);
}

try {
  await breakdown("started");
  const runs: [string, string, (i: number) => string][] = [
    ["read", "read Patient by id", (i) => `/fhir/R4/Patient/${sample[i].person_id}`],
    ["search", "search by NHS Number", (i) => `/fhir/R4/Patient?identifier=${NHS}|${sample[i].nhs_number}`],
    ["observations", "a person's observations", (i) => `/fhir/R4/Observation?patient=${sample[i].person_id}`],
    ["metadata", "metadata (no database)", () => "/fhir/R4/metadata"],
    ["web", "web /api/people/:id", (i) => `/api/people/${sample[i].person_id}`],
  ];
  for (const [key, name, path] of runs) if (!values.only || values.only === key) await run(name, path);
  if (values["heap-snapshot"]) {
    process.kill(pid, "SIGUSR2");
    await new Promise((r) => setTimeout(r, 15_000));
    console.log(`heap snapshot in ${work}`);
  }
} finally {
  await server.stop();
  await place.drop();
}
