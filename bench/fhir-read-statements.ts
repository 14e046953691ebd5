// Where a FHIR read by id spends PostgreSQL's CPU, statement by statement. The web server runs in this process
// on a pool of one connection, so every statement goes to one backend, whose CPU time (its schedstat, in
// nanoseconds) is read before and after each statement and charged to the statement's family: the token look-up,
// the grouped read (the row and its person's access signature) and the audit append. Rounds of `--batch`
// concurrent requests (app.inject, no sockets) make batches of that size, as concurrent requests do in the
// server; the server process's own CPU per request (HTTP aside) is printed too, and the prepared statements'
// generic and custom plans (a custom plan is planned again on every run). `--replay N` then runs the last
// statement of each family (at the last batch size) N times in a row on the connection, its CPU per run alone: the
// statement's own cost, without the wake-ups and cold caches of a loaded machine (an audit append is run with
// fresh event ids each time).
//
//   DATABASE_URL=postgres://.../<copy of a place> node bench/fhir-read-statements.ts [--batch 1,8,16] [--rounds N]
//     [--path read|observations|search] [--replay N]
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { type Db, openDb, type PreparedStatement, type Row } from "../src/store/index.ts";
import { largestPracticeReads } from "./fhir-setup.ts";
import { benchWebServer } from "./web-server.ts";

const { values } = parseArgs({
  options: {
    batch: { type: "string" },
    rounds: { type: "string" },
    path: { type: "string" },
    replay: { type: "string" },
  },
});
const BATCHES = (values.batch ?? "1,8,16").split(",").map(Number);
const ROUNDS = Number(values.rounds ?? 300);
const PATH = values.path ?? "read";
const REPLAY = Number(values.replay ?? 0);
const url = process.env.DATABASE_URL?.trim();
if (!url) throw new Error("DATABASE_URL must name a copy of a loaded place on PostgreSQL");

const db = await openDb({ databaseUrl: url, home: tmpdir(), poolSize: 1 });
const { token, personIds } = await largestPracticeReads(db, "bench:fhir-read-statements", 500);
const nhsNumbers = await db.query<{ nhs_number: string }>(
  "SELECT nhs_number FROM person WHERE person_id = ANY($1::uuid[]) AND nhs_number IS NOT NULL",
  [personIds],
);

/** The backend's CPU time so far in ns (the pool's one connection). */
async function backendPid(): Promise<number> {
  const [{ pid }] = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return pid;
}
let pid = await backendPid();
const onCpu = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);

function familyOf(sql: string | PreparedStatement): string {
  const name = typeof sql === "string" ? "" : sql.name;
  if (name.startsWith("gov.token") || name.startsWith("fhir.access-token")) return "token";
  if (name.startsWith("gov.audit")) return "audit";
  if (name.startsWith("grouped") || name.startsWith("fhir.read")) return "read";
  if (name.startsWith("gov.facts")) return "facts";
  return "other";
}

const used = new Map<string, { ns: number; statements: number }>();
/** The last statement of each family, with its parameters, for --replay. */
const last = new Map<string, { sql: string | PreparedStatement; params: readonly unknown[] }>();
const measured: Db = {
  ...db,
  async query<T extends Row = Row>(sql: string | PreparedStatement, params?: readonly unknown[]) {
    const before = onCpu();
    try {
      return await db.query<T>(sql, params);
    } finally {
      const family = familyOf(sql);
      last.set(family, { sql, params: params ?? [] });
      const f = used.get(family) ?? { ns: 0, statements: 0 };
      f.ns += onCpu() - before;
      f.statements++;
      used.set(family, f);
    }
  },
};

const app = await benchWebServer(measured);
await app.ready();
const headers = { authorization: `Bearer ${token}`, accept: "application/fhir+json" };
const pathOf = (i: number) =>
  PATH === "observations"
    ? `/fhir/R4/Observation?patient=${personIds[i % personIds.length]}`
    : PATH === "search"
      ? `/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${nhsNumbers[i % nhsNumbers.length].nhs_number}`
      : `/fhir/R4/Patient/${personIds[i % personIds.length]}`;

let next = 0;
async function round(batch: number): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: batch }, () => app.inject({ method: "GET", url: pathOf(next++), headers })),
  );
  const bad = answers.find((a) => a.statusCode !== 200);
  if (bad) throw new Error(`a read answered ${bad.statusCode}: ${bad.body.slice(0, 200)}`);
}

console.log(
  `${PATH}: ${personIds.length} people of the largest practice, a GP's API token, pool of one connection; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
try {
  for (const batch of BATCHES) {
    for (let i = 0; i < 20; i++) await round(batch); // warm: plans cached, code optimised
    pid = await backendPid();
    used.clear();
    const node = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) await round(batch);
    const nodeUsed = process.cpuUsage(node);
    const requests = ROUNDS * batch;
    const parts = [...used]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([family, f]) =>
          `${family} ${(f.ns / 1000 / requests).toFixed(1)} µs (${(f.statements / requests).toFixed(2)} statements)`,
      );
    const pgTotal = [...used.values()].reduce((s, f) => s + f.ns, 0) / 1000 / requests;
    console.log(
      `batch ${String(batch).padStart(2)}: PostgreSQL ${pgTotal.toFixed(1)} µs a request: ${parts.join(", ")}; ` +
        `this process ${((nodeUsed.user + nodeUsed.system) / requests).toFixed(1)} µs a request (no sockets to the client)`,
    );
  }
  for (const family of ["token", "read", "audit"]) {
    const statement = last.get(family);
    if (!REPLAY || !statement) continue;
    // The audit append's second parameter is its rows' event ids, which must be new.
    const params = () =>
      family === "audit"
        ? statement.params.map((v, i) => (i === 1 ? (v as unknown[]).map(() => randomUUID()) : v))
        : statement.params;
    for (let i = 0; i < 20; i++) await db.query(statement.sql, params());
    const before = onCpu();
    const node = process.cpuUsage();
    for (let i = 0; i < REPLAY; i++) await db.query(statement.sql, params());
    const nodeUsed = process.cpuUsage(node);
    const first = statement.params[family === "audit" ? 1 : 0];
    const callers = Array.isArray(first)
      ? first.length
      : typeof first === "string" && first.startsWith("[")
        ? (JSON.parse(first) as unknown[]).length
        : 1;
    console.log(
      `replay ${family} (${callers} callers): PostgreSQL ${((onCpu() - before) / 1000 / REPLAY).toFixed(1)} µs a statement, this process ${((nodeUsed.user + nodeUsed.system) / REPLAY).toFixed(1)} µs`,
    );
  }
  const plans = await db.query<{ name: string; generic_plans: number; custom_plans: number }>(
    "SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements ORDER BY name",
  );
  for (const p of plans)
    console.log(`  prepared ${p.name}: ${p.generic_plans} generic plans, ${p.custom_plans} custom plans`);
} finally {
  await app.close();
  await db.close();
}
