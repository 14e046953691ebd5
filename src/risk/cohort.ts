// Cohorts: criteria as data (JSON), compiled to one parameterised SQL predicate over risk_person (the
// latest stratification), with counts by practice and locality and the list of people in it.

import { type ErrorKind, OnePlaceError } from "../core/errors.ts";
import { type Db, isCitus, type Queryable, SqlParams, setLocal } from "../store/index.ts";
import { DEFICITS, deficitOrdinal, EFI_CATEGORIES, type EfiCategory, isDeficitId } from "./efi-definition.ts";
import { RISK_TIERS, type RiskTier } from "./settings.ts";
import { SERVICE_TYPES, serviceMask } from "./social-care.ts";

export interface Range {
  min?: number;
  max?: number;
}

export interface SetCriterion {
  all?: string[];
  any?: string[];
  none?: string[];
}

export const ACTIVITY_MEASURES = {
  "emergency-admissions": { column: "emergency_admissions_12m" },
  "elective-admissions": { column: "elective_admissions_12m" },
  "emergency-bed-days": { column: "emergency_bed_days_12m" },
  "ae-attendances": { column: "ae_attendances_12m" },
  "outpatient-attendances": { column: "outpatient_attendances_12m" },
  "community-contacts": { column: "community_contacts_12m" },
  "mental-health-contacts": { column: "mental_health_contacts_12m" },
} as const;
export type ActivityMeasure = keyof typeof ACTIVITY_MEASURES;

export interface ActivityCriterion extends Range {
  measure: ActivityMeasure;
  /** The window ending on the stratification date; default 12 months. */
  months?: number;
}

export interface CohortCriteria {
  description?: string;
  age?: Range;
  sex?: string[];
  practices?: string[];
  localities?: string[];
  efiCategories?: EfiCategory[];
  /** eFI deficits (ids as in data/efi), and a range on how many. */
  deficits?: SetCriterion & { count?: Range };
  /** Long-term conditions: eFI deficit ids or code lists (list ids containing ':'), and a range on the count. */
  conditions?: SetCriterion & { count?: Range };
  riskTiers?: RiskTier[];
  /** Share of the population at or below the person's score, 0 to 100 (top 5% = min 95). */
  riskPercentile?: Range;
  riskProbability?: Range;
  activity?: ActivityCriterion[];
  /** Social care service types active on the stratification date. */
  socialCare?: SetCriterion;
  careHome?: boolean;
  hiu?: boolean;
  /** A current joint health and social care plan (one not ended by the stratification date). */
  carePlan?: boolean;
  /** A current joint plan naming an accountable lead professional. */
  leadProfessional?: boolean;
  /** On (or off) saved cohorts, by id. */
  inCohorts?: string[];
  notInCohorts?: string[];
}

const KEYS = new Set([
  "description",
  "age",
  "sex",
  "practices",
  "localities",
  "efiCategories",
  "deficits",
  "conditions",
  "riskTiers",
  "riskPercentile",
  "riskProbability",
  "activity",
  "socialCare",
  "careHome",
  "hiu",
  "carePlan",
  "leadProfessional",
  "inCohorts",
  "notInCohorts",
]);

export class CohortError extends OnePlaceError {
  override readonly name = "CohortError";
  /** Criteria a person can correct by default; a cohort or register that is not there is not-found. */
  constructor(message: string, kind: ErrorKind = "invalid", code = "risk.cohort-criteria") {
    super(kind, code, message);
  }
}

function fail(path: string, message: string): never {
  throw new CohortError(`Cohort criteria: ${path} ${message}`);
}

function checkObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "must be an object");
  for (const k of Object.keys(value))
    if (!keys.includes(k)) fail(`${path}.${k}`, `is not a criterion (expected one of ${keys.join(", ")})`);
  return value as Record<string, unknown>;
}

