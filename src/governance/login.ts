// Password sign-in with lockout: after maxFailedLogins failures in a row the account is locked for
// lockoutMinutes. Every attempt, good or bad, is in the audit trail. An unknown name costs the same time
// as a wrong password and gets the same answer.
import type { Queryable } from "../store/index.ts";
import type { AuthConfig } from "./auth-config.ts";
import { hashPassword, needsRehash, verifyPassword } from "./password.ts";
import { recordSecurityEvent } from "./security-events.ts";

export type LoginResult = { ok: true; userId: string } | { ok: false };

function actorName(username: string): string {
  return username.slice(0, 100).replace(/[^\x20-\x7e]/g, "?");
}

/** An account as a sign-in sees it, password or OpenID Connect. */
export type SignInAccount = {
  user_id: string;
  status: string;
  password_hash: string | null;
  locked_until: Date | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
};

export async function accountForSignIn(db: Queryable, username: string): Promise<SignInAccount | undefined> {
  const rows = await db.query<SignInAccount>(
    `SELECT user_id, status, password_hash, locked_until, oidc_issuer, oidc_subject
       FROM app_user WHERE username = $1`,
    [username],
  );
  return rows[0];
}

export async function authenticatePassword(
  db: Queryable,
  config: AuthConfig,
  attempt: { username: string; password: string; clientAddress: string | null; channel?: string },
  at: Date = new Date(),
): Promise<LoginResult> {
  const username = attempt.username.trim().toLowerCase();
  const operator = {
    userId: null as string | null,
    name: actorName(username),
    channel: attempt.channel ?? "web",
    clientAddress: attempt.clientAddress,
  };
  const user = await accountForSignIn(db, username);
  const passwordOk = await verifyPassword(attempt.password, user?.password_hash ?? null);
  if (!user) {
    await recordSecurityEvent(db, operator, { action: "login", allowed: false, reason: "unknown username" });
    return { ok: false };
  }
  operator.userId = user.user_id;
  const lockedOut = user.locked_until !== null && user.locked_until > at;
  if (user.status !== "active" || lockedOut) {
    await recordSecurityEvent(db, operator, {
      action: "login",
      allowed: false,
      reason: user.status !== "active" ? `account ${user.status}` : "account locked after failed sign-ins",
    });
    return { ok: false };
  }
  if (!passwordOk) {
    const updated = await db.query<{ failed_logins: number; locked: boolean }>(
      `UPDATE app_user SET failed_logins = failed_logins + 1,
              locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
        WHERE user_id = $1
        RETURNING failed_logins, locked_until IS NOT NULL AND locked_until > $4::timestamptz AS locked`,
      [
        user.user_id,
        config.maxFailedLogins,
        new Date(at.getTime() + config.lockoutMinutes * 60_000).toISOString(),
        at.toISOString(),
      ],
    );
    const { failed_logins, locked } = updated[0];
    await recordSecurityEvent(db, operator, {
      action: "login",
      allowed: false,
      reason: locked
        ? `wrong password; account locked for ${config.lockoutMinutes} minutes after ${failed_logins} failures`
        : `wrong password (${failed_logins} of ${config.maxFailedLogins})`,
    });
    return { ok: false };
  }
  // Only succeed if no parallel attempt locked the account meanwhile.
  const reset = await db.query(
    `UPDATE app_user SET failed_logins = 0, locked_until = NULL
      WHERE user_id = $1 AND status = 'active' AND (locked_until IS NULL OR locked_until <= $2)
      RETURNING user_id`,
    [user.user_id, at.toISOString()],
  );
  if (reset.length === 0) {
    await recordSecurityEvent(db, operator, {
      action: "login",
      allowed: false,
      reason: "account locked during sign-in",
    });
    return { ok: false };
  }
  if (user.password_hash && needsRehash(user.password_hash)) {
    await db.query("UPDATE app_user SET password_hash = $2 WHERE user_id = $1", [
      user.user_id,
      await hashPassword(attempt.password),
    ]);
  }
  await recordSecurityEvent(db, operator, { action: "login", allowed: true, reason: "password sign-in" });
  return { ok: true, userId: user.user_id };
}
