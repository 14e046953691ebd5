// CPU of rendering the web pages alone, on the contexts real requests built: opens each page once through
// the running server on an existing place (DATABASE_URL, else ONEPLACE_HOME's PGlite) as its demo role,
// keeps the (template, context) each reply rendered, then renders each again N times in five rounds and
// prints the least and the median CPU per render. The least of five is the figure to compare on a shared
// machine; no database work is in it, so it isolates Nunjucks and the NHS.UK components from the queries.
//
//   node bench/web-render.ts [N] ["page name|page name"]   (names as in bench/web-routes.ts, substrings)
//
// WEB_RENDER_PROFILE=1 also prints where each page's rendering CPU goes (a V8 profile of its renders).
import { Session } from "node:inspector/promises";
import nunjucks from "nunjucks";
import { openDb } from "../src/store/index.ts";
import { seedDemoIdentities } from "../src/synth/index.ts";
import { type CpuProfile, printProfile } from "./cpu-profile-summary.ts";
import { resolvePlaceholders } from "./web-placeholders.ts";
import { WEB_ROUTES } from "./web-routes.ts";
import { benchWebServer, signInThroughForm } from "./web-server.ts";

const N = Number(process.argv[2] ?? 100);
const only = (
  process.argv[3] ??
  "home (GP)|person summary (longest|person timeline (longest|practice register by tier|locality register"
).split("|");

const captured: { label: string; name: string; context: object }[] = [];
let current = "";
let env: nunjucks.Environment | null = null;
const render = nunjucks.Environment.prototype.render;
nunjucks.Environment.prototype.render = function (this: nunjucks.Environment, name: string, context: object) {
  env = this;
  if (current && name !== "login.njk") captured.push({ label: current, name, context });
  return render.call(this, name, context);
} as typeof render;

const db = await openDb({
  databaseUrl: process.env.DATABASE_URL,
  home: process.env.ONEPLACE_HOME ?? ".oneplace",
});
const demo = await seedDemoIdentities(db, { newPasswords: true });
const app = await benchWebServer(db);
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

const signIn = (username: string, password: string) => signInThroughForm(base, username, password);

const placeholders = await resolvePlaceholders(db, demo);
for (const route of WEB_ROUTES.filter((r) => only.some((text) => r.name.includes(text)))) {
  const user = demo.users.find((u) => u.roleCode === route.role);
  const path = placeholders.fill(route.path, route.role);
  if (!user?.password || !path) continue;
  const cookie = await signIn(user.username, user.password);
  current = route.name;
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  process.stderr.write(`${route.name}: ${res.status}, ${(await res.text()).length} bytes\n`);
  current = "";
}
await app.close();

const inspector = process.env.WEB_RENDER_PROFILE ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: 100 });
}
for (const { label, name, context } of captured) {
  const views = env as nunjucks.Environment | null;
  if (!views) break;
  for (let i = 0; i < 20; i++) views.render(name, context);
  if (inspector) await inspector.post("Profiler.start");
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) views.render(name, context);
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / 1000 / N);
  }
  if (inspector) {
    const { profile } = await inspector.post("Profiler.stop");
    printProfile(label, profile as unknown as CpuProfile, 25);
  }
  rounds.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(36)} ${name.padEnd(20)} least ${rounds[0].toFixed(2)} ms, median ${rounds[2].toFixed(2)} ms CPU a render`,
  );
}
await db.close();
