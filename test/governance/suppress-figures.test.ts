// Metric figures that leave direct care (board report, exports, the plan beside OnePlace's values) have small
// numbers withheld by the rules the pseudonymised counts use.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { writeMetricValues } from "../../src/commissioning/index.ts";
import { SUPPRESSED_NOTE, suppressFigures } from "../../src/governance/index.ts";
import type { StoredValue } from "../../src/outcomes/index.ts";

const figure = (
  areaLevel: string,
  areaCode: string,
  numerator: number | null,
  denominator: number | null = 1000,
) => ({
  metricId: "nel",
  periodId: "2015-Q2",
  areaLevel,
  areaCode,
  numerator,
  denominator,
  value: numerator === null || !denominator ? null : (numerator / denominator) * 100_000,
  breakdown: null,
  note: null,
});

describe("small-number suppression of metric figures", () => {
  test("numerators of 1 to 4 are withheld, with the next smallest when only one is", () => {
    const shown = suppressFigures([
      figure("locality", "L1", 3),
      figure("locality", "L2", 40),
      figure("locality", "L3", 12),
      figure("locality", "L4", 0),
      figure("place", "place", 55),
    ]);
    assert.deepEqual(
      shown.map((f) => [f.areaCode, f.numerator, f.suppressed]),
      [
        ["L1", null, true],
        ["L2", 40, false],
        ["L3", null, true],
        ["L4", 0, false],
        ["place", 55, false],
      ],
    );
    assert.equal(shown[0].value, null);
    assert.equal(shown[0].note, SUPPRESSED_NOTE);
  });

  test("the place's own figure is the published statistic and is shown; every other level is suppressed", () => {
    const [place, practice] = suppressFigures([figure("place", "place", 3), figure("practice", "Z1", 3)]);
    assert.equal(place.numerator, 3);
    assert.equal(practice.numerator, null);
    assert.equal(suppressFigures([figure("place", "place", 3)], { published: [] })[0].numerator, null);
  });

  test("a small denominator withholds its figure, and a small breakdown is withheld", () => {
    const [small, broken] = suppressFigures([
      figure("practice", "Z1", 10, 3),
      { ...figure("practice", "Z2", 30), breakdown: { numerator: { nhs: 28, council: 2 } } },
    ]);
    assert.equal(small.suppressed, true);
    assert.equal(small.denominator, null);
    assert.equal(broken.numerator, 30);
    assert.equal(broken.breakdown, null);
  });

  test("the CSV export has no locality value of 1 or 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oneplace-suppress-"));
    try {
      const stored = [
        figure("locality", "L1", 1),
        figure("locality", "L2", 2),
        figure("locality", "L3", 60),
      ].map(
        (f) =>
          ({
            ...f,
            version: 1,
            periodStart: "2015-04-01",
            periodEnd: "2015-06-30",
            status: "final",
            title: "Emergency admissions",
            shortTitle: "NEL",
            unit: "per 100000",
            decimals: 1,
            direction: "lower",
            runId: "r",
            computedAt: "2016-04-01T00:00:00Z",
            asOf: "2016-03-31",
          }) as StoredValue,
      );
      const path = join(dir, "values.csv");
      await writeMetricValues(path, stored, new Map());
      const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
      const header = lines[0].split(",");
      const at = (line: string, column: string) => line.split(",")[header.indexOf(column)];
      assert.deepEqual(
        lines.slice(1).map((l) => [at(l, "area_code"), at(l, "numerator"), at(l, "value")]),
        [
          ["L1", "", ""],
          ["L2", "", ""],
          ["L3", "60", "6000"],
        ],
      );
      assert.match(lines[1], /suppressed: a count from 1 to 4/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
