import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { choleskySolve, fitLogistic, logit, predict, sigmoid } from "../../src/core/logistic.ts";
import { createRng } from "../../src/core/rng.ts";
import {
  auc,
  aucInterval,
  brierScore,
  calibrationGroups,
  calibrationSlope,
  capture,
} from "../../src/risk/metrics.ts";

const close = (actual: number, expected: number, tolerance: number, what = "") =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} is not within ${tolerance} of ${expected}`,
  );

describe("logistic regression", () => {
  test("Cholesky solves a known system", () => {
    // [[4,2],[2,3]] z = [2,1] has z = [0.5, 0]
    const z = choleskySolve(new Float64Array([4, 2, 2, 3]), new Float64Array([2, 1]), 2);
    close(z[0], 0.5, 1e-12);
    close(z[1], 0, 1e-12);
    assert.throws(
      () => choleskySolve(new Float64Array([1, 2, 2, 1]), new Float64Array([1, 1]), 2),
      /positive definite/,
    );
  });

  test("with one binary factor the unpenalised fit is the closed form: logits of the two observed rates", () => {
    // x = 0: 30 of 100 admitted; x = 1: 60 of 80 admitted.
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 100; i++) {
      x.push(0);
      y.push(i < 30 ? 1 : 0);
    }
    for (let i = 0; i < 80; i++) {
      x.push(1);
      y.push(i < 60 ? 1 : 0);
    }
    const fit = fitLogistic(new Float64Array(x), y, 180, 1, { lambda: 0 });
    assert.ok(fit.converged);
    close(fit.intercept, logit(0.3), 1e-8, "intercept");
    close(fit.coefficients[0], logit(0.75) - logit(0.3), 1e-8, "coefficient");
  });

  test("the penalised fit satisfies its optimality condition and shrinks coefficients towards zero", () => {
    const rng = createRng("ridge");
    const n = 2000;
    const p = 3;
    const x = new Float64Array(n * p);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) x[i * p + j] = rng.normal(0, 1);
      y[i] = rng.chance(sigmoid(-1 + 0.8 * x[i * p] - 0.5 * x[i * p + 1])) ? 1 : 0;
    }
    const lambda = 50;
    const fit = fitLogistic(x, y, n, p, { lambda });
    const mu = predict(x, n, p, fit.intercept, fit.coefficients);
    // Gradient of the penalised log-likelihood is zero: sum (y - mu) x_j = lambda b_j, sum (y - mu) = 0.
    let g0 = 0;
    for (let i = 0; i < n; i++) g0 += y[i] - mu[i];
    close(g0, 0, 1e-6, "intercept gradient");
    for (let j = 0; j < p; j++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += (y[i] - mu[i]) * x[i * p + j];
      close(g, lambda * fit.coefficients[j], 1e-6, `gradient ${j}`);
    }
    const free = fitLogistic(x, y, n, p, { lambda: 0 });
    assert.ok(Math.abs(fit.coefficients[0]) < Math.abs(free.coefficients[0]));
    // And the unpenalised fit recovers the coefficients the data were drawn from.
    close(free.intercept, -1, 0.15, "intercept");
    close(free.coefficients[0], 0.8, 0.15, "b1");
    close(free.coefficients[1], -0.5, 0.15, "b2");
    close(free.coefficients[2], 0, 0.15, "b3");
  });

  test("perfect separation stays finite when penalised", () => {
    const x = new Float64Array([-2, -1, 1, 2]);
    const fit = fitLogistic(x, [0, 0, 1, 1], 4, 1, { lambda: 1 });
    assert.ok(Number.isFinite(fit.coefficients[0]) && fit.coefficients[0] > 0);
  });

  test("refuses inputs of the wrong shape", () => {
    assert.throws(() => fitLogistic(new Float64Array(3), [0, 1], 2, 2, { lambda: 0 }), /n by p/);
  });
});

describe("validation metrics", () => {
  test("AUC: a worked example, perfect, reversed and all-tied", () => {
    close(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75, 1e-12);
    assert.equal(auc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    assert.equal(auc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
    assert.equal(auc([5, 5, 5, 5], [0, 1, 0, 1]), 0.5);
    assert.throws(() => auc([1, 2], [1, 1]), /with and without/);
    const [lo, hi] = aucInterval(0.75, 100, 900);
    assert.ok(lo < 0.75 && hi > 0.75 && hi - lo < 0.2);
  });

  test("calibration slope is 1 for true probabilities and 0.5 when predictions are twice too extreme", () => {
    const rng = createRng("calibration");
    const n = 40_000;
    const truth = new Float64Array(n);
    const outcomes = new Float64Array(n);
    const tooExtreme = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const eta = rng.normal(-2, 1);
      truth[i] = sigmoid(eta);
      tooExtreme[i] = sigmoid(-2 + 2 * (eta + 2));
      outcomes[i] = rng.chance(truth[i]) ? 1 : 0;
    }
    close(calibrationSlope(truth, outcomes).slope, 1, 0.06, "true");
    close(calibrationSlope(tooExtreme, outcomes).slope, 0.5, 0.04, "too extreme");
    const groups = calibrationGroups(truth, outcomes, 10);
    assert.equal(groups.length, 10);
    assert.equal(
      groups.reduce((s, g) => s + g.people, 0),
      n,
    );
    for (const g of groups) close(g.observedRate, g.meanPredicted, 0.02, `tenth ${g.group}`);
    assert.ok(groups[9].meanPredicted > groups[0].meanPredicted);
    assert.ok(brierScore(truth, outcomes) < brierScore(tooExtreme, outcomes));
  });

  test("capture counts admitted people and admissions among the top of the list", () => {
    const predicted = [0.9, 0.8, 0.1, 0.2, 0.05, 0.3, 0.01, 0.02, 0.03, 0.04];
    const outcomes = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    const events = [3, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    const [top10, top20, top50] = capture(predicted, outcomes, events, [10, 20, 50]);
    assert.deepEqual([top10.people, top10.admittedPeople, top10.admissions], [1, 1, 3]);
    close(top10.shareOfAdmittedPeople, 1 / 3, 1e-12);
    close(top10.shareOfAdmissions, 3 / 5, 1e-12);
    assert.equal(top20.admittedPeople, 1);
    assert.deepEqual([top50.people, top50.admittedPeople, top50.admissions], [5, 3, 5]);
  });
});

describe("penalty weights", () => {
  test("lambda x scale^2 on raw features is the standardised ridge fit", () => {
    const rng = createRng("weights");
    const n = 3000;
    const p = 3;
    const x = new Float64Array(n * p);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i * p] = rng.chance(0.1) ? 1 : 0;
      x[i * p + 1] = rng.normal(50, 12);
      x[i * p + 2] = Math.log1p(rng.poisson(0.4));
      y[i] = rng.chance(sigmoid(-3 + 1.2 * x[i * p] + 0.03 * x[i * p + 1] + 0.7 * x[i * p + 2])) ? 1 : 0;
    }
    const mean = [0, 0, 0];
    const sd = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += x[i * p + j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) sd[j] += (x[i * p + j] - mean[j]) ** 2 / (n - 1);
    const scale = sd.map(Math.sqrt);
    const z = x.map((v, k) => (v - mean[k % p]) / scale[k % p]);
    const lambda = 40;
    const standard = fitLogistic(z, y, n, p, { lambda });
    const raw = fitLogistic(x, y, n, p, { lambda, penaltyWeights: scale.map((s) => s * s) });
    for (let j = 0; j < p; j++)
      close(raw.coefficients[j] * scale[j], standard.coefficients[j], 1e-6, `b${j}`);
    let intercept = raw.intercept;
    for (let j = 0; j < p; j++) intercept += raw.coefficients[j] * mean[j];
    close(intercept, standard.intercept, 1e-6, "intercept");
  });
});
