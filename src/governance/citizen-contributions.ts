// What a person adds to their own care plan from the citizen's view (what matters to them, a goal they would
// like, a preference), kept as their own words beside the plan (a plan version is saved by a staff user in a
// team; a citizen is neither). The lead professional takes one into the plan's next version, in the same
// transaction as that version, or closes it with a reason the person sees. No access decisions here: the
// citizen's and the staff reader call these after deciding and auditing.
import { randomUUID } from "node:crypto";
import { type Author, amendPlan, type CarePlan, type PlanContent } from "../care/index.ts";
import { conflict, invalid, notFound } from "../core/errors.ts";
import type { Db, Queryable } from "../store/index.ts";

export const CONTRIBUTION_KINDS = ["what-matters", "goal", "preference"] as const;
export type ContributionKind = (typeof CONTRIBUTION_KINDS)[number];
export const CONTRIBUTION_MAX = 2_000;
export const CLOSED_REASON_MAX = 1_000;
/** A person may have this many waiting at once: enough to say what they need, not a flood for the team. */
export const WAITING_MAX = 10;

export const KIND_WORDS: Record<ContributionKind, string> = {
  "what-matters": "What matters to me",
  goal: "A goal I would like",
  preference: "A preference",
};

export interface Contribution {
  contributionId: string;
  personId: string;
  kind: ContributionKind;
  body: string;
  submittedAt: string;
  /** Added by a carer with proxy access, not by the person. */
  byProxy: boolean;
  status: "waiting" | "taken" | "closed";
  decidedAt: string | null;
  decidedBy: string | null;
  planVersion: number | null;
  closedReason: string | null;
}

/** The text the person typed, trimmed and checked; refused with what to do. */
export function checkContribution(kind: string, body: string): { kind: ContributionKind; body: string } {
  if (!(CONTRIBUTION_KINDS as readonly string[]).includes(kind)) {
    throw invalid("governance.contribution-kind", "Choose what you are adding.", {
      hint: "Pick 'What matters to me', 'A goal I would like' or 'A preference'.",
    });
  }
  const text = body.replace(/\r\n/g, "\n").trim();
  if (text === "") {
    throw invalid("governance.contribution-empty", "Write what you would like to add.", {
      hint: "For example: 'Being able to get to church on Sundays'.",
    });
  }
  if (text.length > CONTRIBUTION_MAX) {
    throw invalid(
      "governance.contribution-too-long",
      `What you wrote is ${text.length} characters long; the most is ${CONTRIBUTION_MAX}.`,
      { hint: "Shorten it, or add it in two parts." },
    );
  }
  return { kind: kind as ContributionKind, body: text };
}

