// A risk register as a worklist: the people of a practice, a locality or a saved cohort from the latest
// stratification (risk_person), filtered and sorted in SQL. Internal ids first (governance decides who may be
// shown and audits before anything identifying is read), then the rows of one page, by id.
import { invalid, notFound } from "../core/errors.ts";
import { type Queryable, SqlParams } from "../store/index.ts";
import { compileCohort, savedCriteria } from "./cohort.ts";
import { EFI_CATEGORIES, type EfiCategory } from "./efi-definition.ts";
import { RISK_TIERS, type RiskTier } from "./settings.ts";

export type RegisterKind = "practice" | "locality" | "cohort";

export const REGISTER_SORTS = ["tier", "score", "efi", "age", "name", "admission"] as const;
export type RegisterSort = (typeof REGISTER_SORTS)[number];
export type SortDirection = "asc" | "desc";

/** Each sort's natural direction: the people needing attention first, names A to Z. */
export const DEFAULT_DIRECTION: Record<RegisterSort, SortDirection> = {
  tier: "desc",
  score: "desc",
  efi: "desc",
  age: "desc",
  name: "asc",
  admission: "desc",
};

/** How many days back "admitted recently" looks from the register's date. */
export const RECENT_ADMISSION_DAYS = 30;

export interface RegisterFilters {
  tiers?: RiskTier[];
  efiCategories?: EfiCategory[];
  hiu?: boolean;
  /** No current joint health and social care plan. */
  noJointPlan?: boolean;
  /** A current care plan whose review date has passed. */
  reviewOverdue?: boolean;
  /** Admitted to hospital in the RECENT_ADMISSION_DAYS days to the register's date (or since). */
  admittedRecently?: boolean;
}

export interface RegisterScope {
  kind: RegisterKind;
  /** The practice or locality code, or the cohort id. */
  code: string;
  /** A cohort narrowed to one practice or locality (the team's own). */
  within?: { kind: "practice" | "locality"; code: string };
}

/**
 * Who may be shown, as SQL: governance's access gate. Each candidate's signature (its facts relative to the
 * reader) is computed in the query, so a page and its counts come from one pass without naming anyone.
 */
export interface RegisterAccess {
  signature(column: string, add: (value: unknown, cast: string) => string): string;
  /** The signatures of people the reader may see. */
  allowed: readonly number[];
}

/** Which of the people shown to return: a page (offset and limit), or all of them for an export. */
export interface RegisterWindow {
  offset: number;
  limit: number | null;
}

export interface RegisterSelection {
  /** The stratification date the register is as at; null before the first stratification. */
  asOf: string | null;
  /** How many people meeting the filters have each signature (shown and withheld alike). */
  groups: { signature: number; count: number }[];
  /** Internal ids of the people in the window whose signature is allowed, in the order asked for. */
  personIds: string[];
}

export interface RegisterRow {
  personId: string;
  nhsNumber: string | null;
  givenName: string | null;
  familyName: string | null;
  birthDate: string | null;
  age: number;
  practiceCode: string;
  riskTier: RiskTier | null;
  probability: number | null;
  riskPercentile: number | null;
  efiCategory: EfiCategory | null;
  deficitCount: number;
  hiu: boolean;
  lastAdmittedOn: string | null;
  jointPlan: boolean;
  reviewDueOn: string | null;
}

export interface OrgName {
  code: string;
  name: string;
  kind: string;
  parentCode: string | null;
}

const TIER_RANK = `CASE rp.risk_tier WHEN 'very-high' THEN 4 WHEN 'high' THEN 3 WHEN 'rising' THEN 2
  WHEN 'low' THEN 1 ELSE 0 END`;
const LAST_ADMISSION =
  "(SELECT max(hs.admitted_at) FROM hospital_spell hs WHERE hs.person_id = rp.person_id)";
const JOINT_PLAN = (asOfParam: string) =>
  `EXISTS (SELECT 1 FROM care_plan cp WHERE cp.person_id = rp.person_id AND cp.plan_type = 'joint-health-social'
     AND cp.started_on <= ${asOfParam} AND (cp.ended_on IS NULL OR cp.ended_on > ${asOfParam}))`;
