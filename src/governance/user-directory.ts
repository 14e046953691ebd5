// The user directory administrators search: accounts with their roles in one query (filtered and paged),
// one account in full, and the teams with how many people hold a role in each. Account data only: no
// personal data about the people in care.
import type { Queryable } from "../store/index.ts";
import { GovernanceError } from "./errors.ts";
import type { TeamKind } from "./types.ts";

export type UserStatusFilter = "active" | "locked" | "disabled";

export interface UserQuery {
  /** Part of a username or display name, any case. */
  text?: string;
  roleCode?: string;
  teamCode?: string;
  status?: UserStatusFilter;
  /** From 1; 50 accounts a page unless told. */
  page?: number;
  pageSize?: number;
}

export interface DirectoryRole {
  roleCode: string;
  roleName: string;
  teamCode: string;
  teamName: string;
  grantedAt: string;
  grantedBy: string;
}

export interface DirectoryUser {
  userId: string;
  username: string;
  displayName: string;
  status: UserStatusFilter;
  /** Until when a run of wrong passwords keeps the account locked; null if it does not. */
  lockedUntil: string | null;
  signIn: ("password" | "oidc")[];
  roles: DirectoryRole[];
}

export interface UserPage {
  users: DirectoryUser[];
  total: number;
  page: number;
  pageSize: number;
}

export interface UserDetail extends DirectoryUser {
  createdAt: string;
  passwordChangedAt: string | null;
  failedSignIns: number;
  activeSessions: number;
  lastSessionAt: string | null;
  activeTokens: number;
}

export interface TeamWithMembers {
  teamId: string;
  teamCode: string;
  name: string;
  kind: TeamKind;
  orgCode: string | null;
  orgName: string | null;
  members: number;
}

const iso = (v: unknown) => (v == null ? null : new Date(v as string | Date).toISOString());

const USER_COLUMNS = `u.user_id, u.username, u.display_name, u.status, u.locked_until, u.created_at,
  u.password_changed_at, u.failed_logins, u.password_hash IS NOT NULL AS has_password,
  u.oidc_subject IS NOT NULL AS has_oidc,
  COALESCE((SELECT json_agg(json_build_object('roleCode', r.role_code, 'roleName', r.name, 'teamCode', t.team_code,
              'teamName', t.name, 'grantedAt', ur.granted_at, 'grantedBy', ur.granted_by)
              ORDER BY ur.granted_at, r.role_code, t.team_code)
              FROM user_role ur JOIN app_role r USING (role_code) JOIN team t USING (team_id)
             WHERE ur.user_id = u.user_id), '[]'::json) AS roles`;

function toUser(row: Record<string, unknown>, now: Date): DirectoryUser {
  const lockedUntil = row.locked_until ? new Date(row.locked_until as string) : null;
  const roles = (typeof row.roles === "string" ? JSON.parse(row.roles) : row.roles) as DirectoryRole[];
  return {
    userId: row.user_id as string,
    username: row.username as string,
    displayName: row.display_name as string,
    status: row.status as UserStatusFilter,
    lockedUntil: lockedUntil && lockedUntil > now ? lockedUntil.toISOString() : null,
    signIn: [...(row.has_password ? ["password" as const] : []), ...(row.has_oidc ? ["oidc" as const] : [])],
    roles: roles.map((r) => ({ ...r, grantedAt: iso(r.grantedAt) ?? "" })),
  };
}

/** Accounts matching the query, in username order, one page at a time, with each one's roles. */
export async function searchUsers(db: Queryable, query: UserQuery, now = new Date()): Promise<UserPage> {
  const pageSize = Math.min(Math.max(query.pageSize ?? 50, 1), 200);
  const page = Math.max(query.page ?? 1, 1);
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.text?.trim()) {
    params.push(
      `%${query.text
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    );
    where.push(`(u.username LIKE $${params.length} OR lower(u.display_name) LIKE $${params.length})`);
  }
  if (query.status) {
    params.push(query.status);
    where.push(`u.status = $${params.length}`);
  }
  if (query.roleCode || query.teamCode) {
    const conditions: string[] = [];
    if (query.roleCode) {
      params.push(query.roleCode);
      conditions.push(`ur.role_code = $${params.length}`);
    }
    if (query.teamCode) {
      params.push(query.teamCode);
      conditions.push(`t.team_code = $${params.length}`);
    }
    where.push(`EXISTS (SELECT 1 FROM user_role ur JOIN team t USING (team_id)
                         WHERE ur.user_id = u.user_id AND ${conditions.join(" AND ")})`);
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
  const total = (
    await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM app_user u ${whereSql}`, params)
  )[0].n;
  const rows = await db.query(
    `SELECT ${USER_COLUMNS} FROM app_user u ${whereSql}
      ORDER BY u.username LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
    params,
  );
  return { users: rows.map((r) => toUser(r, now)), total, page, pageSize };
}

/** One account in full: roles, sign-in methods, sessions and tokens in use. */
export async function userDetail(db: Queryable, username: string, now = new Date()): Promise<UserDetail> {
  const rows = await db.query(
    `SELECT ${USER_COLUMNS},
            (SELECT count(*)::int FROM user_session s WHERE s.user_id = u.user_id AND s.expires_at > $2) AS sessions,
            (SELECT max(s.created_at) FROM user_session s WHERE s.user_id = u.user_id) AS last_session,
            (SELECT count(*)::int FROM api_token k WHERE k.user_id = u.user_id AND k.revoked_at IS NULL
                AND k.expires_at > $2) AS tokens
       FROM app_user u WHERE u.username = $1`,
    [username, now.toISOString()],
  );
  if (rows.length === 0) {
    throw new GovernanceError(`there is no user called ${username}`, "Search the list of users.", {
      kind: "not-found",
      code: "governance.no-user",
    });
  }
  const row = rows[0];
  return {
    ...toUser(row, now),
    createdAt: iso(row.created_at) ?? "",
    passwordChangedAt: iso(row.password_changed_at),
    failedSignIns: row.failed_logins as number,
    activeSessions: row.sessions as number,
    lastSessionAt: iso(row.last_session),
    activeTokens: row.tokens as number,
  };
}

/** Every team, in kind then code order, with its organisation's name and how many people hold a role in it. */
export async function teamsWithMembers(db: Queryable): Promise<TeamWithMembers[]> {
  const rows = await db.query(
    `SELECT t.team_id, t.team_code, t.name, t.kind, t.org_code, o.name AS org_name,
            (SELECT count(DISTINCT ur.user_id)::int FROM user_role ur WHERE ur.team_id = t.team_id) AS members
       FROM team t LEFT JOIN organisation o ON o.org_code = t.org_code
      ORDER BY CASE t.kind WHEN 'practice' THEN 1 WHEN 'locality-mdt' THEN 2 WHEN 'provider-service' THEN 3
                           WHEN 'commissioning' THEN 4 ELSE 5 END, t.team_code`,
  );
  return rows.map((r) => ({
    teamId: r.team_id as string,
    teamCode: r.team_code as string,
    name: r.name as string,
    kind: r.kind as TeamKind,
    orgCode: (r.org_code as string | null) ?? null,
    orgName: (r.org_name as string | null) ?? null,
    members: r.members as number,
  }));
}
