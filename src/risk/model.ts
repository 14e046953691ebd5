// The emergency-admission risk model: trained on the place's own history at one index date, validated on
// a later one, stored as a version with its validation report, and turned into SQL for scoring.
import { addDays, addMonths, isIsoDate } from "../core/dates.ts";
import { invalid, OnePlaceError, type OnePlaceErrorOptions, unavailable } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { fitLogistic, predict } from "../core/logistic.ts";
import { type Db, float8, preparedText, type Queryable, SqlParams } from "../store/index.ts";
import { rebuildAllDeficits } from "./efi.ts";
import { ensureEfiReference } from "./efi-reference.ts";
import { describeValue, FEATURES, type Feature, featureById } from "./features.ts";
import {
  auc,
  aucInterval,
  brierScore,
  type CalibrationGroup,
  type Capture,
  calibrationGroups,
  calibrationSlope,
  capture,
} from "./metrics.ts";
import { readSettings } from "./settings.ts";
import { snapshotSql } from "./snapshot.ts";

export const MODEL_KIND = "logistic-l2";
export const MODEL_OUTCOME = "emergency-admission-12m";
const DEFAULT_LAMBDAS = [1000, 300, 100, 30, 10, 3, 1];

export interface ModelFeature {
  id: string;
  label: string;
  mean: number;
  scale: number;
  /** Change in log-odds per standard deviation (scale) of the feature. */
  coefficient: number;
}

export interface DatasetSummary {
  indexDate: string;
  featuresAsOf: string;
  outcomeFrom: string;
  outcomeTo: string;
  people: number;
  admittedPeople: number;
  admissions: number;
  admittedShare: number;
  /** Share of registered people used, in thousandths (1000 = everyone). */
  sampledPermille: number;
}

export interface ModelSpec {
  kind: typeof MODEL_KIND;
  intercept: number;
  lambda: number;
  features: ModelFeature[];
  train: DatasetSummary;
  lambdaSearch: { lambda: number; holdoutLogLoss: number }[];
  seconds: number;
}

export interface ValidationReport extends DatasetSummary {
  auc: number;
  aucInterval: [number, number];
  calibrationSlope: number;
  calibrationIntercept: number;
  observedToExpected: number;
  brier: number;
  deciles: CalibrationGroup[];
  capture: Capture[];
}

export interface RiskModel {
  modelId: string;
  version: number;
  kind: string;
  outcome: string;
  trainedAt: string;
  spec: ModelSpec;
  validation: ValidationReport;
}

export class NoValidatedModelError extends OnePlaceError {
  override readonly name = "NoValidatedModelError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("unavailable", "risk.no-validated-model", message, options);
  }
}

interface Dataset {
  summary: DatasetSummary;
  n: number;
  p: number;
  x: Float64Array;
  y: Uint8Array;
  events: Float64Array;
}

/** Features are what was known up to the day before the index date; the outcome is the 12 months from it. */
function windowsFor(indexDate: string): { featuresAsOf: string; outcomeFrom: string; outcomeTo: string } {
  if (!isIsoDate(indexDate)) throw invalid("risk.date", `Not a date: ${JSON.stringify(indexDate)}`);
  return {
    featuresAsOf: addDays(indexDate, -1),
    outcomeFrom: indexDate,
    outcomeTo: addDays(addMonths(indexDate, 12), -1),
  };
}

/**
 * Above maxPeople registered people, a fixed share of them (by a hash of the person id, so the same people
 * every time) keeps training memory bounded on large places; the report says so.
 */