function checkRange(value: unknown, path: string, lo: number, hi: number): void {
  const r = checkObject(value, path, ["min", "max"]);
  for (const k of ["min", "max"]) {
    const v = r[k];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi)) {
      fail(`${path}.${k}`, `must be a number from ${lo} to ${hi}`);
    }
  }
  if (r.min === undefined && r.max === undefined) fail(path, "needs min or max");
}

function checkStrings(value: unknown, path: string, allowed?: readonly string[]): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    fail(path, "must be a list of strings");
  if (allowed)
    for (const v of value as string[])
      if (!allowed.includes(v)) fail(path, `has "${v}", not one of ${allowed.join(", ")}`);
  return value as string[];
}

function checkSet(
  value: unknown,
  path: string,
  allowed: ((s: string) => boolean) | null,
  extra: string[] = [],
): void {
  const s = checkObject(value, path, ["all", "any", "none", ...extra]);
  for (const k of ["all", "any", "none"]) {
    if (s[k] === undefined) continue;
    for (const v of checkStrings(s[k], `${path}.${k}`))
      if (allowed && !allowed(v)) fail(`${path}.${k}`, `has "${v}", which is not known`);
  }
}

/** Validates criteria parsed from JSON; throws a CohortError naming the first problem. */
export function parseCriteria(value: unknown): CohortCriteria {
  const c = checkObject(value, "criteria", [...KEYS]);
  if (c.description !== undefined && typeof c.description !== "string") fail("description", "must be text");
  if (c.age !== undefined) checkRange(c.age, "age", 0, 130);
  if (c.sex !== undefined) checkStrings(c.sex, "sex", ["female", "male", "other", "unknown"]);
  if (c.practices !== undefined) checkStrings(c.practices, "practices");
  if (c.localities !== undefined) checkStrings(c.localities, "localities");
  if (c.efiCategories !== undefined) checkStrings(c.efiCategories, "efiCategories", EFI_CATEGORIES);
  if (c.deficits !== undefined) {
    checkSet(c.deficits, "deficits", isDeficitId, ["count"]);
    const count = (c.deficits as Record<string, unknown>).count;
    if (count !== undefined) checkRange(count, "deficits.count", 0, 36);
  }
  if (c.conditions !== undefined) {
    checkSet(c.conditions, "conditions", (s) => isLongTermCondition(s) || s.includes(":"), ["count"]);
    const count = (c.conditions as Record<string, unknown>).count;
    if (count !== undefined) checkRange(count, "conditions.count", 0, 36);
  }
  if (c.riskTiers !== undefined) checkStrings(c.riskTiers, "riskTiers", RISK_TIERS);
  if (c.riskPercentile !== undefined) checkRange(c.riskPercentile, "riskPercentile", 0, 100);
  if (c.riskProbability !== undefined) checkRange(c.riskProbability, "riskProbability", 0, 1);
  if (c.activity !== undefined) {
    if (!Array.isArray(c.activity)) fail("activity", "must be a list");
    c.activity.forEach((a, i) => {
      const path = `activity[${i}]`;
      const o = checkObject(a, path, ["measure", "min", "max", "months"]);
      if (!(typeof o.measure === "string" && o.measure in ACTIVITY_MEASURES)) {
        fail(`${path}.measure`, `must be one of ${Object.keys(ACTIVITY_MEASURES).join(", ")}`);
      }
      const { measure: _, months, ...range } = o;
      checkRange(range, path, 0, 100_000);
      if (
        months !== undefined &&
        !(Number.isInteger(months) && (months as number) >= 1 && (months as number) <= 60)
      ) {
        fail(`${path}.months`, "must be a whole number of months from 1 to 60");
      }
    });
  }
  if (c.socialCare !== undefined)
    checkSet(c.socialCare, "socialCare", (s) => (SERVICE_TYPES as readonly string[]).includes(s));
  for (const k of ["careHome", "hiu", "carePlan", "leadProfessional"]) {
    if (c[k] !== undefined && typeof c[k] !== "boolean") fail(k, "must be true or false");
  }
  for (const k of ["inCohorts", "notInCohorts"]) if (c[k] !== undefined) checkStrings(c[k], k);
  return c as CohortCriteria;
}

