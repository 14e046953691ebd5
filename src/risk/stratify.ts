// Stratification: the whole population in one set-based pass (eFI deficits, the snapshot of what is known,
// the model's score, ranks and tiers), and rescoring some people after new events without a full run.
import { createHash } from "node:crypto";
import { isIsoDate } from "../core/dates.ts";
import { invalid, unavailable } from "../core/errors.ts";
import { newId, uuidFromRandom } from "../core/ids.ts";
import {
  analyzeGrownTables,
  beginTableReplacement,
  type Db,
  InlineParams,
  isCitus,
  prepared,
  preparedText,
  type Queryable,
  SqlParams,
  setLocal,
} from "../store/index.ts";
import { insertAllDeficits, rebuildDeficitsFor } from "./efi.ts";
import { ensureEfiReference } from "./efi-reference.ts";
import { activeModel, modelById, NoValidatedModelError, probabilitySql, type RiskModel } from "./model.ts";
import { type Cutpoints, percentileOf, QUANTILES, tierOf } from "./placement.ts";
import { DEFAULT_SETTINGS, mergeSettings, type RiskSettings, readSettings } from "./settings.ts";
import { SNAPSHOT_COLUMNS, snapshotSql } from "./snapshot.ts";

/**
 * Held by a full run for its whole transaction and by each rescoring for its own, so they take turns. A key
 * of its own, outside lockKey's buckets: names hashed by ingest must never wait for a full run.
 */
const STRATIFY_LOCK = 727_401;

/** Each scored person's name, copied as the register's name-order key (0894); joined, not looked up per row. */
const nameJoin = (alias: string) =>
  `LEFT JOIN (SELECT person_id AS named_id, family_name, given_name FROM person) names ON names.named_id = ${alias}.person_id`;

export type { Cutpoints };

export interface StratifyOptions {
  /** The date the picture is as at; default: the latest activity in the data (never after today). */
  asOf?: string;
  /** Compute eFI and the snapshot only, without scores (no model needed). */
  efiOnly?: boolean;
  /** Told each step as it starts; a promise it returns is awaited (a test reads beside the run). */
  onStep?: (step: string) => void | Promise<void>;
}

export interface RunSummary {
  runId: string;
  kind: "full" | "people";
  asOf: string;
  modelVersion: number | null;
  people: number;
  aged65: number;
  efi: Record<"fit" | "mild" | "moderate" | "severe", number>;
  tiers: Record<"very-high" | "high" | "rising" | "low", number>;
  hiu: number;
  dataWatermark: string | null;
  seconds: number;
}

/** The latest date with recorded activity, from the indexed event dates; today if it is later. */
export async function latestActivityDate(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ d: string | null }>(
    `SELECT least(greatest(
       (SELECT max(admitted_at AT TIME ZONE 'Europe/London')::date FROM hospital_spell),
       (SELECT max(arrived_at AT TIME ZONE 'Europe/London')::date FROM ae_attendance),
       (SELECT max(appointment_on) FROM outpatient_attendance),
       (SELECT max(contact_on) FROM care_contact)), current_date)::text AS d`,
  );
  return row?.d ?? null;
}

async function dataWatermark(db: Queryable): Promise<string | null> {
  const [row] = await db.query<{ w: Date | null }>(
    "SELECT max(finished_at) AS w FROM data_load WHERE status = 'succeeded'",
  );
  return row?.w ? row.w.toISOString() : null;
}

function tierCase(settings: RiskSettings): string {
  const t = settings.tiers;
  return `CASE WHEN rn <= n * ${t.veryHighTopPercent / 100} THEN 'very-high'
    WHEN rn <= n * ${t.highTopPercent / 100} THEN 'high'
    WHEN rn <= n * ${t.risingTopPercent / 100} THEN 'rising' ELSE 'low' END`;
}

async function requireModel(db: Queryable): Promise<RiskModel> {
  const model = await activeModel(db);
  if (!model) {
    throw new NoValidatedModelError(
      "There is no validated risk model to score with: train one first ('oneplace model train').",
    );
  }
  return model;
}

