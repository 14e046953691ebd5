// What commissioners and analysts may ask: person-level rows with no identifiers, and counts with small
// numbers suppressed. People with a national data opt-out or an objection to sharing are left out of both.

import { AccessDenied, auditBase } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import { GovernanceError } from "./errors.ts";
import { DEFAULT_K, kAnonymise, type QuasiIdentifiers } from "./k-anonymity.ts";
import type { PseudonymKeys } from "./pseudonym-keys.ts";
import { ageBand, postcodeDistrict, pseudonymFor } from "./pseudonymise.ts";
import { londonDate } from "./relationship-facts.ts";
import { type ShownCell, suppressSmallCounts, suppressTotal } from "./suppression.ts";
import type { AccessContext, AccessDecision, Action } from "./types.ts";

export interface CohortQuery {
  sex?: "female" | "male" | "other" | "unknown";
  minAge?: number;
  maxAge?: number;
  localityCode?: string;
  practiceCode?: string;
  areaCode?: string;
  maxImdDecile?: number;
  limit?: number;
}

/** A person-level row with no identifiers: a keyed pseudonym and the quasi-identifiers k-anonymity works on. */
export interface PseudonymisedPerson extends QuasiIdentifiers {
  pseudonym: string;
}

/** Searching, listing and exporting a cohort are each their own action in the policy and the audit. */
export type CohortMode = "search" | "list" | "export";

export const MAX_COHORT_ROWS = 10_000;
const CODE = /^[A-Za-z0-9]{1,16}$/;

function validate(q: CohortQuery): void {
  const bad = (what: string) => {
    throw new GovernanceError(`invalid cohort query: ${what}`);
  };
  if (q.sex !== undefined && !["female", "male", "other", "unknown"].includes(q.sex)) bad("sex");
  for (const [name, v] of [
    ["minAge", q.minAge],
    ["maxAge", q.maxAge],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 130)) bad(name);
  }
  for (const [name, v] of [
    ["localityCode", q.localityCode],
    ["practiceCode", q.practiceCode],
    ["areaCode", q.areaCode],
  ] as const) {
    if (v !== undefined && !CODE.test(v)) bad(name);
  }
  if (
    q.maxImdDecile !== undefined &&
    (!Number.isInteger(q.maxImdDecile) || q.maxImdDecile < 1 || q.maxImdDecile > 10)
  ) {
    bad("maxImdDecile");
  }
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_COHORT_ROWS))
    bad("limit");
}

function refuse(reason: string): AccessDenied {
  const decision: AccessDecision = {
    allow: false,
    reason,
    relationship: null,
    disclosure: null,
    flagged: false,
    breakGlassId: null,
  };
  return new AccessDenied(decision);
}

async function audit(
  ctx: AccessContext,
  action: Action | "aggregate",
  allowed: boolean,
  reason: string,
  extra: {
    personIds?: string[];
    personCount?: number;
    disclosure?: string;
    query: CohortQuery;
  },
): Promise<void> {
  const { detail } = ctx.origin;
  await appendAuditEvent(ctx.db, {
    ...auditBase(ctx, action),
    personIds: extra.personIds,
    personCount: extra.personCount ?? 0,
    allowed,
    reason,
    disclosure: extra.disclosure ?? null,
    detail: `${detail ? `${detail}; ` : ""}cohort ${JSON.stringify(extra.query)}`,
  });
}

/** The cohort's people as of a day, excluding opt-outs and objections; parameters only, never spliced values. */
function cohortSql(q: CohortQuery, day: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [day];
  const where: string[] = [
    `NOT EXISTS (SELECT 1 FROM data_opt_out o WHERE o.person_id = p.person_id AND o.recorded_on <= $1::date
       AND (o.withdrawn_on IS NULL OR o.withdrawn_on > $1::date))`,
    `NOT EXISTS (SELECT 1 FROM sharing_objection s WHERE s.person_id = p.person_id AND s.recorded_on <= $1::date
       AND (s.withdrawn_on IS NULL OR s.withdrawn_on > $1::date))`,
    "NOT EXISTS (SELECT 1 FROM death d WHERE d.person_id = p.person_id AND d.died_on <= $1::date)",
  ];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.sex) add((n) => `p.sex = ${n}`, q.sex);
  if (q.minAge !== undefined)
    add((n) => `p.birth_date <= ($1::date - make_interval(years => ${n}::int))`, q.minAge);
  if (q.maxAge !== undefined) {
    add((n) => `p.birth_date > ($1::date - make_interval(years => ${n}::int + 1))`, q.maxAge);
  }
  if (q.practiceCode) add((n) => `reg.practice_code = ${n}`, q.practiceCode);
  if (q.localityCode) add((n) => `org.parent_code = ${n}`, q.localityCode);
  if (q.areaCode) add((n) => `p.area_code = ${n}`, q.areaCode);
  if (q.maxImdDecile !== undefined) add((n) => `a.imd_decile <= ${n}`, q.maxImdDecile);
  const sql = `
    SELECT p.person_id, p.birth_date, p.sex, p.postcode, p.area_code, a.imd_decile,
           reg.practice_code, org.parent_code AS locality_code
      FROM person p
      LEFT JOIN LATERAL (SELECT r.practice_code FROM registration r WHERE r.person_id = p.person_id
                          AND r.registered_on <= $1::date AND (r.deregistered_on IS NULL OR r.deregistered_on > $1::date)
                          ORDER BY r.registered_on DESC LIMIT 1) reg ON true
      LEFT JOIN organisation org ON org.org_code = reg.practice_code
      LEFT JOIN area a ON a.area_code = p.area_code
     WHERE ${where.join(" AND ")}`;
  return { sql, params };
}