function isLongTermCondition(id: string): boolean {
  return DEFICITS.some((d) => d.id === id && d.longTermCondition);
}

function bitMask(ids: readonly string[]): string {
  let mask = 0n;
  for (const id of ids) mask |= 1n << BigInt(deficitOrdinal(id));
  return mask.toString();
}

/** Loads a saved cohort's criteria. */
export async function savedCriteria(db: Queryable, cohortId: string): Promise<CohortCriteria> {
  const rows = await db.query<{ definition: unknown }>(
    "SELECT definition FROM risk_cohort WHERE cohort_id = $1",
    [cohortId],
  );
  if (!rows[0])
    throw new CohortError(`There is no saved cohort "${cohortId}"`, "not-found", "risk.no-cohort");
  return parseCriteria(rows[0].definition);
}

interface Compiled {
  where: string;
}

/**
 * Saved cohorts are inlined where they are referred to, so a cohort naming the same cohort twice, each naming
 * one twice..., doubles at each level: ten levels would be a thousand copies and a query nobody can run.
 * A definition may nest saved cohorts this deep, and inline this many in all.
 */
export const MAX_COHORT_DEPTH = 8;
export const MAX_COHORT_REFERENCES = 64;

interface CompileContext {
  n: number;
  asOf: string | null;
  /** Saved cohorts inlined so far in this compile. */
  references: number;
  /** Saved criteria read in this compile (and definitions about to be saved, by id). */
  saved: Map<string, CohortCriteria>;
}

async function savedOnce(db: Queryable, id: string, ctx: CompileContext): Promise<CohortCriteria> {
  let criteria = ctx.saved.get(id);
  if (!criteria) {
    criteria = await savedCriteria(db, id);
    ctx.saved.set(id, criteria);
  }
  return criteria;
}

/**
 * The predicate over risk_person aliased `alias`, adding its parameters to p. Saved cohorts it refers to
 * are compiled in as subqueries (a cohort may not refer to itself, directly or not).
 */
