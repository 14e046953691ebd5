// The synthetic place's care coordination history, loaded through the CLI: MDT meetings on a cadence, agendas
// of real people, joint plans with an accountable lead who is a real member of staff caring for the person,
// actions with owners caring for the person, referrals to the directory's services in valid states, and the
// reablement 91-day follow-up only once day 91 has passed. Then the national condition, its metrics and the
// MDT evaluation compute on it, through the CLI too; and running the step again adds nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { formatCareHistory } from "../../src/cli/index.ts";
import { staffCaringFor } from "../../src/governance/index.ts";
import { stratify, trainModel } from "../../src/risk/index.ts";
import { type Db, openDb } from "../../src/store/index.ts";
import { MDT_CADENCE_DAYS, MDT_HISTORY_DAYS } from "../../src/synth/care-history.ts";
import { historyEnd } from "../../src/synth/care-relationships.ts";
import { DEFAULT_SYNTH_CONFIG } from "../../src/synth/config.ts";
import { loadCareHistory, loadCareRelationships } from "../../src/synth/index.ts";
import { loadSyntheticPlace } from "../../src/synth/load.ts";
import { runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db.ts";

let t: TestDatabase;
let synthOut = "";
/** What the relationships step made before the history, to say which step made nothing when a test fails. */
let relationshipsOut = "";
/** A busy 2-core machine and the embedded engine: a command on 3,000 people can take minutes. */
const CLI_TIMEOUT = 600_000;

// The place is loaded in this process (as `oneplace synth` does: the load, the relationships, the history), not
// through a child: under a busy machine's load the embedded engine's load outlasts the CLI helper's timeout.
before(async () => {
  t = await createTestDatabase({ migrated: true });
  await withDb(async (db) => {
    await loadSyntheticPlace(db, { ...DEFAULT_SYNTH_CONFIG, seed: "care-history", people: 3000 });
    relationshipsOut = `Relationships: ${JSON.stringify(await loadCareRelationships(db))}.`;
    synthOut = formatCareHistory(await loadCareHistory(db));
  });
});

after(async () => {
  await closeDb();
  await t?.drop();
});

/** Open from the load until a CLI child needs the database (the embedded engine admits one process at a time). */
let shared: Db | undefined;

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  shared ??= await openDb({ databaseUrl: t.databaseUrl, home: t.home });
  return fn(shared);
}

async function closeDb(): Promise<void> {
  const db = shared;
  shared = undefined;
  await db?.close();
}

const n = async (db: Db, sql: string, params: unknown[] = []) =>
  Number((await db.query<{ n: number }>(sql, params))[0].n);

