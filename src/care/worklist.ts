// A user's worklist, derived from the records themselves rather than copied into a task table (so nothing can
// fall out of step): the open actions they own in current plans (read from each plan's latest version only) and
// from MDT meetings, the reviews of plans they lead, and for their
// team the referrals awaiting a decision, those accepted and not yet completed, and the reablement 91-day
// follow-ups due. Overdue: due before today. People are not named here: the governed reader filters them.
import { prepared, type Queryable } from "../store/index.ts";

export type WorkKind =
  | "plan-action"
  | "plan-review"
  | "plan-sign-off"
  | "referral-decision"
  | "referral-completion"
  | "follow-up"
  | "mdt-action";

export interface WorkItem {
  kind: WorkKind;
  personId: string;
  /** The plan or referral the item belongs to. */
  recordId: string;
  title: string;
  dueOn: string | null;
  overdue: boolean;
}

type Row = { kind: WorkKind; person_id: string; record_id: string; title: string; due_on: string | null };

// Every direct-care home page runs it: prepared.
const WORKLIST_SQL = prepared(
  "care.worklist",
  `WITH led AS (
       -- The plans the user leads (an index on the lead), each with whether it was ever signed off: a look-up
       -- of the plan's own versions (its primary key), correlated with the plan's rows here, where Citus runs it
       -- beside them on the plan's node; a subquery correlated with this CTE's rows from outside it, or one
       -- over the versions of every led person's plans, Citus cannot plan.
       SELECT l.person_id, l.plan_id, l.status, l.review_due_on,
              l.status = 'signed-off' OR EXISTS (
                SELECT 1 FROM care_plan_version s
                 WHERE s.person_id = l.person_id AND s.plan_id = l.plan_id AND s.status = 'signed-off') AS signed
         FROM care_plan_version l
        WHERE l.lead_user_id = $1::uuid AND l.latest AND l.status <> 'ended'
     )
     -- Only the current plans with an open action the user owns, found by the GIN index on the actions
     -- (migration 1023) rather than by reading every current plan's content.
     SELECT 'plan-action' AS kind, l.person_id, l.plan_id AS record_id, a ->> 'description' AS title,
            a ->> 'dueOn' AS due_on
       FROM care_plan_version l CROSS JOIN LATERAL jsonb_array_elements(l.content -> 'actions') a
      WHERE l.latest AND l.status <> 'ended'
        AND l.content -> 'actions' @> jsonb_build_array(jsonb_build_object('ownerUserId', $1::text, 'status', 'open'))
        AND a ->> 'ownerUserId' = $1::text AND a ->> 'status' = 'open'
     UNION ALL
     SELECT 'plan-review', l.person_id, l.plan_id, 'Review the joint care plan', l.review_due_on::text
       FROM led l WHERE l.signed
     UNION ALL
     SELECT 'plan-sign-off', l.person_id, l.plan_id, 'Sign off the draft care plan you lead', NULL
       FROM led l WHERE l.status = 'draft' AND NOT l.signed
     UNION ALL
     SELECT 'mdt-action', a.person_id, a.meeting_id, a.description, a.due_on::text
       FROM mdt_action a WHERE a.owner_user_id = $1::uuid AND a.status = 'open'
     UNION ALL
     SELECT 'referral-decision', r.person_id, r.referral_id, 'Accept or decline the referral', r.due_on::text
       FROM referral r WHERE r.to_team_id = $2::uuid AND r.closed_on IS NULL AND r.outcome IS NULL
        AND r.service_code IS NOT NULL
     UNION ALL
     SELECT 'referral-completion', r.person_id, r.referral_id, 'Complete the referral with its outcome', NULL
       FROM referral r WHERE r.to_team_id = $2::uuid AND r.closed_on IS NULL AND r.outcome = 'accepted'
        AND r.service_code IS NOT NULL
     UNION ALL
     SELECT 'follow-up', r.person_id, r.referral_id, 'Record where the person is 91 days after discharge',
            r.follow_up_due_on::text
       FROM referral r WHERE r.to_team_id = $2::uuid AND r.follow_up_due_on IS NOT NULL AND r.follow_up_outcome IS NULL
     ORDER BY due_on NULLS LAST, kind, person_id
     LIMIT $3::int`,
);

/** Every item on the user's worklist, due first (overdue at the top), at most `limit`. */
export async function readWorklist(
  q: Queryable,
  who: { userId: string; teamId: string },
  today: string,
  limit = 500,
): Promise<WorkItem[]> {
  const rows = await q.query<Row>(WORKLIST_SQL, [who.userId, who.teamId, limit]);
  return rows.map((r) => ({
    kind: r.kind,
    personId: r.person_id,
    recordId: r.record_id,
    title: r.title,
    dueOn: r.due_on,
    overdue: r.due_on !== null && r.due_on < today,
  }));
}
