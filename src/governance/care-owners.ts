// Who may own an action about a person: a named, active user in a direct-care role whose team holds a
// legitimate relationship with the person now (the same facts and policy as the access check; break-glass
// does not count, since it is one clinician's emergency access, not the team's care). Owners outside OnePlace
// are typed names, marked external by whoever adds the action, and never resolved to an account.
import { prepared, type Queryable } from "../store/index.ts";
import { evaluateAccess } from "./policy.ts";
import { personRelations, relationFacts } from "./relationship-facts.ts";
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

const STAFF = prepared(
  "gov.care-owners",
  `SELECT u.user_id::text AS user_id, u.username, u.display_name, ${ASSIGNMENT_COLUMNS}
     FROM app_user u JOIN user_role ur USING (user_id) JOIN app_role r USING (role_code) JOIN team t USING (team_id)
    WHERE u.status = 'active' AND r.access_basis = 'relationship' AND 'direct-care' = ANY(r.purposes)
      AND ($1::uuid IS NULL OR u.user_id = $1::uuid)
    ORDER BY u.display_name, t.name LIMIT ${STAFF_LIMIT}`,
);

/**
 * Direct-care staff (optionally one user) whose role in a team holds a relationship with the person at `at`.
 * The person's relationships are read once and each user's role in a team decided from them, so the list costs
 * two statements however many teams and roles the staff hold (the care plan tab reads it on every view).
 */
export async function staffCaringFor(
  db: Queryable,
  personId: string,
  at: Date,
  onlyUserId: string | null = null,
): Promise<StaffMember[]> {
  const [rows, relations] = await Promise.all([
    db.query<Record<string, unknown>>(STAFF, [onlyUserId]),
    personRelations(db, personId, at),
  ]);
  const shown: StaffMember[] = [];
  for (const row of rows) {
    const assignment = rowToAssignment(row);
    const decision = evaluateAccess({
      roleAssignment: assignment,
      userActive: true,
      purpose: "direct-care",
      action: "view",
      facts: relationFacts(
        relations,
        {
          user: { userId: row.user_id as string, username: row.username as string, status: "active" },
          roleAssignment: assignment,
        },
        personId,
      ),
    });
    if (decision.allow && decision.relationship !== null && decision.relationship !== "break-glass") {
      shown.push({
        userId: row.user_id as string,
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