test("the synthetic place gets MDT meetings on a cadence, with agendas of real people and their actions", async () => {
  assert.match(synthOut, /Care coordination history: [\d,]+ MDT meetings, [\d,]+ people discussed/);
  await withDb(async (db) => {
    const end = await historyEnd(db);
    // Which step made nothing, should one (the teams come from the relationships step, the meetings from theirs).
    const state = `${relationshipsOut} ${synthOut} Now: ${await n(db, "SELECT count(*) AS n FROM team")} teams, ${await n(db, "SELECT count(*) AS n FROM mdt_meeting")} meetings; history end ${end}.`;
    assert.doesNotMatch(synthOut, /history: 0 MDT meetings/, state);
    const meetings = await db.query<{ kind: string; n: number; first: string; last: string }>(
      `SELECT m.source_kind AS kind, count(*)::int AS n, min(held_on)::text AS first, max(held_on)::text AS last
         FROM mdt_meeting m GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(
      meetings.map((m) => m.kind),
      ["locality", "practice"],
    );
    for (const m of meetings) {
      assert.ok(m.n > 0);
      assert.ok(m.last <= end, "no meeting after the end of the history");
    }
    // Each team meets on its cadence.
    const gaps = await db.query<{ kind: string; gap: number }>(
      `SELECT DISTINCT source_kind AS kind, held_on - lag(held_on) OVER (PARTITION BY team_id ORDER BY held_on) AS gap
         FROM mdt_meeting`,
    );
    for (const g of gaps.filter((x) => x.gap !== null)) {
      assert.equal(g.gap, MDT_CADENCE_DAYS[g.kind as "practice" | "locality"], `${g.kind} cadence`);
    }
    // Every agenda item is a person of the place; every meeting has attendees by role.
    assert.equal(
      await n(
        db,
        "SELECT count(*) AS n FROM mdt_agenda_item a WHERE NOT EXISTS (SELECT 1 FROM person p WHERE p.person_id = a.person_id)",
      ),
      0,
    );
    assert.ok((await n(db, "SELECT count(*) AS n FROM mdt_agenda_item")) > 50);
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM mdt_meeting m
          WHERE (SELECT count(*) FROM mdt_attendee a WHERE a.meeting_id = m.meeting_id) < 3
             OR (m.source_kind = 'practice'
                 AND NOT EXISTS (SELECT 1 FROM mdt_attendee a WHERE a.meeting_id = m.meeting_id AND a.role = 'GP'))`,
      ),
      0,
    );
    for (const reason of ["no-plan", "review-due", "admitted-since-last", "open-actions"]) {
      assert.ok(
        (await n(db, "SELECT count(*) AS n FROM mdt_agenda_item WHERE $1 = ANY(reasons)", [reason])) > 0,
        `someone on an agenda for ${reason}`,
      );
    }
    // Actions: an owner who is an active user, a due date after the meeting; closed only at a later meeting of
    // the same team held on or after the due date; open only when no such meeting has been held.
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM mdt_action a JOIN mdt_meeting m USING (meeting_id)
          LEFT JOIN app_user u ON u.user_id = a.owner_user_id
          LEFT JOIN mdt_meeting c ON c.meeting_id = a.closed_in_meeting_id
         WHERE u.status IS DISTINCT FROM 'active' OR a.owner_external OR a.due_on <= m.held_on
            OR (a.status = 'open') <> (c.meeting_id IS NULL)
            OR (c.meeting_id IS NOT NULL AND (c.team_id <> a.team_id OR c.held_on < a.due_on))
            OR NOT EXISTS (SELECT 1 FROM mdt_agenda_item i WHERE i.person_id = a.person_id AND i.meeting_id = a.meeting_id)`,
      ),
      0,
    );
    // Each owner is staff the access check finds caring for the person on the day of the meeting (a sample).
    const sample = await db.query<{ person_id: string; owner_user_id: string; held_on: string }>(
      `SELECT a.person_id::text AS person_id, a.owner_user_id::text AS owner_user_id, m.held_on::text AS held_on
         FROM mdt_action a JOIN mdt_meeting m USING (meeting_id) ORDER BY md5(a.action_id::text) LIMIT 25`,
    );
    assert.equal(sample.length, 25);
    for (const s of sample) {
      const staff = await staffCaringFor(
        db,
        s.person_id,
        new Date(`${s.held_on}T12:00:00Z`),
        s.owner_user_id,
      );
      assert.ok(staff.length > 0, `the owner of an action about ${s.person_id} cares for them`);
    }
  });
});

test("joint plans started at an MDT are versioned, signed off by a lead who is real staff caring for the person", async () => {
  await withDb(async (db) => {
    const plans = await db.query<{
      person_id: string;
      plan_id: string;
      lead_user_id: string;
      signed_on: string;
      versions: number;
      latest: number;
    }>(
      `SELECT v.person_id::text AS person_id, v.plan_id::text AS plan_id, max(v.lead_user_id::text) AS lead_user_id,
              min((v.saved_at AT TIME ZONE 'Europe/London')::date) FILTER (WHERE v.status = 'signed-off')::text AS signed_on,
              count(*)::int AS versions, count(*) FILTER (WHERE v.latest)::int AS latest
         FROM care_plan_version v GROUP BY 1, 2 ORDER BY 2`,
    );
    // In plan order: the leads checked below (the first 30) are the same on every engine and every run; without
    // ORDER BY, Citus returns the groups in the order the shards answer.
    assert.ok(plans.length > 10, `plans: ${plans.length}`);
    for (const p of plans) {
      assert.equal(p.latest, 1, "one latest version a plan");
      assert.ok(p.versions >= 2 && p.signed_on, "a draft and a signed-off version at least");
    }
    // Versions number 1..n without gaps; the first is the MDT's draft; signed-off ones carry lead and review.
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM (SELECT plan_id, max(version) AS hi, count(*) AS c FROM care_plan_version GROUP BY 1) x
          WHERE hi <> c`,
      ),
      0,
    );
    assert.equal(
      await n(db, "SELECT count(*) AS n FROM care_plan_version WHERE version = 1 AND status <> 'draft'"),
      0,
    );
    // Every plan is on the agenda of the meeting that started it, its lead assigned there.
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM (SELECT DISTINCT person_id, plan_id FROM care_plan_version) v
          WHERE NOT EXISTS (SELECT 1 FROM mdt_agenda_item i WHERE i.person_id = v.person_id AND i.plan_id = v.plan_id
                              AND i.plan_outcome = 'started' AND i.lead_outcome = 'assigned' AND i.plan_version = 1)`,
      ),
      0,
    );
    // The plan in force is projected into care_plan, as the plan store does: OnePlace's, with the latest lead.
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM (SELECT DISTINCT person_id, plan_id FROM care_plan_version) v
          LEFT JOIN care_plan cp ON cp.person_id = v.person_id AND cp.care_plan_id = v.plan_id
         WHERE cp.source_system IS DISTINCT FROM 'oneplace-care' OR cp.lead_professional_role IS NULL
            OR cp.review_due_on IS NULL`,
      ),
      0,
    );
    // Each lead is an active user whom the access check finds caring for the person when the plan is signed off.
    for (const p of plans.slice(0, 30)) {
      const staff = await staffCaringFor(
        db,
        p.person_id,
        new Date(`${p.signed_on}T12:00:00Z`),
        p.lead_user_id,
      );
      assert.ok(staff.length > 0, `the lead of plan ${p.plan_id} cares for the person`);
    }
  });
});

