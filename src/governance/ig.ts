// The SQL behind the IG officer's pages and the sharing page: break-glass accesses to review, the audit trail a
// page at a time (who looked at this person, what did this user look at), and a person's objections and
// opt-outs. Nothing here decides or audits: reader-ig.ts has the decision and writes the row first.
import { survivorsOf, survivorsOfMergedNhsNumber } from "../mpi/index.ts";
import { isCitus, peopleHoldingNhsNumber, type Queryable } from "../store/index.ts";
import type { AuditRecord } from "./audit-log.ts";
import { AUDIT_COLUMNS, rowToAuditRecord } from "./audit-records.ts";
import { BREAK_GLASS_ALERT_AT, BREAK_GLASS_LIMIT_REASON } from "./break-glass.ts";
import { sealBreakGlassReview } from "./break-glass-seal.ts";

/** What an IG officer may conclude about a break-glass access. */
export const REVIEW_OUTCOMES = ["appropriate", "not-appropriate", "follow-up"] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export interface BreakGlassEntry {
  breakGlassId: string;
  /** The person the access was to, as recorded (a merge never changes it). */
  personId: string;
  /** The person they were merged into since (null: not merged away); the name and NHS Number are theirs. */
  mergedInto: string | null;
  nhsNumber: string | null;
  personName: { given: string | null; family: string | null };
  username: string;
  userDisplayName: string;
  roleCode: string;
  roleName: string;
  teamCode: string;
  teamName: string;
  reason: string;
  startedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
  reviewedBy: string | null;
  reviewOutcome: ReviewOutcome | null;
  reviewNote: string | null;
  /** For the IG officer: this access was one of many by the same user within an hour (null: it was not). */
  alert: string | null;
}

/**
 * An audit row for a page of the trail: a large list's packed ids are not read back (a register of 10,000 would
 * be 160 kB per row); its counts are, and whether the person searched for was withheld from it.
 */
export interface AuditLine extends AuditRecord {
  disclosedCount: number;
  withheldCount: number;
  /** The person (or people) searched for were withheld from this list rather than shown. */
  withheldTarget: boolean;
}

if (!AUDIT_COLUMNS.includes("person_set, withheld_set"))
  throw new Error("audit columns changed: update ig.ts");
const LINE_COLUMNS = `${AUDIT_COLUMNS.replace("person_set, withheld_set", "NULL::bytea AS person_set, NULL::bytea AS withheld_set")},
  cardinality(person_ids) + coalesce(length(person_set) / 16, 0) AS disclosed_count,
  cardinality(withheld_ids) + coalesce(length(withheld_set) / 16, 0) AS withheld_count`;

function toLine(row: Record<string, unknown>): AuditLine {
  return {
    ...rowToAuditRecord(row),
    disclosedCount: Number(row.disclosed_count),
    withheldCount: Number(row.withheld_count),
    withheldTarget: row.withheld_target === true,
  };
}

export interface Page<T> {
  total: number;
  rows: T[];
}

type Text = string | null;
const iso = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString() : v == null ? null : new Date(String(v)).toISOString();
const day = (v: unknown): string | null =>
  v instanceof Date ? v.toISOString().slice(0, 10) : v == null ? null : String(v).slice(0, 10);