async function compile(
  db: Queryable,
  c: CohortCriteria,
  p: SqlParams,
  alias: string,
  seen: readonly string[],
  ctx: CompileContext,
): Promise<Compiled> {
  const where: string[] = [];
  const col = (name: string) => `${alias}.${name}`;
  const asOfParam = () => p.add(ctx.asOf ?? "9999-12-31", "date");
  const range = (expr: string, r: Range | undefined, cast = "float8") => {
    if (!r) return;
    if (r.min !== undefined) where.push(`${expr} >= ${p.add(r.min, cast)}`);
    if (r.max !== undefined) where.push(`${expr} <= ${p.add(r.max, cast)}`);
  };
  range(col("age"), c.age, "int");
  if (c.sex) where.push(`${col("sex")} = ANY(${p.add(c.sex, "text[]")})`);
  if (c.practices) where.push(`${col("practice_code")} = ANY(${p.add(c.practices, "text[]")})`);
  if (c.localities) where.push(`${col("locality_code")} = ANY(${p.add(c.localities, "text[]")})`);
  if (c.efiCategories) where.push(`${col("efi_category")} = ANY(${p.add(c.efiCategories, "text[]")})`);
  const masks = (set: SetCriterion | undefined, column: string, toMask: (ids: string[]) => string) => {
    if (!set) return;
    if (set.all?.length) where.push(`${column} & ${toMask(set.all)}::bigint = ${toMask(set.all)}::bigint`);
    if (set.any?.length) where.push(`${column} & ${toMask(set.any)}::bigint <> 0`);
    if (set.none?.length) where.push(`${column} & ${toMask(set.none)}::bigint = 0`);
  };
  masks(c.deficits, col("deficit_mask"), bitMask);
  range(col("deficit_count"), c.deficits?.count, "int");
  if (c.conditions) {
    const deficitIds = (ids: string[] | undefined) => ids?.filter((x) => !x.includes(":"));
    const listIds = (ids: string[] | undefined) => ids?.filter((x) => x.includes(":")) ?? [];
    masks(
      { all: deficitIds(c.conditions.all), any: undefined, none: deficitIds(c.conditions.none) },
      col("deficit_mask"),
      bitMask,
    );
    // Each set of people is an uncorrelated subquery the executor hashes once and probes per row (in
    // parallel workers too), never a lookup per person.
    const coded = (list: string) =>
      `${col("person_id")} IN (SELECT g.person_id FROM gp_entry g
         JOIN code_list_member m ON m.system = g.code_system AND m.code = g.code
         WHERE m.list_id = ${p.add(list, "text")} AND g.recorded_on <= ${asOfParam()})`;
    for (const list of listIds(c.conditions.all)) where.push(coded(list));
    for (const list of listIds(c.conditions.none)) where.push(`NOT ${coded(list)}`);
    if (c.conditions.any?.length) {
      const options: string[] = [];
      const ds = deficitIds(c.conditions.any) ?? [];
      if (ds.length) options.push(`${col("deficit_mask")} & ${bitMask(ds)}::bigint <> 0`);
      for (const list of listIds(c.conditions.any)) options.push(coded(list));
      where.push(`(${options.join(" OR ")})`);
    }
    range(col("long_term_conditions"), c.conditions.count, "int");
  }
  if (c.riskTiers) where.push(`${col("risk_tier")} = ANY(${p.add(c.riskTiers, "text[]")})`);
  range(col("risk_percentile"), c.riskPercentile);
  range(col("probability"), c.riskProbability);
  for (const a of c.activity ?? []) {
    const months = a.months ?? 12;
    if (months === 12) {
      range(col(ACTIVITY_MEASURES[a.measure].column), a, "int");
      continue;
    }
    if (!ctx.asOf) {
      throw new CohortError(
        "Activity windows other than 12 months need a stratification: run 'oneplace stratify'",
        "unavailable",
        "risk.no-stratification",
      );
    }
    const counts = activityWindowSql(a.measure, months, p, ctx.asOf);
    if (a.min !== undefined && a.min > 0) {
      where.push(
        `${col("person_id")} IN (SELECT person_id FROM (${counts}) w WHERE w.n >= ${p.add(a.min, "int")})`,
      );
    }
    if (a.max !== undefined) {
      where.push(
        `${col("person_id")} NOT IN (SELECT person_id FROM (${counts}) w WHERE w.n > ${p.add(a.max, "int")})`,
      );
    }
  }
  if (c.socialCare) {
    const toMask = (ids: string[]) => String(serviceMask(ids));
    masks(c.socialCare, col("social_care_now"), toMask);
  }
  if (c.careHome !== undefined) where.push(`${col("care_home")} = ${c.careHome}`);
  if (c.hiu !== undefined) where.push(`${col("hiu")} = ${c.hiu}`);
  const plans = (lead: boolean) =>
    `${col("person_id")} IN (SELECT cp.person_id FROM care_plan cp WHERE cp.plan_type = 'joint-health-social'
       AND (cp.ended_on IS NULL OR cp.ended_on > ${asOfParam()})${lead ? " AND cp.lead_professional_role IS NOT NULL" : ""})`;
  if (c.carePlan !== undefined) where.push(c.carePlan ? plans(false) : `NOT ${plans(false)}`);
  if (c.leadProfessional !== undefined) where.push(c.leadProfessional ? plans(true) : `NOT ${plans(true)}`);
  for (const [ids, negate] of [
    [c.inCohorts, false],
    [c.notInCohorts, true],
  ] as const) {
    for (const id of ids ?? []) {
      const chain = [...seen, id];
      if (seen.includes(id))
        throw new CohortError(
          `Cohort "${id}" refers to itself through ${chain.join(" -> ")}`,
          "invalid",
          "risk.cohort-cycle",
        );
      if (chain.length > MAX_COHORT_DEPTH)
        throw new CohortError(
          `Cohort criteria nest saved cohorts more than ${MAX_COHORT_DEPTH} deep (${chain.join(" -> ")}); define the inner ones' criteria directly`,
          "invalid",
          "risk.cohort-too-nested",
        );
      ctx.references += 1;
      if (ctx.references > MAX_COHORT_REFERENCES)
        throw new CohortError(
          `Cohort criteria refer to saved cohorts more than ${MAX_COHORT_REFERENCES} times once each is expanded (the same cohorts over and over, as at ${chain.join(" -> ")}); refer to each one once`,
          "invalid",
          "risk.cohort-too-large",
        );
      // A saved cohort is a predicate on the same person's row: inline it (null counts as not met).
      const sub = await compile(db, await savedOnce(db, id, ctx), p, alias, chain, ctx);
      where.push(`${negate ? "NOT " : ""}coalesce((${sub.where}), false)`);
    }
  }
  return { where: where.length ? where.join("\n  AND ") : "true" };
}

