// Who may own an action about a person: a named, active user in a direct-care role whose team holds a
// legitimate relationship with the person now (the same facts and policy as the access check; break-glass
// does not count, since it is one clinician's emergency access, not the team's care). Owners outside OnePlace
// are typed names, marked external by whoever adds the action, and never resolved to an account.
import type { Queryable } from "../store/index.ts";
import { evaluateAccess } from "./policy.ts";
import { factsForPerson } from "./relationship-facts.ts";
import { ASSIGNMENT_COLUMNS, rowToAssignment } from "./roles.ts";

/** Someone who can lead a plan or own an action: a named user in a direct-care role in a team. */
export interface StaffMember {
  userId: string;
  name: string;
  teamId: string;
  teamName: string;
  orgCode: string | null;
  roleName: string;
}

const STAFF_LIMIT = 1000;

/**
 * Direct-care staff (optionally one user) whose role in a team holds a relationship with the person at `at`.
 * The facts are read once per team and role (per user, too, for roles that count caseloads, which are held by
 * the professional), so a place's staff list costs one query per distinct team and role, not per user.
 */
export async function staffCaringFor(
  db: Queryable,
  personId: string,
  at: Date,
  onlyUserId: string | null = null,
): Promise<StaffMember[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT u.user_id::text AS user_id, u.username, u.display_name, ${ASSIGNMENT_COLUMNS}
       FROM app_user u JOIN user_role ur USING (user_id) JOIN app_role r USING (role_code) JOIN team t USING (team_id)
      WHERE u.status = 'active' AND r.access_basis = 'relationship' AND 'direct-care' = ANY(r.purposes)
        AND ($1::uuid IS NULL OR u.user_id = $1::uuid)
      ORDER BY u.display_name, t.name LIMIT ${STAFF_LIMIT}`,
    [onlyUserId],
  );
  const decided = new Map<string, boolean>();
  const shown: StaffMember[] = [];
  for (const row of rows) {
    const assignment = rowToAssignment(row);
    const userId = row.user_id as string;
    const perUser = assignment.role.relationshipKinds.includes("caseload");
    const key = `${perUser ? userId : ""}|${assignment.team.teamId}|${assignment.role.roleCode}`;
    let ok = decided.get(key);
    if (ok === undefined) {
      const facts = await factsForPerson(
        db,
        {
          user: { userId, username: row.username as string, status: "active" },
          roleAssignment: assignment,
          at,
        },
        personId,
      );
      const decision = evaluateAccess({
        roleAssignment: assignment,
        userActive: true,
        purpose: "direct-care",
        action: "view",
        facts: { ...facts, breakGlassId: null },
      });
      ok = decision.allow && decision.relationship !== null && decision.relationship !== "break-glass";
      decided.set(key, ok);
    }
    if (ok) {
      shown.push({
        userId,
        name: row.display_name as string,
        teamId: assignment.team.teamId,
        teamName: assignment.team.name,
        orgCode: assignment.team.orgCode,
        roleName: assignment.role.name,
      });
    }
  }
  return shown;
}