// The break-glass accesses chosen by `where`, `order` and `limit` (on break_glass b), then what the page shows
// of each: the person, the user, role and team, and the two burst counts. The counts join the chosen rows to the
// user's other break-glass accesses and refusals rather than running a subquery per row: on a Citus cluster
// break_glass is distributed by person, the audit on the coordinator, and neither can be correlated on a user.
const breakGlassSql = (where: string, order = "", limit = "") => `
  WITH b AS MATERIALIZED (
    SELECT b.break_glass_id, b.person_id, b.user_id, b.team_id, u.username, u.display_name, b.role_code, b.reason,
           b.started_at, b.expires_at, b.reviewed_at, b.reviewed_by, b.review_outcome, b.review_note
      FROM break_glass b JOIN app_user u ON u.user_id = b.user_id
     WHERE ${where} ${order} ${limit})
  SELECT b.break_glass_id, b.person_id, p.nhs_number, p.given_name, p.family_name, b.username,
         b.display_name, b.role_code, r.name AS role_name, t.team_code, t.name AS team_name, b.reason,
         b.started_at, b.expires_at, b.reviewed_at, b.reviewed_by, b.review_outcome, b.review_note,
         coalesce(h.n, 0) AS in_hour, coalesce(f.n, 0) AS refused_after
    FROM b
    LEFT JOIN app_role r ON r.role_code = b.role_code
    LEFT JOIN team t ON t.team_id = b.team_id
    LEFT JOIN (SELECT person_id, nhs_number, given_name, family_name FROM person
                WHERE person_id IN (SELECT person_id FROM b)) p ON p.person_id = b.person_id
    LEFT JOIN (SELECT x.break_glass_id, count(*)::int AS n FROM b x
                 JOIN break_glass w ON w.user_id = x.user_id
                  AND w.started_at > x.started_at - interval '1 hour' AND w.started_at <= x.started_at
                GROUP BY x.break_glass_id) h ON h.break_glass_id = b.break_glass_id
    LEFT JOIN (SELECT x.break_glass_id, count(*)::int AS n FROM b x
                 JOIN audit_event a ON a.actor_user_id = x.user_id AND a.flagged AND NOT a.allowed
                  AND a.reason LIKE '${BREAK_GLASS_LIMIT_REASON}%'
                  AND a.occurred_at >= x.started_at AND a.occurred_at < x.started_at + interval '1 hour'
                GROUP BY x.break_glass_id) f ON f.break_glass_id = b.break_glass_id
   ${order}`;

/** The alert shown on a break-glass access that was one of a burst by the same user. */
export function burstAlert(inHour: number, refusedAfter: number): string | null {
  if (inHour < BREAK_GLASS_ALERT_AT && refusedAfter === 0) return null;
  const refused =
    refusedAfter > 0
      ? `; ${refusedAfter} further attempt${refusedAfter === 1 ? " was" : "s were"} refused at the limit`
      : "";
  return `Break-glass number ${inHour} by this user within an hour${refused}`;
}

function toEntry(r: Record<string, unknown>): BreakGlassEntry {
  return {
    breakGlassId: r.break_glass_id as string,
    personId: r.person_id as string,
    mergedInto: null,
    nhsNumber: r.nhs_number as Text,
    personName: { given: r.given_name as Text, family: r.family_name as Text },
    username: r.username as string,
    userDisplayName: r.display_name as string,
    roleCode: r.role_code as string,
    roleName: (r.role_name as Text) ?? (r.role_code as string),
    teamCode: (r.team_code as Text) ?? "",
    teamName: (r.team_name as Text) ?? "",
    reason: r.reason as string,
    startedAt: iso(r.started_at) as string,
    expiresAt: iso(r.expires_at) as string,
    reviewedAt: iso(r.reviewed_at),
    reviewedBy: r.reviewed_by as Text,
    reviewOutcome: r.review_outcome as ReviewOutcome | null,
    reviewNote: r.review_note as Text,
    alert: burstAlert(Number(r.in_hour ?? 0), Number(r.refused_after ?? 0)),
  };
}

/**
 * Entries whose person the MPI has merged into another since: named as the person they are now part of (the
 * break_glass row keeps the id it was made for), so the IG officer finds the access under the survivor.
 */
async function withSurvivors(db: Queryable, entries: BreakGlassEntry[]): Promise<BreakGlassEntry[]> {
  const gone = entries.filter((e) => e.nhsNumber === null).map((e) => e.personId);
  if (gone.length === 0) return entries;
  const survivors = await survivorsOf(db, gone);
  if (survivors.size === 0) return entries;
  const rows = await db.query<{ person_id: string; nhs_number: Text; given_name: Text; family_name: Text }>(
    `SELECT person_id::text AS person_id, nhs_number, given_name, family_name FROM person
      WHERE person_id = ANY($1::uuid[])`,
    [[...new Set(survivors.values())]],
  );
  const byId = new Map(rows.map((r) => [r.person_id, r]));
  return entries.map((e) => {
    const survivor = survivors.get(e.personId);
    const p = survivor ? byId.get(survivor) : undefined;
    if (!survivor || !p) return e;
    return {
      ...e,
      mergedInto: survivor,
      nhsNumber: p.nhs_number,
      personName: { given: p.given_name, family: p.family_name },
    };
  });
}