async function samplePermille(
  db: Queryable,
  on: string,
  maxPeople: number,
): Promise<{ registered: number; permille: number }> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT person_id) AS n FROM registration
     WHERE registered_on <= $1 AND (deregistered_on IS NULL OR deregistered_on > $1)`,
    [on],
  );
  return { registered: row.n, permille: Math.min(1000, Math.ceil((1000 * maxPeople) / Math.max(1, row.n))) };
}

async function loadDataset(
  db: Queryable,
  indexDate: string,
  features: readonly Feature[],
  maxPeople: number,
): Promise<Dataset> {
  const w = windowsFor(indexDate);
  const settings = await readSettings(db);
  const sample = await samplePermille(db, w.featuresAsOf, maxPeople);
  const p = new SqlParams();
  const snapshot = snapshotSql(p, { asOf: w.featuresAsOf, hiu: settings.hiu });
  const sampled =
    sample.permille < 1000
      ? `WHERE abs(hashtext(s.person_id::text)) % 1000 < ${p.add(sample.permille, "int")}`
      : "";
  const from = p.add(w.outcomeFrom, "date");
  const to = p.add(addDays(w.outcomeTo, 1), "date");
  // One text value per person: splitting it is much cheaper than the driver's array parser.
  const rows = await db.query<{ events: number; x: string }>(
    `SELECT coalesce(o.n, 0) AS events, concat_ws(' ', ${features.map((f) => f.sql).join(", ")}) AS x
     FROM (${snapshot}) s
     LEFT JOIN (
       SELECT person_id, count(*) AS n FROM hospital_spell
       WHERE admission_method = 'emergency'
         AND admitted_at >= (${from}::timestamp AT TIME ZONE 'Europe/London')
         AND admitted_at < (${to}::timestamp AT TIME ZONE 'Europe/London')
       GROUP BY person_id
     ) o ON o.person_id = s.person_id
     ${sampled}
     ORDER BY s.person_id`,
    p.values,
  );
  const n = rows.length;
  const width = features.length;
  const x = new Float64Array(n * width);
  const y = new Uint8Array(n);
  const events = new Float64Array(n);
  let admitted = 0;
  let admissions = 0;
  rows.forEach((row, i) => {
    const values = row.x.split(" ");
    if (values.length !== width) throw new RangeError(`Expected ${width} features, got ${values.length}`);
    for (let j = 0; j < width; j++) x[i * width + j] = Number(values[j]);
    events[i] = row.events;
    y[i] = row.events > 0 ? 1 : 0;
    admitted += y[i];
    admissions += row.events;
  });
  return {
    summary: {
      indexDate,
      ...w,
      people: n,
      admittedPeople: admitted,
      admissions,
      admittedShare: n ? admitted / n : 0,
      sampledPermille: sample.permille,
    },
    n,
    p: width,
    x,
    y,
    events,
  };
}

function standardise(x: Float64Array, n: number, p: number): { means: Float64Array; scales: Float64Array } {
  const means = new Float64Array(p);
  const scales = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) means[j] += x[i * p + j];
  for (let j = 0; j < p; j++) means[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) scales[j] += (x[i * p + j] - means[j]) ** 2;
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt(scales[j] / Math.max(1, n - 1));
    scales[j] = sd > 1e-12 ? sd : 1;
  }
  return { means, scales };
}

function logLoss(probabilities: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(probabilities[i], 1e-15), 1 - 1e-15);
    sum -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return sum / y.length;
}

function subset(x: Float64Array, y: Uint8Array, p: number, keep: (i: number) => boolean) {
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (keep(i)) rows.push(i);
  const xs = new Float64Array(rows.length * p);
  const ys = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    xs.set(x.subarray(r * p, r * p + p), k * p);
    ys[k] = y[r];
  });
  return { x: xs, y: ys, n: rows.length };
}

/**
 * Chooses the penalty on a fixed fifth of the training people (every fifth, in person-id order), from the
 * strongest penalty down, each fit starting from the last, then refits on everyone. The fit runs on the raw
 * features with each penalty weighted by the feature's variance, which is the standardised ridge fit while
 * keeping the zeros the solver skips.
 */
function fitWithPenaltySearch(
  x: Float64Array,
  y: Uint8Array,
  n: number,
  p: number,
  lambdas: readonly number[],
  penaltyWeights: Float64Array,
) {
  const train = subset(x, y, p, (i) => i % 5 !== 0);
  const hold = subset(x, y, p, (i) => i % 5 === 0);
  const search: { lambda: number; holdoutLogLoss: number }[] = [];
  let start: { intercept: number; coefficients: Float64Array } | undefined;
  let best = { lambda: lambdas[0], loss: Number.POSITIVE_INFINITY };
  for (const lambda of lambdas) {
    const fit = fitLogistic(train.x, train.y, train.n, p, { lambda: lambda * 0.8, penaltyWeights, start });
    start = { intercept: fit.intercept, coefficients: fit.coefficients };
    const loss = logLoss(predict(hold.x, hold.n, p, fit.intercept, fit.coefficients), hold.y);
    search.push({ lambda, holdoutLogLoss: loss });
    if (loss < best.loss) best = { lambda, loss };
  }
  const fit = fitLogistic(x, y, n, p, { lambda: best.lambda, penaltyWeights, start });
  return { fit, lambda: best.lambda, search };
}

export interface TrainOptions {
  /** First day of the training outcome year; features are what was known the day before. */
  trainIndexDate: string;
  /** A later index date to validate on; its outcome year must be in the data. */
  validationIndexDate: string;
  lambdas?: readonly number[];
  /** Train and validate on at most about this many people each (default 300,000). */
  maxPeople?: number;
  onStep?: (step: string) => void;
}

/** Trains, validates and stores a new model version. */
export async function trainModel(db: Db, options: TrainOptions): Promise<RiskModel> {
  const started = performance.now();
  const { trainIndexDate, validationIndexDate } = options;
  if (!isIsoDate(trainIndexDate) || !isIsoDate(validationIndexDate)) {
    throw invalid("risk.index-dates", "Index dates must be dates, e.g. 2014-04-01");
  }
  if (validationIndexDate <= trainIndexDate) {
    throw invalid(
      "risk.index-dates",
      "Validate on a later period than the model was trained on: the validation index date must be after the training one",
    );
  }
  const step = options.onStep ?? (() => {});
  step("Loading eFI reference data and rebuilding deficits");
  await ensureEfiReference(db);
  await db.transaction((tx) => rebuildAllDeficits(tx));
  const features = FEATURES;
  step(`Extracting training people at ${trainIndexDate}`);
  const maxPeople = options.maxPeople ?? 300_000;
  const train = await loadDataset(db, trainIndexDate, features, maxPeople);
  if (train.summary.admittedPeople < 20) {
    throw unavailable(
      "risk.too-few-admissions",
      `Too few emergency admissions to train on: ${train.summary.admittedPeople} people admitted in ${train.summary.outcomeFrom}..${train.summary.outcomeTo}. Is there history for that year?`,
    );
  }
  step(`Fitting on ${train.n.toLocaleString("en-GB")} people`);
  const { means, scales } = standardise(train.x, train.n, train.p);
  const { fit, lambda, search } = fitWithPenaltySearch(
    train.x,
    train.y,
    train.n,
    train.p,
    options.lambdas ?? DEFAULT_LAMBDAS,
    scales.map((sd) => sd * sd),
  );
  step(`Extracting validation people at ${validationIndexDate}`);
  const valid = await loadDataset(db, validationIndexDate, features, maxPeople);
  if (valid.summary.admittedPeople === 0 || valid.summary.admittedPeople === valid.n) {
    throw unavailable(
      "risk.cannot-validate",
      `Cannot validate: nobody (or everybody) was admitted in ${valid.summary.outcomeFrom}..${valid.summary.outcomeTo}. Is there history for that year?`,
    );
  }
  const predicted = predict(valid.x, valid.n, valid.p, fit.intercept, fit.coefficients);
  const validation = validationReport(valid, predicted);
  // Stored on the standardised scale: log-odds per standard deviation, intercept at the training means.
  let intercept = fit.intercept;
  for (let j = 0; j < train.p; j++) intercept += fit.coefficients[j] * means[j];
  const spec: ModelSpec = {
    kind: MODEL_KIND,
    intercept,
    lambda,
    features: features.map((f, j) => ({
      id: f.id,
      label: f.label,
      mean: means[j],
      scale: scales[j],
      coefficient: fit.coefficients[j] * scales[j],
    })),
    train: train.summary,
    lambdaSearch: search,
    seconds: (performance.now() - started) / 1000,
  };
  step("Storing the model with its validation report");
  return saveModel(db, spec, validation);
}

export function validationReport(data: Dataset, predicted: Float64Array): ValidationReport {
  const a = auc(predicted, data.y);
  const positives = data.summary.admittedPeople;
  const calibration = calibrationSlope(predicted, data.y);
  let expected = 0;
  for (const q of predicted) expected += q;
  return {
    ...data.summary,
    auc: a,
    aucInterval: aucInterval(a, positives, data.n - positives),
    calibrationSlope: calibration.slope,
    calibrationIntercept: calibration.intercept,
    observedToExpected: expected ? positives / expected : 0,
    brier: brierScore(predicted, data.y),
    deciles: calibrationGroups(predicted, data.y, 10),
    capture: capture(predicted, data.y, data.events, [1, 5, 20]),
  };
}

async function saveModel(db: Db, spec: ModelSpec, validation: ValidationReport): Promise<RiskModel> {
  const modelId = newId();
  return db.transaction(async (tx) => {
    await tx.query("LOCK TABLE risk_model IN EXCLUSIVE MODE");
    // The next version read first, under the lock, and inserted as a value: Citus cannot plan an INSERT ... SELECT
    // from a reference table with parameters ("missing FROM-clause entry").
    const [{ next }] = await tx.query<{ next: number }>(
      "SELECT coalesce(max(version), 0) + 1 AS next FROM risk_model",
    );
    const [row] = await tx.query<{ version: number; trained_at: Date }>(
      `INSERT INTO risk_model (model_id, version, kind, outcome, train_index_date, validation_index_date, spec, validation)
       VALUES ($1, $8, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
       RETURNING version, trained_at`,
      [
        modelId,
        MODEL_KIND,
        MODEL_OUTCOME,
        spec.train.indexDate,
        validation.indexDate,
        JSON.stringify(spec),
        JSON.stringify(validation),
        next,
      ],
    );
    return {
      modelId,
      version: row.version,
      kind: MODEL_KIND,
      outcome: MODEL_OUTCOME,
      trainedAt: row.trained_at.toISOString(),
      spec,
      validation,
    };
  });
}

type ModelRow = {
  model_id: string;
  version: number;
  kind: string;
  outcome: string;
  trained_at: Date;
  spec: ModelSpec;
  validation: ValidationReport | null;
};

function fromRow(row: ModelRow): RiskModel {
  if (!row.validation || typeof row.validation.auc !== "number") {
    throw new NoValidatedModelError(`Model version ${row.version} has no validation report`);
  }
  return {
    modelId: row.model_id,
    version: row.version,
    kind: row.kind,
    outcome: row.outcome,
    trainedAt: row.trained_at.toISOString(),
    spec: row.spec,
    validation: row.validation,
  };
}

const MODEL_COLUMNS = "model_id::text, version, kind, outcome, trained_at, spec, validation";

/** The newest model version; every stored version has a validation report. */
export async function activeModel(db: Queryable): Promise<RiskModel | null> {
  const rows = await db.query<ModelRow>(
    `SELECT ${MODEL_COLUMNS} FROM risk_model WHERE validation IS NOT NULL ORDER BY version DESC LIMIT 1`,
  );
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function modelByVersion(db: Queryable, version: number): Promise<RiskModel | null> {
  const rows = await db.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM risk_model WHERE version = $1`, [
    version,
  ]);
  return rows[0] ? fromRow(rows[0]) : null;
}

