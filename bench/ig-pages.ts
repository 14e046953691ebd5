// Server time of the IG pages and the sharing page under 8 concurrent users (app.inject, bearer tokens), on a
// fresh database of its own (PGlite, or a server when DATABASE_URL is set): PEOPLE people, BREAK_GLASS break-glass
// accesses (a fifth awaiting review) and a trail holding LISTS registers of 10,000 and one view per person.
// Usage: node bench/ig-pages.ts [people=10000] [lists=50] [requests=200]
import { appendAuditEvent, createApiToken } from "../src/governance/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { withNhsNumberRoutes } from "../src/store/index.ts";
import { createWebServer } from "../src/web/index.ts";
import {
  createTeams,
  createUserInRole,
  insertOrganisations,
  makePerson,
  ORGS,
  TEAMS,
  TEST_OPERATOR,
  testAuthConfig,
} from "../test/governance/fixtures.ts";
import { openTestDb } from "../test/helpers/test-db.ts";

const PEOPLE = Number(process.argv[2] ?? 10_000);
const LISTS = Number(process.argv[3] ?? 50);
const BREAK_GLASS = 500;
const CONCURRENCY = 8;
const REQUESTS = Number(process.argv[4] ?? 200);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const t = await openTestDb({ durableCommits: true });
const db = t.db;
try {
  await insertOrganisations(db);
  const teams = await createTeams(db);
  const social = await createUserInRole(db, "bench.social", "social-worker", "socialCare");
  await createUserInRole(db, "bench.ig", "ig-officer", "service");
  await createUserInRole(db, "bench.gp", "gp", "practice");
  const people = Array.from({ length: PEOPLE }, () => makePerson());
  const started = performance.now();
  for (let i = 0; i < people.length; i += 1_000) {
    const chunk = people.slice(i, i + 1_000);
    await withNhsNumberRoutes(
      db,
      chunk.map((p) => p.personId),
      () =>
        db.query(
          `INSERT INTO person (person_id, nhs_number, family_name, given_name, birth_date, sex, postcode, source_system,
             source_record_id, received_at)
           SELECT id, nhs, 'Benchperson', 'Ada', '1940-01-01', 'female', 'RM17 6ZZ', 'bench', id::text, now()
             FROM unnest($1::uuid[], $2::text[]) AS u(id, nhs)`,
          [chunk.map((p) => p.personId), chunk.map((p) => p.nhsNumber)],
        ),
    );
    await db.query(
      `INSERT INTO registration (person_id, registration_id, practice_code, registered_on, source_system,
         source_record_id, received_at)
       SELECT id, gen_random_uuid(), $2, '2010-01-01', 'bench', id::text, now() FROM unnest($1::uuid[]) AS u(id)`,
      [chunk.map((p) => p.personId), ORGS.practice],
    );
  }
  await db.query(
    `INSERT INTO break_glass (person_id, break_glass_id, user_id, role_code, team_id, reason, started_at, expires_at,
       reviewed_at, reviewed_by, review_outcome, review_note)
     SELECT p, gen_random_uuid(), $2, 'social-worker', $3, 'Out of hours safeguarding call',
            now() - (i || ' hours')::interval, now() - (i || ' hours')::interval + interval '1 hour',
            CASE WHEN i % 5 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE 'bench.ig' END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE 'appropriate' END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE 'Checked' END
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u(p, i)`,
    [people.slice(0, BREAK_GLASS).map((p) => p.personId), social, teams.socialCare],
  );
  const actor = {
    actorUserId: null,
    actor: "bench.gp",
    roleCode: "gp",
    teamCode: TEAMS.practice.teamCode,
    purpose: "direct-care",
    channel: "bench",
  };
  const register = people.slice(0, 10_000).map((p) => p.personId);
  for (let i = 0; i < LISTS; i++)
    await appendAuditEvent(db, {
      ...actor,
      action: "list",
      personIds: register,
      allowed: true,
      reason: "register",
    });
  for (const p of people.slice(0, Math.min(2_000, PEOPLE)))
    await appendAuditEvent(db, {
      ...actor,
      action: "view",
      personIds: [p.personId],
      allowed: true,
      reason: "registered",
    });
  console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const app = await createWebServer({
    db,
    logger: createLogger({ level: "silent" }),
    placeName: "Bench",
    auth: testAuthConfig(),
  });
  const tokens = new Map<string, string>();
  for (const [username, roleCode, team, purpose] of [
    ["bench.ig", "ig-officer", "service", "administration"],
    ["bench.gp", "gp", "practice", "direct-care"],
  ] as const) {
    const { token } = await createApiToken(db, TEST_OPERATOR, {
      username,
      roleCode,
      teamCode: TEAMS[team].teamCode,
      name: "bench",
      days: 1,
      purpose,
    });
    tokens.set(roleCode, token);
  }
  const [awaiting] = await db.query<{ id: string }>(
    "SELECT break_glass_id AS id FROM break_glass WHERE reviewed_at IS NULL LIMIT 1",
  );
  const pages: [string, string, (i: number) => string][] = [
    ["IG break-glass list", "ig-officer", () => "/ig/break-glass"],
    ["IG break-glass list, page 5", "ig-officer", () => "/ig/break-glass?page=5"],
    ["IG break-glass review", "ig-officer", () => `/ig/break-glass/${awaiting.id}`],
    [
      "IG audit by NHS Number",
      "ig-officer",
      (i) => `/ig/audit?nhsNumber=${people[(i * 37) % Math.min(2_000, PEOPLE)].nhsNumber}`,
    ],
    ["IG audit by user", "ig-officer", () => "/ig/audit?username=bench.gp"],
    ["IG audit by user, page 40", "ig-officer", () => "/ig/audit?username=bench.gp&page=40"],
    ["sharing choices", "gp", (i) => `/people/${people[(i * 53) % PEOPLE].personId}/sharing`],
  ];
  console.log(`${PEOPLE} people, ${LISTS} registers of 10,000 in the trail, ${CONCURRENCY} concurrent users`);
  console.log("page | p50 ms | p95 ms | p99 ms");
  for (const [name, role, path] of pages) {
    const samples: number[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= REQUESTS) return;
        const t0 = performance.now();
        const res = await app.inject({
          method: "GET",
          url: path(i),
          headers: { authorization: `Bearer ${tokens.get(role)}` },
        });
        if (i >= CONCURRENCY) samples.push(performance.now() - t0);
        if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `${name} | ${percentile(samples, 50).toFixed(1)} | ${percentile(samples, 95).toFixed(1)} | ${percentile(samples, 99).toFixed(1)}`,
    );
  }
  await app.close();
} finally {
  await t.dispose();
}
