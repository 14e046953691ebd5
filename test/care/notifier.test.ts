// No unknown patients, in the capability: the trigger queues what any path inserts, the notifier tells the
// right teams and people once, and the metric computes from what it wrote.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { drainAdmissionQueue, notifyAdmissions, startAdmissionNotifier } from "../../src/care/index.ts";
import { parsePeriod } from "../../src/core/periods.ts";
import { upsertCanonical } from "../../src/ingest/index.ts";
import { computeMetrics } from "../../src/outcomes/index.ts";
import { createLogger } from "../../src/platform/index.ts";
import { type Db, isCitus, type Queryable } from "../../src/store/index.ts";
import {
  addToCareTeam,
  addToCaseload,
  admit,
  createTeams,
  createUserInRole,
  insertOrganisations,
  insertPerson,
  makePerson,
  ORGS,
  register,
  type TeamKey,
} from "../governance/fixtures.ts";
import { useTestDb } from "../helpers/test-db.ts";
import { leadPlan, putOnRegister } from "./fixtures.ts";

const onRegister = makePerson({ familyName: "Notifyone" });
const notOnAnything = makePerson({ familyName: "Notifytwo" });
const longAgo = makePerson({ familyName: "Notifythree" });
const careTeamOnly = makePerson({ familyName: "Notifyfour" });
const users = new Map<string, string>();
let teams: Record<TeamKey, string>;

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

const store = useTestDb({
  async setup(db) {
    await insertOrganisations(db);
    teams = await createTeams(db);
    for (const [username, role, team] of [
      ["mdt.notify", "practice-mdt-coordinator", "practice"],
      ["gp.notify", "gp", "practice"],
      ["nurse.notify", "community-clinician", "community"],
      ["sw.notify", "social-worker", "socialCare"],
      ["reab.notify", "reablement-worker", "reablement"],
    ] as const) {
      users.set(username, await createUserInRole(db, username, role, team));
    }
    for (const p of [onRegister, notOnAnything, longAgo, careTeamOnly]) {
      await insertPerson(db, p);
      await register(db, p.personId, ORGS.practice);
    }
    await putOnRegister(db, onRegister.personId);
    await leadPlan(db, onRegister.personId, "gp", ORGS.practice);
    await addToCareTeam(db, onRegister.personId, teams.community);
    await addToCaseload(db, onRegister.personId, users.get("sw.notify") as string, teams.socialCare);
    await putOnRegister(db, longAgo.personId);
    await addToCareTeam(db, careTeamOnly.personId, teams.community);
  },
});

async function queued(db: Db): Promise<string[]> {
  return (
    await db.query<{ person_id: string }>("SELECT person_id FROM admission_notice_queue ORDER BY person_id")
  ).map((r) => r.person_id);
}

test("an emergency admission inserted by any statement is queued in its transaction; history and elective ones are not", async () => {
  const db = store.db;
  await admit(db, onRegister.personId, ORGS.acute, hoursAgo(3));
  await admit(db, notOnAnything.personId, ORGS.acute, hoursAgo(2));
  await admit(db, longAgo.personId, ORGS.acute, hoursAgo(24 * 60), hoursAgo(24 * 55));
  await db.query(
    `INSERT INTO hospital_spell (person_id, spell_id, provider_code, admitted_at, admission_method, patient_class,
       source_system, source_record_id, received_at)
     VALUES ($1, gen_random_uuid(), 'ZZA01', $2, 'elective', 'inpatient', 'test', 'elective-1', now())`,
    [careTeamOnly.personId, hoursAgo(1)],
  );
  assert.deepEqual(await queued(db), [onRegister.personId, notOnAnything.personId].sort());
  // A transaction that rolls back leaves nothing queued.
  await assert.rejects(
    db.transaction(async (tx) => {
      await admit(tx, careTeamOnly.personId, ORGS.acute, hoursAgo(1));
      throw new Error("rolled back");
    }),
  );
  assert.deepEqual(await queued(db), [onRegister.personId, notOnAnything.personId].sort());
});

