// Accounts, teams and role assignments. Every change is recorded in the audit trail.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import { GovernanceError } from "./errors.ts";
import { hashPassword, PreparedPassword, passwordProblem } from "./password.ts";
import { listAssignments } from "./roles.ts";
import { type Operator, recordSecurityEvent } from "./security-events.ts";
import { TEAM_KINDS, type Team, type TeamKind } from "./types.ts";

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{1,99}$/;
export const TEAM_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface UserSummary {
  userId: string;
  username: string;
  displayName: string;
  status: "active" | "locked" | "disabled";
  lockedUntil: string | null;
  signIn: ("password" | "oidc")[];
  roles: { roleCode: string; teamCode: string }[];
}

function checkUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new GovernanceError(
      `"${username}" is not a valid username`,
      "Use 2 to 100 lower-case letters, digits and . _ @ -, starting with a letter or digit.",
    );
  }
}

export async function createTeam(
  db: Queryable,
  operator: Operator,
  team: { teamCode: string; name: string; kind: string; orgCode?: string | null },
): Promise<Team> {
  if (!TEAM_CODE_PATTERN.test(team.teamCode)) {
    throw new GovernanceError(
      `"${team.teamCode}" is not a valid team code`,
      "Use letters, digits and . _ - (up to 64).",
    );
  }
  if (!(TEAM_KINDS as readonly string[]).includes(team.kind)) {
    throw new GovernanceError(`unknown team kind "${team.kind}"`, `Choose one of: ${TEAM_KINDS.join(", ")}.`);
  }
  if (!team.name.trim()) throw new GovernanceError("a team needs a name");
  const existing = await db.query("SELECT 1 FROM team WHERE team_code = $1", [team.teamCode]);
  if (existing.length > 0)
    throw new GovernanceError(`a team with the code ${team.teamCode} already exists`, undefined, {
      kind: "conflict",
      code: "governance.team-exists",
    });
  const created: Team = {
    teamId: randomUUID(),
    teamCode: team.teamCode,
    name: team.name.trim(),
    kind: team.kind as TeamKind,
    orgCode: team.orgCode?.trim() || null,
  };
  await db.query("INSERT INTO team (team_id, team_code, name, kind, org_code) VALUES ($1, $2, $3, $4, $5)", [
    created.teamId,
    created.teamCode,
    created.name,
    created.kind,
    created.orgCode,
  ]);
  await recordSecurityEvent(db, operator, {
    action: "team-create",
    allowed: true,
    reason: "team created",
    detail: `team ${created.teamCode} (${created.kind}${created.orgCode ? `, ${created.orgCode}` : ""})`,
  });
  return created;
}

export async function listTeams(db: Queryable): Promise<Team[]> {
  const rows = await db.query("SELECT team_id, team_code, name, kind, org_code FROM team ORDER BY team_code");
  return rows.map((r) => ({
    teamId: r.team_id as string,
    teamCode: r.team_code as string,
    name: r.name as string,
    kind: r.kind as TeamKind,
    orgCode: (r.org_code as string | null) ?? null,
  }));
}

async function userIdOf(db: Queryable, username: string): Promise<string> {
  const rows = await db.query<{ user_id: string }>("SELECT user_id FROM app_user WHERE username = $1", [
    username,
  ]);
  if (rows.length === 0) {
    throw new GovernanceError(`there is no user called ${username}`, "See 'oneplace users list'.", {
      kind: "not-found",
      code: "governance.no-user",
    });
  }
  return rows[0].user_id;
}

async function teamIdOf(db: Queryable, teamCode: string): Promise<string> {
  const rows = await db.query<{ team_id: string }>("SELECT team_id FROM team WHERE team_code = $1", [
    teamCode,
  ]);
  if (rows.length === 0) {
    throw new GovernanceError(`there is no team with the code ${teamCode}`, "See 'oneplace users teams'.", {
      kind: "not-found",
      code: "governance.no-team",
    });
  }
  return rows[0].team_id;
}

export async function createUser(
  db: Queryable,
  operator: Operator,
  user: { username: string; displayName: string; password?: string | PreparedPassword | null },
): Promise<{ userId: string }> {
  checkUsername(user.username);
  if (!user.displayName.trim()) throw new GovernanceError("a user needs a display name (--name)");
  let passwordHash: string | null = null;
  if (user.password != null) {
    const prepared = user.password instanceof PreparedPassword ? user.password : null;
    const password = prepared ? prepared.password : user.password;
    if (typeof password !== "string") throw new GovernanceError("a password is text");
    const problem = passwordProblem(password);
    if (problem) throw new GovernanceError(problem);
    passwordHash = prepared ? await prepared.hash() : await hashPassword(password);
  }
  const existing = await db.query("SELECT 1 FROM app_user WHERE username = $1", [user.username]);
  if (existing.length > 0)
    throw new GovernanceError(`a user called ${user.username} already exists`, undefined, {
      kind: "conflict",
      code: "governance.user-exists",
    });
  const userId = randomUUID();
  await db.query(
    `INSERT INTO app_user (user_id, username, display_name, password_hash, password_changed_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $4::text IS NULL THEN NULL ELSE now() END)`,
    [userId, user.username, user.displayName.trim(), passwordHash],
  );
  await recordSecurityEvent(db, operator, {
    action: "user-create",
    allowed: true,
    reason: "user created",
    detail: `user ${user.username}${passwordHash ? "" : " (sign-in through OpenID Connect only)"}`,
  });
  return { userId };
}