const REVIEW_OVERDUE = (asOfParam: string) =>
  `EXISTS (SELECT 1 FROM care_plan cp WHERE cp.person_id = rp.person_id AND cp.review_due_on < ${asOfParam}
     AND cp.started_on <= ${asOfParam} AND (cp.ended_on IS NULL OR cp.ended_on > ${asOfParam}))`;
const ADMITTED_SINCE = (sinceParam: string) =>
  `EXISTS (SELECT 1 FROM hospital_spell hs WHERE hs.person_id = rp.person_id
     AND hs.admitted_at >= ${sinceParam}::timestamp AT TIME ZONE 'Europe/London')`;

/** Each sort's key, read once per candidate into the column `k`. */
function sortKey(sort: RegisterSort): string {
  switch (sort) {
    case "tier":
      return TIER_RANK;
    case "score":
      return "rp.probability";
    case "efi":
      return "rp.deficit_count";
    case "age":
      return "rp.age";
    case "name":
      return "p.family_name";
    case "admission":
      return LAST_ADMISSION;
  }
}

/** The order of each sort over the candidates' columns: the key, then ties broken by score and id. */
function orderBy(sort: RegisterSort, direction: SortDirection): string {
  const d = direction === "asc" ? "ASC" : "DESC";
  const nulls = direction === "asc" ? "NULLS FIRST" : "NULLS LAST";
  if (sort === "score") return `c.k ${d} ${nulls}, c.person_id`;
  if (sort === "name") return `c.k ${d} ${nulls}, c.k2 ${d} ${nulls}, c.person_id`;
  return `c.k ${d} ${nulls}, c.probability DESC NULLS LAST, c.person_id`;
}

/** The latest full stratification's date: the day a register is as at. */
export async function registerAsOf(db: Queryable): Promise<string | null> {
  const [run] = await db.query<{ as_of: string }>(
    "SELECT as_of::text AS as_of FROM risk_run WHERE kind = 'full' ORDER BY started_at DESC LIMIT 1",
  );
  return run?.as_of ?? null;
}

/**
 * The people on a register who meet the filters: how many of each access signature, and the ids of the
 * window (a page, or all for an export) among those the reader may see, in the order asked for. A cohort's
 * criteria are compiled from its saved definition; a practice or locality register is everyone stratified
 * there. One query: the candidates are read once, with their signature and sort key.
 */
export async function selectRegister(
  db: Queryable,
  scope: RegisterScope,
  filters: RegisterFilters,
  sort: RegisterSort,
  direction: SortDirection,
  access: RegisterAccess,
  window: RegisterWindow,
): Promise<RegisterSelection> {
  let p = new SqlParams();
  const where: string[] = [];
  let asOf: string | null;
  if (scope.kind === "cohort") {
    const compiled = await compileCohort(db, await savedCriteria(db, scope.code), scope.code);
    p = new SqlParams();
    for (const v of compiled.params) p.add(v);
    where.push(`(${compiled.where})`);
    asOf = compiled.asOf;
  } else {
    asOf = await registerAsOf(db);
  }
  const area = scope.kind === "cohort" ? scope.within : { kind: scope.kind, code: scope.code };
  if (area) {
    where.push(
      `rp.${area.kind === "practice" ? "practice_code" : "locality_code"} = ${p.add(area.code, "text")}`,
    );
  }
  // The register's day, as a parameter only if a filter uses it (an unused parameter is an error).
  let dayParam: string | null = null;
  const day = () => {
    dayParam ??= p.add(asOf ?? "9999-12-31", "date");
    return dayParam;
  };
  if (filters.tiers?.length) where.push(`rp.risk_tier = ANY(${p.add(filters.tiers, "text[]")})`);
  if (filters.efiCategories?.length)
    where.push(`rp.efi_category = ANY(${p.add(filters.efiCategories, "text[]")})`);
  if (filters.hiu) where.push("rp.hiu");
  if (filters.noJointPlan) where.push(`NOT ${JOINT_PLAN(day())}`);
  if (filters.reviewOverdue) where.push(REVIEW_OVERDUE(day()));
  if (filters.admittedRecently) {
    where.push(ADMITTED_SINCE(`(${day()} - ${p.add(RECENT_ADMISSION_DAYS, "int")})`));
  }
  const join = sort === "name" ? "JOIN person p ON p.person_id = rp.person_id" : "";
  const signature = access.signature("rp.person_id", (value, cast) => p.add(value, cast));
  const allowed = p.add([...access.allowed], "int[]");
  const limit = window.limit === null ? "ALL" : p.add(window.limit, "int");
  const offset = p.add(window.offset, "int");
  const order = orderBy(sort, direction);
  // The ids as one string: parsing a text array of thousands of uuids costs more than the query.
  const [row] = await db.query<{ groups: unknown; ids: string | null }>(
    `WITH c AS MATERIALIZED (
       SELECT rp.person_id, ${signature} AS sig, ${sortKey(sort)} AS k,
              ${sort === "name" ? "p.given_name" : "NULL::text"} AS k2, rp.probability
         FROM risk_person rp ${join}
        WHERE ${where.length ? where.join(" AND ") : "true"}
     )
     SELECT (SELECT json_agg(json_build_array(sig, n)) FROM (SELECT sig, count(*)::int AS n FROM c GROUP BY sig) g)
              AS groups,
            (SELECT string_agg(c.person_id::text, ',' ORDER BY ${order}) FROM (
               SELECT c.* FROM c WHERE c.sig = ANY(${allowed}) ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}
             ) c) AS ids`,
    p.values,
  );
  const raw = (typeof row.groups === "string" ? JSON.parse(row.groups) : row.groups) as
    | [number, number][]
    | null;
  return {
    asOf,
    groups: (raw ?? []).map(([signature, count]) => ({ signature, count })),
    personIds: row.ids ? row.ids.split(",") : [],
  };
}