/** Event counts per person in the `months` months up to the stratification date, for non-12-month windows. */
function activityWindowSql(measure: ActivityMeasure, months: number, p: SqlParams, asOf: string): string {
  const from = `(${p.add(asOf, "date")} - make_interval(months => ${p.add(months, "int")}) + interval '1 day')`;
  const to = `(${p.add(asOf, "date")} + 1)`;
  const ts = (d: string) => `(${d}::date::timestamp AT TIME ZONE 'Europe/London')`;
  switch (measure) {
    case "emergency-admissions":
    case "elective-admissions":
      return `SELECT person_id, count(*) AS n FROM hospital_spell
        WHERE admission_method = '${measure === "emergency-admissions" ? "emergency" : "elective"}'
          AND admitted_at >= ${ts(from)} AND admitted_at < ${ts(to)} GROUP BY person_id`;
    case "emergency-bed-days":
      return `SELECT person_id, sum((least(coalesce(discharged_at, ${ts(to)}), ${ts(to)}) AT TIME ZONE 'Europe/London')::date
          - (admitted_at AT TIME ZONE 'Europe/London')::date) AS n FROM hospital_spell
        WHERE admission_method = 'emergency' AND admitted_at >= ${ts(from)} AND admitted_at < ${ts(to)} GROUP BY person_id`;
    case "ae-attendances":
      return `SELECT person_id, count(*) AS n FROM ae_attendance
        WHERE arrived_at >= ${ts(from)} AND arrived_at < ${ts(to)} GROUP BY person_id`;
    case "outpatient-attendances":
      return `SELECT person_id, count(*) AS n FROM outpatient_attendance
        WHERE attendance = 'attended' AND appointment_on >= ${from}::date AND appointment_on < ${to}::date GROUP BY person_id`;
    case "community-contacts":
    case "mental-health-contacts":
      return `SELECT person_id, count(*) AS n FROM care_contact
        WHERE setting = '${measure === "community-contacts" ? "community" : "mental-health"}'
          AND contact_on >= ${from}::date AND contact_on < ${to}::date GROUP BY person_id`;
  }
}

export interface CompiledCohort {
  /** FROM clause text: risk_person rp. */
  from: string;
  /** The latest full stratification's date, or null before the first. */
  asOf: string | null;
  where: string;
  params: unknown[];
}

export async function compileCohort(
  db: Queryable,
  criteria: CohortCriteria,
  selfId?: string,
  /** Definitions to use instead of the saved ones (a cohort about to be saved), by id. */
  replacing: ReadonlyMap<string, CohortCriteria> = new Map(),
): Promise<CompiledCohort> {
  const p = new SqlParams();
  const [run] = await db.query<{ as_of: string }>(
    "SELECT as_of FROM risk_run WHERE kind = 'full' ORDER BY started_at DESC LIMIT 1",
  );
  const ctx: CompileContext = { n: 0, asOf: run?.as_of ?? null, references: 0, saved: new Map(replacing) };
  const { where } = await compile(db, criteria, p, "rp", selfId ? [selfId] : [], ctx);
  return { from: "risk_person rp", where, params: p.values, asOf: ctx.asOf };
}