test("the notifier tells the practice's MDT coordinators, the lead professional, the care team and the caseload holder, once each", async () => {
  const db = store.db;
  const result = await drainAdmissionQueue(db);
  assert.deepEqual(result, { spells: 2, notifications: 3, deliveries: 4 });
  assert.deepEqual(await queued(db), []);
  const notices = await db.query<{ team_code: string; reasons: string[] }>(
    `SELECT t.team_code, n.reasons FROM admission_notification n JOIN team t USING (team_id)
     WHERE n.person_id = $1 ORDER BY t.team_code`,
    [onRegister.personId],
  );
  assert.deepEqual(notices, [
    { team_code: "adult-social-care", reasons: ["caseload"] },
    { team_code: "district-nursing", reasons: ["care-team"] },
    { team_code: "riverside-practice", reasons: ["lead-professional", "registered-practice"] },
  ]);
  const told = await db.query<{ username: string }>(
    `SELECT u.username FROM admission_notification_delivery d JOIN app_user u USING (user_id)
     WHERE d.person_id = $1 ORDER BY u.username`,
    [onRegister.personId],
  );
  assert.deepEqual(
    told.map((r) => r.username),
    ["gp.notify", "mdt.notify", "nurse.notify", "sw.notify"],
  );
  const none = await db.query("SELECT 1 FROM admission_notification WHERE person_id = $1", [
    notOnAnything.personId,
  ]);
  assert.equal(none.length, 0, "no register, no care team: nobody to tell");
});

test("notifying the same spells again writes nothing more", async () => {
  const db = store.db;
  const spells = await db.query<{ person_id: string; spell_id: string }>(
    "SELECT person_id, spell_id FROM hospital_spell WHERE person_id = $1",
    [onRegister.personId],
  );
  const again = await notifyAdmissions(
    db,
    spells.map((s) => ({ personId: s.person_id, spellId: s.spell_id })),
  );
  assert.deepEqual(again, { notifications: 0, deliveries: 0 });
});

test("a person with a care team only is notified to that team, without being on a register", async () => {
  const db = store.db;
  await admit(db, careTeamOnly.personId, ORGS.acute, hoursAgo(1));
  const result = await drainAdmissionQueue(db);
  assert.deepEqual(result, { spells: 1, notifications: 2, deliveries: 2 });
  const told = await db.query<{ username: string }>(
    `SELECT u.username FROM admission_notification_delivery d JOIN app_user u USING (user_id)
     WHERE d.person_id = $1 ORDER BY u.username`,
    [careTeamOnly.personId],
  );
  assert.deepEqual(
    told.map((r) => r.username),
    ["mdt.notify", "nurse.notify"],
    "no lead professional: the GP is not told; the reablement worker's team is not in the care team",
  );
});

test("the no-unknown-patients metric computes from the notifications", async () => {
  const db = store.db;
  const today = new Date().toISOString().slice(0, 10);
  const admittedMonth = hoursAgo(3).slice(0, 7);
  const r = await computeMetrics(db, {
    periods: [parsePeriod(admittedMonth)],
    metricIds: ["no-unknown-patients"],
    asOf: today,
    store: false,
  });
  assert.deepEqual(r.unavailable, []);
  const place = r.values.find((v) => v.areaLevel === "place");
  assert.ok(place, JSON.stringify(r.values));
  assert.equal(place.denominator, 1, "one emergency admission of a person on the register this month");
  assert.equal(place.numerator, 1);
  assert.equal(place.value, 100);
  assert.deepEqual(place.breakdown?.numerator, { "within-24-hours": 1 });
});