/** The lines of a register for the people given (a page, or everyone for an export), in the order given. */
export async function registerRows(
  db: Queryable,
  personIds: readonly string[],
  asOf: string | null,
): Promise<RegisterRow[]> {
  if (personIds.length === 0) return [];
  const day = "$2::date";
  const rows = await db.query<{
    person_id: string;
    nhs_number: string | null;
    given_name: string | null;
    family_name: string | null;
    birth_date: string | null;
    age: number;
    practice_code: string;
    risk_tier: RiskTier | null;
    probability: number | null;
    risk_percentile: number | null;
    efi_category: EfiCategory | null;
    deficit_count: number;
    hiu: boolean;
    last_admitted_on: string | null;
    joint_plan: boolean;
    review_due_on: string | null;
  }>(
    // Each set read once for the people asked for (hashed on the id list), not a look-up per person.
    `SELECT rp.person_id::text AS person_id, p.nhs_number, p.given_name, p.family_name, p.birth_date::text AS birth_date,
            rp.age, rp.practice_code, rp.risk_tier, rp.probability, rp.risk_percentile, rp.efi_category,
            rp.deficit_count, rp.hiu, hs.last_admitted_on, coalesce(cp.joint_plan, false) AS joint_plan,
            cp.review_due_on
       FROM risk_person rp JOIN person p ON p.person_id = rp.person_id
       LEFT JOIN (SELECT person_id, (max(admitted_at) AT TIME ZONE 'Europe/London')::date::text AS last_admitted_on
                    FROM hospital_spell WHERE person_id = ANY($1::uuid[]) GROUP BY person_id) hs
         ON hs.person_id = rp.person_id
       LEFT JOIN (SELECT person_id, bool_or(plan_type = 'joint-health-social') AS joint_plan,
                         min(review_due_on)::text AS review_due_on
                    FROM care_plan WHERE person_id = ANY($1::uuid[])
                     AND started_on <= ${day} AND (ended_on IS NULL OR ended_on > ${day})
                   GROUP BY person_id) cp
         ON cp.person_id = rp.person_id
      WHERE rp.person_id = ANY($1::uuid[])`,
    [personIds, asOf ?? "9999-12-31"],
  );
  const byId = new Map(rows.map((r) => [r.person_id, r]));
  return personIds.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        personId: r.person_id,
        nhsNumber: r.nhs_number,
        givenName: r.given_name,
        familyName: r.family_name,
        birthDate: r.birth_date,
        age: r.age,
        practiceCode: r.practice_code,
        riskTier: r.risk_tier,
        probability: r.probability,
        riskPercentile: r.risk_percentile,
        efiCategory: r.efi_category,
        deficitCount: r.deficit_count,
        hiu: r.hiu,
        lastAdmittedOn: r.last_admitted_on,
        jointPlan: r.joint_plan,
        reviewDueOn: r.review_due_on,
      },
    ];
  });
}

