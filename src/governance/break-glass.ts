import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import { sealBreakGlass, sealBreakGlassReview } from "./break-glass-seal.ts";
import type { AccessUser, RoleAssignment } from "./types.ts";

/** How long break-glass access to one person lasts. */
export const BREAK_GLASS_MINUTES = 60;
export const BREAK_GLASS_REASON_MIN = 10;
export const BREAK_GLASS_REASON_MAX = 1_000;

/** A typed reason: at least a short sentence, and no control characters. */
export function breakGlassReasonProblem(reason: string): string | null {
  const text = reason.trim();
  if (text.length < BREAK_GLASS_REASON_MIN) {
    return `a break-glass reason must say why, in at least ${BREAK_GLASS_REASON_MIN} characters`;
  }
  if (text.length > BREAK_GLASS_REASON_MAX) {
    return `a break-glass reason must be at most ${BREAK_GLASS_REASON_MAX} characters`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text))
    return "a break-glass reason may not contain control characters";
  return null;
}

export async function insertBreakGlass(
  db: Queryable,
  grant: { user: AccessUser; roleAssignment: RoleAssignment; personId: string; reason: string; at: Date },
): Promise<{ breakGlassId: string; expiresAt: Date }> {
  const breakGlassId = randomUUID();
  const expiresAt = new Date(grant.at.getTime() + BREAK_GLASS_MINUTES * 60_000);
  await db.query(
    `INSERT INTO break_glass (person_id, break_glass_id, user_id, role_code, team_id, reason, started_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      grant.personId,
      breakGlassId,
      grant.user.userId,
      grant.roleAssignment.role.roleCode,
      grant.roleAssignment.team.teamId,
      grant.reason.trim(),
      grant.at.toISOString(),
      expiresAt.toISOString(),
    ],
  );
  await sealBreakGlass(db, breakGlassId, { userId: grant.user.userId, name: grant.user.username }, grant.at);
  return { breakGlassId, expiresAt };
}

export interface BreakGlassForReview {
  breakGlassId: string;
  personId: string;
  username: string;
  roleCode: string;
  teamCode: string;
  reason: string;
  startedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
  reviewedBy: string | null;
  reviewNote: string | null;
}

/** Break-glass accesses for the IG officer, the unreviewed first. */
export async function listBreakGlass(
  db: Queryable,
  options: { unreviewedOnly?: boolean } = {},
): Promise<BreakGlassForReview[]> {
  const rows = await db.query(
    `SELECT b.break_glass_id, b.person_id, u.username, b.role_code, t.team_code, b.reason, b.started_at,
            b.expires_at, b.reviewed_at, b.reviewed_by, b.review_note
       FROM break_glass b JOIN app_user u USING (user_id) LEFT JOIN team t USING (team_id)
      WHERE $1::boolean IS FALSE OR b.reviewed_at IS NULL
      ORDER BY b.reviewed_at IS NOT NULL, b.started_at`,
    [options.unreviewedOnly ?? false],
  );
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
  return rows.map((r) => ({
    breakGlassId: r.break_glass_id as string,
    personId: r.person_id as string,
    username: r.username as string,
    roleCode: r.role_code as string,
    teamCode: (r.team_code as string | null) ?? "",
    reason: r.reason as string,
    startedAt: iso(r.started_at) as string,
    expiresAt: iso(r.expires_at) as string,
    reviewedAt: iso(r.reviewed_at),
    reviewedBy: (r.reviewed_by as string | null) ?? null,
    reviewNote: (r.review_note as string | null) ?? null,
  }));
}

/** Records the IG officer's review. Returns false if there is no such break-glass or it was reviewed. */
export async function reviewBreakGlass(
  db: Queryable,
  breakGlassId: string,
  reviewer: string,
  note: string,
  at: Date = new Date(),
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE break_glass SET reviewed_at = $2, reviewed_by = $3, review_note = $4
      WHERE break_glass_id = $1 AND reviewed_at IS NULL RETURNING break_glass_id`,
    [breakGlassId, at.toISOString(), reviewer, note],
  );
  if (rows.length === 0) return false;
  await sealBreakGlassReview(db, breakGlassId, { userId: null, name: reviewer }, at);
  return true;
}

/** How many break-glass accesses one user may start in an hour before further ones are refused. */
export const BREAK_GLASS_PER_HOUR_DEFAULT = 5;
/** The IG officer is alerted to a user's break-glass access when it is this many or more within an hour. */
export const BREAK_GLASS_ALERT_AT = 3;
/** What the refusal beyond the limit says, in the audit row flagged to the IG officer. */
export const BREAK_GLASS_LIMIT_REASON = "break-glass limit reached";

/** Whether a person exists: break-glass is refused (404, nothing recorded) for an id that names nobody. */
export async function personExists(db: Queryable, personId: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM person WHERE person_id = $1::uuid", [personId]);
  return rows.length > 0;
}

/** The break-glass accesses a user started in the hour before `at`. */
export async function breakGlassInLastHour(db: Queryable, userId: string, at: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM break_glass
      WHERE user_id = $1 AND started_at > $2::timestamptz - interval '1 hour' AND started_at <= $2::timestamptz`,
    [userId, at.toISOString()],
  );
  return Number(rows[0]?.n ?? 0);
}
