// Server-side sessions and API tokens: the client holds a random token; the database holds its SHA-256,
// the user, and the role, team and purpose the session acts in.
import { createHash, randomUUID } from "node:crypto";
import { GroupedLookup, prepared, type Queryable } from "../store/index.ts";
import type { AuthConfig } from "./auth-config.ts";
import { GovernanceError } from "./errors.ts";
import { ASSIGNMENT_COLUMNS, listAssignments, rowToAssignment } from "./roles.ts";
import { type Operator, recordSecurityEvent } from "./security-events.ts";
import { hashSecret, newSecret } from "./tokens.ts";
import type { AccessUser, Purpose, RoleAssignment } from "./types.ts";

export const API_TOKEN_PREFIX = "opt_";

export interface Identity {
  user: AccessUser & { displayName: string };
  roleAssignment: RoleAssignment;
  purpose: Purpose;
  via: "session" | "api-token";
  sessionId: string | null;
  /** How many roles (in teams) the user holds: a page offers "Switch role" only when more than one. */
  heldRoles: number;
}

/** The CSRF token for a session: derived from its secret, so it is never stored and cannot be read from the DB. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`csrf\n${sessionToken}`).digest("base64url");
}

export async function createSession(
  db: Queryable,
  config: AuthConfig,
  session: { userId: string; method: "password" | "oidc"; clientAddress: string | null; at?: Date },
): Promise<{ token: string; sessionId: string; expiresAt: Date } | null> {
  const assignments = await listAssignments(db, session.userId);
  // A user with no role has no business signed in; the first role granted is the one the session starts in.
  const first = assignments[0];
  if (!first) return null;
  const at = session.at ?? new Date();
  const token = newSecret();
  const sessionId = randomUUID();
  const expiresAt = new Date(at.getTime() + config.sessionMaxHours * 3_600_000);
  await db.query(
    `INSERT INTO user_session (session_id, token_hash, user_id, role_code, team_id, purpose, auth_method,
       client_address, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
    [
      sessionId,
      hashSecret(token),
      session.userId,
      first.role.roleCode,
      first.team.teamId,
      first.role.purposes[0],
      session.method,
      session.clientAddress,
      at.toISOString(),
      expiresAt.toISOString(),
    ],
  );
  return { token, sessionId, expiresAt };
}

const IDENTITY_COLUMNS = `u.user_id, u.username, u.display_name, u.status, ${ASSIGNMENT_COLUMNS},
       (SELECT count(*)::int FROM user_role held WHERE held.user_id = u.user_id) AS held_roles`;

/**
 * A credential row (a session or an API token, under the alias given) joined to the identity it carries:
 * an active user who still holds the role in the team. toIdentity reads IDENTITY_COLUMNS back.
 */
function identityJoins(alias: "s" | "k"): string {
  return `JOIN app_user u ON u.user_id = ${alias}.user_id AND u.status = 'active'
       JOIN user_role ur ON ur.user_id = ${alias}.user_id AND ur.role_code = ${alias}.role_code AND ur.team_id = ${alias}.team_id
       JOIN app_role r ON r.role_code = ${alias}.role_code
       JOIN team t ON t.team_id = ${alias}.team_id`;
}

function toIdentity(row: Record<string, unknown>, via: Identity["via"]): Identity {
  return {
    user: {
      userId: row.user_id as string,
      username: row.username as string,
      displayName: row.display_name as string,
      status: row.status as AccessUser["status"],
    },
    roleAssignment: rowToAssignment(row),
    purpose: row.purpose as Purpose,
    via,
    sessionId: via === "session" ? (row.session_id as string) : null,
    heldRoles: row.held_roles as number,
  };
}

// Every request with a session or a token runs one of these (and a touch at most once a minute): prepared.
const SESSION_IDENTITY = prepared(
  "gov.session.identity",
  `SELECT s.session_id, s.purpose, s.last_seen_at, ${IDENTITY_COLUMNS}
     FROM user_session s
     ${identityJoins("s")}
    WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3`,
);
const SESSION_TOUCH = prepared(
  "gov.session.touch",
  "UPDATE user_session SET last_seen_at = $2 WHERE session_id = $1",
);
// The tokens of the requests that arrived while the previous look-up was running, in one statement
// (store/grouped-lookup.ts): each is read after its request asked, so a revocation already committed is seen.
// The expiry is compared with each request's own time below.
const TOKEN_IDENTITIES = prepared(
  "gov.token.identities",
  `SELECT k.token_hash, k.token_id, k.purpose, k.expires_at, k.last_used_at, ${IDENTITY_COLUMNS}
     FROM api_token k
     ${identityJoins("k")}
    WHERE k.token_hash = ANY($1::text[]) AND k.revoked_at IS NULL`,
);
const TOKEN_TOUCH = prepared("gov.token.touch", "UPDATE api_token SET last_used_at = $2 WHERE token_id = $1");

/**
 * The identity behind a session token, or null if it is unknown, expired, idle too long, or its user is no
 * longer active or no longer holds the role. Touches last_seen_at at most once a minute.
 */
export async function resolveSession(
  db: Queryable,
  config: AuthConfig,
  token: string,
  at: Date = new Date(),
): Promise<Identity | null> {
  if (token.length > 200) return null;
  const rows = await db.query(SESSION_IDENTITY, [
    hashSecret(token),
    at.toISOString(),
    new Date(at.getTime() - config.sessionIdleMinutes * 60_000).toISOString(),
  ]);
  if (rows.length === 0) return null;
  const lastSeen = rows[0].last_seen_at as Date;
  if (at.getTime() - lastSeen.getTime() > 60_000) {
    await db.query(SESSION_TOUCH, [rows[0].session_id, at.toISOString()]);
  }
  return toIdentity(rows[0], "session");
}

