// Where a page request's CPU goes: the web server in this process, the load from a child process (so the
// client's own work is not counted), CONCURRENCY users at once on each page. For each page: CPU per request
// of this process and of the database's server backends (PostgreSQL), over ROUNDS rounds of REQUESTS
// requests (the least and the median round: on a shared machine the least is the figure to compare); with
// --profile DIR, a V8 CPU profile of the measured requests only (not the start-up) per page, and a summary of
// its self time by package and by function.
//
//   node bench/web-profile.ts [--pages "person summary (longest|find by NHS Number"] [--requests 300]
//        [--rounds 3] [--concurrency 8] [--profile DIR] [--top 30]
//
// On the place already at DATABASE_URL / ONEPLACE_HOME (nothing else may hold a PGlite directory open).
// Page names as in bench/web-routes.ts (substrings, | between them).
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type CpuProfile, printProfile } from "./cpu-profile-summary.ts";
import { median } from "./stats.ts";

const CLIENT = process.argv[2] === "--client";

// ---- The child: fires requests at one page when asked, and says when they are done.
if (CLIENT) {
  process.on(
    "message",
    async (job: { url: string; cookie: string; requests: number; concurrency: number }) => {
      const statuses: Record<string, number> = {};
      let next = 0;
      const headers = { cookie: job.cookie, accept: "text/html" };
      const worker = async () => {
        while (next < job.requests) {
          next++;
          const res = await fetch(job.url, { headers, redirect: "manual" });
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: job.concurrency }, worker));
      process.send?.({ statuses });
    },
  );
} else await main();

async function main() {
  const { openDb, storeConfigFromEnv } = await import("../src/store/index.ts");
  const { seedDemoIdentities } = await import("../src/synth/index.ts");
  const { cpuSeconds } = await import("./outcomes-cpu.ts");
  const { resolvePlaceholders } = await import("./web-placeholders.ts");
  const { WEB_ROUTES } = await import("./web-routes.ts");
  const { benchWebServer, signInThroughForm } = await import("./web-server.ts");

  const { values } = parseArgs({
    options: {
      pages: {
        type: "string",
        default:
          "person summary (longest history)|person timeline (longest history)|practice register by tier|find by NHS Number",
      },
      requests: { type: "string", default: "300" },
      rounds: { type: "string", default: "3" },
      concurrency: { type: "string", default: "8" },
      profile: { type: "string" },
      top: { type: "string", default: "30" },
    },
  });
  const REQUESTS = Number(values.requests);
  const ROUNDS = Number(values.rounds);
  const CONCURRENCY = Number(values.concurrency);
  const names = values.pages.split("|").filter(Boolean);

  const db = await openDb(storeConfigFromEnv(process.env));
  const demo = await seedDemoIdentities(db, { newPasswords: true });
  const placeholders = await resolvePlaceholders(db, demo);
  const people = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM person"))[0].n;
  const app = await benchWebServer(db);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const signIn = (username: string, password: string) => signInThroughForm(base, username, password);

  const client: ChildProcess = fork(import.meta.filename, ["--client"], { stdio: "inherit" });
  const load = (url: string, cookie: string, requests: number) =>
    new Promise<Record<string, number>>((resolve) => {
      client.once("message", (m) => resolve((m as { statuses: Record<string, number> }).statuses));
      client.send({ url, cookie, requests, concurrency: CONCURRENCY });
    });

  const inspector = values.profile ? new Session() : null;
  if (inspector && values.profile) {
    mkdirSync(values.profile, { recursive: true });
    inspector.connect();
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.setSamplingInterval", { interval: 200 });
  }

  const routes = WEB_ROUTES.filter((r) => names.some((n) => r.name.includes(n)));
  const summary: string[] = [];
  for (const route of routes) {
    const user = demo.users.find((u) => u.roleCode === route.role && u.password);
    const path = placeholders.fill(route.path, route.role);
    if (!user?.password || !path) {
      summary.push(`${route.name.padEnd(36)} skipped: nothing to open`);
      continue;
    }
    const cookie = await signIn(user.username, user.password);
    const url = `${base}${path}`;
    await load(url, cookie, 50);
    const own: number[] = [];
    const total: number[] = [];
    let statuses: Record<string, number> = {};
    if (inspector) await inspector.post("Profiler.start");
    for (let round = 0; round < ROUNDS; round++) {
      const before = process.cpuUsage();
      const allBefore = await cpuSeconds(db);
      statuses = await load(url, cookie, REQUESTS);
      const used = process.cpuUsage(before);
      own.push((used.user + used.system) / 1000 / REQUESTS);
      total.push((((await cpuSeconds(db)) - allBefore) * 1000) / REQUESTS);
    }
    if (inspector && values.profile) {
      const { profile } = await inspector.post("Profiler.stop");
      const file = join(values.profile, `${route.name.replace(/[^A-Za-z0-9]+/g, "-")}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      printProfile(route.name, profile as unknown as CpuProfile, Number(values.top));
    }
    const least = (xs: number[]) => Math.min(...xs);
    summary.push(
      `${route.name.padEnd(36)} node ${least(own).toFixed(2).padStart(6)} (median ${median(own).toFixed(2)})  all ${least(total).toFixed(2).padStart(6)} (median ${median(total).toFixed(2)})  ${Object.entries(
        statuses,
      )
        .map(([s, n]) => `${s}×${n}`)
        .join(" ")}`,
    );
  }
  client.kill();
  await app.close();
  await db.close();
  const load1 = (await import("node:os")).loadavg()[0].toFixed(1);
  console.log(
    `\nCPU ms per request on ${db.engine}, ${people.toLocaleString("en-GB")} people, ${CONCURRENCY} users, ${ROUNDS} rounds of ${REQUESTS} (least, median); node = the server process, all = node + database backends; load ${load1}`,
  );
  for (const line of summary) console.log(line);
}