/** Rescores the whole population: eFI, snapshot and scores, replacing risk_person in one transaction. */
export async function stratify(db: Db, options: StratifyOptions = {}): Promise<RunSummary> {
  const started = performance.now();
  const step = options.onStep ?? (() => {});
  const model = options.efiOnly ? null : await requireModel(db);
  await ensureEfiReference(db);
  const settings = await readSettings(db);
  const asOf = options.asOf ?? (await latestActivityDate(db));
  if (!asOf)
    throw unavailable(
      "risk.no-activity",
      "There is no activity in the database to stratify: load data first.",
    );
  if (!isIsoDate(asOf)) throw invalid("risk.date", `Not a date: ${JSON.stringify(asOf)}`);
  const runId = newId();
  const watermark = await dataWatermark(db);
  // Tables loaded in bulk since they were last analysed (or never) leave the planner guessing.
  await analyzeGrownTables(db, SOURCE_TABLES);
  const totals = await db.transaction(async (tx) => {
    // Every statement sees the same data, so the run's figures are consistent with each other.
    await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    // Rescoring waits for a full run rather than writing to tables the run is about to replace.
    await tx.query("SELECT pg_advisory_xact_lock($1)", [STRATIFY_LOCK]);
    await step("Finding eFI deficits in the GP record");
    // Both tables are built beside the ones readers use and swapped in at the end, so pages and reports
    // keep reading the last run's picture until this one commits.
    const deficits = await beginTableReplacement(tx, "efi_deficit");
    await insertAllDeficits(tx, deficits.target);
    await deficits.index();
    // One pass over each table: parallel workers would each rebuild every hash table of the snapshot, and
    // compiling these one-off statements (JIT) costs more than it saves.
    // On a cluster the shards' part of the snapshot runs on the workers: the settings go there too.
    await setLocal(tx, { work_mem: "'512MB'", max_parallel_workers_per_gather: "0", jit: "off" });
    await step(model ? "Building each person's picture and scoring" : "Building each person's picture");
    const people = await beginTableReplacement(tx, "risk_person");
    const scored = people.target;
    // Written in locality and practice order, so a register (one practice's or locality's rows) reads a run
    // of neighbouring pages rather than a row from nearly every page of the table.
    // On Citus as literals: with parameters, a region's run failed "could not create distributed plan" after
    // the shards' snapshot was pulled (docs/scale.md, "a region of 18 places").
    const p = isCitus(tx) ? new InlineParams() : new SqlParams();
    // The names come with the rest of the person's row, rather than from a second pass over everyone.
    const snapshot = snapshotSql(p, {
      asOf,
      hiu: settings.hiu,
      deficitTable: deficits.target,
      names: true,
    });
    const run = p.add(runId, "uuid");
    const asOfParam = p.add(asOf, "date");
    const cols = SNAPSHOT_COLUMNS.join(", ");
    if (model) {
      await tx.query(
        `INSERT INTO ${scored} (${cols}, run_id, as_of, scored_at, model_id, probability, risk_rank,
                                  risk_percentile, risk_tier, family_name, given_name)
         SELECT ${cols}, ${run}, ${asOfParam}, now(), ${p.add(model.modelId, "uuid")}, probability, rn,
                100.0 * (n - above) / n, ${tierCase(settings)}, family_name, given_name
         FROM (
           SELECT scored.*, row_number() OVER (ORDER BY probability DESC, person_id) AS rn, count(*) OVER () AS n,
                  rank() OVER (ORDER BY probability DESC) - 1 AS above
           FROM (SELECT s.*, ${probabilitySql(model)} AS probability FROM (${snapshot}) s) scored
         ) ranked
         ORDER BY locality_code, practice_code, rn`,
        p.values,
      );
    } else {
      await tx.query(
        `INSERT INTO ${scored} (${cols}, run_id, as_of, scored_at, family_name, given_name)
         SELECT ${cols}, ${run}, ${asOfParam}, now(), family_name, given_name
         FROM (${snapshot}) s
         ORDER BY locality_code, practice_code, person_id`,
        p.values,
      );
    }
    await step("Recording the run");
    await people.index();
    // One pass over the run's rows for everything recorded and reported about it.
    const totals = await runTotals(tx, scored, model !== null);
    await tx.query(
      `INSERT INTO risk_run (run_id, kind, as_of, model_id, started_at, finished_at, data_watermark, people,
                             cutpoints, settings, quantiles)
       VALUES ($1, 'full', $2, $3, now(), clock_timestamp(), $4, $5, $6::jsonb, $7::jsonb, $8::float8[])`,
      [
        runId,
        asOf,
        model?.modelId ?? null,
        watermark,
        totals.counts.people,
        totals.cutpoints ? JSON.stringify(totals.cutpoints) : null,
        JSON.stringify(settings),
        totals.quantiles,
      ],
    );
    await deficits.swap();
    await people.swap();
    return totals;
  });
  // Both tables were analysed as they were built (the statistics stay with a renamed table). risk_person is
  // vacuumed, so counts by practice and tier come from the index alone (VACUUM runs outside any transaction).
  await db.exec("VACUUM risk_person");
  await pruneRescoringRuns(db, runId);
  return summaryOf(totals, runId, "full", asOf, model?.version ?? null, watermark, started);
}