export async function endSession(db: Queryable, token: string): Promise<void> {
  await db.query("DELETE FROM user_session WHERE token_hash = $1", [hashSecret(token)]);
}

/** Switches the role, team and purpose a session acts in, to one the user holds. */
export async function switchSessionRole(
  db: Queryable,
  sessionId: string,
  userId: string,
  choice: { roleCode: string; teamCode: string; purpose: Purpose },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE user_session s SET role_code = r.role_code, team_id = t.team_id, purpose = $5
       FROM user_role ur JOIN app_role r USING (role_code) JOIN team t USING (team_id)
      WHERE s.session_id = $1 AND ur.user_id = $2 AND s.user_id = $2 AND r.role_code = $3 AND t.team_code = $4
        AND $5 = ANY (r.purposes)
      RETURNING s.session_id`,
    [sessionId, userId, choice.roleCode, choice.teamCode, choice.purpose],
  );
  return rows.length > 0;
}

export const API_TOKEN_MAX_DAYS = 366;

/** A bearer token for a system, acting as one user in one role in one team. The secret is returned once. */
export async function createApiToken(
  db: Queryable,
  operator: Operator,
  request: {
    username: string;
    roleCode: string;
    teamCode: string;
    name: string;
    days: number;
    purpose?: Purpose;
  },
): Promise<{ tokenId: string; token: string; expiresAt: Date }> {
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > API_TOKEN_MAX_DAYS) {
    throw new GovernanceError(`a token lasts from 1 to ${API_TOKEN_MAX_DAYS} days`);
  }
  if (!request.name.trim() || request.name.length > 100)
    throw new GovernanceError("a token needs a name of up to 100 characters");
  const rows = await db.query(
    `SELECT u.user_id, t.team_id, r.purposes
       FROM app_user u JOIN user_role ur USING (user_id) JOIN app_role r USING (role_code) JOIN team t USING (team_id)
      WHERE u.username = $1 AND r.role_code = $2 AND t.team_code = $3`,
    [request.username, request.roleCode, request.teamCode],
  );
  if (rows.length === 0) {
    throw new GovernanceError(
      `${request.username} does not hold the role ${request.roleCode} in ${request.teamCode}`,
      undefined,
      { kind: "forbidden", code: "governance.role-not-held" },
    );
  }
  const purposes = rows[0].purposes as Purpose[];
  const purpose = request.purpose ?? purposes[0];
  if (!purposes.includes(purpose))
    throw new GovernanceError(`the role ${request.roleCode} may not act for "${purpose}"`, undefined, {
      kind: "forbidden",
      code: "governance.purpose-not-allowed",
    });
  const token = newSecret(API_TOKEN_PREFIX);
  const tokenId = randomUUID();
  const expiresAt = new Date(Date.now() + request.days * 86_400_000);
  await db.query(
    `INSERT INTO api_token (token_id, token_hash, name, user_id, role_code, team_id, purpose, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      tokenId,
      hashSecret(token),
      request.name.trim(),
      rows[0].user_id,
      request.roleCode,
      rows[0].team_id,
      purpose,
      expiresAt.toISOString(),
    ],
  );
  await recordSecurityEvent(db, operator, {
    action: "token-create",
    allowed: true,
    reason: "API token created",
    detail: `token ${tokenId} for ${request.username} as ${request.roleCode} in ${request.teamCode}, ${request.days} days`,
  });
  return { tokenId, token, expiresAt };
}

export async function revokeApiToken(db: Queryable, operator: Operator, tokenId: string): Promise<boolean> {
  const rows = await db.query(
    "UPDATE api_token SET revoked_at = now() WHERE token_id::text = $1 AND revoked_at IS NULL RETURNING token_id",
    [tokenId],
  );
  if (rows.length > 0) {
    await recordSecurityEvent(db, operator, {
      action: "token-revoke",
      allowed: true,
      reason: "API token revoked",
      detail: `token ${tokenId}`,
    });
  }
  return rows.length > 0;
}

type TokenRow = Record<string, unknown>;

const TOKENS = new GroupedLookup<string, TokenRow>(async (db, hashes) => {
  const rows = await db.query(TOKEN_IDENTITIES, [hashes]);
  return new Map(rows.map((r) => [r.token_hash as string, r]));
});

/** When a token was last used, per token hash, as this process last wrote it: touched once a minute. */
const TOUCHED = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;

/**
 * The identity behind an API token, or null if it is unknown, expired or revoked, or its user is no longer
 * active or no longer holds the role. Touches last_used_at at most once a minute.
 */
export async function resolveApiToken(
  db: Queryable,
  token: string,
  at: Date = new Date(),
): Promise<Identity | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashSecret(token);
  const row = await TOKENS.get(db, hash);
  if (!row || (row.expires_at as Date).getTime() <= at.getTime()) return null;
  const lastUsed = Math.max((row.last_used_at as Date | null)?.getTime() ?? 0, TOUCHED.get(hash) ?? 0);
  if (at.getTime() - lastUsed > TOUCH_EVERY_MS) {
    // Concurrent requests of one token read the same last_used_at: the first of them touches it.
    if (TOUCHED.size > 10_000) TOUCHED.clear();
    TOUCHED.set(hash, at.getTime());
    await db.query(TOKEN_TOUCH, [row.token_id, at.toISOString()]);
  }
  return toIdentity(row, "api-token");
}