test("referrals are in valid states, and a reablement 91-day outcome is recorded only once day 91 has passed", async () => {
  await withDb(async (db) => {
    const end = await historyEnd(db);
    const states = await db.query<{ service_code: string; outcome: string | null; n: number }>(
      `SELECT service_code, outcome, count(*)::int AS n FROM referral WHERE service_code IS NOT NULL GROUP BY 1, 2`,
    );
    const services = new Set(states.map((s) => s.service_code));
    for (const s of ["reablement", "local-area-coordination", "telecare"]) assert.ok(services.has(s), s);
    assert.ok(states.some((s) => s.outcome === "declined") && states.some((s) => s.outcome === "completed"));
    // Each state has what the care capability's steps would have written.
    assert.equal(
      await n(
        db,
        `SELECT count(*) AS n FROM referral r LEFT JOIN care_service s USING (service_code)
          WHERE r.service_code IS NOT NULL AND (
                s.service_code IS NULL
             OR r.to_team_id <> (SELECT team_id FROM team WHERE team_code = s.team_code)
             OR (r.outcome IS NULL AND (r.closed_on IS NOT NULL OR r.decided_by_user_id IS NOT NULL))
             OR (r.outcome IS NOT NULL AND (r.decided_by_user_id IS NULL OR r.decided_at IS NULL))
             OR (r.outcome = 'declined' AND (r.decline_reason IS NULL OR r.closed_on IS NULL))
             OR (r.outcome = 'completed' AND r.service_code <> 'reablement' AND (r.outcome_summary IS NULL OR r.closed_on IS NULL))
             OR (r.outcome = 'accepted' AND r.closed_on IS NOT NULL)
             OR (r.outcome NOT IN ('accepted', 'declined', 'completed'))
             OR r.referred_by_user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_user u WHERE u.user_id = r.referred_by_user_id)
             OR r.referred_on > $1::date)`,
        [end],
      ),
      0,
    );
    const reablement = await db.query<{
      due: string;
      discharged: string | null;
      started: string;
      ended: string;
      outcome: string | null;
      closed: string | null;
    }>(
      `SELECT r.follow_up_due_on::text AS due, ((h.discharged_at AT TIME ZONE 'Europe/London')::date)::text AS discharged,
              r.episode_started_on::text AS started, r.episode_ended_on::text AS ended, r.follow_up_outcome AS outcome,
              r.closed_on::text AS closed
         FROM referral r LEFT JOIN hospital_spell h ON h.person_id = r.person_id AND h.spell_id = r.after_spell_id
        WHERE r.service_code = 'reablement'`,
    );
    assert.ok(
      reablement.some((r) => r.outcome !== null),
      "some follow-ups recorded",
    );
    const addDays = (d: string, k: number) =>
      new Date(Date.parse(`${d}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);
    for (const r of reablement) {
      assert.equal(
        r.due,
        addDays(r.discharged ?? r.started, 91),
        "day 91 after the discharge, or the episode's start",
      );
      assert.ok(r.ended <= end && r.ended >= r.started);
      if (r.due > end) assert.equal(r.outcome, null, "no outcome before day 91");
      else assert.ok(["at-home", "in-hospital", "in-care-home", "died"].includes(r.outcome ?? ""));
      assert.equal(r.closed !== null, r.outcome !== null, "open until the follow-up closes it");
    }
    const first = (
      await db.query<{ first: string }>("SELECT min(held_on)::text AS first FROM mdt_meeting")
    )[0].first;
    assert.ok(first >= addDays(end, -MDT_HISTORY_DAYS));
  });
});

test("running the care history step again adds nothing", async () => {
  await withDb(async (db) => {
    const again = await loadCareHistory(db);
    assert.deepEqual(Object.values(again), [0, 0, 0, 0, 0, 0, 0]);
  });
});

test("the national condition, its metrics and the MDT evaluation compute on the synthetic place, through the CLI", async () => {
  // The model is trained and the place stratified in this process, with the dates `oneplace model train` picks for
  // this history (test/risk/cli.test.ts runs `model train` and `stratify` through the CLI); what reads the care
  // history (the report's national condition, the metrics, the MDT evaluation) goes through the CLI.
  await withDb(async (db) => {
    await trainModel(db, { trainIndexDate: "2014-04-01", validationIndexDate: "2015-04-01" });
    const run = await stratify(db);
    assert.ok(run.modelVersion && run.tiers.high > 0, "stratified with the model");
  });
  await closeDb();
  const report = await runCli(["stratify", "report"], t.env, CLI_TIMEOUT);
  assert.equal(report.code, 0, report.stderr);
  const plan = /with a joint care plan: ([\d,]+) \(([\d.]+)%\)/.exec(report.stdout);
  const lead = /with an accountable lead professional: ([\d,]+) \(([\d.]+)%\)/.exec(report.stdout);
  assert.ok(plan && Number(plan[1].replaceAll(",", "")) > 0, report.stdout);
  assert.ok(lead && Number(lead[1].replaceAll(",", "")) > 0, report.stdout);

  const computed = await runCli(
    [
      "metrics",
      "compute",
      "--metric",
      "high-risk-joint-plan",
      "--metric",
      "high-risk-lead-professional",
      "--period",
      "2015/16",
    ],
    t.env,
    CLI_TIMEOUT,
  );
  assert.equal(computed.code, 0, computed.stderr);
  const shown = await runCli(
    ["metrics", "show", "--metric", "high-risk-lead-professional", "--json"],
    t.env,
    CLI_TIMEOUT,
  );
  assert.equal(shown.code, 0, shown.stderr);
  const values = JSON.parse(shown.stdout) as { numerator: number | null; denominator: number | null }[];
  assert.ok(
    values.some((v) => (v.numerator ?? 0) > 0 && (v.denominator ?? 0) > 0),
    shown.stdout,
  );

  const evaluated = await runCli(
    ["evaluate", "--intervention", "mdt-review", "--from", "2014-06-01", "--to", "2015-03-31", "--json"],
    t.env,
    CLI_TIMEOUT,
  );
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = JSON.parse(evaluated.stdout) as { treatedFound: number; matchedPairs: number };
  assert.ok(result.treatedFound > 10, evaluated.stdout.slice(0, 400));
  assert.ok(result.matchedPairs > 0, evaluated.stdout.slice(0, 400));
});