export interface OrgCount {
  code: string;
  name: string;
  locality: string | null;
  population: number;
  inCohort: number;
}

export interface CohortCounts {
  asOf: string | null;
  total: number;
  population: number;
  byPractice: OrgCount[];
  byLocality: OrgCount[];
}

/** How many people meet the criteria, by practice and locality, beside each one's registered population. */
export async function countCohort(db: Queryable | Db, criteria: CohortCriteria): Promise<CohortCounts> {
  const c = await compileCohort(db, criteria);
  // One server counts both in one scan of risk_person. A Citus cluster runs a criterion's subquery in a WHERE
  // clause (a semi-join on person_id on each worker) but not inside an aggregate's FILTER, so there the cohort is
  // counted apart from the population and the two joined by practice.
  const sql = isCitus(db)
    ? `WITH pop AS (SELECT practice_code, count(*) AS population FROM risk_person GROUP BY practice_code),
            inc AS (SELECT rp.practice_code, count(*) AS in_cohort FROM ${c.from} WHERE ${c.where} GROUP BY rp.practice_code)
       SELECT pop.practice_code, pop.population, coalesce(inc.in_cohort, 0) AS in_cohort
         FROM pop LEFT JOIN inc ON inc.practice_code = pop.practice_code`
    : `SELECT rp.practice_code, count(*) AS population, count(*) FILTER (WHERE ${c.where}) AS in_cohort
     FROM ${c.from} GROUP BY rp.practice_code`;
  type Row = { practice_code: string; population: number; in_cohort: number };
  // One scan of risk_person; compiling it to machine code (JIT) would take longer than running it (on Citus,
  // each shard's scan in the workers' backends).
  const rows =
    "transaction" in db
      ? await db.transaction(async (tx) => {
          await setLocal(tx, { jit: "off" });
          return tx.query<Row>(sql, c.params);
        })
      : await db.query<Row>(sql, c.params);
  const orgs = new Map(
    (
      await db.query<{ org_code: string; name: string; parent_code: string | null }>(
        "SELECT org_code, name, parent_code FROM organisation WHERE kind IN ('practice', 'locality')",
      )
    ).map((r) => [r.org_code, r]),
  );
  const byPractice: OrgCount[] = rows
    .map((r) => ({
      code: r.practice_code,
      name: orgs.get(r.practice_code)?.name ?? r.practice_code,
      locality: orgs.get(r.practice_code)?.parent_code ?? null,
      population: r.population,
      inCohort: r.in_cohort,
    }))
    .sort((a, b) => (a.locality ?? "").localeCompare(b.locality ?? "") || a.code.localeCompare(b.code));
  const localities = new Map<string, OrgCount>();
  for (const r of byPractice) {
    const code = r.locality ?? "unknown";
    const l = localities.get(code) ?? {
      code,
      name: orgs.get(code)?.name ?? code,
      locality: null,
      population: 0,
      inCohort: 0,
    };
    l.population += r.population;
    l.inCohort += r.inCohort;
    localities.set(code, l);
  }
  return {
    asOf: c.asOf,
    total: byPractice.reduce((sum, r) => sum + r.inCohort, 0),
    population: byPractice.reduce((sum, r) => sum + r.population, 0),
    byPractice,
    byLocality: [...localities.values()].sort((a, b) => a.code.localeCompare(b.code)),
  };
}

export interface CohortMember {
  personId: string;
  practiceCode: string;
  localityCode: string | null;
  age: number;
  efiCategory: EfiCategory | null;
  riskTier: RiskTier | null;
  riskPercentile: number | null;
  probability: number | null;
}

/**
 * The people in a cohort, highest risk first: internal ids and the minimum a register needs, no names or
 * NHS Numbers. Governance must wrap this before any face shows it: identifiable only to roles with a
 * legitimate relationship, pseudonymised for commissioners, and every call audited.
 */
