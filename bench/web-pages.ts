// Benchmark of the web pages: every row of bench/web-routes.ts, opened by the demo user of its role, with
// 8 concurrent users, on the engine the environment chooses (DATABASE_URL: that PostgreSQL server, a
// scratch database created on it and dropped after; otherwise PGlite in a temporary ONEPLACE_HOME).
// Prints p50/p95/p99 of the server's own time per route (Fastify's reply.elapsedTime, measured in the
// server, so the load generator's own work on this machine is not counted), the client's p95 beside it, and
// the CPU each request cost (this process, server and client, plus the database server's backends on
// PostgreSQL; "node" is this process's share): on a loaded machine the CPU is the figure to compare between runs.
//
//   node bench/web-pages.ts [--people N] [--requests N] [--concurrency N] [--only TEXT] [--skip TEXT] [--existing] [--keep] [--json]
//
// The place is prepared with the command line, as a user would: `oneplace synth --people N` (which adds the
// teams and care relationships), `oneplace model train` and `oneplace stratify`; then the demo users get new
// random passwords (kept in memory only) and each role signs in through the sign-in form. --existing uses
// the place already at DATABASE_URL / ONEPLACE_HOME instead (nothing else may hold a PGlite directory open).
// Targets at Thurrock scale (166k people): every page p95 ≤ 150 ms, the person single view ≤ 100 ms, a
// 10,000-person register sorted and paged ≤ 150 ms, find by NHS Number ≤ 30 ms (a row's `target`).
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDb } from "../src/store/index.ts";
import { seedDemoIdentities } from "../src/synth/index.ts";
import { runCli } from "../test/helpers/cli.ts";
import { createTestDatabase } from "../test/helpers/test-db.ts";
import { cpuSeconds } from "./outcomes-cpu.ts";
import { resolvePlaceholders } from "./web-placeholders.ts";
import { WEB_ROUTES, type WebRoute } from "./web-routes.ts";
import { benchWebServer, signInThroughForm } from "./web-server.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "20000" },
    requests: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    only: { type: "string" },
    skip: { type: "string" },
    existing: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const PEOPLE = Number(values.people);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const log = (s: string) => process.stderr.write(`${s}\n`);

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// 1. The place.
const scratch = values.existing
  ? null
  : await createTestDatabase({ prefix: "oneplace-web-bench", durableCommits: true });
const env: Record<string, string> = scratch
  ? scratch.env
  : {
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...(process.env.ONEPLACE_HOME ? { ONEPLACE_HOME: process.env.ONEPLACE_HOME } : {}),
    };
