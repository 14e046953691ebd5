// Student's t: the quantile against published table values, closed forms and its own distribution function.
import assert from "node:assert/strict";
import { test } from "node:test";
import { incompleteBeta, logGamma, studentTCdf, studentTQuantile } from "../../src/core/student-t.ts";

test("quantiles match published tables to 4 decimal places", () => {
  const table: [number, number, number][] = [
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 5, 2.5706],
    [0.975, 10, 2.2281],
    [0.975, 30, 2.0423],
    [0.975, 120, 1.9799],
    [0.995, 10, 3.1693],
    [0.95, 1, 6.3138],
    [0.999, 3, 10.2145],
    [0.9995, 1, 636.6192],
  ];
  for (const [p, df, expected] of table) {
    const q = studentTQuantile(p, df);
    assert.ok(Math.abs(q - expected) < 0.00005, `t(${p}, ${df}) = ${q}, published ${expected}`);
  }
});

test("closed forms for 1 and 2 degrees of freedom, symmetry, and the normal limit", () => {
  for (const p of [0.6, 0.9, 0.975, 0.999]) {
    assert.ok(Math.abs(studentTQuantile(p, 1) - Math.tan(Math.PI * (p - 0.5))) < 1e-9);
    assert.ok(Math.abs(studentTQuantile(p, 2) - (2 * p - 1) / Math.sqrt(2 * p * (1 - p))) < 1e-9);
    assert.equal(studentTQuantile(1 - p, 7), -studentTQuantile(p, 7));
  }
  assert.equal(studentTQuantile(0.5, 3), 0);
  assert.ok(Math.abs(studentTQuantile(0.975, 1e7) - 1.959964) < 1e-6);
});

test("the quantile inverts the distribution function", () => {
  for (const df of [0.5, 1, 3, 9.5, 40]) {
    for (const p of [0.01, 0.3, 0.8, 0.99]) {
      assert.ok(Math.abs(studentTCdf(studentTQuantile(p, df), df) - p) < 1e-12, `p ${p} df ${df}`);
    }
  }
});

test("the special functions on known values", () => {
  assert.ok(Math.abs(logGamma(5) - Math.log(24)) < 1e-12);
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-12);
  assert.ok(Math.abs(incompleteBeta(0.3, 1, 1) - 0.3) < 1e-14);
  assert.ok(Math.abs(incompleteBeta(0.4, 2, 3) - 0.5248) < 1e-12);
});

test("no degrees of freedom gives no quantile; a probability outside (0, 1) is refused", () => {
  assert.ok(Number.isNaN(studentTQuantile(0.975, 0)));
  assert.throws(() => studentTQuantile(1, 5), /0 < p < 1/);
});