/** The tables the snapshot reads: a record received in one of them can change a person's score. */
const SNAPSHOT_TABLES = [
  "gp_entry",
  "medication_issue",
  "hospital_spell",
  "ae_attendance",
  "outpatient_attendance",
  "care_contact",
  "social_care_service",
  "care_home_placement",
  "registration",
  "death",
  "person",
];

/** What a full run reads: the snapshot's tables and care_plan, which cohorts and the national condition read live. */
const SOURCE_TABLES = [...SNAPSHOT_TABLES, "care_plan"];

interface RunTotals {
  counts: Record<string, number>;
  cutpoints: Cutpoints | null;
  quantiles: number[] | null;
}

/**
 * Everything recorded and reported about a run, in one pass over its rows: the counts of the summary, each
 * tier's lowest score (the cut-points rescored people are placed against) and the 999 quantiles.
 */
async function runTotals(tx: Queryable, table: string, scored: boolean): Promise<RunTotals> {
  const [row] = await tx.query<
    Record<string, number> & {
      quantiles: number[] | null;
      very_high_lowest: number | null;
      high_lowest: number | null;
      rising_lowest: number | null;
    }
  >(
    `SELECT count(*)::int AS people, count(*) FILTER (WHERE age >= 65)::int AS aged65,
       count(*) FILTER (WHERE efi_category = 'fit')::int AS fit, count(*) FILTER (WHERE efi_category = 'mild')::int AS mild,
       count(*) FILTER (WHERE efi_category = 'moderate')::int AS moderate,
       count(*) FILTER (WHERE efi_category = 'severe')::int AS severe,
       count(*) FILTER (WHERE risk_tier = 'very-high')::int AS very_high, count(*) FILTER (WHERE risk_tier = 'high')::int AS high,
       count(*) FILTER (WHERE risk_tier = 'rising')::int AS rising, count(*) FILTER (WHERE risk_tier = 'low')::int AS low,
       count(*) FILTER (WHERE hiu)::int AS hiu,
       min(probability) FILTER (WHERE risk_tier = 'very-high') AS very_high_lowest,
       min(probability) FILTER (WHERE risk_tier = 'high') AS high_lowest,
       min(probability) FILTER (WHERE risk_tier = 'rising') AS rising_lowest,
       CASE WHEN $1::boolean THEN percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY probability) END AS quantiles
     FROM ${table}`,
    [scored, Array.from({ length: QUANTILES - 1 }, (_, i) => (i + 1) / QUANTILES)],
  );
  const { quantiles, very_high_lowest, high_lowest, rising_lowest, ...counts } = row;
  return {
    counts,
    cutpoints: scored ? { veryHigh: very_high_lowest, high: high_lowest, rising: rising_lowest } : null,
    quantiles,
  };
}

