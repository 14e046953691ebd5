// Benchmark of Bulk Data $export over a synthetic place: the whole flow through the web server (kick-off with
// Prefer: respond-async, polling, the manifest, downloading every file), each person decided by governance and
// the export audited, for three callers:
//   1. a GP of the place's largest practice (system export: every person in the place is decided, the
//      practice's registered people exported identifiably);
//   2. a commissioning analyst (system export, pseudonymised: governance's keyed pseudonyms and k-anonymity,
//      at most 10,000 people per extract);
//   3. the place's commissioning data warehouse, a registered backend client acting as a commissioner or
//      analyst (system export of the whole place, pseudonymised, no cap): the target.
// --only gp,analyst,warehouse runs some of them.
// Prints people, resources and bytes per type, seconds from kick-off to manifest, resources/s, the CPU the
// export took in this process and in PostgreSQL (the fair figure on a shared machine), and the process's peak
// resident memory. The target: the whole place in at most 60 s.
//
// DATABASE_URL names a PostgreSQL database the benchmark may write to (its own users, tokens, jobs and audit
// rows: use a copy of a loaded place). Without it, a synthetic place of --people people is built in a scratch
// database (PGlite, or PostgreSQL with --server URL).
//
//   node bench/fhir-export.ts [--people N] [--server URL] [--only gp,analyst,warehouse]
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { CLIENT_ASSERTION_TYPE, registerClient } from "../src/fhir/index.ts";
import type { Operator } from "../src/governance/index.ts";
import { createLogger, readSettings } from "../src/platform/index.ts";
import { createWebServer } from "../src/web/index.ts";
import { benchCaller, openBenchPlace } from "./fhir-setup.ts";
import { cpuMeter, cpuPer } from "./ingest-bench-db.ts";

const { values } = parseArgs({
  options: { people: { type: "string" }, server: { type: "string" }, only: { type: "string" } },
});
const only = new Set((values.only ?? "gp,analyst,warehouse").split(","));
const OPERATOR: Operator = { userId: null, name: "bench:fhir-export", channel: "bench" };

const place = await openBenchPlace({
  prefix: "oneplace-bench-export",
  people: Number(values.people ?? 10_000),
  server: values.server,
});
const { db, databaseUrl, home, practice, people: placePeople } = place;
const gp = await benchCaller(db, OPERATOR, {
  username: "bench.export.gp",
  role: "gp",
  teamCode: "bench-export-practice",
  kind: "practice",
  orgCode: practice,
  purpose: "direct-care",
});
const analyst = await benchCaller(db, OPERATOR, {
  username: "bench.export.analyst",
  role: "commissioner-analyst",
  teamCode: "bench-export-commissioning",
  kind: "commissioning",
  orgCode: null,
  purpose: "commissioning",
});

