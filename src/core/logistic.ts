// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) on a
// dense row-major design matrix. The intercept is not penalised. Small and exact enough for tens of
// features and a few hundred thousand people; no dependency needed. The one fit for both the risk model
// (src/risk) and the evaluation's propensity model (src/outcomes/evaluation).
import { invalid } from "./errors.ts";

export interface LogisticOptions {
  /** L2 penalty on the coefficients (not the intercept), on the scale of the summed log-likelihood. */
  lambda: number;
  /**
   * Per-coefficient multipliers of lambda (default 1). lambda x scale_j^2 on raw features is the same fit as
   * lambda on standardised ones, while raw features keep their zeros, which the fit skips.
   */
  penaltyWeights?: ArrayLike<number>;
  maxIterations?: number;
  /** Stop when no parameter moves by more than this. */
  tolerance?: number;
  start?: { intercept: number; coefficients: ArrayLike<number> };
}

export interface LogisticFit {
  intercept: number;
  coefficients: Float64Array;
  iterations: number;
  converged: boolean;
  /** Penalised log-likelihood at the solution. */
  objective: number;
}

export function sigmoid(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

/** log(1 + exp(x)) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function objective(
  x: Float64Array,
  y: ArrayLike<number>,
  n: number,
  p: number,
  theta: Float64Array,
  penalties: Float64Array,
): number {
  let ll = 0;
  for (let i = 0; i < n; i++) {
    let eta = theta[0];
    const row = i * p;
    for (let j = 0; j < p; j++) eta += x[row + j] * theta[j + 1];
    ll += y[i] * eta - softplus(eta);
  }
  let penalty = 0;
  for (let j = 1; j <= p; j++) penalty += penalties[j - 1] * theta[j] * theta[j];
  return ll - penalty / 2;
}

/** Solves A z = b for a symmetric positive definite A (q x q, row-major), by Cholesky. */
export function choleskySolve(a: Float64Array, b: Float64Array, q: number): Float64Array {
  const l = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * q + j];
      for (let k = 0; k < j; k++) sum -= l[i * q + k] * l[j * q + k];
      if (i === j) {
        if (!(sum > 0))
          throw invalid(
            "core.not-positive-definite",
            "The matrix is not positive definite (add regularisation)",
          );
        l[i * q + i] = Math.sqrt(sum);
      } else l[i * q + j] = sum / l[j * q + j];
    }
  }
  const z = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * q + k] * z[k];
    z[i] = sum / l[i * q + i];
  }
  for (let i = q - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < q; k++) sum -= l[k * q + i] * z[k];
    z[i] = sum / l[i * q + i];
  }
  return z;
}

/**
 * Fits P(y = 1) = sigmoid(intercept + x . coefficients). x holds n rows of p values; y holds 0 or 1.
 */
export function fitLogistic(
  x: Float64Array,
  y: ArrayLike<number>,
  n: number,
  p: number,
  options: LogisticOptions,
): LogisticFit {
  if (x.length !== n * p || y.length !== n)
    throw invalid("core.logistic-shape", "fitLogistic: x must be n by p and y of length n");
  const { lambda } = options;
  if (!(lambda >= 0)) throw invalid("core.logistic-lambda", "fitLogistic: lambda must be 0 or more");
  const penalties = new Float64Array(p);
  for (let j = 0; j < p; j++) penalties[j] = lambda * (options.penaltyWeights?.[j] ?? 1);
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const q = p + 1;
  const theta = new Float64Array(q);
  if (options.start) {
    theta[0] = options.start.intercept;
    for (let j = 0; j < p; j++) theta[j + 1] = options.start.coefficients[j];
  } else {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i];
    mean = Math.min(Math.max(mean / n, 1e-6), 1 - 1e-6);
    theta[0] = logit(mean);
  }
  let current = objective(x, y, n, p, theta, penalties);
  const hessian = new Float64Array(q * q);
  const gradient = new Float64Array(q);
  const nzIndex = new Int32Array(q);
  const nzValue = new Float64Array(q);
  nzIndex[0] = 0;
  nzValue[0] = 1;
  let converged = false;
  let iterations = 0;
  while (iterations < maxIterations && !converged) {
    iterations++;
    hessian.fill(0);
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * p;
      let eta = theta[0];
      // Only the row's non-zero values contribute; most of a person's features are zero.
      let nz = 1;
      for (let j = 0; j < p; j++) {
        const v = x[base + j];
        if (v !== 0) {
          nzIndex[nz] = j + 1;
          nzValue[nz] = v;
          nz++;
          eta += v * theta[j + 1];
        }
      }
      const mu = sigmoid(eta);
      const w = mu * (1 - mu);
      const r = y[i] - mu;
      for (let k = 0; k < nz; k++) {
        const a = nzIndex[k];
        const va = nzValue[k];
        gradient[a] += r * va;
        const wa = w * va;
        const offset = a * q;
        for (let l = k; l < nz; l++) hessian[offset + nzIndex[l]] += wa * nzValue[l];
      }
    }
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < a; b++) hessian[a * q + b] = hessian[b * q + a];
    }
    for (let j = 1; j < q; j++) {
      gradient[j] -= penalties[j - 1] * theta[j];
      hessian[j * q + j] += penalties[j - 1];
    }
    // A tiny ridge on the intercept keeps an all-zero-or-one outcome solvable; it does not bias real fits.
    hessian[0] += 1e-9;
    const step = choleskySolve(hessian, gradient, q);
    let scale = 1;
    let next = new Float64Array(q);
    let nextObjective = Number.NEGATIVE_INFINITY;
    for (let halving = 0; halving < 30; halving++) {
      for (let j = 0; j < q; j++) next[j] = theta[j] + scale * step[j];
      nextObjective = objective(x, y, n, p, next, penalties);
      if (nextObjective >= current - 1e-12 * Math.abs(current)) break;
      scale /= 2;
    }
    let largest = 0;
    for (let j = 0; j < q; j++) largest = Math.max(largest, Math.abs(next[j] - theta[j]));
    theta.set(next);
    next = new Float64Array(0);
    const improvement = nextObjective - current;
    current = nextObjective;
    if (largest < tolerance || Math.abs(improvement) < 1e-12 * Math.max(1, Math.abs(current)))
      converged = true;
  }
  return { intercept: theta[0], coefficients: theta.slice(1), iterations, converged, objective: current };
}

/** Predicted probabilities for the rows of x. */
export function predict(
  x: Float64Array,
  n: number,
  p: number,
  intercept: number,
  coefficients: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = intercept;
    const base = i * p;
    for (let j = 0; j < p; j++) eta += x[base + j] * coefficients[j];
    out[i] = sigmoid(eta);
  }
  return out;
}