export async function listUsers(db: Queryable): Promise<UserSummary[]> {
  const rows = await db.query(
    `SELECT user_id, username, display_name, status, locked_until, password_hash IS NOT NULL AS has_password,
            oidc_subject IS NOT NULL AS has_oidc
       FROM app_user ORDER BY username`,
  );
  const result: UserSummary[] = [];
  for (const r of rows) {
    const assignments = await listAssignments(db, r.user_id as string);
    const lockedUntil = r.locked_until as Date | null;
    result.push({
      userId: r.user_id as string,
      username: r.username as string,
      displayName: r.display_name as string,
      status: r.status as UserSummary["status"],
      lockedUntil: lockedUntil && lockedUntil > new Date() ? lockedUntil.toISOString() : null,
      signIn: [...(r.has_password ? ["password" as const] : []), ...(r.has_oidc ? ["oidc" as const] : [])],
      roles: assignments.map((a) => ({ roleCode: a.role.roleCode, teamCode: a.team.teamCode })),
    });
  }
  return result;
}

/** A change to one user's role in one team, by an administrator; assignRole and removeRole are its two. */
export type RoleChange = (
  db: Queryable,
  operator: Operator,
  username: string,
  roleCode: string,
  teamCode: string,
) => Promise<void>;

export const assignRole: RoleChange = (db, operator, username, roleCode, teamCode) =>
  changeRole(db, operator, { username, roleCode, teamCode }, "role-assign", async (userId, teamId) => {
    const role = await db.query("SELECT 1 FROM app_role WHERE role_code = $1", [roleCode]);
    if (role.length === 0)
      throw new GovernanceError(`unknown role "${roleCode}"`, "See 'oneplace users roles'.", {
        kind: "not-found",
        code: "governance.no-role",
      });
    const rows = await db.query(
      `INSERT INTO user_role (user_id, role_code, team_id, granted_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [userId, roleCode, teamId, operator.name],
    );
    if (rows.length === 0)
      throw new GovernanceError(`${username} already holds the role ${roleCode} in ${teamCode}`, undefined, {
        kind: "conflict",
        code: "governance.role-held",
      });
  });

export const removeRole: RoleChange = (db, operator, username, roleCode, teamCode) =>
  changeRole(db, operator, { username, roleCode, teamCode }, "role-remove", async (userId, teamId) => {
    const holder = [userId, roleCode, teamId];
    const rows = await db.query(
      "DELETE FROM user_role WHERE user_id = $1 AND role_code = $2 AND team_id = $3 RETURNING user_id",
      holder,
    );
    if (rows.length === 0)
      throw new GovernanceError(`${username} does not hold the role ${roleCode} in ${teamCode}`, undefined, {
        kind: "conflict",
        code: "governance.role-not-held",
      });
    // Sessions and tokens acting in the removed role end now, not when they expire.
    await db.query("DELETE FROM user_session WHERE user_id = $1 AND role_code = $2 AND team_id = $3", holder);
    await db.query(
      "UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND role_code = $2 AND team_id = $3 AND revoked_at IS NULL",
      holder,
    );
  });

const ROLE_EVENT_REASONS = { "role-assign": "role assigned", "role-remove": "role removed" };

/** Finds the user and the team, applies the change, then writes its audit row. */
async function changeRole(
  db: Queryable,
  operator: Operator,
  grant: { username: string; roleCode: string; teamCode: string },
  action: keyof typeof ROLE_EVENT_REASONS,
  apply: (userId: string, teamId: string) => Promise<void>,
): Promise<void> {
  const userId = await userIdOf(db, grant.username);
  const teamId = await teamIdOf(db, grant.teamCode);
  await apply(userId, teamId);
  await recordSecurityEvent(db, operator, {
    action,
    allowed: true,
    reason: ROLE_EVENT_REASONS[action],
    detail: `${grant.username}: ${grant.roleCode} in ${grant.teamCode}`,
  });
}

/** Sets a new password, clears a sign-in lockout and ends the user's sessions. */
export async function resetPassword(
  db: Queryable,
  operator: Operator,
  username: string,
  password: string,
): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new GovernanceError(problem);
  const hash = await hashPassword(password);
  await changeAccount(db, operator, username, {
    set: "password_hash = $2, password_changed_at = now(), failed_logins = 0, locked_until = NULL",
    params: [hash],
    endSessions: true,
    action: "password-reset",
    reason: "password reset; sessions ended",
  });
}

/** An administrator's lock: no sign-in, sessions and API tokens stop working at once. */
export async function lockUser(db: Queryable, operator: Operator, username: string): Promise<void> {
  await changeAccount(db, operator, username, {
    set: "status = 'locked'",
    endSessions: true,
    action: "user-lock",
    reason: "account locked",
  });
}

/** Lifts an administrator's lock and a lockout after failed sign-ins. */
export async function unlockUser(db: Queryable, operator: Operator, username: string): Promise<void> {
  await changeAccount(db, operator, username, {
    set: "status = 'active', failed_logins = 0, locked_until = NULL",
    endSessions: false,
    action: "user-unlock",
    reason: "account unlocked",
  });
}

/** One administrator's change to an account: the update, its sessions ended if asked, and its audit row. */
async function changeAccount(
  db: Queryable,
  operator: Operator,
  username: string,
  change: { set: string; params?: unknown[]; endSessions: boolean; action: string; reason: string },
): Promise<void> {
  const userId = await userIdOf(db, username);
  await db.query(`UPDATE app_user SET ${change.set} WHERE user_id = $1`, [userId, ...(change.params ?? [])]);
  if (change.endSessions) await db.query("DELETE FROM user_session WHERE user_id = $1", [userId]);
  await recordSecurityEvent(db, operator, {
    action: change.action,
    allowed: true,
    reason: change.reason,
    detail: `user ${username}`,
  });
}

export { teamIdOf, userIdOf };
