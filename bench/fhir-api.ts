// Benchmark of the FHIR R4 API with autocannon, the way the issue measured Medplum: 32 connections, 20 s after
// a 5 s warm-up, the server in its own process (`oneplace serve`), every request decided and audited.
//   1. read Patient by id, 2. search Patient by NHS Number, 3. a person's observations (Observation?patient=).
// A GP of the place's largest practice reads people registered there (a bearer API token). Prints requests/s,
// p50/p99 latency, non-2xx answers and the server's resident memory.
//
// DATABASE_URL names a PostgreSQL database the benchmark may write to (its own users, tokens and audit rows;
// a copy of a loaded place: CREATE DATABASE mine TEMPLATE place). Without it, a synthetic place of --people
// people is built in a scratch database (PGlite, or PostgreSQL with --server).
//
//   node bench/fhir-api.ts [--people N] [--duration S] [--warmup S] [--connections N]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import {
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  type Operator,
} from "../src/governance/index.ts";
import { migrate, openDb } from "../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, loadSyntheticPlace } from "../src/synth/index.ts";
import { createTestDatabase } from "../test/helpers/test-db.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    server: { type: "string" },
  },
});
const DURATION = Number(values.duration ?? 20);
const WARMUP = Number(values.warmup ?? 5);
const CONNECTIONS = Number(values.connections ?? 32);
const OPERATOR: Operator = { userId: null, name: "bench:fhir-api", channel: "bench" };
const PORT = 3900 + Math.floor(Math.random() * 90);
const NHS = "https://fhir.nhs.uk/Id/nhs-number";

const given = process.env.DATABASE_URL?.trim();
const scratch = given
  ? null
  : await createTestDatabase({ prefix: "oneplace-bench-fhir", server: values.server ?? null });
const databaseUrl = given ?? scratch?.databaseUrl;
const db = await openDb({ databaseUrl, home: scratch?.home ?? "." });
await migrate(db);
if (scratch) {
  const people = Number(values.people ?? 20_000);
  const started = performance.now();
  await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, people });
  console.log(
    `Built a synthetic place of ${people} people in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}
const [{ n: placePeople }] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
const [{ practice_code: practice }] = await db.query<{ practice_code: string }>(
  `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
    GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1`,
);
const [existing] = await db.query("SELECT 1 FROM app_user WHERE username = 'bench.fhir'");
if (!existing) {
  await createTeam(db, OPERATOR, {
    teamCode: "bench-fhir-practice",
    name: "Bench practice",
    kind: "practice",
    orgCode: practice,
  });
  await createUser(db, OPERATOR, { username: "bench.fhir", displayName: "Bench FHIR GP" });
  await assignRole(db, OPERATOR, "bench.fhir", "gp", "bench-fhir-practice");
}
const { token } = await createApiToken(db, OPERATOR, {
  username: "bench.fhir",
  roleCode: "gp",
  teamCode: "bench-fhir-practice",
  name: "bench",
  days: 1,
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

const server = spawn(process.execPath, ["bin/oneplace.js", "serve", "--port", String(PORT), "--no-mllp"], {
  env: {
    ...process.env,
    ...(scratch ? scratch.env : { DATABASE_URL: databaseUrl }),
    ONEPLACE_LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${PORT}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {}
  if (i > 600) throw new Error("the server did not start");
  await new Promise((r) => setTimeout(r, 100));
}

function rss(): { now: number; peak: number } {
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function run(name: string, path: (i: number) => string): Promise<void> {
  let i = 0;
  const options = {
    url: base,
    connections: CONNECTIONS,
    headers: { authorization: `Bearer ${token}`, accept: "application/fhir+json" },
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, path: path(i++ % sample.length) }) }],
  };
  await autocannon({ ...options, duration: WARMUP });
  const result = await autocannon({ ...options, duration: DURATION });
  console.log(
    `${name.padEnd(34)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}`,
  );
}

try {
  await run("read Patient by id", (i) => `/fhir/R4/Patient/${sample[i].person_id}`);
  await run(
    "search Patient by NHS Number",
    (i) => `/fhir/R4/Patient?identifier=${NHS}|${sample[i].nhs_number}`,
  );
  await run("a person's observations", (i) => `/fhir/R4/Observation?patient=${sample[i].person_id}`);
  // Two references, to tell the API's own cost from what every face pays: the CapabilityStatement (HTTP and
  // JSON, no database) and the web's JSON person read (the same decision and audit row, no FHIR).
  await run("reference: metadata (no database)", () => "/fhir/R4/metadata");
  await run("reference: web /api/people/:id", (i) => `/api/people/${sample[i].person_id}`);
  const memory = rss();
  console.log(`server resident memory: ${memory.now.toFixed(0)} MiB now, ${memory.peak.toFixed(0)} MiB peak`);
} finally {
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last requests answered before the server stops
  server.kill("SIGTERM");
  await scratch?.drop();
}
