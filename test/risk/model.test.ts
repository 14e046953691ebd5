import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sigmoid } from "../../src/core/logistic.ts";
import {
  activeModel,
  explainScore,
  listModels,
  NoValidatedModelError,
  type RiskModel,
  trainModel,
} from "../../src/risk/model.ts";
import { formatModelReport } from "../../src/risk/model-report.ts";
import { tierOf } from "../../src/risk/placement.ts";
import { SNAPSHOT_COLUMNS } from "../../src/risk/snapshot.ts";
import { latestFullRun, rescorePeople, stratify } from "../../src/risk/stratify.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { loadMiniPlace } from "./mini-place.ts";
import { addDeath, addGpEntry, addSpell } from "./place.ts";

let t: TestDb;
let model: RiskModel;

before(async () => {
  t = await openTestDb();
  await loadMiniPlace(t.db, 4000);
});
after(() => t.dispose());

describe("the emergency admission risk model", () => {
  test("nothing scores before a validated model exists", async () => {
    await assert.rejects(stratify(t.db, { asOf: "2016-03-31" }), NoValidatedModelError);
    assert.equal(await activeModel(t.db), null);
  });

  test("trains on one year, validates on a later one and keeps the version with its report", async () => {
    const steps: string[] = [];
    model = await trainModel(t.db, {
      trainIndexDate: "2014-04-01",
      validationIndexDate: "2015-04-01",
      onStep: (s) => steps.push(s),
    });
    assert.ok(steps.length >= 4);
    assert.equal(model.version, 1);
    const v = model.validation;
    assert.equal(v.featuresAsOf, "2015-03-31");
    assert.equal(v.outcomeFrom, "2015-04-01");
    assert.equal(v.outcomeTo, "2016-03-31");
    assert.equal(model.spec.train.featuresAsOf, "2014-03-31");
    assert.ok(v.people > 3500 && v.people <= 4000, `${v.people} people validated`);
    assert.ok(v.auc > 0.65, `AUC ${v.auc}`);
    assert.ok(v.calibrationSlope > 0.7 && v.calibrationSlope < 1.3, `slope ${v.calibrationSlope}`);
    assert.equal(v.deciles.length, 10);
    assert.deepEqual(
      v.capture.map((c) => c.topPercent),
      [1, 5, 20],
    );
    assert.ok(v.capture[2].shareOfAdmittedPeople > 0.2, "the top 20% hold more than 20% of those admitted");
    assert.ok(v.capture[0].shareOfAdmittedPeople <= v.capture[1].shareOfAdmittedPeople);
    const stored = await activeModel(t.db);
    assert.equal(stored?.modelId, model.modelId);
    assert.equal(stored?.validation.auc, v.auc);
    const again = await trainModel(t.db, { trainIndexDate: "2013-04-01", validationIndexDate: "2015-04-01" });
    assert.equal(again.version, 2);
    assert.deepEqual(
      (await listModels(t.db)).map((m) => m.version),
      [1, 2],
    );
    model = again;
  });

  test("a model cannot be stored without a validation report", async () => {
    await assert.rejects(
      t.db.query(
        `INSERT INTO risk_model (model_id, version, kind, outcome, train_index_date, validation_index_date, spec, validation)
         VALUES (gen_random_uuid(), 99, 'logistic-l2', 'x', '2014-04-01', '2015-04-01', '{}', NULL)`,
      ),
      /null value|not-null/i,
    );
  });

  test("validation must be on a later period", async () => {
    await assert.rejects(
      trainModel(t.db, { trainIndexDate: "2015-04-01", validationIndexDate: "2014-04-01" }),
      onePlaceError("invalid", "risk.index-dates", /later period/),
    );
  });

  test("the report reads as a commissioner would want", () => {
    const text = formatModelReport(model);
    assert.match(text, /area under the ROC curve 0\.\d{3}/);
    assert.match(text, /Calibration slope \d\.\d\d/);
    assert.match(text, /top of list/);
    assert.match(text, /Calibration by tenth of predicted risk/);
    assert.match(text, /What drives risk most/);
    assert.match(
      text,
      /\d\.\d\d x {2}.+ \((if so|for the first one, less for each after|for each one more)\)/,
    );
    assert.equal(text.split("\n").filter((l) => /^\s+\d+\s+[\d,]+\s+[\d.]+%/.test(l)).length, 10);
  });
});