/** Break-glass accesses awaiting review (oldest first, so none waits for ever) or reviewed (newest review first). */
export async function breakGlassPage(
  db: Queryable,
  options: { reviewed: boolean; limit: number; offset: number },
): Promise<Page<BreakGlassEntry>> {
  const where = options.reviewed ? "b.reviewed_at IS NOT NULL" : "b.reviewed_at IS NULL";
  const order = options.reviewed ? "b.reviewed_at DESC, b.break_glass_id" : "b.started_at, b.break_glass_id";
  const [count] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM break_glass b WHERE ${where}`,
  );
  const rows = await db.query(breakGlassSql(where, `ORDER BY ${order}`, "LIMIT $1 OFFSET $2"), [
    options.limit,
    options.offset,
  ]);
  return { total: Number(count.n), rows: await withSurvivors(db, rows.map(toEntry)) };
}

export async function breakGlassById(db: Queryable, breakGlassId: string): Promise<BreakGlassEntry | null> {
  const rows = await db.query(breakGlassSql("b.break_glass_id = $1"), [breakGlassId]);
  return rows[0] ? (await withSurvivors(db, [toEntry(rows[0])]))[0] : null;
}

/** What the user read under this break-glass: the audit rows that carry its id (on the actor index). */
export async function accessesUnderBreakGlass(db: Queryable, entry: BreakGlassEntry): Promise<AuditRecord[]> {
  const rows = await db.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE actor = $1 AND break_glass_id = $2 ORDER BY seq LIMIT 500`,
    [entry.username, entry.breakGlassId],
  );
  return rows.map(rowToAuditRecord);
}

