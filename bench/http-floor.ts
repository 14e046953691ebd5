// What HTTP alone costs on this machine: the floor under every API figure. A minimal server in its own process
// answers a fixed JSON body (about a Patient's size) to autocannon with 32 connections, as bench/fhir-api.ts
// drives the FHIR API, and the CPU per request of the server and of the load generator are printed with the
// requests a second they imply on 2 quiet cores. Three servers: Node's own http module, bare Fastify (no
// plugins, no hooks), and Node's http with one server process per core (node:cluster).
//
//   node bench/http-floor.ts [--duration S] [--warmup S] [--connections N] [--only node|fastify|cluster]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { processTreeCpu } from "./fhir-setup.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    only: { type: "string" },
  },
});
const DURATION = Number(values.duration ?? 20);
const WARMUP = Number(values.warmup ?? 5);
const CONNECTIONS = Number(values.connections ?? 32);

// A body the size of a Patient resource as the API answers it (about 1.2 kB).
const BODY = JSON.stringify({
  resourceType: "Patient",
  id: "0b9d7c7e-5a0e-4a53-9c3f-6d1e2f3a4b5c",
  meta: { versionId: "2026-12-05T10:00:00.000Z", lastUpdated: "2026-12-05T10:00:00.000Z" },
  identifier: [
    {
      system: "https://fhir.nhs.uk/Id/nhs-number",
      value: "9000000009",
      extension: [
        {
          url: "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
          valueCodeableConcept: {
            coding: [
              {
                system: "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland",
                code: "01",
                display: "Number present and verified",
              },
            ],
          },
        },
      ],
    },
  ],
  name: [{ use: "official", family: "Example", given: ["Alex", "Sam"] }],
  gender: "female",
  birthDate: "1948-03-14",
  address: [{ use: "home", line: ["1 Example Street"], city: "Grays", postalCode: "RM17 6XX" }],
  generalPractitioner: [
    {
      type: "Organization",
      identifier: { system: "https://fhir.nhs.uk/Id/ods-organization-code", value: "F81001" },
    },
  ],
});

const NODE_SERVER = `
const http = require("node:http");
const body = process.env.FLOOR_BODY;
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/fhir+json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.FLOOR_PORT), "127.0.0.1", () => process.send?.("ready"));`;

const CLUSTER_SERVER = `
const cluster = require("node:cluster");
const http = require("node:http");
if (cluster.isPrimary) {
  let ready = 0;
  const n = Number(process.env.FLOOR_WORKERS);
  for (let i = 0; i < n; i++) cluster.fork().on("message", () => { if (++ready === n) process.send?.("ready"); });
} else {
  const body = process.env.FLOOR_BODY;
  http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/fhir+json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }).listen(Number(process.env.FLOOR_PORT), "127.0.0.1", () => process.send("ready"));
}`;

const FASTIFY_SERVER = `
import Fastify from "fastify";
const body = process.env.FLOOR_BODY;
const app = Fastify({ logger: false });
app.get("/fhir/R4/Patient/:id", async (request, reply) => reply.type("application/fhir+json; charset=utf-8").send(body));
await app.listen({ host: "127.0.0.1", port: Number(process.env.FLOOR_PORT) });
process.send?.("ready");`;

interface Floor {
  process: ChildProcess;
  /** CPU seconds of the server and, for a cluster, its workers. */
  cpu(): number;
}

async function start(kind: string, port: number): Promise<Floor> {
  const script = kind === "fastify" ? FASTIFY_SERVER : kind === "cluster" ? CLUSTER_SERVER : NODE_SERVER;
  // A cluster's primary forks its own script again: it needs a file, where the others run as -e.
  const file = join(mkdtempSync(join(tmpdir(), "oneplace-http-floor-")), "server.cjs");
  if (kind === "cluster") writeFileSync(file, script);
  const child = spawn(
    process.execPath,
    kind === "cluster"
      ? [file]
      : [kind === "fastify" ? "--input-type=module" : "--input-type=commonjs", "-e", script],
    {
      env: {
        ...process.env,
        FLOOR_BODY: BODY,
        FLOOR_PORT: String(port),
        FLOOR_WORKERS: String(cpus().length),
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the ${kind} server stopped (${code})`)));
  });
  return {
    process: child,
    cpu: () => processTreeCpu(child.pid as number),
  };
}

console.log(
  `${CONNECTIONS} connections, ${DURATION} s after a ${WARMUP} s warm-up; ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}; body ${Buffer.byteLength(BODY)} bytes`,
);
for (const kind of ["node", "fastify", "cluster"]) {
  if (values.only && values.only !== kind) continue;
  const port = 3990 + Math.floor(Math.random() * 9);
  const server = await start(kind, port);
  try {
    const options = { url: `http://127.0.0.1:${port}/fhir/R4/Patient/x`, connections: CONNECTIONS };
    await autocannon({ ...options, duration: WARMUP });
    const before = server.cpu();
    const generatorBefore = process.cpuUsage();
    const load = loadavg()[0];
    const result = await autocannon({ ...options, duration: DURATION });
    const generatorUsed = process.cpuUsage(generatorBefore);
    const requests = Math.max(1, result.requests.total);
    const serverMs = ((server.cpu() - before) * 1000) / requests;
    const generatorMs = (generatorUsed.user + generatorUsed.system) / 1000 / requests;
    // One process is one core at most; a cluster has one per core.
    const serverCores = kind === "cluster" ? cpus().length : 1;
    const quiet = Math.min((1000 * serverCores) / serverMs, 2000 / (serverMs + generatorMs));
    console.log(
      `${kind.padEnd(8)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ` +
        `CPU/request: server ${serverMs.toFixed(3)} ms + load generator ${generatorMs.toFixed(3)} ms; ` +
        `2 quiet cores imply ${Math.min((1000 * serverCores) / serverMs, 2000 / serverMs).toFixed(0)} req/s for the server alone, ${quiet.toFixed(0)} with the load generator on them too; load ${load.toFixed(1)} to ${loadavg()[0].toFixed(1)}`,
    );
  } finally {
    server.process.kill("SIGTERM");
  }
}
