// The engine itself: definitions as versioned data, stored runs and values with their definition version,
// entered values checked against their parts, drill-down by area, and what it refuses.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parsePeriod } from "../../src/core/periods.ts";
import {
  defineMetric,
  latestDefinitions,
  type MetricDefinitionInput,
} from "../../src/outcomes/definitions.ts";
import { metricPeople } from "../../src/outcomes/drilldown.ts";
import { computeMetrics } from "../../src/outcomes/engine.ts";
import { enteredValues, enterValue } from "../../src/outcomes/entered.ts";
import { installMeasures, SHIPPED_MEASURES } from "../../src/outcomes/measures/index.ts";
import { bindNamed } from "../../src/outcomes/metric-statement.ts";
import { latestValues } from "../../src/outcomes/values.ts";
import { onePlaceError } from "../helpers/errors.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";
import { L1, P1, P3, smallAdmittedPlace } from "./helpers/place.ts";

let t: TestDb;
const people: string[] = [];

before(async () => {
  t = await openTestDb();
  const { place, people: admitted } = await smallAdmittedPlace(t.db);
  people.push(...admitted);
  await place.person({ born: "1990-01-01", practice: P3 });
});

after(() => t?.dispose());

test("every measure in metrics.md is installed as a definition, once, and reinstalling adds nothing", async () => {
  await installMeasures(t.db);
  const ids = (await latestDefinitions(t.db)).map((d) => d.metricId);
  for (const id of [
    "ascof-2a2",
    "ascof-2b1",
    "ascof-2b2",
    "dtoc",
    "nel",
    "experience",
    "local",
    "high-risk-share",
    "high-risk-joint-plan",
    "high-risk-lead-professional",
    "hiu-activity-change",
    "efi-fit",
    "efi-severe",
    "telecare-installations",
    "telecare-in-packages",
    "dementia-joint-plan",
    "no-unknown-patients",
  ]) {
    assert.ok(ids.includes(id), id);
  }
  assert.deepEqual((await installMeasures(t.db)).added, []);
  const [{ n }] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM metric_definition");
  assert.equal(n, SHIPPED_MEASURES.length);
});

test("a changed definition is a new version; values name the version they were computed with", async () => {
  const nel = SHIPPED_MEASURES.find((d) => d.metricId === "nel") as MetricDefinitionInput;
  const first = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q2")],
    metricIds: ["nel"],
    asOf: "2015-12-31",
  });
  assert.equal(first.values.find((v) => v.areaLevel === "place")?.version, 1);
  const changed = await defineMetric(t.db, { ...nel, amberTolerance: 0.1 });
  assert.deepEqual(changed, { version: 2, added: true });
  assert.deepEqual(await defineMetric(t.db, { ...nel, amberTolerance: 0.1 }), { version: 2, added: false });
  const second = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q2")],
    metricIds: ["nel"],
    asOf: "2015-12-31",
  });
  const stored = await latestValues(t.db, { metricIds: ["nel"], areaLevel: "place" });
  assert.equal(stored.length, 1, "the latest run's value, not both");
  assert.equal(stored[0].version, 2);
  assert.equal(stored[0].runId, second.runId);
  assert.equal(stored[0].numerator, 3);
  assert.equal(stored[0].denominator, 4);
  const [run] = await t.db.query<{ as_of: string; engine: string }>(
    "SELECT as_of, engine FROM metric_run WHERE run_id = $1",
    [second.runId],
  );
  assert.equal(run.as_of, "2015-12-31");
  assert.equal(run.engine, t.db.engine);
  // Restore the shipped definition for the other tests (a third version, equal in content to the first).
  await defineMetric(t.db, nel);
});