/** Records the review once: false when it was already reviewed (by someone else, in the meantime). */
export async function recordBreakGlassReview(
  db: Queryable,
  review: { breakGlassId: string; reviewer: string; outcome: ReviewOutcome; note: string; at: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE break_glass SET reviewed_at = $2, reviewed_by = $3, review_outcome = $4, review_note = $5
      WHERE break_glass_id = $1 AND reviewed_at IS NULL RETURNING break_glass_id`,
    [review.breakGlassId, review.at.toISOString(), review.reviewer, review.outcome, review.note],
  );
  if (rows.length === 0) return false;
  await sealBreakGlassReview(db, review.breakGlassId, { userId: null, name: review.reviewer }, review.at);
  return true;
}

/** The audit rows naming any of these people (disclosed or withheld, in either stored form), newest first. */
export async function auditPageForPeople(
  db: Queryable,
  personIds: readonly string[],
  options: { limit: number; offset: number },
): Promise<Page<AuditLine>> {
  const hits = await db.query<{ seq: string | number }>(
    `SELECT seq FROM audit_event WHERE person_ids && $1::uuid[] OR withheld_ids && $1::uuid[]
     UNION
     SELECT seq FROM audit_set_member WHERE person_id = ANY($1::uuid[])`,
    [personIds],
  );
  const seqs = hits.map((h) => Number(h.seq)).sort((a, b) => b - a);
  const page = seqs.slice(options.offset, options.offset + options.limit);
  if (page.length === 0) return { total: seqs.length, rows: [] };
  const rows = await db.query(
    `SELECT ${LINE_COLUMNS},
            withheld_ids && $2::uuid[]
              OR seq IN (SELECT m.seq FROM audit_set_member m
                          WHERE m.seq = ANY ($1::bigint[]) AND m.withheld AND m.person_id = ANY($2::uuid[]))
              AS withheld_target
       FROM audit_event WHERE seq = ANY ($1::bigint[]) ORDER BY seq DESC`,
    [page, personIds],
  );
  return { total: seqs.length, rows: rows.map(toLine) };
}

/** What this user did, newest first (the actor index). */
export async function auditPageForUser(
  db: Queryable,
  username: string,
  options: { limit: number; offset: number },
): Promise<Page<AuditLine>> {
  const [count] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_event WHERE actor = $1",
    [username],
  );
  const rows = await db.query(
    `SELECT ${LINE_COLUMNS}, false AS withheld_target
       FROM audit_event WHERE actor = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3`,
    [username, options.limit, options.offset],
  );
  return { total: Number(count.n), rows: rows.map(toLine) };
}

export async function userExists(db: Queryable, username: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM app_user WHERE username = $1", [username]);
  return rows.length > 0;
}

/** People found by NHS Number (before any decision: the caller audits the query). */
/**
 * The people a request quoting this NHS Number is about: whoever holds it, and whoever now holds a person the
 * master person index merged away who had it (their own number, when it differed from the survivor's).
 */
export async function peopleByNhsNumber(db: Queryable, nhsNumber: string): Promise<string[]> {
  // On Citus the number's routes name the holders from one shard; person by its number would ask every shard.
  const holders = isCitus(db)
    ? await peopleHoldingNhsNumber(db, nhsNumber)
    : (
        await db.query<{ person_id: string }>("SELECT person_id FROM person WHERE nhs_number = $1", [
          nhsNumber,
        ])
      ).map((r) => r.person_id);
  const survivors = await survivorsOfMergedNhsNumber(db, nhsNumber);
  return [...holders, ...survivors.filter((id) => !holders.includes(id))];
}

export interface ObjectionRow {
  objectionId: string;
  holdingOrgCode: string;
  holdingOrgName: string | null;
  recordedOn: string;
  withdrawnOn: string | null;
  source: string;
  sourceSystem: string;
  receivedAt: string;
}

export interface OptOutRow {
  optOutId: string;
  recordedOn: string;
  withdrawnOn: string | null;
  source: string;
  sourceSystem: string;
  receivedAt: string;
}

/** A person's objections and opt-outs, current and withdrawn, the newest first. */
export async function sharingRecords(
  db: Queryable,
  personId: string,
): Promise<{ objections: ObjectionRow[]; optOuts: OptOutRow[] }> {
  const objections = await db.query(
    `SELECT o.objection_id, o.holding_org_code, org.name AS holding_org_name, o.recorded_on, o.withdrawn_on,
            o.source, o.source_system, o.received_at
       FROM sharing_objection o LEFT JOIN organisation org ON org.org_code = o.holding_org_code
      WHERE o.person_id = $1 ORDER BY o.withdrawn_on IS NULL DESC, o.recorded_on DESC, o.objection_id`,
    [personId],
  );
  const optOuts = await db.query(
    `SELECT opt_out_id, recorded_on, withdrawn_on, source, source_system, received_at FROM data_opt_out
      WHERE person_id = $1 ORDER BY withdrawn_on IS NULL DESC, recorded_on DESC, opt_out_id`,
    [personId],
  );
  return {
    objections: objections.map((r) => ({
      objectionId: r.objection_id as string,
      holdingOrgCode: r.holding_org_code as string,
      holdingOrgName: r.holding_org_name as Text,
      recordedOn: day(r.recorded_on) as string,
      withdrawnOn: day(r.withdrawn_on),
      source: r.source as string,
      sourceSystem: r.source_system as string,
      receivedAt: iso(r.received_at) as string,
    })),
    optOuts: optOuts.map((r) => ({
      optOutId: r.opt_out_id as string,
      recordedOn: day(r.recorded_on) as string,
      withdrawnOn: day(r.withdrawn_on),
      source: r.source as string,
      sourceSystem: r.source_system as string,
      receivedAt: iso(r.received_at) as string,
    })),
  };
}

export async function organisationName(db: Queryable, orgCode: string): Promise<string | null> {
  const rows = await db.query<{ name: string }>("SELECT name FROM organisation WHERE org_code = $1", [
    orgCode,
  ]);
  return rows[0]?.name ?? null;
}

/** Withdraws one objection held by this organisation, from a date on or after it was recorded. */
export async function withdrawHeldObjection(
  db: Queryable,
  personId: string,
  objectionId: string,
  holdingOrgCode: string,
  withdrawnOn: string,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE sharing_objection SET withdrawn_on = $4
      WHERE person_id = $1 AND objection_id = $2 AND holding_org_code = $3 AND withdrawn_on IS NULL
        AND recorded_on <= $4::date
      RETURNING 1`,
    [personId, objectionId, holdingOrgCode, withdrawnOn],
  );
  return rows.length > 0;
}

/** Withdraws one opt-out, from a date on or after it was recorded. */
export async function withdrawOneOptOut(
  db: Queryable,
  personId: string,
  optOutId: string,
  withdrawnOn: string,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE data_opt_out SET withdrawn_on = $3
      WHERE person_id = $1 AND opt_out_id = $2 AND withdrawn_on IS NULL AND recorded_on <= $3::date
      RETURNING 1`,
    [personId, optOutId, withdrawnOn],
  );
  return rows.length > 0;
}
