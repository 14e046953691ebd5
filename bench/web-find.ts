// Benchmark of finding a person through the web face, on a synthetic place loaded into a scratch database
// (DATABASE_URL for a PostgreSQL server, PGlite otherwise). A GP of the place's largest practice (API token)
// drives each search with 8 concurrent users through app.inject and the time per request is printed as
// p50/p95/p99: by NHS Number for someone on the register (a 303 to their record) and for someone elsewhere
// (the page, counted not named), the JSON API, by name and date of birth (with slips), and the empty form.
// Target at Thurrock scale: find by NHS Number ≤ 30 ms p95; every page ≤ 150 ms p95.
//
//   node bench/web-find.ts [--people N] [--requests N]
import { parseArgs } from "node:util";
import {
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  type Operator,
} from "../src/governance/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { migrate, openDb } from "../src/store/index.ts";
import { DEFAULT_SYNTH_CONFIG, loadSyntheticPlace } from "../src/synth/index.ts";
import { createWebServer } from "../src/web/index.ts";
import { createTestDatabase, serverUrl } from "../test/helpers/test-db.ts";

const { values } = parseArgs({
  options: { people: { type: "string" }, requests: { type: "string" } },
});
const PEOPLE = Number(values.people ?? 20_000);
const REQUESTS = Number(values.requests ?? 400);
const CONCURRENCY = 8;
const OPERATOR: Operator = { userId: null, name: "bench:web-find", channel: "bench" };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const scratch = await createTestDatabase({
  prefix: "oneplace-bench-find",
  server: serverUrl,
  durableCommits: true,
});
const db = await openDb({ databaseUrl: scratch.databaseUrl ?? serverUrl, home: scratch.home });
try {
  await migrate(db);
  const started = performance.now();
  await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, people: PEOPLE });
  console.log(
    `Loaded ${PEOPLE.toLocaleString("en-GB")} people into ${db.engine} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const [{ practice_code: practice }] = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
      GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1`,
  );
  await createTeam(db, OPERATOR, {
    teamCode: "bench-practice",
    name: "Bench practice",
    kind: "practice",
    orgCode: practice,
  });
  await createUser(db, OPERATOR, { username: "bench.gp", displayName: "Bench GP" });
  await assignRole(db, OPERATOR, "bench.gp", "gp", "bench-practice");
  const { token } = await createApiToken(db, OPERATOR, {
    username: "bench.gp",
    roleCode: "gp",
    teamCode: "bench-practice",
    name: "bench",
    days: 1,
    purpose: "direct-care",
  });
  type Sample = { nhs_number: string; given_name: string; family_name: string; birth_date: string };
  const sample = (registeredHere: boolean) =>
    db.query<Sample>(
      `SELECT p.nhs_number, p.given_name, p.family_name, p.birth_date::text AS birth_date FROM person p
        WHERE p.nhs_number IS NOT NULL AND ${registeredHere ? "" : "NOT"} EXISTS (
          SELECT 1 FROM registration r WHERE r.person_id = p.person_id AND r.practice_code = $1 AND r.deregistered_on IS NULL)
        ORDER BY md5(p.person_id::text) LIMIT 200`,
      [practice],
    );
  const mine = await sample(true);
  const elsewhere = await sample(false);
  const app = await createWebServer({ db, logger: createLogger({ level: "silent" }), placeName: "Bench" });
  const headers = { authorization: `Bearer ${token}` };
  // A slip a practitioner makes: the given name's last letter dropped and the day and month swapped.
  const slip = (s: Sample) => {
    const [y, m, d] = s.birth_date.split("-");
    const birthDate = Number(d) <= 12 ? `${y}-${d}-${m}` : s.birth_date;
    return `name=${encodeURIComponent(`${s.given_name.slice(0, -1)} ${s.family_name}`)}&birthDate=${birthDate}`;
  };
  const routes: { name: string; url: (i: number) => string; status: number; target: number }[] = [
    {
      name: "find by NHS Number, on the register (303)",
      url: (i) => `/find?nhsNumber=${mine[i % mine.length].nhs_number}`,
      status: 303,
      target: 30,
    },
    {
      name: "find by NHS Number, elsewhere (withheld page)",
      url: (i) => `/find?nhsNumber=${elsewhere[i % elsewhere.length].nhs_number}`,
      status: 200,
      target: 30,
    },
    {
      name: "API find by NHS Number",
      url: (i) => `/api/find?nhsNumber=${mine[i % mine.length].nhs_number}`,
      status: 200,
      target: 30,
    },
    {
      name: "find by name and date of birth (exact)",
      url: (i) => {
        const s = mine[i % mine.length];
        return `/find?name=${encodeURIComponent(`${s.given_name} ${s.family_name}`)}&birthDate=${s.birth_date}`;
      },
      status: 200,
      target: 150,
    },
    {
      name: "find by name and date of birth (slips)",
      url: (i) => `/find?${slip(mine[i % mine.length])}`,
      status: 200,
      target: 150,
    },
    { name: "find (empty form)", url: () => "/find", status: 200, target: 150 },
  ];
  console.log(`${CONCURRENCY} concurrent users, ${REQUESTS} requests per route, GP of ${practice}\n`);
  console.log(
    "route".padEnd(48),
    "p50 ms".padStart(8),
    "p95 ms".padStart(8),
    "p99 ms".padStart(8),
    "target".padStart(8),
  );
  for (const route of routes) {
    for (let i = 0; i < 20; i++) await app.inject({ method: "GET", url: route.url(i), headers }); // warm up
    const samples: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const i = next++;
          const start = performance.now();
          const res = await app.inject({ method: "GET", url: route.url(i), headers });
          samples.push(performance.now() - start);
          if (res.statusCode !== route.status) throw new Error(`${route.name}: status ${res.statusCode}`);
        }
      }),
    );
    samples.sort((a, b) => a - b);
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(samples, p).toFixed(1));
    console.log(
      route.name.padEnd(48),
      p50.padStart(8),
      p95.padStart(8),
      p99.padStart(8),
      `≤ ${route.target}`.padStart(8),
    );
  }
  await app.close();
} finally {
  await db.close();
  await scratch.drop();
}
