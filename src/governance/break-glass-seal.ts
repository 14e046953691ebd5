// Break-glass reasons and reviews live in the break_glass table, which is not itself append-only: the row is
// written when glass is broken and its review added later. So each is sealed into the audit hash chain. When
// a break-glass is recorded, and again when it is reviewed, an audit row carries the SHA-256 of the record's
// fields (never the reason's text, which may name the patient's circumstances). `audit verify` recomputes
// the seals from the table: a rewritten reason, a review added, changed or removed behind the application's
// back, a row deleted or one inserted without its seal are each named. The seals are in the chain, so they
// cannot be rewritten to match without the chain showing it.
import { createHash } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import { appendAuditEvent } from "./audit-log.ts";

export const SEAL_ACTION = "break-glass-sealed";
export const REVIEW_SEAL_ACTION = "break-glass-review-sealed";
/** Break-glass rows started before this migration was applied have no seal (they are reported as such only if
 * they are still open or were reviewed afterwards). */
export const SEAL_MIGRATION = "0910_break_glass_sealed";

type Row = Record<string, unknown>;
const iso = (v: unknown): string | null =>
  v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString();
const sha = (parts: unknown[]): string =>
  `sha256:${createHash("sha256").update(JSON.stringify(parts), "utf8").digest("hex")}`;

const COLUMNS = `break_glass_id::text AS break_glass_id, person_id::text AS person_id, user_id::text AS user_id,
  role_code, team_id::text AS team_id, reason, started_at, expires_at, reviewed_at, reviewed_by, review_outcome,
  review_note`;

/** The seal of what was recorded when glass was broken. */
export function recordSeal(r: Row): string {
  return sha([
    1,
    r.break_glass_id,
    r.person_id,
    r.user_id,
    r.role_code,
    r.team_id ?? null,
    r.reason,
    iso(r.started_at),
    iso(r.expires_at),
  ]);
}

/** The seal of the IG officer's review. */
export function reviewSeal(r: Row): string {
  return sha([
    1,
    r.break_glass_id,
    iso(r.reviewed_at),
    r.reviewed_by,
    r.review_outcome ?? null,
    r.review_note,
  ]);
}

async function readRow(db: Queryable, breakGlassId: string): Promise<Row> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM break_glass WHERE break_glass_id = $1`, [breakGlassId]);
  if (!rows[0]) throw new Error(`break-glass ${breakGlassId} is not recorded`);
  return rows[0];
}

type SealActor = { userId: string | null; name: string };

/** What each seal covers: the audit action it is written as, its reason, and the fields it hashes. */
const SEALS = {
  record: { action: SEAL_ACTION, reason: "break-glass recorded and sealed", seal: recordSeal },
  review: { action: REVIEW_SEAL_ACTION, reason: "break-glass review recorded and sealed", seal: reviewSeal },
} as const;

/** Reads the break-glass row as it now stands and appends its seal of the given kind to the audit trail. */
async function appendSeal(
  db: Queryable,
  kind: keyof typeof SEALS,
  breakGlassId: string,
  actor: SealActor,
  at: Date,
): Promise<void> {
  const row = await readRow(db, breakGlassId);
  const { action, reason, seal } = SEALS[kind];
  await appendAuditEvent(
    db,
    {
      actorUserId: actor.userId,
      actor: actor.name,
      roleCode: null,
      teamCode: null,
      purpose: null,
      action,
      personIds: [row.person_id as string],
      personCount: 0,
      allowed: true,
      reason,
      breakGlassId: row.break_glass_id as string,
      channel: "governance",
      detail: seal(row),
    },
    at,
  );
}

/** Seals a break-glass as recorded: call it straight after the row is inserted. */
export const sealBreakGlass = (
  db: Queryable,
  breakGlassId: string,
  actor: SealActor,
  at: Date = new Date(),
) => appendSeal(db, "record", breakGlassId, actor, at);

/** Seals a break-glass's review: call it straight after the review is recorded. */
export const sealBreakGlassReview = (
  db: Queryable,
  breakGlassId: string,
  actor: SealActor,
  at: Date = new Date(),
) => appendSeal(db, "review", breakGlassId, actor, at);

export interface SealProblem {
  breakGlassId: string;
  problem: "break-glass-edited" | "break-glass-unsealed" | "break-glass-missing";
  message: string;
}

/**
 * Every break-glass row against its seals in the audit trail. The latest seal of each kind counts (a seal is
 * written once, so there is one of each in an untouched trail).
 */
export async function verifyBreakGlassSeals(db: Queryable): Promise<SealProblem[]> {
  const problems: SealProblem[] = [];
  const seals = await db.query<{ id: string; action: string; detail: string }>(
    `SELECT break_glass_id::text AS id, action, detail FROM audit_event
      WHERE action IN ($1, $2) AND break_glass_id IS NOT NULL ORDER BY seq`,
    [SEAL_ACTION, REVIEW_SEAL_ACTION],
  );
  const recorded = new Map<string, string>();
  const reviewed = new Map<string, string>();
  for (const s of seals) (s.action === SEAL_ACTION ? recorded : reviewed).set(s.id, s.detail);
  const since = await db.query<{ applied_at: unknown }>(
    "SELECT applied_at FROM schema_migration WHERE id = $1",
    [SEAL_MIGRATION],
  );
  const sealedSince = since[0] ? new Date(iso(since[0].applied_at) as string) : new Date(0);
  const rows = await db.query(`SELECT ${COLUMNS} FROM break_glass ORDER BY started_at, break_glass_id`);
  const seen = new Set<string>();
  for (const r of rows) {
    const id = r.break_glass_id as string;
    seen.add(id);
    const seal = recorded.get(id);
    const reviewedAt = r.reviewed_at == null ? null : new Date(iso(r.reviewed_at) as string);
    if (!seal) {
      const legacy = new Date(iso(r.started_at) as string) < sealedSince;
      if (!legacy || (reviewedAt && reviewedAt >= sealedSince && !reviewed.has(id))) {
        problems.push({
          breakGlassId: id,
          problem: "break-glass-unsealed",
          message: `break-glass ${id} has no seal in the audit trail: it was written or reviewed behind the application's back`,
        });
        continue;
      }
    } else if (seal !== recordSeal(r)) {
      problems.push({
        breakGlassId: id,
        problem: "break-glass-edited",
        message: `break-glass ${id} was changed after it was recorded: its reason, person, user or times do not match its seal`,
      });
    }
    const reviewSealed = reviewed.get(id);
    if (reviewSealed ? reviewedAt === null || reviewSealed !== reviewSeal(r) : reviewedAt !== null && seal) {
      problems.push({
        breakGlassId: id,
        problem: "break-glass-edited",
        message: reviewSealed
          ? `break-glass ${id}'s review was changed or removed after it was recorded: it does not match its seal`
          : `break-glass ${id} is marked reviewed but no review was recorded through OnePlace`,
      });
    }
  }
  for (const id of recorded.keys()) {
    if (!seen.has(id))
      problems.push({
        breakGlassId: id,
        problem: "break-glass-missing",
        message: `break-glass ${id} was deleted: its seal is in the audit trail but the record is gone`,
      });
  }
  return problems;
}
