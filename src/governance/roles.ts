import type { Queryable } from "../store/index.ts";
import type { AccessUser, RoleAssignment, RolePolicy, Team } from "./types.ts";

const ROLE_COLUMNS = `r.role_code, r.name AS role_name, r.description, r.purposes, r.access_basis,
  r.relationship_kinds, r.actions, r.may_break_glass, r.may_manage_users, r.may_read_audit`;
const TEAM_COLUMNS = "t.team_id, t.team_code, t.name AS team_name, t.kind AS team_kind, t.org_code";

/** The select list for joining a role (alias r) and a team (alias t); rowToAssignment reads it back. */
export const ASSIGNMENT_COLUMNS = `${ROLE_COLUMNS}, ${TEAM_COLUMNS}`;

type Row = Record<string, unknown>;

export function rowToRolePolicy(row: Row): RolePolicy {
  return {
    roleCode: row.role_code as string,
    name: row.role_name as string,
    description: row.description as string,
    purposes: row.purposes as RolePolicy["purposes"],
    accessBasis: row.access_basis as RolePolicy["accessBasis"],
    relationshipKinds: row.relationship_kinds as RolePolicy["relationshipKinds"],
    actions: row.actions as RolePolicy["actions"],
    mayBreakGlass: row.may_break_glass as boolean,
    mayManageUsers: row.may_manage_users as boolean,
    mayReadAudit: row.may_read_audit as boolean,
  };
}

export function rowToTeam(row: Row): Team {
  return {
    teamId: row.team_id as string,
    teamCode: row.team_code as string,
    name: row.team_name as string,
    kind: row.team_kind as Team["kind"],
    orgCode: (row.org_code as string | null) ?? null,
  };
}

export function rowToAssignment(row: Row): RoleAssignment {
  return { role: rowToRolePolicy(row), team: rowToTeam(row) };
}

export async function listRoles(db: Queryable): Promise<RolePolicy[]> {
  const rows = await db.query(`SELECT ${ROLE_COLUMNS} FROM app_role r ORDER BY r.role_code`);
  return rows.map(rowToRolePolicy);
}

/** The roles a user holds, each in its team. */
export async function listAssignments(db: Queryable, userId: string): Promise<RoleAssignment[]> {
  const rows = await db.query(
    `SELECT ${ASSIGNMENT_COLUMNS}
       FROM user_role ur JOIN app_role r USING (role_code) JOIN team t USING (team_id)
      WHERE ur.user_id = $1
      ORDER BY ur.granted_at, r.role_code, t.team_code`,
    [userId],
  );
  return rows.map(rowToAssignment);
}

/** The user and one of their role assignments, or null if they do not hold that role in that team. */
export async function loadUserInRole(
  db: Queryable,
  username: string,
  roleCode: string,
  teamCode: string,
): Promise<{ user: AccessUser; roleAssignment: RoleAssignment } | null> {
  const rows = await db.query(
    `SELECT u.user_id, u.username, u.status, ${ASSIGNMENT_COLUMNS}
       FROM app_user u JOIN user_role ur USING (user_id) JOIN app_role r USING (role_code) JOIN team t USING (team_id)
      WHERE u.username = $1 AND r.role_code = $2 AND t.team_code = $3`,
    [username, roleCode, teamCode],
  );
  if (rows.length === 0) return null;
  const row = rows[0];
  return {
    user: {
      userId: row.user_id as string,
      username: row.username as string,
      status: row.status as AccessUser["status"],
    },
    roleAssignment: rowToAssignment(row),
  };
}