const engine = env.DATABASE_URL ? "PostgreSQL" : "PGlite";
if (scratch) {
  const steps: [string, string[]][] = [
    [`synth (${PEOPLE.toLocaleString("en-GB")} people)`, ["synth", "--people", String(PEOPLE), "--quiet"]],
    ["model train", ["model", "train", "--quiet"]],
    ["stratify", ["stratify", "--quiet"]],
  ];
  for (const [label, args] of steps) {
    const started = performance.now();
    const result = await runCli(args, env, 3_600_000);
    if (result.code !== 0) {
      log(`${label} failed (exit ${result.code}):\n${result.stderr}`);
      if (args[0] !== "model" && args[0] !== "stratify") process.exit(1);
      log("Carrying on without it: pages that need it may show little.");
    } else log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
const db = await openDb({ databaseUrl: env.DATABASE_URL, home: env.ONEPLACE_HOME ?? ".oneplace" });
const demo = await seedDemoIdentities(db, { newPasswords: true });
const people = Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM person"))[0].n);

// 2. The server, timing each request itself.
const app = await benchWebServer(db);
const serverTimes = new Map<string, number[]>();
app.addHook("onResponse", async (request, reply) => {
  const label = request.headers["x-bench-route"];
  if (typeof label === "string") serverTimes.get(label)?.push(reply.elapsedTime);
});
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

// 3. Each role signs in through the form, as a browser would.
const signIn = (username: string, password: string) => signInThroughForm(base, username, password);
const sessions = new Map<string, string>();
for (const user of demo.users) {
  if (user.password) sessions.set(user.roleCode, await signIn(user.username, user.password));
}

// 4. Each route with CONCURRENCY users at once.
interface Result {
  name: string;
  role: string;
  path: string;
  requests: number;
  ok: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  clientP95: number;
  /** CPU milliseconds per request: this process (server and client) plus the database's server backends. */
  cpuMs: number;
  /** Of which this process (the web server and the load generator). */
  nodeCpuMs: number;
  target: number;
  skipped?: string;
}

async function drive(route: WebRoute, path: string, cookie: string): Promise<Result> {
  const label = `${route.role} ${route.name}`;
  const headers = { cookie, accept: "text/html", "x-bench-route": label };
  for (let i = 0; i < Math.min(10, REQUESTS); i++)
    await (await fetch(`${base}${path}`, { headers })).arrayBuffer();
  serverTimes.set(label, []);
  const client: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const cpuBefore = await cpuSeconds(db);
  const nodeBefore = process.cpuUsage();
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const started = performance.now();
      const res = await fetch(`${base}${path}`, { headers, redirect: "manual" });
      await res.arrayBuffer();
      client.push(performance.now() - started);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const node = process.cpuUsage(nodeBefore);
  const cpuMs = (((await cpuSeconds(db)) - cpuBefore) * 1000) / Math.max(1, client.length);
  const nodeCpuMs = (node.user + node.system) / 1000 / Math.max(1, client.length);
  const server = serverTimes.get(label) ?? [];
  return {
    name: route.name,
    role: route.role,
    path,
    requests: client.length,
    ok: statuses["200"] ?? 0,
    statuses,
    p50: percentile(server, 50),
    p95: percentile(server, 95),
    p99: percentile(server, 99),
    clientP95: percentile(client, 95),
    cpuMs,
    nodeCpuMs,
    target: route.target ?? 150,
  };
}

const placeholders = await resolvePlaceholders(db, demo);
const results: Result[] = [];
// --only "register|person": the rows whose role, name or path contains any of the texts.
// --skip "CSV export": leave out the rows whose role, name or path contains any of the texts.
const only = values.only?.split("|").filter(Boolean) ?? [];
const skip = values.skip?.split("|").filter(Boolean) ?? [];
const routes = WEB_ROUTES.filter((r) => {
  const text = `${r.role} ${r.name} ${r.path}`;
  return (only.length === 0 || only.some((t) => text.includes(t))) && !skip.some((t) => text.includes(t));
});
for (const route of routes) {
  const cookie = sessions.get(route.role);
  const path = placeholders.fill(route.path, route.role);
  const skip = !cookie ? `no demo user for the role ${route.role}` : path === null ? "nothing to open" : null;
  if (skip || path === null || !cookie) {
    results.push({
      ...route,
      requests: 0,
      ok: 0,
      statuses: {},
      p50: Number.NaN,
      p95: Number.NaN,
      p99: Number.NaN,
      clientP95: Number.NaN,
      cpuMs: Number.NaN,
      nodeCpuMs: Number.NaN,
      target: route.target ?? 150,
      skipped: skip ?? "",
    });
    continue;
  }
  log(`${route.role.padEnd(26)} ${route.name}`);
  results.push(await drive(route, path, cookie));
}

// 5. The figures.
const ms = (n: number) => (Number.isNaN(n) ? "–" : n.toFixed(1));
if (values.json) {
  process.stdout.write(`${JSON.stringify({ engine, people, concurrency: CONCURRENCY, results }, null, 2)}\n`);
} else {
  console.log(
    `\nWeb pages on ${engine}, ${people.toLocaleString("en-GB")} people, ${CONCURRENCY} concurrent users, ${REQUESTS} requests per page; server time in ms\n`,
  );
  console.log(
    `${"page".padEnd(34)} ${"role".padEnd(24)} ${"p50".padStart(7)} ${"p95".padStart(7)} ${"p99".padStart(7)} ${"client p95".padStart(10)} ${"CPU/req".padStart(7)} ${"node".padStart(6)} ${"target".padStart(6)}  status`,
  );
  for (const r of results) {
    const verdict = r.skipped
      ? `skipped: ${r.skipped}`
      : r.ok < r.requests
        ? `answers ${Object.entries(r.statuses)
            .map(([s, n]) => `${s}×${n}`)
            .join(" ")}`
        : r.p95 <= r.target
          ? "ok"
          : "OVER TARGET";
    console.log(
      `${r.name.padEnd(34)} ${r.role.padEnd(24)} ${ms(r.p50).padStart(7)} ${ms(r.p95).padStart(7)} ${ms(r.p99).padStart(7)} ${ms(r.clientP95).padStart(10)} ${ms(r.cpuMs).padStart(7)} ${ms(r.nodeCpuMs).padStart(6)} ${String(r.target).padStart(6)}  ${verdict}`,
    );
  }
}

await app.close();
await db.close();
if (scratch) {
  if (values.keep) log(`Kept the database: ${scratch.databaseUrl ?? scratch.home}`);
  else {
    await scratch.drop();
    rmSync(scratch.home, { recursive: true, force: true });
  }
}