test("place, locality and practice values come from one computation and add up", async () => {
  const r = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q2")],
    metricIds: ["nel"],
    asOf: "2015-12-31",
    store: false,
  });
  const get = (level: string, code: string) =>
    r.values.find((v) => v.areaLevel === level && v.areaCode === code);
  assert.equal(get("practice", P1)?.numerator, 2);
  assert.equal(get("practice", P3)?.numerator, 1);
  assert.equal(get("practice", P3)?.denominator, 2);
  assert.equal(get("locality", L1)?.numerator, 2);
  assert.equal(get("place", "place")?.numerator, 3);
});

test("drill-down returns the people behind a value, in the place or one practice", async () => {
  const request = { metricId: "nel", period: parsePeriod("2015-Q2"), asOf: "2015-12-31" };
  const all = await metricPeople(t.db, { ...request, part: "numerator" });
  assert.deepEqual(new Set(all), new Set(people));
  const p3 = await metricPeople(t.db, { ...request, part: "numerator", area: P3 });
  assert.deepEqual(p3, [people[2]]);
  const denominator = await metricPeople(t.db, { ...request, part: "denominator", area: P3 });
  assert.equal(denominator.length, 2);
});

test("an entered value is checked against its numerator and denominator", async () => {
  const baseline = await enterValue(t.db, {
    metricId: "ascof-2a2",
    period: parsePeriod("2012/13"),
    value: 899,
    numerator: 180,
    denominator: 21090,
    valueAsPrinted: "899",
    source: "Thurrock BCF plan, draft 0.6",
  });
  assert.equal(baseline.status, "mismatch");
  assert.equal(Number(baseline.computed?.toFixed(1)), 853.5);
  const target = await enterValue(t.db, {
    metricId: "ascof-2a2",
    period: parsePeriod("2014/15"),
    value: 597,
    numerator: 135,
    denominator: 22600,
    source: "Thurrock BCF plan, draft 0.6",
  });
  assert.equal(target.status, "consistent");
  const survey = await enterValue(t.db, {
    metricId: "experience",
    period: parsePeriod("2014/15"),
    value: 62.1,
    source: "ASCS 2014/15",
  });
  assert.equal(survey.status, "unchecked");
  const stored = await enteredValues(t.db, ["ascof-2a2"]);
  assert.deepEqual(stored.map((s) => s.checkStatus).sort(), ["consistent", "mismatch"]);
  await assert.rejects(
    enterValue(t.db, { metricId: "nel", period: parsePeriod("2014/15"), value: 1, source: " " }),
    onePlaceError("invalid", "outcomes.entered-value", /source/),
  );
});

test("definitions are checked before they are stored", async () => {
  const base = SHIPPED_MEASURES.find((d) => d.metricId === "nel") as MetricDefinitionInput;
  await assert.rejects(
    defineMetric(t.db, { ...base, metricId: "Bad Id" }),
    onePlaceError("invalid", "outcomes.definition", /lower-case/),
  );
  await assert.rejects(
    defineMetric(t.db, { ...base, metricId: "x-rate", denominatorSql: null }),
    /denominatorSql/,
  );
  await assert.rejects(defineMetric(t.db, { ...base, metricId: "x-rate", multiplier: 0 }), /multiplier/);
  assert.throws(() => bindNamed("SELECT :nonsense", 7), /Unknown parameter :nonsense/);
  assert.equal(bindNamed("SELECT x::date, :as_of", 7), "SELECT x::date, $7::date");
});

test("a metric another capability has not made possible yet says why", async () => {
  const r = await computeMetrics(t.db, {
    periods: [parsePeriod("2015-Q2")],
    metricIds: ["high-risk-share", "no-unknown-patients", "experience"],
    asOf: "2015-12-31",
    store: false,
  });
  const reason = (id: string) => r.unavailable.find((u) => u.metricId === id)?.reason ?? "";
  assert.match(reason("high-risk-share"), /risk_person.*oneplace stratify/);
  assert.match(reason("no-unknown-patients"), /admission_notification/);
  assert.deepEqual(r.entered, ["experience"]);
  assert.equal(r.values.length, 0);
});
