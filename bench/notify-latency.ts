// No unknown patients: how soon after the hospital's ACK an emergency admission is visible to the lead
// professional, through the whole path (MLLP listener → commit → trigger → queue → notifier → the GP's
// GET /api/me/notifications over HTTP), on a synthetic place loaded for realistic table sizes.
//
//   node bench/notify-latency.ts [people=10000] [admissions=40]      (DATABASE_URL=postgres://... for PostgreSQL)
//
// Prints ACK→visible p50/p95/max (target ≤ 5 s), then the server time of the notifications page and API for
// a GP with that many notifications, with 8 concurrent users.
import { assignRole, createApiToken, createTeam, createUser } from "../src/governance/index.ts";
import { buildAdt, MllpClient, parseMessage, readAck, startMllpServer } from "../src/ingest/index.ts";
import { createLogger } from "../src/platform/index.ts";
import { DEFAULT_SYNTH_CONFIG, loadSyntheticPlace } from "../src/synth/index.ts";
import { createWebServer } from "../src/web/index.ts";
import { TEST_OPERATOR } from "../test/governance/fixtures.ts";
import { openBenchDb } from "./ingest-bench-db.ts";

const people = Number(process.argv[2] ?? 10_000);
const admissions = Number(process.argv[3] ?? 40);
const bench = await openBenchDb();
const { db } = bench;
const logger = createLogger({ level: "warn" });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

try {
  const t0 = performance.now();
  await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, seed: "notify-bench", people });
  console.log(
    `Loaded ${people.toLocaleString("en-GB")} people in ${((performance.now() - t0) / 1000).toFixed(0)} s (${db.engine}).`,
  );

  // The busiest practice, a practice team with a GP, and people registered there now put on its register
  // with the GP as their joint plan's lead professional.
  const [{ practice_code: practice }] = await db.query<{ practice_code: string }>(
    `SELECT practice_code FROM registration WHERE deregistered_on IS NULL
     GROUP BY practice_code ORDER BY count(*) DESC LIMIT 1`,
  );
  const [{ org_code: acute }] = await db.query<{ org_code: string }>(
    "SELECT org_code FROM organisation WHERE kind = 'acute' ORDER BY org_code LIMIT 1",
  );
  await createTeam(db, TEST_OPERATOR, {
    teamCode: "bench-practice",
    name: "Bench practice",
    kind: "practice",
    orgCode: practice,
  });
  await createUser(db, TEST_OPERATOR, { username: "bench.gp", displayName: "Bench GP", password: null });
  await assignRole(db, TEST_OPERATOR, "bench.gp", "gp", "bench-practice");
  const { token } = await createApiToken(db, TEST_OPERATOR, {
    username: "bench.gp",
    roleCode: "gp",
    teamCode: "bench-practice",
    name: "bench",
    days: 1,
    purpose: "direct-care",
  });
  const chosen = await db.query<{
    person_id: string;
    nhs_number: string;
    family_name: string;
    given_name: string;
    birth_date: string;
    sex: string;
    postcode: string;
  }>(
    `SELECT p.person_id, p.nhs_number, p.family_name, p.given_name, p.birth_date::text AS birth_date, p.sex, p.postcode
     FROM person p JOIN registration r ON r.person_id = p.person_id AND r.deregistered_on IS NULL AND r.practice_code = $1
     WHERE p.nhs_number IS NOT NULL AND p.family_name IS NOT NULL AND p.birth_date IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = p.person_id)
     ORDER BY p.person_id LIMIT $2`,
    [practice, admissions],
  );
  for (const p of chosen) {
    await db.query(
      `INSERT INTO risk_register_member (person_id, register_id, org_code, joined_on) VALUES ($1, 'bench', $2, '2016-01-01')`,
      [p.person_id, practice],
    );
    await db.query(
      `INSERT INTO care_plan (person_id, care_plan_id, plan_type, started_on, lead_professional_role, lead_org_code,
         source_system, source_record_id, received_at)
       VALUES ($1, gen_random_uuid(), 'joint-health-social', '2016-01-01', 'gp', $2, 'bench', gen_random_uuid()::text, now())`,
      [p.person_id, practice],
    );
  }
  await db.query(
    "INSERT INTO ingest_code_map VALUES ('bench-pas', 'ward-kind', 'AMU', 'assessment') ON CONFLICT DO NOTHING",
  );

  const app = await createWebServer({ db, logger, placeName: "Bench" });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const mllp = await startMllpServer({ db, port: 0, logger });
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  const unread = async () =>
    (
      (await (await fetch(`${base}/api/me/notifications?unread=true&limit=1`, { headers })).json()) as {
        unread: number;
      }
    ).unread;

  const latencies: number[] = [];
  const client = await MllpClient.connect(mllp.port);
  try {
    for (const [i, p] of chosen.entries()) {
      const before = await unread();
      const now = new Date();
      const message = buildAdt({
        sendingApplication: "bench-pas",
        sendingFacility: acute,
        controlId: `bench-${i}`,
        trigger: "A01",
        messageTime: now.toISOString(),
        patient: {
          recordId: `BN${String(i).padStart(6, "0")}`,
          authority: acute,
          nhsNumber: p.nhs_number,
          family: p.family_name,
          given: p.given_name,
          birthDate: p.birth_date,
          sex: p.sex as "female" | "male",
          postcode: p.postcode,
        },
        visit: {
          visitNumber: `BV${i}`,
          patientClass: "I",
          admissionType: "21",
          specialty: "300",
          site: `${acute}001`,
          ward: "AMU",
          admitAt: new Date(now.getTime() - 15 * 60_000).toISOString(),
        },
      });
      const ack = readAck(parseMessage(await client.send(message)));
      const acked = performance.now();
      if (ack.code !== "AA") {
        console.log(`message ${i}: ${ack.code} ${ack.errorText ?? ""}`);
        continue;
      }
      while ((await unread()) <= before) {
        if (performance.now() - acked > 10_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      latencies.push(performance.now() - acked);
    }
  } finally {
    await client.close();
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `ACK → visible in the GP's /api/me/notifications (${latencies.length} A01s, notifier polling every 500 ms): p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(latencies[latencies.length - 1])} (target ≤ 5,000 ms)`,
  );

  // The pages, with this GP's notifications, 8 concurrent users.
  for (const path of ["/notifications", "/api/me/notifications"]) {
    const times: number[] = [];
    const one = async () => {
      const start = performance.now();
      const res = await fetch(`${base}${path}`, {
        headers: { ...headers, accept: path.startsWith("/api") ? "application/json" : "text/html" },
      });
      await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      times.push(performance.now() - start);
    };
    for (let i = 0; i < 5; i++) await one();
    times.length = 0;
    for (let i = 0; i < 40; i++) await one();
    times.sort((a, b) => a - b);
    console.log(
      `${path}: p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))} (1 user, ${times.length} requests, client-measured)`,
    );
    times.length = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 25; i++) await one();
      }),
    );
    times.sort((a, b) => a - b);
    console.log(
      `${path}: p50 ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}, p99 ${ms(percentile(times, 99))} (8 concurrent, ${times.length} requests, client-measured)`,
    );
  }
  await mllp.close();
  await app.close();
} finally {
  await bench.dispose();
}
