import assert from "node:assert/strict";
import { test } from "node:test";
import { SNOMED_CT_SYSTEM } from "../../src/core/codes.ts";
import type { Db } from "../../src/store/index.ts";
import {
  type CalibrationRow,
  calibrationReport,
  formatCalibrationReport,
} from "../../src/synth/calibration.ts";
import { LTC_CODES } from "../../src/synth/conditions.ts";
import { DEFAULT_SYNTH_CONFIG, type SynthConfig } from "../../src/synth/config.ts";
import { loadEfiCodeLists } from "../../src/synth/efi-codes.ts";
import { loadSyntheticPlace } from "../../src/synth/load.ts";
import { useTestDb } from "../helpers/test-db.ts";

// A place of 20,000 people is big enough for the rates to settle and small enough to load in seconds.
const config: SynthConfig = { ...DEFAULT_SYNTH_CONFIG, people: 20_000 };

// Figures skipped at this size, because they rest on about a hundred events or fewer in four years and so
// swing by more than 15% from seed to seed (the Thurrock-scale report checks them; see bench/synth-load.ts):
// - permanent care-home admissions 65+ (~22 a year, as a count and per 100,000);
// - reablement after discharge (~13 a year, as a count and as a share of discharges);
// - severe frailty (3% of ~3,000 people aged 65+);
// - telecare installations (~2.2 a month) and delayed days a month (a few long delays dominate).
const NOISY_AT_THIS_SIZE = [
  /^permanent care-home admissions 65\+/,
  /^discharged into reablement 65\+/,
  /^share of 65\+ discharged who go into reablement/,
  /^eFI severe frailty/,
  /^telecare installations a month/,
  /^delayed transfer days a month$/,
];

let db: Db;
let rows: CalibrationRow[];

useTestDb({
  async setup(opened) {
    db = opened;
    await loadSyntheticPlace(db, config);
    rows = await calibrationReport(db, config);
  },
});

test("the report has a row for every figure in the calibration targets", () => {
  const figures = rows.map((r) => r.figure).join("\n");
  for (const expected of [
    /registered patients/,
    /GP practices/,
    /localities/,
    /aged 65\+ on 2012-06-30 \(2012\/13\)/,
    /aged 65\+ on 2014-06-30 \(2014\/15\)/,
    /Black and minority ethnic/,
    /most deprived/,
    /smoke/,
    /obesity/,
    /over 60s with a long-term condition/,
    /under 40s with a long-term condition/,
    /eFI fit/,
    /eFI mild/,
    /eFI moderate/,
    /eFI severe/,
    /emergency admissions per 1,000/,
    /A&E attendances per 1,000/,
    /permanent care-home admissions 65\+ per 100,000/,
    /discharged into reablement 65\+/,
    /share of 65\+ discharged who go into reablement/,
    /at home 91 days/,
    /telecare installations a month/,
    /packages that include telecare/,
    /delayed transfer days a month/,
    /deaths per 1,000/,
  ]) {
    assert.match(figures, expected);
  }
  for (const r of rows) {
    assert.ok(Number.isFinite(r.generated), `${r.figure} is not a number`);
    assert.equal(r.withinTolerance === null, r.kind === "info" || r.targetValue === null, r.figure);
  }
});

test("every rate, and every scaled count that is not noise at this size, is within 15% of its target", () => {
  const checked = rows.filter(
    (r) => r.withinTolerance !== null && !NOISY_AT_THIS_SIZE.some((p) => p.test(r.figure)),
  );
  assert.ok(
    checked.length >= 18,
    `only ${checked.length} figures checked:\n${checked.map((r) => r.figure).join("\n")}`,
  );
  const outside = checked.filter((r) => !r.withinTolerance);
  assert.deepEqual(
    outside.map((r) => `${r.figure}: ${r.generated.toFixed(2)} against ${r.targetValue}`),
    [],
    formatCalibrationReport(rows),
  );
});

test("the formatted report aligns its columns and marks figures outside 15%", () => {
  const text = formatCalibrationReport([
    ...rows.slice(0, 3),
    {
      figure: "a figure far off",
      target: "100",
      targetValue: 100,
      generated: 150,
      unit: "per 1,000/yr",
      kind: "rate",
      withinTolerance: false,
    },
  ]);
  const lines = text.split("\n");
  assert.match(lines[0], /^figure\s+target\s+generated/);
  assert.match(lines[1], /^-+ +-+/);
  assert.match(text, /a figure far off\s+100\s+150\s+per 1,000\/yr\s+OUTSIDE 15%/);
  assert.match(text, /1 figure is more than 15% from target\./);
  const okLine = lines.find((l) => l.startsWith("GP practices"));
  assert.match(okLine ?? "", /\s34\s.*ok$/);
});

