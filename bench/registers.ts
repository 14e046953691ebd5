// Benchmark of the register pages on a loaded, stratified place (DATABASE_URL, or PGlite's data directory
// from the settings): the largest locality's register (10,000 people or so at 30,000 people; a large practice
// at Thurrock scale) sorted each way and paged, a filtered view, the CSV export and the model report, each
// with 8 requests in flight, through the whole web stack (auth, reader, audit, render). Prints p50/p95/p99.
// It adds a bench team and users in that locality (idempotent) and writes audit rows, as real use does.
import {
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  type Operator,
} from "../src/governance/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { createWebServer } from "../src/web/index.ts";

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const operator: Operator = { userId: null, name: "bench:registers", channel: "bench" };

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const db = await openDb(storeConfigFromEnv(process.env));
try {
  const [big] = await db.query<{ locality_code: string; n: number; practice_code: string }>(
    `SELECT locality_code, count(*)::int AS n,
            (SELECT practice_code FROM risk_person q WHERE q.locality_code = rp.locality_code
              GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1) AS practice_code
       FROM risk_person rp WHERE locality_code IS NOT NULL GROUP BY locality_code ORDER BY n DESC LIMIT 1`,
  );
  if (!big)
    throw new Error(
      "No stratified place: run 'oneplace synth', 'oneplace model train' and 'oneplace stratify'",
    );
  const tokens: Record<string, string> = {};
  for (const [username, role, team] of [
    [
      "bench.locality",
      "gp",
      {
        teamCode: "bench-locality-mdt",
        name: "Bench locality MDT",
        kind: "locality-mdt",
        orgCode: big.locality_code,
      },
    ],
    [
      "bench.practice",
      "gp",
      { teamCode: "bench-practice", name: "Bench practice", kind: "practice", orgCode: big.practice_code },
    ],
    [
      "bench.analyst",
      "commissioner-analyst",
      { teamCode: "bench-commissioning", name: "Bench commissioning", kind: "commissioning", orgCode: null },
    ],
  ] as const) {
    await createTeam(db, operator, team).catch(() => undefined);
    await createUser(db, operator, { username, displayName: username, password: null }).catch(
      () => undefined,
    );
    await assignRole(db, operator, username, role, team.teamCode).catch(() => undefined);
    const purpose = role === "gp" ? "direct-care" : "commissioning";
    tokens[username] = (
      await createApiToken(db, operator, {
        username,
        roleCode: role,
        teamCode: team.teamCode,
        name: "bench",
        days: 1,
        purpose,
      })
    ).token;
  }
  const app = await createWebServer({ db, logger: createLogger({ level: "silent" }), placeName: "Bench" });
  const [practiceSize] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM risk_person WHERE practice_code = $1",
    [big.practice_code],
  );
  process.stdout.write(
    `Engine: ${db.engine}. Locality ${big.locality_code}: ${big.n.toLocaleString("en-GB")} people; practice ${big.practice_code}: ${practiceSize.n.toLocaleString("en-GB")}. ${CONCURRENCY} in flight, ${ROUNDS} rounds.\n`,
  );
  const loc = `/registers/locality/${big.locality_code}`;
  const rows: [string, string, string][] = [
    ["locality register, by tier", "bench.locality", loc],
    ["locality register, by name, page 40", "bench.locality", `${loc}?sort=name&page=40`],
    ["locality register, by last admission", "bench.locality", `${loc}?sort=admission`],
    ["locality register, by eFI, 100 a page", "bench.locality", `${loc}?sort=efi&pageSize=100`],
    [
      "locality register, filtered (no plan, high tiers)",
      "bench.locality",
      `${loc}?tier=very-high&tier=high&noJointPlan=yes`,
    ],
    ["practice register, by tier", "bench.practice", `/registers/practice/${big.practice_code}`],
    ["registers index", "bench.practice", "/registers"],
    ["model report", "bench.analyst", "/analytics/model"],
    ["practice register CSV export", "bench.practice", `/registers/practice/${big.practice_code}.csv`],
  ];
  for (const [name, who, url] of rows) {
    const samples: number[] = [];
    const once = async () => {
      const start = performance.now();
      const res = await app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${tokens[who]}` },
      });
      samples.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    };
    await once();
    samples.length = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < ROUNDS / CONCURRENCY; i++) await once();
      }),
    );
    process.stdout.write(
      `${name.padEnd(50)} p50 ${percentile(samples, 50).toFixed(1).padStart(7)} ms  p95 ${percentile(samples, 95).toFixed(1).padStart(7)} ms  p99 ${percentile(samples, 99).toFixed(1).padStart(7)} ms\n`,
    );
  }
  await app.close();
} finally {
  await db.close();
}