describe("scoring the population", () => {
  test("every person gets a probability, a rank and a tier; tiers hold the configured shares", async () => {
    const summary = await stratify(t.db, { asOf: "2016-03-31" });
    assert.equal(summary.modelVersion, 2);
    const n = summary.people;
    assert.equal(summary.tiers["very-high"], Math.floor(n * 0.005));
    assert.equal(summary.tiers["very-high"] + summary.tiers.high, Math.floor(n * 0.05));
    assert.equal(summary.tiers["very-high"] + summary.tiers.high + summary.tiers.rising, Math.floor(n * 0.2));
    const [check] = await t.db.query<{ bad: number; ranks: number; top: number }>(
      `SELECT count(*) FILTER (WHERE probability IS NULL OR probability <= 0 OR probability >= 1) AS bad,
              count(DISTINCT risk_rank) AS ranks, max(risk_percentile) AS top FROM risk_person`,
    );
    assert.deepEqual(check, { bad: 0, ranks: n, top: 100 });
    const [order] = await t.db.query<{ wrong: number }>(
      // Each rank against the next by a window, not a self-join on rank (Citus joins a distributed table to
      // itself only on person_id).
      `SELECT count(*) AS wrong
         FROM (SELECT probability, lead(probability) OVER (ORDER BY risk_rank) AS next FROM risk_person) x
        WHERE probability < next`,
    );
    assert.equal(order.wrong, 0, "rank 1 is the highest probability");
    const run = await latestFullRun(t.db);
    assert.equal(run?.modelId, model.modelId);
    const [q] = await t.db.query<{ n: number; sorted: boolean }>(
      `SELECT cardinality(quantiles) AS n, quantiles = ARRAY(SELECT unnest(quantiles) ORDER BY 1) AS sorted
       FROM risk_run WHERE run_id = $1`,
      [run?.runId],
    );
    assert.deepEqual(q, { n: 999, sorted: true });
  });

  test("the factors explaining a score add up to the stored score", async () => {
    const [top] = await t.db.query<{ person_id: string; probability: number }>(
      "SELECT person_id::text, probability FROM risk_person WHERE risk_rank = 1",
    );
    const factors = await explainScore(t.db, model, top.person_id);
    assert.ok(factors);
    const logOdds = model.spec.intercept + factors.reduce((s, f) => s + f.logOdds, 0);
    assert.ok(Math.abs(sigmoid(logOdds) - top.probability) < 1e-9);
    assert.ok(factors[0].logOdds >= factors[1].logOdds);
    assert.ok(factors[0].logOdds > 0, "the top factor raises risk");
    assert.equal(await explainScore(t.db, model, "00000000-0000-4000-8000-000000000000"), null);
  });

  test("rescoring reproduces the full run's picture of people, whatever their stored row says", async () => {
    const sample = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person ORDER BY md5(person_id::text) LIMIT 200",
    );
    const ids = sample.map((r) => String(r.person_id));
    // Stored rows that no longer match what the records say, so every one of them is scored again.
    await t.db.query(
      `UPDATE risk_person SET probability = 0.5, deficit_count = deficit_count + 1, risk_tier = 'low',
         risk_percentile = 1, family_name = 'Drifted' WHERE person_id = ANY($1::uuid[])`,
      [ids],
    );
    const result = await rescorePeople(t.db, ids);
    assert.deepEqual([result.rescored, result.removed], [ids.length, 0]);
    const again = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person WHERE person_id = ANY($1::uuid[])",
      [ids],
    );
    const byId = new Map(again.map((r) => [String(r.person_id), r]));
    for (const before of sample) {
      const now = byId.get(String(before.person_id));
      assert.ok(now);
      for (const column of SNAPSHOT_COLUMNS) assert.deepEqual(now[column], before[column], column);
      assert.equal(now.probability, before.probability, "the same score, to the last bit");
      assert.equal(now.risk_tier, before.risk_tier);
      assert.ok(Math.abs(Number(now.risk_percentile) - Number(before.risk_percentile)) <= 0.2);
      assert.deepEqual([now.family_name, now.given_name], [before.family_name, before.given_name]);
      assert.equal(now.run_id, result.runId);
      assert.equal(now.risk_rank, null, "exact ranks wait for the next full run");
    }
  });

  test("a rescoring that finds a person's picture and score unchanged leaves the full run's row as it is", async () => {
    const run = await latestFullRun(t.db);
    const [before] = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person WHERE run_id = $1 ORDER BY person_id LIMIT 1",
      [run?.runId],
    );
    assert.ok(before && before.risk_rank !== null);
    const result = await rescorePeople(t.db, [String(before.person_id)]);
    assert.deepEqual([result.rescored, result.removed], [1, 0]);
    const [after] = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person WHERE person_id = $1",
      [before.person_id],
    );
    assert.deepEqual(after, before, "the full run's rank, percentile and run kept");
  });

  test("a new emergency admission rescores one person without a full run", async () => {
    const [low] = await t.db.query<{
      person_id: string;
      probability: number;
      emergency_admissions_12m: number;
    }>(
      `SELECT person_id::text, probability, emergency_admissions_12m FROM risk_person
       WHERE risk_tier = 'low' AND age BETWEEN 70 AND 90 ORDER BY person_id LIMIT 1`,
    );
    await addSpell(t.db, low.person_id, { admitted: "2016-03-01 10:00", discharged: "2016-03-20 10:00" });
    await addSpell(t.db, low.person_id, { admitted: "2016-03-25 10:00", discharged: "2016-03-28 10:00" });
    const result = await rescorePeople(t.db, [low.person_id]);
    assert.deepEqual([result.rescored, result.removed], [1, 0]);
    const [after] = await t.db.query<{
      probability: number;
      emergency_admissions_12m: number;
      risk_rank: number | null;
      risk_tier: string;
      run_id: string;
      risk_percentile: number;
    }>(
      "SELECT probability, emergency_admissions_12m, risk_rank, risk_tier, run_id::text, risk_percentile FROM risk_person WHERE person_id = $1",
      [low.person_id],
    );
    assert.equal(after.emergency_admissions_12m, low.emergency_admissions_12m + 2);
    assert.ok(after.probability > low.probability);
    assert.equal(after.risk_rank, null, "exact ranks wait for the next full run");
    assert.equal(after.run_id, result.runId);
    assert.notEqual(after.risk_tier, "low");
    const run = await latestFullRun(t.db);
    assert.ok(run?.cutpoints?.rising !== null && after.probability >= (run?.cutpoints?.rising ?? 1));
    assert.ok(after.risk_percentile > 80);
    const [runRow] = await t.db.query<{ kind: string; rescoring_of: string }>(
      "SELECT kind, rescoring_of::text FROM risk_run WHERE run_id = $1",
      [result.runId],
    );
    assert.deepEqual(runRow, { kind: "people", rescoring_of: run?.runId });
  });

  test("a person rescored after new events is scored as a full stratification then scores them", async () => {
    const before = await latestFullRun(t.db);
    assert.ok(before?.cutpoints);
    const [person] = await t.db.query<{ person_id: string }>(
      `SELECT person_id::text FROM risk_person WHERE risk_tier = 'low' AND age >= 75 AND run_id = $1
       ORDER BY md5(person_id::text) LIMIT 1`,
      [before.runId],
    );
    await addSpell(t.db, person.person_id, { admitted: "2016-02-02 09:00", discharged: "2016-02-12 12:00" });
    await addSpell(t.db, person.person_id, { admitted: "2015-11-20 22:00", discharged: "2015-11-23 10:00" });
    // Three coded deficits, one of three lists each.
    const codes = await t.db.query<{ system: string; code: string }>(
      `SELECT DISTINCT ON (list_id) system, code FROM code_list_member WHERE list_id LIKE 'efi:%'
       ORDER BY list_id, code LIMIT 3`,
    );
    for (const c of codes)
      await addGpEntry(t.db, person.person_id, { system: c.system, code: c.code, on: "2016-01-15" });
    await rescorePeople(t.db, [person.person_id]);
    const [rescored] = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person WHERE person_id = $1",
      [person.person_id],
    );
    await stratify(t.db, { asOf: before.asOf });
    const [full] = await t.db.query<Record<string, unknown>>(
      "SELECT * FROM risk_person WHERE person_id = $1",
      [person.person_id],
    );
    for (const column of SNAPSHOT_COLUMNS) assert.deepEqual(rescored[column], full[column], column);
    assert.ok(Number(rescored.emergency_admissions_12m) >= 2);
    assert.equal(rescored.probability, full.probability, "the same score, to the last bit");
    assert.equal(rescored.risk_tier, tierOf(Number(full.probability), before.cutpoints));
    assert.ok(Math.abs(Number(rescored.risk_percentile) - Number(full.risk_percentile)) <= 0.2);
  });

  test("a person who died leaves the picture when rescored", async () => {
    const [someone] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person ORDER BY person_id LIMIT 1",
    );
    await addDeath(t.db, someone.person_id, "2016-01-01");
    const result = await rescorePeople(t.db, [someone.person_id]);
    assert.deepEqual([result.rescored, result.removed], [0, 1]);
    const rows = await t.db.query("SELECT 1 FROM risk_person WHERE person_id = $1", [someone.person_id]);
    assert.equal(rows.length, 0);
  });
});