// Stored model versions never change, so each is read once per process.
const modelCache = new Map<string, RiskModel>();

export async function modelById(db: Queryable, modelId: string): Promise<RiskModel | null> {
  const cached = modelCache.get(modelId);
  if (cached) return cached;
  const rows = await db.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM risk_model WHERE model_id = $1`, [
    modelId,
  ]);
  if (!rows[0]) return null;
  const model = fromRow(rows[0]);
  modelCache.set(modelId, model);
  return model;
}

export async function listModels(db: Queryable): Promise<RiskModel[]> {
  const rows = await db.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM risk_model ORDER BY version`);
  return rows.map(fromRow);
}

/** The model's log-odds as one float8 SQL expression over risk_person (or snapshot) columns. */
export function linearPredictorSql(model: RiskModel): string {
  if (!model.validation)
    throw new NoValidatedModelError("Refusing to score with a model that has no validation report");
  let intercept = model.spec.intercept;
  const terms: string[] = [];
  for (const f of model.spec.features) {
    const perUnit = f.coefficient / f.scale;
    intercept -= perUnit * f.mean;
    if (perUnit !== 0) terms.push(`${float8(perUnit)} * ${featureById(f.id).sql}`);
  }
  return `(${[float8(intercept), ...terms].join(" + ")})`;
}