function summaryOf(
  totals: RunTotals,
  runId: string,
  kind: "full" | "people",
  asOf: string,
  modelVersion: number | null,
  watermark: string | null,
  started: number,
): RunSummary {
  const row = totals.counts;
  return {
    runId,
    kind,
    asOf,
    modelVersion,
    people: row.people,
    aged65: row.aged65,
    efi: { fit: row.fit, mild: row.mild, moderate: row.moderate, severe: row.severe },
    tiers: { "very-high": row.very_high, high: row.high, rising: row.rising, low: row.low },
    hiu: row.hiu,
    dataWatermark: watermark,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface LatestRun {
  runId: string;
  asOf: string;
  modelId: string | null;
  cutpoints: Cutpoints | null;
  startedAt: string;
  people: number;
}

/** The latest full run, as latestFullRun and rescoreContext both read it. */
const LATEST_FULL_RUN = `SELECT run_id::text AS "runId", as_of AS "asOf", model_id::text AS "modelId", cutpoints,
       started_at AS "startedAt", people
     FROM risk_run WHERE kind = 'full' ORDER BY started_at DESC LIMIT 1`;

type RunRow = Omit<LatestRun, "startedAt"> & { startedAt: Date };

function runOf(row: RunRow): LatestRun {
  return { ...row, startedAt: row.startedAt.toISOString() };
}

export async function latestFullRun(db: Queryable): Promise<LatestRun | null> {
  const [row] = await db.query<RunRow>(LATEST_FULL_RUN);
  return row ? runOf(row) : null;
}

export interface RescoreResult {
  runId: string;
  asOf: string;
  rescored: number;
  removed: number;
}

interface RescoreContext {
  run: LatestRun;
  model: RiskModel | null;
  settings: RiskSettings;
}

const RESCORE_CONTEXT = prepared(
  "risk.rescore.context",
  `SELECT latest.*, (SELECT json_object_agg(key, value) FROM risk_setting) AS settings
     FROM (${LATEST_FULL_RUN}) latest`,
);

/** The latest full run, its model and the settings, in one round trip. */
async function rescoreContext(db: Queryable): Promise<RescoreContext> {
  const [row] = await db.query<RunRow & { settings: Record<string, unknown> | null }>(RESCORE_CONTEXT);
  if (!row)
    throw unavailable(
      "risk.no-stratification",
      "There is no stratification to update yet: run 'oneplace stratify' first.",
    );
  const { settings, ...run } = row;
  const model = run.modelId ? await modelById(db, run.modelId) : null;
  return {
    run: runOf(run),
    model,
    settings: mergeSettings(DEFAULT_SETTINGS, settings ?? {}),
  };
}

// A full run's quantiles never change once it has committed: each run's are read once per process.
const quantilesByRun = new Map<string, number[] | null>();
const RUN_QUANTILES = prepared("risk.run.quantiles", "SELECT quantiles FROM risk_run WHERE run_id = $1");

async function runQuantiles(db: Queryable, runId: string): Promise<number[] | null> {
  if (!quantilesByRun.has(runId)) {
    const [row] = await db.query<{ quantiles: number[] | null }>(RUN_QUANTILES, [runId]);
    quantilesByRun.set(runId, row?.quantiles?.map(Number) ?? null);
  }
  return quantilesByRun.get(runId) ?? null;
}

/** What rescoring writes beside the snapshot, in risk_person's names (risk_rank is left null). */
const SCORE_COLUMNS = [
  "run_id",
  "as_of",
  "model_id",
  "probability",
  "risk_percentile",
  "risk_tier",
  "family_name",
  "given_name",
] as const;

/**
 * The people scored (their snapshot, score and names, as JSON objects in risk_person's names) upserted, the
 * people no longer scored deleted, and the rescoring recorded, in one statement. Its plan does not depend on
 * the people, so it is prepared and planned once.
 */
const RESCORE_WRITE = (() => {
  const written = [...SNAPSHOT_COLUMNS, ...SCORE_COLUMNS];
  const updates = [...written.filter((c) => c !== "person_id"), "scored_at", "risk_rank"]
    .map((c) => `${c} = excluded.${c}`)
    .join(", ");
  return prepared(
    "risk.rescore.write",
    `WITH upserted AS (
       INSERT INTO risk_person (${written.join(", ")}, scored_at, risk_rank)
       SELECT ${written.join(", ")}, now(), NULL::int FROM json_populate_recordset(NULL::risk_person, $1::json)
       ON CONFLICT (person_id) DO UPDATE SET ${updates}
       RETURNING 1
     ),
     removed AS (
       DELETE FROM risk_person WHERE person_id = ANY($2::uuid[]) RETURNING 1
     ),
     recorded AS (
       INSERT INTO risk_run (run_id, kind, as_of, model_id, started_at, finished_at, data_watermark, people, settings,
                             rescoring_of)
       VALUES ($3::uuid, 'people', $4::date, $5::uuid, now(), clock_timestamp(), now(), $6::int, $7::jsonb, $8::uuid)
       ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at,
         data_watermark = excluded.data_watermark, people = risk_run.people + excluded.people
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM upserted) AS written, (SELECT count(*) FROM removed) AS removed,
            (SELECT count(*) FROM recorded) AS recorded`,
  );
})();

/**
 * The run every rescoring placed against one full run with the same settings is recorded in (one row, counted
 * up), rather than a run a rescoring: a steady feed rescores thousands of times a day.
 */
export function rescoringRunId(fullRunId: string, settings: RiskSettings): string {
  const digest = createHash("sha256")
    .update(`rescorings ${fullRunId} ${JSON.stringify(settings)}`)
    .digest();
  let word = 0;
  return uuidFromRandom(() => digest.readUInt32BE(4 * word++));
}

/**
 * After a full run has replaced risk_person, the rescorings recorded against earlier runs (and those recorded
 * one run a rescoring before 1071) name no row: they go. Full runs stay, as do this run's rescorings. Outside
 * the run's transaction, where a rescoring's update of its row cannot make the run fail to serialise.
 */
async function pruneRescoringRuns(db: Queryable, fullRunId: string): Promise<void> {
  await db.query("DELETE FROM risk_run WHERE kind = 'people' AND rescoring_of IS DISTINCT FROM $1::uuid", [
    fullRunId,
  ]);
}

/**
 * The snapshot of some people with their score and names, and whether the row risk_person holds for them
 * already says the same (the same model, date, facts, score and names): such a row is left as it is.
 */
function rescoreReadSql(
  p: SqlParams,
  run: LatestRun,
  model: RiskModel | null,
  settings: RiskSettings,
  ids: string[],
) {
  const snapshot = snapshotSql(p, { asOf: run.asOf, personIds: ids, hiu: settings.hiu });
  const scored = model !== null && run.cutpoints !== null;
  const probability = scored ? probabilitySql(model) : "NULL::float8";
  const same = (c: string) => `cur.${c} IS NOT DISTINCT FROM scored.${c}`;
  const unchanged = [
    "cur.person_id IS NOT NULL",
    `cur.as_of = ${p.add(run.asOf, "date")}`,
    `cur.model_id IS NOT DISTINCT FROM ${p.add(model?.modelId ?? null, "uuid")}`,
    ...SNAPSHOT_COLUMNS.filter((c) => c !== "person_id").map(same),
    same("probability"),
    "cur.family_name IS NOT DISTINCT FROM names.family_name",
    "cur.given_name IS NOT DISTINCT FROM names.given_name",
  ].join("\n        AND ");
  return `SELECT scored.*, names.family_name, names.given_name, ${unchanged} AS unchanged
    FROM (SELECT s.*, ${probability} AS probability FROM (${snapshot}) s) scored ${nameJoin("scored")}
    LEFT JOIN risk_person cur ON cur.person_id = scored.person_id`;
}

/**
 * Brings some people up to date after new or corrected records: their deficits, snapshot and score, as at
 * the latest full run's date and with its model, placed in tiers and percentiles against that run's
 * cut-points and quantiles (exact ranks wait for the next full run, so risk_rank is cleared). A person whose
 * picture and score come out as risk_person already holds them keeps that row as it is (with its full run's
 * rank). People no longer registered or alive on that date leave risk_person.
 */
export async function rescorePeople(db: Db, personIds: readonly string[]): Promise<RescoreResult> {
  const ids = [...new Set(personIds)];
  return db.transaction(async (tx) => {
    // Scores are derived data a rerun restores, so a commit need not wait for the disk; and the written
    // join order suits a few people, so the planner need not search for another. Each statement is planned
    // once, for any people (a generic plan): the statements find people by their index alone (the snapshot
    // keeps its date windows off the dates' indexes), and a plan for the actual people cost more to make
    // (2.5 ms on PostgreSQL) than the read itself (0.6 ms). A Citus coordinator cannot distribute a generic
    // plan of an INSERT ... SELECT with parameters (the deficits' upsert, the write), so it keeps planning
    // each one for the shards it touches.
    await tx.exec(
      `SELECT pg_advisory_xact_lock(${STRATIFY_LOCK}); SET LOCAL synchronous_commit = off; SET LOCAL join_collapse_limit = 1; SET LOCAL from_collapse_limit = 1${
        isCitus(db) ? "" : "; SET LOCAL plan_cache_mode = force_generic_plan"
      }`,
    );
    // Read once the lock is held, so a full run that committed while this waited is the one placed against.
    const { run, model, settings } = await rescoreContext(tx);
    const scored = model !== null && run.cutpoints !== null;
    const quantiles = scored ? await runQuantiles(tx, run.runId) : null;
    const runId = rescoringRunId(run.runId, settings);
    await rebuildDeficitsFor(tx, ids);
    const p = new SqlParams();
    // The text is the same for every rescoring under one model and settings: prepared, it is planned once.
    const read = preparedText("risk.rescore.read", rescoreReadSql(p, run, model, settings, ids));
    const rows = await tx.query<Record<string, unknown> & { person_id: string; unchanged: boolean }>(
      read,
      p.values,
    );
    const found = new Set(rows.map((r) => r.person_id));
    const changed = rows
      .filter((r) => !r.unchanged)
      .map(({ unchanged: _, ...r }) => {
        const probability = scored ? Number(r.probability) : null;
        return {
          ...r,
          run_id: runId,
          as_of: run.asOf,
          model_id: model?.modelId ?? null,
          probability,
          risk_percentile: probability === null ? null : percentileOf(probability, quantiles),
          risk_tier: probability === null || !run.cutpoints ? null : tierOf(probability, run.cutpoints),
        };
      });
    const gone = ids.filter((id) => !found.has(id.toLowerCase()));
    const [counts] = await tx.query<{ removed: number }>(RESCORE_WRITE, [
      JSON.stringify(changed),
      gone,
      runId,
      run.asOf,
      model?.modelId ?? null,
      rows.length,
      JSON.stringify(settings),
      run.runId,
    ]);
    return { runId, asOf: run.asOf, rescored: rows.length, removed: counts.removed };
  });
}

/**
 * People with any record received since the latest full run started (a seq scan of each event table by
 * received_at), for `oneplace stratify --changed`.
 */
export async function peopleChangedSince(db: Queryable, since: string): Promise<string[]> {
  const rows = await db.query<{ person_id: string }>(
    SNAPSHOT_TABLES.map((t) => `SELECT person_id::text FROM ${t} WHERE received_at > $1`).join(" UNION "),
    [since],
  );
  return rows.map((r) => r.person_id);
}