export async function addContribution(
  db: Db,
  input: {
    personId: string;
    kind: string;
    body: string;
    submittedBy: string;
    proxyId: string | null;
    at: Date;
  },
): Promise<Contribution> {
  const { kind, body } = checkContribution(input.kind, input.body);
  const id = randomUUID();
  await db.transaction(async (tx) => {
    // One at a time per person, so the count below cannot be raced past.
    await tx.query("SELECT person_id FROM person WHERE person_id = $1 FOR UPDATE", [input.personId]);
    const [row] = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM citizen_contribution WHERE person_id = $1 AND status = 'waiting'",
      [input.personId],
    );
    if (Number(row?.n ?? 0) >= WAITING_MAX) {
      throw conflict(
        "governance.contribution-too-many",
        `You have ${WAITING_MAX} things waiting for your care team to look at.`,
        { hint: "Wait until your care team has looked at them, or contact your lead professional." },
      );
    }
    await tx.query(
      `INSERT INTO citizen_contribution
         (person_id, contribution_id, kind, body, submitted_by, proxy_id, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [input.personId, id, kind, body, input.submittedBy, input.proxyId, input.at],
    );
  });
  const [added] = await readContributions(db, [input.personId], id);
  return added;
}

export async function readContributions(
  q: Queryable,
  personIds: string[],
  contributionId?: string,
): Promise<Contribution[]> {
  const rows = await q.query<{
    contribution_id: string;
    person_id: string;
    kind: ContributionKind;
    body: string;
    submitted_at: Date | string;
    proxy_id: string | null;
    status: Contribution["status"];
    decided_at: Date | string | null;
    decided_by: string | null;
    plan_version: number | null;
    closed_reason: string | null;
  }>(
    `SELECT c.contribution_id, c.person_id, c.kind, c.body, c.submitted_at, c.proxy_id, c.status, c.decided_at,
            u.display_name AS decided_by, c.plan_version, c.closed_reason
       FROM citizen_contribution c LEFT JOIN app_user u ON u.user_id = c.decided_by_user_id
      WHERE c.person_id = ANY($1::uuid[]) AND ($2::uuid IS NULL OR c.contribution_id = $2)
      ORDER BY c.submitted_at DESC, c.contribution_id`,
    [personIds, contributionId ?? null],
  );
  return rows.map((r) => ({
    contributionId: r.contribution_id,
    personId: r.person_id,
    kind: r.kind,
    body: r.body,
    submittedAt: new Date(r.submitted_at).toISOString(),
    byProxy: r.proxy_id !== null,
    status: r.status,
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at).toISOString(),
    decidedBy: r.decided_by,
    planVersion: r.plan_version,
    closedReason: r.closed_reason,
  }));
}

/** The plan content with the person's words in: a goal becomes a goal, the rest join what matters to them. */
export function withContribution(content: PlanContent, c: Contribution, goalId: string): PlanContent {
  if (c.kind === "goal") {
    return {
      ...content,
      goals: [...content.goals, { goalId, description: c.body, measure: "" }],
    };
  }
  const words = c.kind === "preference" ? `My preference: ${c.body}` : c.body;
  const joined = content.whatMattersToMe === "" ? words : `${content.whatMattersToMe}\n\n${words}`;
  return { ...content, whatMattersToMe: joined };
}

const alreadyDecided = () =>
  conflict("governance.contribution-decided", "Someone has already dealt with what the person added.", {
    hint: "Open the care plan again to see what was done with it.",
  });

/**
 * Takes a waiting contribution into the plan's next version: the version and the contribution's new status in
 * one transaction, so neither is left without the other; a plan moved on since the page was opened is a
 * conflict, as for any other edit.
 */
export async function takeContribution(
  db: Db,
  personId: string,
  planId: string,
  baseVersion: number,
  contributionId: string,
  author: Author,
): Promise<CarePlan> {
  if (!/^[0-9a-f-]{36}$/.test(planId)) {
    throw invalid("governance.contribution-needs-plan", "There is no care plan to add this to yet.", {
      hint: "Start the person's care plan, then take what they added into it.",
    });
  }
  const [c] = await readContributions(db, [personId], contributionId);
  if (!c) throw notFound("governance.no-such-contribution", "There is no such contribution for this person.");
  if (c.status !== "waiting") throw alreadyDecided();
  return amendPlan(
    db,
    personId,
    planId,
    baseVersion,
    author,
    (content) => withContribution(content, c, randomUUID()),
    async (tx, version) => {
      const done = await tx.query(
        `UPDATE citizen_contribution
            SET status = 'taken', decided_by_user_id = $3, decided_at = $4, plan_id = $5, plan_version = $6
          WHERE person_id = $1 AND contribution_id = $2 AND status = 'waiting'
          RETURNING contribution_id`,
        [personId, contributionId, author.userId, author.at, planId, version],
      );
      if (done.length === 0) throw alreadyDecided();
    },
  );
}

/** Closes a waiting contribution without changing the plan, with a reason the person will read. */
export async function closeContribution(
  db: Db,
  personId: string,
  contributionId: string,
  reason: string,
  author: Author,
): Promise<void> {
  const why = reason.trim();
  if (why === "") {
    throw invalid("governance.contribution-close-reason", "Say why this is not going into the plan.", {
      hint: "The person reads this, so write it for them: for example 'We talked about this at your review'.",
    });
  }
  if (why.length > CLOSED_REASON_MAX) {
    throw invalid(
      "governance.contribution-close-reason-too-long",
      `The reason is longer than ${CLOSED_REASON_MAX} characters.`,
      { hint: "Shorten it." },
    );
  }
  const [c] = await readContributions(db, [personId], contributionId);
  if (!c) throw notFound("governance.no-such-contribution", "There is no such contribution for this person.");
  const done = await db.query(
    `UPDATE citizen_contribution
        SET status = 'closed', decided_by_user_id = $3, decided_at = $4, closed_reason = $5
      WHERE person_id = $1 AND contribution_id = $2 AND status = 'waiting' RETURNING contribution_id`,
    [personId, contributionId, author.userId, author.at, why],
  );
  if (done.length === 0) throw alreadyDecided();
}
