// Amounts as printed, CSV, and plan files: reading what the layout says, refusing what it does not, and
// writing what reads back the same, as xlsx and as CSV.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { formatPounds, parseAmount } from "../../src/commissioning/amounts.ts";
import { PlanFormatError } from "../../src/commissioning/layout.ts";
import { readPlanFile, writePlanFile } from "../../src/commissioning/plan-files.ts";
import { csvRecords, parseCsv, writeCsv } from "../../src/core/csv.ts";
import { samplePlan } from "./sample-plan.ts";

const dir = mkdtempSync(join(tmpdir(), "oneplace-plan-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("amounts as plans print them", () => {
  assert.deepEqual(parseAmount("£196k"), { amount: 196_000, wellFormed: true });
  assert.deepEqual(parseAmount("£1,002k"), { amount: 1_002_000, wellFormed: true });
  assert.deepEqual(parseAmount("£2,862,000"), { amount: 2_862_000, wellFormed: true });
  assert.deepEqual(parseAmount("£10,565,00"), { amount: 10_565_000, wellFormed: false });
  assert.deepEqual(parseAmount("Nil"), { amount: 0, wellFormed: true });
  assert.deepEqual(parseAmount("TBC"), { amount: null, wellFormed: true });
  assert.deepEqual(parseAmount("£214", 1000), { amount: 214_000, wellFormed: true });
  assert.deepEqual(parseAmount("£1.2m"), { amount: 1_200_000, wellFormed: true });
  assert.deepEqual(parseAmount("£1,002k (need to review)"), { amount: 1_002_000, wellFormed: true });
  assert.equal(parseAmount("lots").wellFormed, false);
  assert.equal(formatPounds(10_410_536), "£10,410,536");
  assert.equal(formatPounds(null), "not stated");
});

test("CSV: quotes, commas, line breaks and a byte-order mark survive a round trip (property)", () => {
  assert.deepEqual(parseCsv('a,"b, c","d ""e"""\r\n1,2,3\n'), [
    ["a", "b, c", 'd "e"'],
    ["1", "2", "3"],
  ]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { minLength: 1, maxLength: 10 }), (rows) => {
      const records = rows.map(([x, y]) => ({ x: `k${x}`, y }));
      const back = csvRecords(writeCsv(["x", "y"], records));
      assert.deepEqual(
        back.map((r) => ({ x: r.x, y: r.y ?? "" })),
        records,
      );
    }),
  );
});

test("a plan written as xlsx and as CSV reads back the same", async () => {
  const plan = samplePlan();
  await writePlanFile(plan, join(dir, "plan.xlsx"));
  await writePlanFile(plan, join(dir, "plan-csv"));
  assert.deepEqual(await readPlanFile(join(dir, "plan.xlsx")), plan);
  assert.deepEqual(await readPlanFile(join(dir, "plan-csv")), plan);
});

test("a plan with format problems is refused with every problem listed", async () => {
  const plan = samplePlan();
  const bad = join(dir, "bad");
  await writePlanFile(plan, bad);
  writeFileSync(
    join(bad, "scheme-years.csv"),
    "scheme_id,financial_year,planned_min\nS1,2015-16,lots\nS1,2015/16,1\nS1,2015/16,2\n",
  );
  writeFileSync(join(bad, "risks.csv"), "risk_no,risk,probability\nx,,2.5\n");
  await assert.rejects(readPlanFile(bad), (error: unknown) => {
    assert.ok(error instanceof PlanFormatError);
    const text = error.problems.join("\n");
    assert.match(text, /Scheme years row 2, financial_year: "2015-16" is not a financial year/);
    assert.match(text, /Scheme years row 2, planned_min: "lots" is not an amount/);
    assert.match(text, /Scheme years: S1 2015\/16 appears twice/);
    assert.match(text, /Risks row 2, risk_no: "x" is not a number/);
    assert.match(text, /Risks row 2, risk: required/);
    assert.match(text, /Risks row 2, probability: 2.5 is not a whole number/);
    return true;
  });
  await assert.rejects(readPlanFile(join(dir, "missing")), /does not exist/);
});
