// RAG, trajectories and rate checks: pure functions, with the plan's own figures.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { rag, trajectoryAt } from "../../src/outcomes/rag.ts";
import { checkRate, printedDecimals } from "../../src/outcomes/rate-check.ts";
import { assess, effectiveValue, type Target } from "../../src/outcomes/targets.ts";

const careHomes = {
  metricId: "ascof-2a2",
  multiplier: 100_000,
  averageOver: null,
  valueKind: "rate" as const,
  direction: "lower" as const,
  amberTolerance: 0.05,
};
const target = (t: Partial<Target>): Target => ({
  metricId: "ascof-2a2",
  role: "target",
  periodId: "2014/15",
  periodStart: "2014-04-01",
  periodEnd: "2015-03-31",
  value: null,
  numerator: null,
  denominator: null,
  ...t,
});

test("RAG: green on or better than target, amber within 5% on the wrong side, red beyond", () => {
  assert.equal(rag(597, 597.3, "lower"), "green");
  assert.equal(rag(620, 597.3, "lower"), "amber");
  assert.equal(rag(628, 597.3, "lower"), "red");
  assert.equal(rag(93.2, 93.2, "higher"), "green");
  assert.equal(rag(89, 93.2, "higher"), "amber");
  assert.equal(rag(88, 93.2, "higher"), "red");
  assert.equal(rag(88, 93.2, "higher", 0.1), "amber", "a plan may state its own tolerance");
});

test("RAG flips exactly at the target and at the tolerance (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1, max: 1e6, noNaN: true }),
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      (t, tol) => {
        assert.equal(rag(t, t, "lower", tol), "green");
        assert.equal(rag(t * (1 + tol * 0.999), t, "lower", tol), "amber");
        assert.equal(rag(t * (1 - tol), t, "higher", tol), "amber");
        assert.equal(rag(t * (1 + tol) * 1.01 + 1e-6, t, "lower", tol), "red");
      },
    ),
  );
});

test("the trajectory runs straight from baseline to target by date and holds after", () => {
  const points = [
    { on: "2013-03-31", value: 853.5, kind: "baseline" as const },
    { on: "2015-03-31", value: 597.3, kind: "target" as const },
  ];
  assert.equal(trajectoryAt(points, "2013-03-31"), 853.5);
  assert.equal(trajectoryAt(points, "2012-06-30"), 853.5);
  const mid = trajectoryAt(points, "2014-03-31") as number;
  assert.ok(Math.abs(mid - (853.5 + (597.3 - 853.5) * (365 / 730))) < 1e-9);
  assert.equal(trajectoryAt(points, "2016-03-31"), 597.3);
  assert.equal(trajectoryAt([], "2016-03-31"), null);
});

test("plans are judged on what their numerator and denominator give, not on a misprinted figure", () => {
  const baseline = target({
    role: "baseline",
    periodId: "2012/13",
    periodStart: "2012-04-01",
    periodEnd: "2013-03-31",
    value: 899,
    numerator: 180,
    denominator: 21090,
    valueAsPrinted: "899",
  });
  const goal = target({ value: 597, numerator: 135, denominator: 22600, valueAsPrinted: "597" });
  assert.ok(Math.abs((effectiveValue(baseline, careHomes) as number) - 853.485) < 0.001);
  const a = assess(740, "2014-03-31", [baseline, goal], careHomes);
  assert.equal(a.basis, "interpolated");
  assert.ok(Math.abs((a.target as number) - (853.485 + (597.345 - 853.485) / 2)) < 0.1);
  assert.equal(a.rag, "amber", "740 is within 5% above the trajectory's 725.4");
  assert.equal(assess(700, "2014-03-31", [baseline, goal], careHomes).rag, "green");
  assert.equal(assess(600, "2015-03-31", [baseline, goal], careHomes).basis, "stated");
  assert.equal(assess(650, "2015-09-30", [baseline, goal], careHomes).basis, "carried-forward");
  assert.equal(assess(650, "2015-09-30", [baseline], careHomes).rag, null, "no target, no RAG");
});

test("a printed figure is consistent within half a unit of its last digit", () => {
  assert.equal(printedDecimals("89.8"), 1);
  assert.equal(printedDecimals("£10,565"), 0);
  assert.equal(printedDecimals("64.5%"), 1);
  // [value, as printed, numerator, denominator, multiplier, expected status]
  const cases: [number, string | undefined, number, number | null, number, string][] = [
    [899, "899", 180, 21090, 1e5, "mismatch"],
    [89.8, "89.8", 95, 110, 100, "mismatch"],
    [597, "597", 135, 22600, 1e5, "consistent"],
    [93, "93", 205, 220, 100, "consistent"],
    [93.2, "93.2", 205, 220, 100, "consistent"],
    [93.1, "93.1", 205, 220, 100, "mismatch"],
    [3.8, undefined, 110, null, 100, "unchecked"],
    [5, undefined, 1, 0, 100, "unchecked"],
  ];
  for (const [value, printed, numerator, denominator, multiplier, status] of cases) {
    assert.equal(
      checkRate({ value, printed, numerator, denominator, multiplier }).status,
      status,
      `${value}`,
    );
  }
  // Monthly averages: 600 delayed days over 3 months for 100,000 adults is 200 a month.
  assert.equal(
    checkRate({ value: 200, numerator: 600, denominator: 100_000, multiplier: 1e5, averageMonths: 3 }).status,
    "consistent",
  );
});
