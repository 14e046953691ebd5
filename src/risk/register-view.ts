// A risk register as a worklist: the people of a practice, a locality or a saved cohort from the latest
// stratification (risk_person), filtered and sorted in SQL. Internal ids first (governance decides who may be
// shown and audits before anything identifying is read), then the rows of one page, by id.
import { invalid, notFound } from "../core/errors.ts";
import { isCitus, prepared, type Queryable, SqlParams } from "../store/index.ts";
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
 * reader) is computed in the query, so a page and its counts need no decision per person.
 */
export interface RegisterAccess {
  /** `probe`: an index look-up per row (a few hundred rows) rather than each fact's whole set, hashed. */
  signature(column: string, add: (value: unknown, cast: string) => string, probe?: boolean): string;
  /** The signatures of people the reader may see. */
  allowed: readonly number[];
}

/** Which of the people shown to return: a page (offset and limit), or all of them for an export. */
export interface RegisterWindow {
  offset: number;
  limit: number | null;
}

/** How many people meeting the filters have each signature (shown and withheld alike). */
export interface RegisterCounts {
  /** The stratification date the register is as at; null before the first stratification. */
  asOf: string | null;
  groups: { signature: number; count: number }[];
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

/** Each sort's key, read once per candidate into the column `k` (a name's second key into `k2`). */
function sortKeys(sort: RegisterSort): string {
  const k2 = sort === "name" ? "rp.given_name" : "NULL::text";
  switch (sort) {
    case "tier":
      return `${TIER_RANK} AS k, ${k2} AS k2`;
    case "score":
      return `rp.probability AS k, ${k2} AS k2`;
    case "efi":
      return `rp.deficit_count AS k, ${k2} AS k2`;
    case "age":
      return `rp.age AS k, ${k2} AS k2`;
    case "name":
      return `rp.family_name AS k, ${k2} AS k2`;
    case "admission":
      return `${LAST_ADMISSION} AS k, ${k2} AS k2`;
  }
}

/** The order of each sort over the candidates' columns: the key, then ties broken by score and id. */
function orderBy(sort: RegisterSort, direction: SortDirection, of = "c."): string {
  const d = direction === "asc" ? "ASC" : "DESC";
  const nulls = direction === "asc" ? "NULLS FIRST" : "NULLS LAST";
  if (sort === "score") return `${of}k ${d} ${nulls}, ${of}person_id`;
  // Names tie-break on the id the same way, so either direction walks one index (forwards or backwards).
  if (sort === "name") return `${of}k ${d} ${nulls}, ${of}k2 ${d} ${nulls}, ${of}person_id ${d}`;
  return `${of}k ${d} ${nulls}, ${of}probability DESC NULLS LAST, ${of}person_id`;
}

// A register page runs these on every request: prepared.
const AS_OF = prepared(
  "risk.register.as-of",
  "SELECT as_of::text AS as_of FROM risk_run WHERE kind = 'full' ORDER BY started_at DESC LIMIT 1",
);
const ORGANISATION = prepared(
  "risk.register.organisation",
  "SELECT org_code, name, kind, parent_code FROM organisation WHERE org_code = $1 AND kind = $2",
);
const LOCALITY_PRACTICES = prepared(
  "risk.register.locality-practices",
  `SELECT org_code, name, kind, parent_code FROM organisation WHERE kind = 'practice' AND parent_code = $1
    ORDER BY name, org_code`,
);

/** The latest full stratification's date: the day a register is as at. */
export async function registerAsOf(db: Queryable): Promise<string | null> {
  const [run] = await db.query<{ as_of: string }>(AS_OF);
  return run?.as_of ?? null;
}

/** The people on a register who meet the filters, as a condition on risk_person `rp` with its parameters. */
interface Candidates {
  asOf: string | null;
  /** A fresh parameter list and the WHERE clause written into it. */
  build(): { p: SqlParams; where: string };
}

/** A cohort's criteria are compiled from its saved definition; a practice or locality is everyone there. */
async function registerCandidates(
  db: Queryable,
  scope: RegisterScope,
  filters: RegisterFilters,
): Promise<Candidates> {
  const compiled =
    scope.kind === "cohort" ? await compileCohort(db, await savedCriteria(db, scope.code), scope.code) : null;
  const asOf = compiled ? compiled.asOf : await registerAsOf(db);
  const area = scope.kind === "cohort" ? scope.within : { kind: scope.kind, code: scope.code };
  return {
    asOf,
    build() {
      const p = new SqlParams();
      const where: string[] = [];
      if (compiled) {
        for (const v of compiled.params) p.add(v);
        where.push(`(${compiled.where})`);
      }
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
      return { p, where: where.length ? where.join(" AND ") : "true" };
    },
  };
}

/** The register's people meeting the filters, counted by access signature (no one is named or ordered). */
export async function countRegister(
  db: Queryable,
  scope: RegisterScope,
  filters: RegisterFilters,
  access: RegisterAccess,
): Promise<RegisterCounts> {
  const candidates = await registerCandidates(db, scope, filters);
  const { p, where } = candidates.build();
  const signature = access.signature("rp.person_id", (value, cast) => p.add(value, cast));
  // A Citus cluster runs the signature's subqueries in a select list only over rows on the coordinator, so there
  // the candidates are gathered first (ids only); one server counts them in the one scan.
  const rows = await db.query<{ sig: number; n: number }>(
    isCitus(db)
      ? `WITH rp AS MATERIALIZED (SELECT rp.person_id FROM risk_person rp WHERE ${where})
         SELECT ${signature} AS sig, count(*)::int AS n FROM rp GROUP BY 1`
      : `SELECT ${signature} AS sig, count(*)::int AS n FROM risk_person rp WHERE ${where} GROUP BY 1`,
    p.values,
  );
  return { asOf: candidates.asOf, groups: rows.map((r) => ({ signature: r.sig, count: r.n })) };
}

/** Up to this many candidates, a page probes each one's facts by index rather than reading whole sets. */
const PROBE_AT_MOST = 2_000;

/**
 * The internal ids of one window (a page, or all for an export) of the people on a register whom the reader
 * may see, in the order asked for. A page reads only the first candidates in order (from an index for the
 * default order, a top-N sort otherwise) and probes their facts: as many as the register's counts say should
 * hold the page (the withheld are spread among them), four times as many again while the page is short and
 * candidates remain. So a page is right even when the counts are older than a change that withheld more
 * people; only a new stratification within the counts' few seconds could leave a last page short.
 */
export async function registerPage(
  db: Queryable,
  scope: RegisterScope,
  filters: RegisterFilters,
  sort: RegisterSort,
  direction: SortDirection,
  access: RegisterAccess,
  window: RegisterWindow,
  counted: { shown: number; withheld: number },
): Promise<string[]> {
  const candidates = await registerCandidates(db, scope, filters);
  const search = async (bound: number | null) => {
    const { p, where } = candidates.build();
    // A page probes the facts of the few candidates it reads; an export, or a page among thousands withheld,
    // reads each fact's set once.
    // Not on a Citus cluster: a probe is a subquery correlated with each candidate, which it cannot run over the
    // candidates it has gathered on the coordinator (a page's first rows in order).
    const probe = bound !== null && bound <= PROBE_AT_MOST && !isCitus(db);
    const signature = access.signature("c.person_id", (value, cast) => p.add(value, cast), probe);
    const allowed = p.add([...access.allowed], "int[]");
    const limit = window.limit === null ? "ALL" : p.add(window.limit, "int");
    const offset = p.add(window.offset, "int");
    const [row] = await db.query<{ ids: string | null }>(
      `SELECT string_agg(w.person_id::text, ',' ORDER BY ${orderBy(sort, direction, "w.")}) AS ids
         FROM (SELECT c.* FROM (
                 SELECT rp.person_id, ${sortKeys(sort)}, rp.probability
                   FROM risk_person rp
                  WHERE ${where}
                  ORDER BY ${orderBy(sort, direction, "")}
                  LIMIT ${bound === null ? "ALL" : p.add(bound, "int")}
               ) c
               WHERE ${signature} = ANY(${allowed})
               ORDER BY ${orderBy(sort, direction)} LIMIT ${limit} OFFSET ${offset}) w`,
      p.values,
    );
    return row.ids ? row.ids.split(",") : [];
  };
  if (window.limit === null) return search(null);
  const total = counted.shown + counted.withheld;
  const wanted = window.offset + window.limit;
  // The candidates expected to hold the page, given the share withheld, with room for the unevenly spread.
  let bound = Math.ceil(wanted * (total / Math.max(1, counted.shown)) * 1.25) + 10;
  for (;;) {
    const ids = await search(bound);
    if (ids.length === window.limit || bound >= total) return ids;
    bound *= 4;
  }
}

// Each set read once for the people asked for (hashed on the id list), not a look-up per person.
const REGISTER_ROWS = prepared(
  "risk.register.rows",
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
                     AND started_on <= $2::date AND (ended_on IS NULL OR ended_on > $2::date)
                   GROUP BY person_id) cp
         ON cp.person_id = rp.person_id
      WHERE rp.person_id = ANY($1::uuid[])`,
);

/** The lines of a register for the people given (a page, or everyone for an export), in the order given. */
export async function registerRows(
  db: Queryable,
  personIds: readonly string[],
  asOf: string | null,
): Promise<RegisterRow[]> {
  if (personIds.length === 0) return [];
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
  }>(REGISTER_ROWS, [personIds, asOf ?? "9999-12-31"]);
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
    ORGANISATION,
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
    LOCALITY_PRACTICES,
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
