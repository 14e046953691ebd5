// Benchmark of FHIR writes: transaction Bundles of 26 resources (a new Patient with 20 Observations and 5
// Conditions) POSTed to /fhir/R4 with autocannon, 32 connections, 20 s after a 5 s warm-up, the way the issue
// measured Medplum (197 resources/s). Each request is a different person (a name drawn from the place's own
// records, a date of birth of its own, no NHS Number), so every Bundle is really loaded (MPI, canonical rows,
// the load row, the audit row). A backend client registered to write sends them.
// Prints Bundles/s, resources/s, p50/p99, non-2xx (and the first refused answers' bodies) and the server's
// resident memory, with the load average.
//
// --bundles N sends a fixed number of Bundles after the warm-up instead of running for --duration (CPU per Bundle
// over the same work before and after a change); --cpu-prof DIR writes the server's V8 CPU profile there.
//
//   node bench/fhir-ingest.ts [--people N] [--server URL] [--duration S] [--warmup S] [--connections N]
//     [--bundles N] [--cpu-prof DIR]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { issueAccessToken, registerClient } from "../src/fhir/index.ts";
import type { Operator } from "../src/governance/index.ts";
import { benchCaller, cpuPerRequest, openBenchPlace, startBenchServer } from "./fhir-setup.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    server: { type: "string" },
    bundles: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const DURATION = Number(values.duration ?? 20);
const WARMUP = Number(values.warmup ?? 5);
const CONNECTIONS = Number(values.connections ?? 32);
const BUNDLES = values.bundles ? Number(values.bundles) : null;
const OPERATOR: Operator = { userId: null, name: "bench:fhir-ingest", channel: "bench" };
const PER_BUNDLE = 26;

const place = await openBenchPlace({
  prefix: "oneplace-bench-fhir-ingest",
  people: Number(values.people ?? 2_000),
  server: values.server,
});
await benchCaller(place.db, OPERATOR, {
  username: "bench.ingest",
  role: "gp",
  teamCode: "bench-ingest",
  kind: "practice",
  orgCode: place.practice || null,
  purpose: "direct-care",
});
const scopes = ["system/*.cu"];
const { clientId } = await registerClient(place.db, OPERATOR, {
  name: "bench ingest",
  username: "bench.ingest",
  roleCode: "gp",
  teamCode: "bench-ingest",
  purpose: "direct-care",
  scopes,
  jwks: { keys: [{ kty: "EC", crv: "P-384", x: "bench", y: "bench", alg: "ES384" }] },
  ingestSource: "bench-epr",
});
const { token } = await issueAccessToken(place.db, clientId, scopes);
// Names as the place has them, so a new Patient meets as many master person index candidates as a real one
// would. (One name for every Patient made each Bundle's candidates all the Patients sent before it: the
// look-ups grew with the run, O(n^2), and measured the bench rather than the server.)
const names = await place.db.query<{ family: string; given: string }>(
  `SELECT family_name AS family, given_name AS given FROM person_record
   WHERE family_name IS NOT NULL AND given_name IS NOT NULL ORDER BY md5(person_id::text || source_record_id) LIMIT 5000`,
);
if (names.length === 0) names.push({ family: "Bench", given: "Ivy" });
await place.db.close();

const RUN = Date.now().toString(36);
function bundle(n: number): string {
  const patient = `${RUN}-p${n}`;
  const entry: object[] = [
    {
      resource: {
        resourceType: "Patient",
        id: patient,
        identifier: [{ system: "urn:oneplace:bench:mrn", value: patient }],
        name: [{ family: names[n % names.length].family, given: [names[n % names.length].given] }],
        gender: n % 2 ? "female" : "male",
        birthDate: `19${40 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`,
      },
      request: { method: "PUT", url: `Patient/${patient}` },
    },
  ];
  for (let i = 0; i < 20; i++)
    entry.push({
      resource: {
        resourceType: "Observation",
        id: `${patient}-o${i}`,
        status: "final",
        code: { coding: [{ system: "http://snomed.info/sct", code: "1003671000000109" }] },
        subject: { reference: `Patient/${patient}` },
        effectiveDateTime: `20${10 + (i % 15)}-0${1 + (i % 9)}-15`,
        valueQuantity: { value: 40 + i, unit: "mmol/mol" },
      },
      request: { method: "POST", url: "Observation" },
    });
  for (let i = 0; i < 5; i++)
    entry.push({
      resource: {
        resourceType: "Condition",
        id: `${patient}-c${i}`,
        subject: { reference: `Patient/${patient}` },
        code: {
          coding: [
            {
              system: "http://snomed.info/sct",
              code: ["44054006", "38341003", "195967001", "13645005", "49436004"][i],
            },
          ],
        },
        recordedDate: `201${i}-03-04`,
      },
      request: { method: "POST", url: "Condition" },
    });
  return JSON.stringify({ resourceType: "Bundle", type: "transaction", entry });
}

const profileDir = values["cpu-prof"];
const server = await startBenchServer(
  profileDir ? { ...place.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : place.env,
);
console.log(
  `Place: ${place.people.toLocaleString("en-GB")} people on ${place.databaseUrl ? "PostgreSQL" : "PGlite"}; ${PER_BUNDLE}-resource transaction Bundles, ${CONNECTIONS} connections`,
);
let n = 0;
// One Bundle first: a refusal here would make the figures meaningless.
const first = await fetch(`${server.base}/fhir/R4`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/fhir+json" },
  body: bundle(n++),
});
if (first.status !== 200)
  throw new Error(`the first Bundle was answered ${first.status}: ${(await first.text()).slice(0, 300)}`);
/** The first few refused answers of a run, kept to print: a refusal's OperationOutcome says why. */
const REFUSALS_SHOWN = 3;
async function run(seconds: number, amount?: number) {
  const failures = new Map<number, number>();
  const refusals: string[] = [];
  const result = await autocannon({
    url: `${server.base}/fhir/R4`,
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration: seconds }),
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/fhir+json" },
    // Each request a new person, numbered by this process. (autocannon's own [<id>] replacement makes ids
    // from URL-safe base64, whose "_" is not allowed in a FHIR id: every connection whose random id had one
    // was refused, 10-25% of the requests, by the ingest's id check, rightly.)
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: bundle(n++) }),
        onResponse: (status, body) => {
          if (status !== 200 && refusals.length < REFUSALS_SHOWN)
            refusals.push(`${status}: ${body.slice(0, 600)}`);
        },
      },
    ],
  });
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    if (code !== "200") failures.set(Number(code), (count as { count: number }).count);
  for (const refusal of refusals) console.log(`refused: ${refusal}`);
  return { result, failures };
}
try {
  await run(WARMUP);
  const before = loadavg()[0];
  const cpuBefore = await server.cpu();
  const { result, failures } = await run(DURATION, BUNDLES ?? undefined);
  const cpuAfter = await server.cpu();
  const bundles = result.requests.average;
  console.log(
    `transaction ingest: ${bundles.toFixed(1)} Bundles/s = ${(bundles * PER_BUNDLE).toFixed(0)} resources/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx} ${failures.size ? JSON.stringify(Object.fromEntries(failures)) : ""} errors ${result.errors}`,
  );
  console.log(`per Bundle of ${PER_BUNDLE}: ${cpuPerRequest(cpuBefore, cpuAfter, result.requests.total)}`);
  const memory = server.rss();
  console.log(
    `server resident memory: ${memory.now.toFixed(0)} MiB now, ${memory.peak.toFixed(0)} MiB peak; load average ${before.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  );
} finally {
  await server.stop();
  await place.drop();
}