describe("the record of rescorings", () => {
  const runs = async () =>
    t.db.query<{ run_id: string; kind: string; people: number; rescoring_of: string | null }>(
      "SELECT run_id::text, kind, people, rescoring_of::text FROM risk_run ORDER BY kind, started_at",
    );

  test("every rescoring against a full run is recorded in one run, counted up, not a run each", async () => {
    const full = await latestFullRun(t.db);
    assert.ok(full);
    const [a, b] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person ORDER BY md5(person_id::text) LIMIT 2",
    );
    const before = (await runs()).find((r) => r.kind === "people" && r.rescoring_of === full.runId);
    const first = await rescorePeople(t.db, [a.person_id]);
    const second = await rescorePeople(t.db, [b.person_id]);
    const third = await rescorePeople(t.db, [a.person_id, b.person_id]);
    assert.deepEqual([second.runId, third.runId], [first.runId, first.runId]);
    const people = (await runs()).filter((r) => r.kind === "people");
    assert.equal(people.length, 1, "one run for all the rescorings since the full run");
    assert.equal(people[0].run_id, first.runId);
    assert.equal(people[0].rescoring_of, full.runId);
    assert.equal(people[0].people, (before?.people ?? 0) + 4, "four people rescored in all");
    const [row] = await t.db.query<{ run_id: string }>(
      "SELECT run_id::text FROM risk_person WHERE person_id = $1",
      [a.person_id],
    );
    assert.ok([full.runId, first.runId].includes(row.run_id), "a person's row names a run that is kept");
  });

  test("a full run prunes the rescorings of earlier runs and keeps every full run", async () => {
    const full = await latestFullRun(t.db);
    assert.ok(full);
    const fullRuns = (await runs()).filter((r) => r.kind === "full").length;
    // A rescoring as recorded before 1071: a run of its own, naming no full run.
    await t.db.query(
      `INSERT INTO risk_run (run_id, kind, as_of, started_at, finished_at, people)
       VALUES (gen_random_uuid(), 'people', $1, now(), now(), 1)`,
      [full.asOf],
    );
    const summary = await stratify(t.db, { asOf: full.asOf });
    const after = await runs();
    assert.equal(after.filter((r) => r.kind === "full").length, fullRuns + 1);
    assert.deepEqual(
      after.filter((r) => r.kind === "people"),
      [],
      "no rescoring of an earlier run is left",
    );
    const [someone] = await t.db.query<{ person_id: string }>(
      "SELECT person_id::text FROM risk_person ORDER BY person_id LIMIT 1",
    );
    const rescored = await rescorePeople(t.db, [someone.person_id]);
    const people = (await runs()).filter((r) => r.kind === "people");
    assert.deepEqual(
      people.map((r) => [r.run_id, r.rescoring_of, r.people]),
      [[rescored.runId, summary.runId, 1]],
    );
  });
});

describe("training on a large place", () => {
  test("uses a fixed hashed share of people when there are more than maxPeople, and says so", async () => {
    const sampled = await trainModel(t.db, {
      trainIndexDate: "2014-04-01",
      validationIndexDate: "2015-04-01",
      maxPeople: 1500,
    });
    const v = sampled.validation;
    assert.ok(v.sampledPermille > 300 && v.sampledPermille < 450, `${v.sampledPermille} per 1,000`);
    assert.ok(Math.abs(v.people - 1500) < 200, `${v.people} people`);
    assert.match(formatModelReport(sampled), /A fixed \d+\.\d% of registered people/);
    const again = await trainModel(t.db, {
      trainIndexDate: "2014-04-01",
      validationIndexDate: "2015-04-01",
      maxPeople: 1500,
    });
    assert.equal(again.validation.people, v.people, "the same people every time");
  });
});
