// Thurrock's draft BCF plan, typed into the import format (data/bcf): it loads from CSV and from xlsx alike,
// validation reports its real inconsistencies, and importing it versions it and stores its targets.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readPlanFile } from "../../src/commissioning/plan-files.ts";
import { listPlanVersions, loadPlan, savePlan } from "../../src/commissioning/plan-store.ts";
import { metricFactsOf, validatePlan } from "../../src/commissioning/validate.ts";
import { installMeasures, loadTargets, SHIPPED_MEASURES } from "../../src/outcomes/index.ts";
import { openTestDb, type TestDb } from "../helpers/test-db.ts";

const CSV_DIR = fileURLToPath(new URL("../../data/bcf/thurrock-2014-v0.6", import.meta.url));
const XLSX = fileURLToPath(new URL("../../data/bcf/thurrock-2014-v0.6.xlsx", import.meta.url));

let t: TestDb;
before(async () => {
  t = await openTestDb();
  await installMeasures(t.db);
});
after(() => t?.dispose());

test("the seed loads from CSV and from xlsx, and the two are the same plan", async () => {
  const csv = await readPlanFile(CSV_DIR);
  const xlsx = await readPlanFile(XLSX);
  assert.deepEqual(xlsx, csv);
  assert.equal(csv.header.planId, "thurrock-2014");
  assert.equal(csv.schemes.length, 10);
  assert.equal(csv.risks.length, 17);
  assert.equal(csv.allocations.find((a) => a.financialYear === "2014/15")?.minimum, 2_862_000);
});

test("validation reports the plan's real inconsistencies", async () => {
  const findings = validatePlan(await readPlanFile(CSV_DIR), metricFactsOf(SHIPPED_MEASURES));
  const mismatch = findings.filter((f) => f.code === "rate-mismatch");
  assert.deepEqual(
    mismatch.map((f) => [f.where, f.message]),
    [
      [
        "Metrics ascof-2a2 baseline 2012/13",
        "stated as 899 but its numerator and denominator give 853.5 (180 / 21090 x 100,000)",
      ],
      [
        "Metrics ascof-2b1 baseline 2012-04-01..2013-03-31",
        "stated as 89.8 but its numerator and denominator give 86.4 (95 / 110 x 100)",
      ],
    ],
  );
  // The targets (597 for 135 / 22,600 and 93 for 205 / 220) match their parts.
  assert.ok(!findings.some((f) => f.code === "rate-mismatch" && f.where.includes("target")));
  const codes = new Set(findings.map((f) => f.code));
  for (const code of [
    "schemes-below-minimum",
    "contributions-short-of-pool",
    "malformed-amount",
    "risk-without-owner",
    "risk-not-scored",
    "unknown-metric",
    "missing-national-metric",
  ] as const) {
    assert.ok(codes.has(code), code);
  }
  assert.equal(findings.filter((f) => f.code === "risk-without-owner").length, 17);
  assert.match(
    findings.find((f) => f.code === "schemes-below-minimum")?.message ?? "",
    /£2,555,000, below the minimum allocation of £2,862,000/,
  );
  assert.match(
    findings.find((f) => f.code === "malformed-amount")?.message ?? "",
    /"£10,565,00".*read as £10,565,000/,
  );
});

test("importing stores a version with its targets; importing it again changes nothing; a change is version 2", async () => {
  const plan = await readPlanFile(CSV_DIR);
  assert.deepEqual(await savePlan(t.db, plan, CSV_DIR), {
    planId: "thurrock-2014",
    version: 1,
    added: true,
    actualsLoaded: 0,
  });
  assert.deepEqual(await savePlan(t.db, await readPlanFile(XLSX), XLSX), {
    planId: "thurrock-2014",
    version: 1,
    added: false,
    actualsLoaded: 0,
  });
  const targets = await loadTargets(t.db, "bcf:thurrock-2014@1");
  const baseline = targets.find((x) => x.metricId === "ascof-2a2" && x.role === "baseline");
  assert.deepEqual(
    [baseline?.value, baseline?.numerator, baseline?.denominator, baseline?.periodEnd],
    [899, 180, 21090, "2013-03-31"],
  );
  assert.equal(
    targets.find((x) => x.metricId === "ascof-2b1" && x.role === "target")?.paymentTranche,
    "oct-2015",
  );
  plan.risks[0].owner = "Director of Adult Social Services";
  plan.actuals.push({ schemeId: "BCF08", month: "2014-04", amount: 95_000, source: "ledger", note: "" });
  const second = await savePlan(t.db, plan, "edited");
  assert.deepEqual(second, { planId: "thurrock-2014", version: 2, added: true, actualsLoaded: 1 });
  assert.deepEqual(
    (await listPlanVersions(t.db)).map((v) => v.version),
    [1, 2],
  );
  const loaded = await loadPlan(t.db);
  assert.equal(loaded.version, 2);
  assert.equal(loaded.plan.risks[0].owner, "Director of Adult Social Services");
  assert.equal(loaded.plan.actuals[0].amount, 95_000);
  assert.equal((await loadPlan(t.db, "thurrock-2014", 1)).plan.risks[0].owner, "");
  const [{ n }] = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM bcf_scheme WHERE plan_id = 'thurrock-2014' AND version = 2",
  );
  assert.equal(n, 10);
});