export async function cohortMembers(
  db: Queryable,
  criteria: CohortCriteria,
  options: { limit?: number } = {},
): Promise<CohortMember[]> {
  const c = await compileCohort(db, criteria);
  const p = c.params.length;
  const rows = await db.query<{
    person_id: string;
    practice_code: string;
    locality_code: string | null;
    age: number;
    efi_category: EfiCategory | null;
    risk_tier: RiskTier | null;
    risk_percentile: number | null;
    probability: number | null;
  }>(
    `SELECT rp.person_id::text, rp.practice_code, rp.locality_code, rp.age, rp.efi_category, rp.risk_tier,
            rp.risk_percentile, rp.probability
     FROM ${c.from} WHERE ${c.where}
     ORDER BY rp.probability DESC NULLS LAST, rp.person_id
     LIMIT $${p + 1}`,
    [...c.params, options.limit ?? 1_000_000],
  );
  return rows.map((r) => ({
    personId: r.person_id,
    practiceCode: r.practice_code,
    localityCode: r.locality_code,
    age: r.age,
    efiCategory: r.efi_category,
    riskTier: r.risk_tier,
    riskPercentile: r.risk_percentile,
    probability: r.probability,
  }));
}

/** Saves (or replaces) a cohort's criteria under an id such as "frail-high-risk". */
export async function saveCohort(db: Queryable, cohortId: string, criteria: CohortCriteria): Promise<void> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(cohortId)) {
    throw new CohortError(
      `A cohort id is lowercase words joined by hyphens, e.g. frail-high-risk, not "${cohortId}"`,
      "invalid",
      "risk.cohort-id",
    );
  }
  const checked = parseCriteria(criteria);
  // Compiling it now finds unknown or circular references, or too deep or large an expansion, before they are
  // saved: in this cohort, and in every saved cohort that refers to it (which would now expand through it).
  const replacing = new Map([[cohortId, checked]]);
  await compileCohort(db, checked, cohortId, replacing);
  for (const dependent of await cohortsReferring(db, cohortId)) {
    const saved = await savedCriteria(db, dependent);
    try {
      await compileCohort(db, saved, dependent, replacing);
    } catch (error) {
      if (!(error instanceof CohortError)) throw error;
      throw new CohortError(
        `Saving "${cohortId}" so would break saved cohort "${dependent}", which refers to it: ${error.message}`,
        error.kind,
        error.code,
      );
    }
  }
  await db.query(
    `INSERT INTO risk_cohort (cohort_id, description, definition, updated_at) VALUES ($1, $2, $3::jsonb, now())
     ON CONFLICT (cohort_id) DO UPDATE SET description = excluded.description, definition = excluded.definition,
       updated_at = excluded.updated_at`,
    [cohortId, checked.description ?? "", JSON.stringify(checked)],
  );
}

/** The saved cohorts that refer to this one, directly or through others. */
async function cohortsReferring(db: Queryable, cohortId: string): Promise<string[]> {
  const refersTo = new Map<string, string[]>();
  for (const c of await listCohorts(db))
    refersTo.set(c.cohortId, [...(c.criteria.inCohorts ?? []), ...(c.criteria.notInCohorts ?? [])]);
  const found = new Set<string>();
  let frontier = [cohortId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const [id, refs] of refersTo)
      if (id !== cohortId && !found.has(id) && refs.some((r) => frontier.includes(r))) {
        found.add(id);
        next.push(id);
      }
    frontier = next;
  }
  return [...found].sort();
}

export async function listCohorts(
  db: Queryable,
): Promise<{ cohortId: string; description: string; criteria: CohortCriteria }[]> {
  const rows = await db.query<{ cohort_id: string; description: string; definition: CohortCriteria }>(
    "SELECT cohort_id, description, definition FROM risk_cohort ORDER BY cohort_id",
  );
  return rows.map((r) => ({ cohortId: r.cohort_id, description: r.description, criteria: r.definition }));
}