/** A practice or locality by code, with its parent (a practice's locality); not-found otherwise. */
export async function registerOrganisation(
  db: Queryable,
  kind: "practice" | "locality",
  code: string,
): Promise<OrgName> {
  const [org] = await db.query<{ org_code: string; name: string; kind: string; parent_code: string | null }>(
    "SELECT org_code, name, kind, parent_code FROM organisation WHERE org_code = $1 AND kind = $2",
    [code, kind],
  );
  if (!org) {
    throw notFound(`risk.no-${kind}`, `There is no ${kind} with the code ${code}.`, {
      hint: `Open the list of registers to pick a ${kind}.`,
    });
  }
  return { code: org.org_code, name: org.name, kind: org.kind, parentCode: org.parent_code };
}

/** The practices of a locality, by name. */
export async function localityPractices(db: Queryable, localityCode: string): Promise<OrgName[]> {
  const rows = await db.query<{ org_code: string; name: string; kind: string; parent_code: string | null }>(
    `SELECT org_code, name, kind, parent_code FROM organisation WHERE kind = 'practice' AND parent_code = $1
      ORDER BY name, org_code`,
    [localityCode],
  );
  return rows.map((r) => ({ code: r.org_code, name: r.name, kind: r.kind, parentCode: r.parent_code }));
}

export interface SavedCohortSummary {
  cohortId: string;
  description: string;
  /** Registers kept from this cohort (risk_register), with their scope. */
  registers: { registerId: string; scope: string; refreshedOn: string | null }[];
}

/** Saved cohorts, by id, with the registers kept from them. */
export async function savedCohorts(db: Queryable): Promise<SavedCohortSummary[]> {
  const rows = await db.query<{
    cohort_id: string;
    description: string;
    register_id: string | null;
    scope: string | null;
    refreshed_on: string | null;
  }>(
    `SELECT c.cohort_id, c.description, r.register_id, r.scope, r.refreshed_on::text AS refreshed_on
       FROM risk_cohort c LEFT JOIN risk_register r ON r.cohort_id = c.cohort_id
      ORDER BY c.cohort_id, r.register_id`,
  );
  const byId = new Map<string, SavedCohortSummary>();
  for (const r of rows) {
    const c = byId.get(r.cohort_id) ?? { cohortId: r.cohort_id, description: r.description, registers: [] };
    if (r.register_id && r.scope)
      c.registers.push({ registerId: r.register_id, scope: r.scope, refreshedOn: r.refreshed_on });
    byId.set(r.cohort_id, c);
  }
  return [...byId.values()];
}

/** One saved cohort's description; not-found (with a hint) when there is none. */
export async function savedCohort(db: Queryable, cohortId: string): Promise<SavedCohortSummary> {
  const found = (await savedCohorts(db)).find((c) => c.cohortId === cohortId);
  if (!found) {
    throw notFound("risk.no-cohort", `There is no saved cohort "${cohortId}".`, {
      hint: "Open the list of registers to see the saved cohorts.",
    });
  }
  return found;
}

/** Checks the filter values a face passes on, so a bad link is a 400 with a hint rather than no rows. */
export function checkRegisterFilters(filters: RegisterFilters): RegisterFilters {
  for (const t of filters.tiers ?? [])
    if (!RISK_TIERS.includes(t))
      throw invalid("risk.register-tier", `"${t}" is not a risk tier.`, {
        hint: `Choose from ${RISK_TIERS.join(", ")}.`,
      });
  for (const e of filters.efiCategories ?? [])
    if (!EFI_CATEGORIES.includes(e))
      throw invalid("risk.register-efi", `"${e}" is not an eFI category.`, {
        hint: `Choose from ${EFI_CATEGORIES.join(", ")}.`,
      });
  return filters;
}