/** The probability SQL, with the log-odds clamped so exp() cannot overflow. */
export function probabilitySql(model: RiskModel): string {
  return `(1::float8 / (1::float8 + exp(-least(greatest(${linearPredictorSql(model)}, -35::float8), 35::float8))))`;
}

export interface Contribution {
  featureId: string;
  label: string;
  value: string;
  /** Log-odds this factor adds compared with an average person of the training population. */
  logOdds: number;
}

/**
 * Each factor's contribution to one person's score: coefficient x (their value - the training mean) on the
 * standardised scale, largest increase first.
 */
export async function explainScore(
  db: Queryable,
  model: RiskModel,
  personId: string,
): Promise<Contribution[] | null> {
  const features = model.spec.features.map((f) => ({ ...f, def: featureById(f.id) }));
  // One text per model's features (a handful per place): prepared, as a person's page runs it every time.
  const rows = await db.query<{ x: number[] }>(
    preparedText(
      "risk.explain",
      `SELECT ARRAY[${features.map((f) => f.def.sql).join(", ")}]::float8[] AS x FROM risk_person WHERE person_id = $1`,
    ),
    [personId],
  );
  if (!rows[0]) return null;
  const x = rows[0].x.map(Number);
  return features
    .map((f, j) => ({
      featureId: f.id,
      label: f.label,
      value: describeValue(f.def, x[j]),
      logOdds: (f.coefficient * (x[j] - f.mean)) / f.scale,
    }))
    .sort((a, b) => b.logOdds - a.logOdds);
}