/** The Db with the text of every statement it runs (its transactions' too) pushed to `into`. */
function recording(db: Db, into: string[]): Db {
  const record = <Q extends Queryable>(q: Q): Q =>
    new Proxy(q, {
      get(target, key) {
        if (key === "query")
          return (sql: string | { text: string }, params?: readonly unknown[]) => {
            into.push(typeof sql === "string" ? sql : sql.text);
            return target.query(sql as string, params);
          };
        if (key === "transaction")
          return (fn: (tx: Queryable) => Promise<unknown>) =>
            (target as unknown as Db).transaction((tx) => fn(record(tx)));
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return record(db);
}

/** Waits until `check` holds, or fails after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms / 1000} s`);
    await sleep(25);
  }
}

const notified = async (db: Db, spellId: string) =>
  (await db.query("SELECT 1 FROM admission_notification WHERE spell_id = $1", [spellId])).length > 0;

const PROBE = /admission_notice_queue/;

/** Every distributed job's task count in a statement's plan, as the coordinator plans it (none for a local one). */
async function shardTasks(db: Db, sql: string): Promise<number[]> {
  const [row] = await db.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  const out: number[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node && typeof node === "object") {
      const job = (node as Record<string, { Job?: Record<string, number> }>)["Distributed Query"]?.Job;
      if (job) out.push(job["Task Count"]);
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(row["QUERY PLAN"]);
  return out;
}

test("the running notifier: idle, it asks no shard on Citus (one local probe a tick elsewhere); an admission the ingest writer stores is notified", async () => {
  const db = store.db;
  const statements: string[] = [];
  // The shards are probed at start, then only after the writers' sign moves: never again on its own here.
  const notifier = startAdmissionNotifier({
    db: recording(db, statements),
    logger: createLogger({ level: "silent" }),
    intervalMs: 20,
    settleMs: 300,
    fullProbeMs: 600_000,
  });
  try {
    await until("the first tick's probe", async () => statements.some((s) => PROBE.test(s)));
    await sleep(400);
    statements.length = 0;
    await sleep(1000);
    const idle = [...statements];
    assert.ok(idle.length >= 5, `only ${idle.length} statements in a second of ticks every 20 ms`);
    if (isCitus(db)) {
      assert.deepEqual(
        idle.filter((s) => PROBE.test(s)),
        [],
        "an idle notifier on Citus does not look at the queue",
      );
      for (const sql of new Set(idle))
        assert.deepEqual(await shardTasks(db, sql), [], `${sql}: goes to the shards`);
    } else {
      assert.ok(
        idle.every((s) => PROBE.test(s)),
        `one server: each tick is the queue's one local probe (${[...new Set(idle)].join("; ")})`,
      );
    }
    // An emergency admission stored by the canonical writer (CSV, FHIR): notified within the settle time of
    // its write, long before a full probe would come.
    const spellId = randomUUID();
    await upsertCanonical(db, "hospital_spell", [
      [
        careTeamOnly.personId,
        spellId,
        ORGS.acute,
        null,
        hoursAgo(1),
        "emergency",
        "inpatient",
        null,
        null,
        null,
        null,
        null,
        "test",
        "notifier-run-1",
        new Date().toISOString(),
      ],
    ]);
    await until("the notification of an admission the writer stored", () => notified(db, spellId));
  } finally {
    await notifier.stop();
  }
});

test("the running notifier finds an admission whose writer did not signal it, by its probe every few seconds", async () => {
  const db = store.db;
  const notifier = startAdmissionNotifier({
    db,
    logger: createLogger({ level: "silent" }),
    intervalMs: 20,
    settleMs: 100,
    fullProbeMs: 1000,
  });
  try {
    await sleep(300);
    // A plain INSERT (as SQL from outside OnePlace would be): queued by the trigger, no sign moved.
    await admit(db, careTeamOnly.personId, ORGS.acute, hoursAgo(0.5));
    const [{ spell_id }] = await db.query<{ spell_id: string }>(
      "SELECT spell_id FROM hospital_spell WHERE person_id = $1 ORDER BY admitted_at DESC LIMIT 1",
      [careTeamOnly.personId],
    );
    await until("the notification of an admission nobody signalled", () => notified(db, spell_id));
  } finally {
    await notifier.stop();
  }
});
