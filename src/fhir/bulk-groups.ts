// Groups for Group-level Bulk Data export: a saved cohort (risk_cohort, through the risk capability's index)
// as `cohort-<cohort id>`, or a risk register's current members as `register-<register id>`. Only the
// members' internal ids are read here; who may be exported among them is governance's decision.
import { cohortMembers, listCohorts } from "../risk/index.ts";
import type { Queryable } from "../store/index.ts";
import { notFoundError } from "./outcome.ts";

const GROUP_ID = /^(cohort|register)-([a-z0-9][a-z0-9-]{0,80})$/;

/** The members of a Group by its id; a 404 OperationOutcome when there is no such cohort or register. */
export async function groupMembers(db: Queryable, groupId: string): Promise<string[]> {
  const m = GROUP_ID.exec(groupId);
  if (!m) throw notFoundError("there is no Group with this id: a Group is cohort-<id> or register-<id>");
  const [, kind, id] = m;
  if (kind === "cohort") {
    const cohort = (await listCohorts(db)).find((c) => c.cohortId === id);
    if (!cohort) throw notFoundError("there is no saved cohort with this id");
    return (await cohortMembers(db, cohort.criteria)).map((member) => member.personId);
  }
  const rows = await db.query<{ person_id: string; current: boolean }>(
    `SELECT person_id::text, bool_or(left_on IS NULL) AS current FROM risk_register_member
      WHERE register_id = $1 GROUP BY person_id ORDER BY person_id`,
    [id],
  );
  if (rows.length === 0)
    throw notFoundError("there is no register with this id, or it has never had members");
  return rows.filter((r) => r.current).map((r) => r.person_id);
}