function mayQueryPseudonymised(ctx: AccessContext, action: Action): string | null {
  const { role } = ctx.roleAssignment;
  if (ctx.user.status !== "active") return "the user's account is not active";
  if (role.accessBasis !== "pseudonymised")
    return `the ${role.name} role may not query pseudonymised person-level data`;
  if (!role.purposes.includes(ctx.purpose) || ctx.purpose !== "commissioning") {
    return `pseudonymised queries are for commissioning, not "${ctx.purpose}"`;
  }
  if (!role.actions.includes(action)) return `the ${role.name} role may not ${action}`;
  return null;
}

/**
 * Pseudonymised person-level rows for a commissioner or analyst: no NHS Number, name, date of birth or
 * postcode; the person id replaced by a keyed hash for the purpose. Audited like any access.
 */
export async function queryPseudonymisedPeople(
  ctx: AccessContext,
  query: CohortQuery,
  keys: PseudonymKeys,
  action: CohortMode = "search",
  options: { k?: number; wholePlace?: boolean } = {},
): Promise<PseudonymisedPerson[]> {
  validate(query);
  const refusal =
    options.wholePlace && (action !== "export" || query.limit !== undefined)
      ? "a whole-place pseudonymised extract is an export, with no row limit"
      : mayQueryPseudonymised(ctx, action);
  if (refusal) {
    await audit(ctx, action, false, refusal, { query });
    throw refuse(refusal);
  }
  const key = keys.keyFor(ctx.purpose); // fails before any data is read when the key is missing
  const day = londonDate(ctx.now ? ctx.now() : new Date());
  const { sql, params } = cohortSql(query, day);
  // An analyst's extract holds at most MAX_COHORT_ROWS people; a whole-place extract (the FHIR Bulk Data export
  // of a registered commissioning system, which decides that it may ask) holds everyone the rules let through.
  let limit = "";
  if (!options.wholePlace) {
    params.push(query.limit ?? MAX_COHORT_ROWS);
    limit = ` LIMIT $${params.length}`;
  }
  const rows = await ctx.db.query(`${sql} ORDER BY p.person_id${limit}`, params);
  const ids = rows.map((r) => r.person_id as string);
  await audit(
    ctx,
    action,
    true,
    `pseudonymised for ${ctx.purpose}${options.wholePlace ? ", the whole place" : ""}`,
    {
      personIds: ids,
      personCount: ids.length,
      disclosure: "pseudonymised",
      query,
    },
  );
  const people = rows.map((r) => ({
    pseudonym: pseudonymFor(key, r.person_id as string),
    ageBand: ageBand(r.birth_date as string, day),
    sex: r.sex as string,
    practiceCode: (r.practice_code as string | null) ?? null,
    localityCode: (r.locality_code as string | null) ?? null,
    areaCode: (r.area_code as string | null) ?? null,
    postcodeDistrict: postcodeDistrict(r.postcode as string | null),
    imdDecile: r.imd_decile == null ? null : Number(r.imd_decile),
  }));
  // Generalised, then withheld, until every row has at least k - 1 look-alikes (k-anonymity.ts).
  return kAnonymise(people, options.k ?? DEFAULT_K).rows.sort((a, b) =>
    a.pseudonym.localeCompare(b.pseudonym),
  ); // so row order says nothing about person ids
}

export const GROUP_BY_FIELDS = ["sex", "ageBand", "practiceCode", "localityCode", "imdDecile"] as const;
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

export interface CohortCounts {
  groupBy: GroupByField[];
  cells: ShownCell<Record<string, string | number | null>>[];
  total: number | null;
}

/**
 * Counts for roles that see aggregates (commissioners, finance, the board), grouped as asked, with small
 * numbers suppressed because none of these roles has direct-care access.
 */
export async function countCohort(
  ctx: AccessContext,
  query: CohortQuery,
  groupBy: GroupByField[],
): Promise<CohortCounts> {
  validate(query);
  for (const g of groupBy)
    if (!GROUP_BY_FIELDS.includes(g)) throw new GovernanceError(`cannot group by "${g}"`);
  const { role } = ctx.roleAssignment;
  const refusal =
    ctx.user.status !== "active"
      ? "the user's account is not active"
      : !["pseudonymised", "aggregate"].includes(role.accessBasis) ||
          ctx.purpose !== "commissioning" ||
          !role.purposes.includes(ctx.purpose)
        ? `the ${role.name} role may not run population counts for "${ctx.purpose}"`
        : null;
  if (refusal) {
    await audit(ctx, "aggregate", false, refusal, { query });
    throw refuse(refusal);
  }
  const day = londonDate(ctx.now ? ctx.now() : new Date());
  const { sql, params } = cohortSql(query, day);
  const rows = await ctx.db.query(sql, params);
  const counts = new Map<string, { key: Record<string, string | number | null>; count: number }>();
  for (const r of rows) {
    const all: Record<GroupByField, string | number | null> = {
      sex: r.sex as string,
      ageBand: ageBand(r.birth_date as string, day),
      practiceCode: (r.practice_code as string | null) ?? null,
      localityCode: (r.locality_code as string | null) ?? null,
      imdDecile: r.imd_decile == null ? null : Number(r.imd_decile),
    };
    const key = Object.fromEntries(groupBy.map((g) => [g, all[g]]));
    const id = JSON.stringify(key);
    const cell = counts.get(id) ?? { key, count: 0 };
    cell.count++;
    counts.set(id, cell);
  }
  const ordered = [...counts.values()].sort((a, b) =>
    JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)),
  );
  await audit(ctx, "aggregate", true, "counts with small numbers suppressed", {
    personCount: 0,
    disclosure: "aggregate",
    query,
  });
  return { groupBy, cells: suppressSmallCounts(ordered), total: suppressTotal(rows.length) };
}
