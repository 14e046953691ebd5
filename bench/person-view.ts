// Server time of a person's single view on a loaded place (DATABASE_URL, or the embedded database under
// ONEPLACE_HOME): finds the person with the longest history, signs a GP of their practice and a social
// worker (who breaks glass) in with API tokens, and drives each person page with 8 concurrent users through
// app.inject (server time, no network). Prints p50/p95/p99 per page against the targets.
// Run: DATABASE_URL=postgres://... node bench/person-view.ts [--runs 200]
// It adds a bench team, two users and their tokens to the place (idempotent); nothing else is changed.
import { parseArgs } from "node:util";
import {
  assignRole,
  createApiToken,
  createTeam,
  createUser,
  type Operator,
} from "../src/governance/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { migrate, openDb, storeConfigFromEnv } from "../src/store/index.ts";
import { createWebServer } from "../src/web/index.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "200" } } });
const RUNS = Number(values.runs);
const CONCURRENCY = 8;
const OPERATOR: Operator = { userId: null, name: "bench:person-view", channel: "bench" };

const db = await openDb(storeConfigFromEnv(process.env));
await migrate(db);
const percentile = (s: number[], p: number) => {
  const sorted = [...s].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

try {
  const [longest] = await db.query<{ person_id: string; events: number; practice_code: string }>(
    `WITH n AS (
       SELECT person_id, count(*) AS events FROM (
         SELECT person_id FROM gp_entry UNION ALL SELECT person_id FROM hospital_spell
         UNION ALL SELECT person_id FROM ae_attendance UNION ALL SELECT person_id FROM outpatient_attendance
         UNION ALL SELECT person_id FROM care_contact UNION ALL SELECT person_id FROM social_care_service
         UNION ALL SELECT person_id FROM social_care_assessment UNION ALL SELECT person_id FROM care_home_placement
         UNION ALL SELECT person_id FROM delayed_transfer UNION ALL SELECT person_id FROM care_plan) e
       GROUP BY person_id)
     SELECT n.person_id::text, n.events::int AS events, r.practice_code
       FROM n JOIN registration r ON r.person_id = n.person_id AND r.deregistered_on IS NULL
      ORDER BY n.events DESC LIMIT 1`,
  );
  if (!longest) throw new Error("The place is empty: load one first (oneplace synth --people 20000)");
  const [{ people }] = await db.query<{ people: number }>("SELECT count(*)::int AS people FROM person");
  const [{ typical }] = await db.query<{ typical: string }>(
    "SELECT person_id::text AS typical FROM registration WHERE practice_code = $1 AND deregistered_on IS NULL LIMIT 1 OFFSET 100",
    [longest.practice_code],
  );

  const teamCode = `bench-${longest.practice_code.toLowerCase()}`;
  await db.query("DELETE FROM api_token WHERE name = 'bench person view'").catch(() => undefined);
  const exists = await db.query("SELECT 1 FROM team WHERE team_code = $1", [teamCode]);
  if (exists.length === 0) {
    await createTeam(db, OPERATOR, {
      teamCode,
      name: "Bench practice",
      kind: "practice",
      orgCode: longest.practice_code,
    });
    await createTeam(db, OPERATOR, {
      teamCode: "bench-social-care",
      name: "Bench social care",
      kind: "provider-service",
      orgCode: "ZZS99",
    });
    await createUser(db, OPERATOR, { username: "bench.gp", displayName: "Bench GP" });
    await createUser(db, OPERATOR, { username: "bench.sw", displayName: "Bench social worker" });
    await assignRole(db, OPERATOR, "bench.gp", "gp", teamCode);
    await assignRole(db, OPERATOR, "bench.sw", "social-worker", "bench-social-care");
  }
  const token = async (username: string, roleCode: string, team: string) =>
    (
      await createApiToken(db, OPERATOR, {
        username,
        roleCode,
        teamCode: team,
        name: "bench person view",
        days: 1,
        purpose: "direct-care",
      })
    ).token;
  const gp = await token("bench.gp", "gp", teamCode);
  const sw = await token("bench.sw", "social-worker", "bench-social-care");

  const app = await createWebServer({ db, logger: createLogger({ level: "silent" }), placeName: "Bench" });
  const glass = await app.inject({
    method: "POST",
    url: `/api/people/${longest.person_id}/break-glass`,
    headers: { authorization: `Bearer ${sw}` },
    payload: { reason: "Benchmark: emergency access to the longest history" },
  });
  if (glass.statusCode !== 201) throw new Error(`break-glass failed: ${glass.statusCode} ${glass.body}`);

  const id = longest.person_id;
  const pages: { name: string; url: string; token: string; target: number }[] = [
    { name: "summary (longest history)", url: `/people/${id}`, token: gp, target: 100 },
    { name: "summary (typical person)", url: `/people/${typical}`, token: gp, target: 100 },
    { name: "summary (social worker, break-glass)", url: `/people/${id}`, token: sw, target: 100 },
    { name: "timeline (longest history)", url: `/people/${id}/timeline`, token: gp, target: 150 },
    {
      name: "timeline filtered, page 2",
      url: `/people/${id}/timeline?kind=gp-entry&page=2`,
      token: gp,
      target: 150,
    },
    { name: "care team", url: `/people/${id}/care-team`, token: gp, target: 150 },
    { name: "records", url: `/people/${id}/records`, token: gp, target: 150 },
  ];
  process.stdout.write(
    `Engine: ${db.engine}; ${people.toLocaleString("en-GB")} people; longest history ${longest.events} events. ` +
      `${RUNS} requests per page, ${CONCURRENCY} concurrent.\n\n`,
  );
  process.stdout.write(
    `${"page".padEnd(40)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"p99".padStart(8)}  target\n`,
  );
  for (const page of pages) {
    const once = async () => {
      const start = performance.now();
      const res = await app.inject({
        method: "GET",
        url: page.url,
        headers: { authorization: `Bearer ${page.token}` },
      });
      if (res.statusCode !== 200) throw new Error(`${page.name}: ${res.statusCode}`);
      return performance.now() - start;
    };
    for (let i = 0; i < 10; i++) await once();
    const samples: number[] = [];
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < RUNS) samples.push(await once());
      }),
    );
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000 / samples.length;
    const p95 = percentile(samples, 95);
    process.stdout.write(
      `${page.name.padEnd(40)} ${percentile(samples, 50).toFixed(1).padStart(6)}ms ${p95.toFixed(1).padStart(6)}ms ${percentile(samples, 99).toFixed(1).padStart(6)}ms  ≤ ${page.target} ms ${p95 <= page.target ? "met" : "MISSED"}  (web process CPU ${cpuMs.toFixed(1)} ms a request)\n`,
    );
  }
  await app.close();
} finally {
  await db.close();
}