// The data warehouse: a service account in the commissioner role, registered as a backend client. Its access
// tokens last five minutes, so the bench asks for a new one when the last is two minutes old.
await benchCaller(db, OPERATOR, {
  username: "bench.export.warehouse",
  role: "commissioner-analyst",
  teamCode: "bench-export-commissioning",
  kind: "commissioning",
  orgCode: null,
  purpose: "commissioning",
});
const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
const warehouseScopes = "system/*.rs";
const { clientId: warehouseClient } = await registerClient(db, OPERATOR, {
  name: "Bench data warehouse",
  username: "bench.export.warehouse",
  roleCode: "commissioner-analyst",
  teamCode: "bench-export-commissioning",
  purpose: "commissioning",
  scopes: [warehouseScopes],
  jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), alg: "ES384", kid: "bench-1" }] },
});
/** A fresh access token as the client would get one: a signed assertion sent to the token endpoint. */
let warehouseToken = { token: "", at: 0 };
const warehouse = async () => {
  if (Date.now() - warehouseToken.at < 120_000) return warehouseToken.token;
  const config = (
    await app.inject({ method: "GET", url: "/fhir/R4/.well-known/smart-configuration" })
  ).json();
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: "ES384", kid: "bench-1", typ: "JWT" })
    .setIssuer(warehouseClient)
    .setSubject(warehouseClient)
    .setAudience(config.token_endpoint)
    .setJti(randomUUID())
    .setExpirationTime(now + 240)
    .setIssuedAt(now)
    .sign(privateKey);
  const res = await app.inject({
    method: "POST",
    url: "/fhir/R4/auth/token",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({
      grant_type: "client_credentials",
      scope: warehouseScopes,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  warehouseToken = { token: res.json().access_token, at: Date.now() };
  return warehouseToken.token;
};

const settings = readSettings({
  ...process.env,
  ONEPLACE_HOME: home,
  ONEPLACE_PSEUDONYM_KEY_COMMISSIONING: process.env.ONEPLACE_PSEUDONYM_KEY_COMMISSIONING ?? "5e".repeat(32),
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const app = await createWebServer({
  db,
  logger: createLogger({ level: "warn" }),
  placeName: "Bench",
  settings,
  admissionNotifier: false,
});
await app.ready();
console.log(
  `Place: ${placePeople.toLocaleString("en-GB")} people on ${databaseUrl ? "PostgreSQL" : "PGlite"}; GP of practice ${practice}; load average ${(await import("node:os")).loadavg()[0].toFixed(1)}`,
);

async function exportAs(name: string, tokenOf: () => Promise<string> | string) {
  const headers = async () => ({ authorization: `Bearer ${await tokenOf()}`, prefer: "respond-async" });
  const started = performance.now();
  let cpu = await cpuMeter({ databaseUrl });
  const kick = await app.inject({ method: "GET", url: "/fhir/R4/$export", headers: await headers() });
  if (kick.statusCode !== 202) throw new Error(`kick-off: ${kick.statusCode} ${kick.body}`);
  const status = new URL(String(kick.headers["content-location"])).pathname;
  let manifest: { output: { type: string; url: string; count: number }[] } | null = null;
  // Until the first batch is written: the people decided (and for a commissioner, the extract made and audited).
  let deciding: { ms: number; cpu: Awaited<ReturnType<typeof cpu.stop>> } | null = null;
  while (!manifest) {
    const res = await app.inject({ method: "GET", url: status, headers: await headers() });
    if (res.statusCode === 200) manifest = res.json();
    else if (res.statusCode !== 202) throw new Error(`status: ${res.statusCode} ${res.body}`);
    else {
      if (!deciding && /exported/.test(String(res.headers["x-progress"]))) {
        deciding = { ms: performance.now() - started, cpu: await cpu.stop() };
        cpu = await cpuMeter({ databaseUrl });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const ran = (performance.now() - started) / 1000;
  const writing = await cpu.stop();
  const cpuTimes = deciding
    ? {
        selfMs: deciding.cpu.selfMs + writing.selfMs,
        othersMs: 0,
        serverMs: deciding.cpu.serverMs + writing.serverMs,
      }
    : writing;
  let bytes = 0;
  for (const o of manifest.output) {
    // As a stream: the whole place's largest file is more than a string can hold.
    const res = await app.inject({
      method: "GET",
      url: new URL(o.url).pathname,
      headers: await headers(),
      payloadAsStream: true,
    });
    if (res.statusCode !== 200) throw new Error(`download ${o.type}: ${res.statusCode}`);
    for await (const chunk of res.stream()) bytes += (chunk as Buffer).length;
  }
  const total = (performance.now() - started) / 1000;
  const resources = manifest.output.reduce((s, o) => s + o.count, 0);
  const jobDir = join(home, "fhir-exports", status.split("/").pop() as string);
  const patients = manifest.output.find((o) => o.type === "Patient")?.count ?? 0;
  console.log(
    `${name}: ${patients.toLocaleString("en-GB")} people, ${resources.toLocaleString("en-GB")} resources, ` +
      `${(bytes / 1024 / 1024).toFixed(1)} MiB; export ${ran.toFixed(1)} s (${(resources / ran).toFixed(0)} resources/s), ` +
      `with downloads ${total.toFixed(1)} s`,
  );
  // The export runs in this process and its database, so the busier of the two bounds it on 2 quiet cores.
  const busiest = Math.max(cpuTimes.selfMs, cpuTimes.serverMs, (cpuTimes.selfMs + cpuTimes.serverMs) / 2);
  console.log(
    `  to the manifest: ${cpuPer(cpuTimes, resources, "resource")}; so at most ` +
      `${Math.round(resources / (busiest / 1000)).toLocaleString("en-GB")} resources/s on 2 quiet cores`,
  );
  if (deciding) {
    const ms = (t: { selfMs: number; serverMs: number }) =>
      `${((t.selfMs + t.serverMs) / 1000).toFixed(1)} s (this process ${(t.selfMs / 1000).toFixed(1)}, PostgreSQL ${(t.serverMs / 1000).toFixed(1)})`;
    console.log(
      `  CPU deciding the people, to the first batch (${(deciding.ms / 1000).toFixed(1)} s): ${ms(deciding.cpu)}; writing the files: ${ms(writing)}`,
    );
  }
  console.log(`  files in ${jobDir}`);
  for (const o of manifest.output) {
    const size = statSync(join(jobDir, `${o.type}.ndjson`)).size;
    console.log(
      `  ${o.type.padEnd(18)} ${String(o.count).padStart(9)} resources ${(size / 1024).toFixed(0).padStart(8)} KiB`,
    );
  }
}

try {
  if (only.has("gp")) await exportAs("GP, system export (identifiable)", () => gp);
  if (only.has("analyst")) await exportAs("Commissioner, system export (pseudonymised)", () => analyst);
  if (only.has("warehouse")) await exportAs("Data warehouse client, whole place (pseudonymised)", warehouse);
  const peak = Number(
    /VmHWM:\s+(\d+)/.exec((await import("node:fs")).readFileSync("/proc/self/status", "utf8"))?.[1],
  );
  console.log(`process peak resident memory (place build included): ${(peak / 1024).toFixed(0)} MiB`);
} finally {
  await app.close();
  await db.close();
  await place.drop();
}