// Logistic regression fitted by gradient descent: enough to show the signal a real risk model would find.
function fitLogistic(x: number[][], y: number[], iterations = 400, rate = 0.5): number[] {
  const w = new Array(x[0].length).fill(0);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array(w.length).fill(0);
    for (let i = 0; i < x.length; i++) {
      let z = 0;
      for (let j = 0; j < w.length; j++) z += w[j] * x[i][j];
      const err = 1 / (1 + Math.exp(-z)) - y[i];
      for (let j = 0; j < w.length; j++) grad[j] += err * x[i][j];
    }
    for (let j = 0; j < w.length; j++) w[j] -= (rate * grad[j]) / x.length;
  }
  return w;
}

function auc(scores: number[], y: number[]): number {
  const order = scores.map((s, i) => [s, y[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; i++) {
    if (order[i][1] === 1) {
      rankSum += i + 1;
      positives++;
    }
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

test("emergency admission in the next 12 months is predictable from prior data (held-out AUC at least 0.72)", async (t) => {
  const lists = loadEfiCodeLists();
  const efiCodes = [...lists.deficitsByCode.keys()];
  const efiDeficits = efiCodes.map((c) => (lists.deficitsByCode.get(c) as string[])[0]);
  const ltcCodes = Object.values(LTC_CODES).flatMap((l) => l.codes);
  const index = "2014-04-01";
  const people = await db.query<{
    person_id: string;
    age: number;
    female: boolean;
    deprived: boolean;
    deficits: number;
    ltcs: number;
    prior_admissions: number;
    prior_ae: number;
    outcome: boolean;
  }>(
    `WITH pop AS (
       SELECT p.person_id, p.birth_date, p.sex, a.imd_decile FROM person p JOIN area a USING (area_code)
       WHERE EXISTS (SELECT 1 FROM registration r WHERE r.person_id = p.person_id AND r.registered_on <= $1::date
         AND (r.deregistered_on IS NULL OR r.deregistered_on > $1::date))),
     efi AS (SELECT * FROM unnest($2::text[], $3::text[]) AS e(code, deficit))
     SELECT pop.person_id,
       extract(year FROM age($1::date, pop.birth_date))::int AS age, pop.sex = 'female' AS female, pop.imd_decile <= 2 AS deprived,
       (SELECT count(DISTINCT e.deficit) FROM gp_entry g JOIN efi e ON e.code = g.code
         WHERE g.person_id = pop.person_id AND g.code_system = $5 AND g.recorded_on < $1::date) AS deficits,
       (SELECT count(DISTINCT g.code) FROM gp_entry g
         WHERE g.person_id = pop.person_id AND g.code = ANY ($4::text[]) AND g.recorded_on < $1::date) AS ltcs,
       (SELECT count(*) FROM hospital_spell h WHERE h.person_id = pop.person_id AND h.admission_method = 'emergency'
         AND h.admitted_at >= ($1::date - 365) AND h.admitted_at < $1::date) AS prior_admissions,
       (SELECT count(*) FROM ae_attendance a WHERE a.person_id = pop.person_id
         AND a.arrived_at >= ($1::date - 365) AND a.arrived_at < $1::date) AS prior_ae,
       EXISTS (SELECT 1 FROM hospital_spell h WHERE h.person_id = pop.person_id AND h.admission_method = 'emergency'
         AND h.admitted_at >= $1::date AND h.admitted_at < ($1::date + 365)) AS outcome
     FROM pop`,
    [index, efiCodes, efiDeficits, ltcCodes, SNOMED_CT_SYSTEM],
  );
  const features = (p: (typeof people)[number]) => {
    const age = Number(p.age) / 10;
    return [
      1,
      age,
      (age * age) / 10,
      Number(p.age) < 5 ? 1 : 0,
      p.female ? 1 : 0,
      p.deprived ? 1 : 0,
      Number(p.deficits) / 5,
      Math.min(Number(p.ltcs), 5) / 2,
      Math.min(Number(p.prior_admissions), 5),
      Math.min(Number(p.prior_ae), 5) / 2,
    ];
  };
  const train = people.filter((p) => parseInt(p.person_id.slice(-1), 16) % 2 === 0);
  const held = people.filter((p) => parseInt(p.person_id.slice(-1), 16) % 2 === 1);
  const w = fitLogistic(
    train.map(features),
    train.map((p) => (p.outcome ? 1 : 0)),
  );
  const score = (p: (typeof people)[number]) => features(p).reduce((s, v, j) => s + v * w[j], 0);
  const result = auc(
    held.map(score),
    held.map((p) => (p.outcome ? 1 : 0)),
  );
  assert.ok(held.filter((p) => p.outcome).length > 300);
  assert.ok(result >= 0.72, `held-out AUC ${result.toFixed(3)}`);
  t.diagnostic(`held-out AUC ${result.toFixed(3)} over ${held.length} people`);
});
