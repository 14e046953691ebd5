// Each statement one page request runs, in order, with its time: where a request's fixed cost goes. Signs in
// as the demo user of a role (new random passwords, kept in memory), warms the page up, then traces single
// requests one at a time (no concurrency) on the place at DATABASE_URL / ONEPLACE_HOME.
//
//   node bench/request-queries.ts --role gp --path /people/:personId [--runs 5]
//
// Paths take bench/web-routes.ts placeholders. Prints each statement's first line and its median time over
// the runs, and the request's total server time and CPU.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { seedDemoIdentities } from "../src/synth/index.ts";
import { median } from "./stats.ts";
import { resolvePlaceholders } from "./web-placeholders.ts";
import { benchWebServer } from "./web-server.ts";

const { values } = parseArgs({
  options: {
    role: { type: "string", default: "gp" },
    path: { type: "string", default: "/people/:personId" },
    runs: { type: "string", default: "5" },
    explain: { type: "boolean", default: false },
    /** Write a V8 CPU profile of the traced requests (not the start-up) to this file. */
    profile: { type: "string" },
  },
});
const RUNS = Number(values.runs);

const db = await openDb(storeConfigFromEnv(process.env));
const demo = await seedDemoIdentities(db, { newPasswords: true });
const placeholders = await resolvePlaceholders(db, demo);
const path = placeholders.fill(values.path, values.role);
if (!path) throw new Error(`nothing to open for ${values.path} as ${values.role}`);

type Traced = { sql: string; ms: number; text?: string; params?: readonly unknown[] };
let trace: Traced[] | null = null;
const label = (sql: unknown) =>
  typeof sql === "string"
    ? sql.trim().replace(/\s+/g, " ").slice(0, 90)
    : `[prepared ${(sql as { name: string }).name}]`;
const original = db.query.bind(db);
db.query = (async (sql: string, params?: readonly unknown[]) => {
  const started = performance.now();
  try {
    return await original(sql, params);
  } finally {
    trace?.push({
      sql: label(sql),
      ms: performance.now() - started,
      text: typeof sql === "string" ? sql : (sql as { text: string }).text,
      params,
    });
  }
}) as typeof db.query;

const app = await benchWebServer(db);
await app.ready();
const user = demo.users.find((u) => u.roleCode === values.role && u.password);
if (!user?.password) throw new Error(`no demo user with a new password for ${values.role}`);
const form = await app.inject({ method: "GET", url: "/login" });
const loginCookie = /oneplace_login=([^;]+)/.exec(String(form.headers["set-cookie"]))?.[1];
const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
const login = await app.inject({
  method: "POST",
  url: "/login",
  headers: { "content-type": "application/x-www-form-urlencoded", cookie: `oneplace_login=${loginCookie}` },
  payload: new URLSearchParams({
    username: user.username,
    password: user.password,
    _csrf: csrf ?? "",
    next: "/",
  }).toString(),
});
const session = /oneplace_session=([^;]+)/.exec(String(login.headers["set-cookie"]))?.[1];
if (!session) throw new Error("could not sign in");
const headers = { cookie: `oneplace_session=${session}`, accept: "text/html" };

for (let i = 0; i < 10; i++) await app.inject({ method: "GET", url: path, headers });
const inspector = values.profile ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.start");
}
const runs: Traced[][] = [];
const totals: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  trace = [];
  const c = process.cpuUsage();
  const started = performance.now();
  const res = await app.inject({ method: "GET", url: path, headers });
  totals.push(performance.now() - started);
  const used = process.cpuUsage(c);
  cpu.push((used.user + used.system) / 1000);
  if (res.statusCode !== 200) console.log(`status ${res.statusCode}`);
  runs.push(trace);
  trace = null;
}
if (inspector && values.profile) {
  const { profile } = await inspector.post("Profiler.stop");
  writeFileSync(values.profile, JSON.stringify(profile));
}
console.log(`${values.role} ${path} on ${db.engine}: ${runs[0].length} statements`);
runs[0].forEach((q, i) => {
  const ms = median(runs.map((r) => r[i]?.ms ?? Number.NaN));
  console.log(`${ms.toFixed(2).padStart(8)} ms  ${q.sql}`);
});
if (values.explain) {
  // Planning and execution time of each statement as the server reports them (in a transaction rolled back).
  console.log("\nplanning / execution (ms), EXPLAIN ANALYZE of the last run's statements:");
  for (const q of runs[runs.length - 1]) {
    if (!q.text) continue;
    try {
      const plan = await db
        .transaction(async (tx) => {
          const [row] = await tx.query<{ "QUERY PLAN": unknown }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${q.text}`,
            q.params ?? [],
          );
          throw Object.assign(new Error("rollback"), { plan: row["QUERY PLAN"] });
        })
        .catch((e: { plan?: unknown }) => {
          if (!e.plan) throw e;
          return e.plan;
        });
      const p = (typeof plan === "string" ? JSON.parse(plan) : plan) as {
        "Planning Time": number;
        "Execution Time": number;
      }[];
      console.log(
        `${p[0]["Planning Time"].toFixed(2).padStart(8)} ${p[0]["Execution Time"].toFixed(2).padStart(8)}  ${q.sql}`,
      );
    } catch (e) {
      console.log(`   (not explained: ${(e as Error).message.slice(0, 60)})  ${q.sql}`);
    }
  }
}
console.log(
  `request: median ${median(totals).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms CPU in this process`,
);
await app.close();
await db.close();
