// What is checked before a break-glass is granted, apart from the policy: the person must exist (an id that
// names nobody is a 404 with nothing recorded but the refused attempt in the audit trail), and one user may
// start only so many break-glass accesses in an hour; beyond it the attempt is refused and flagged to the IG
// officer, who also sees an alert on each access of a burst (ig.ts).

import { notFound } from "../core/errors.ts";
import { isUuid } from "../core/ids.ts";
import { AccessDenied, auditBase, denied } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import {
  BREAK_GLASS_LIMIT_REASON,
  BREAK_GLASS_PER_HOUR_DEFAULT,
  breakGlassInLastHour,
  personExists,
} from "./break-glass.ts";
import type { AccessContext } from "./types.ts";

export async function breakGlassPreconditions(ctx: AccessContext, personId: string): Promise<void> {
  if (!isUuid(personId)) return; // the decision itself refuses a malformed id, with its audit row
  const id = personId.toLowerCase();
  const at = ctx.now ? ctx.now() : new Date();
  const refusal = async (reason: string, flagged: boolean) =>
    appendAuditEvent(
      ctx.db,
      {
        ...auditBase(ctx, "view"),
        personIds: [id],
        personCount: 0,
        allowed: false,
        reason,
        flagged,
      },
      at,
    );
  if (!(await personExists(ctx.db, id))) {
    await refusal("break-glass refused: no such person", false);
    throw notFound(
      "governance.no-such-person",
      "There is no such person: no break-glass access was recorded.",
      {
        hint: "Check the person's id: find them by NHS Number or name first.",
      },
    );
  }
  const limit = ctx.breakGlassPerHour ?? BREAK_GLASS_PER_HOUR_DEFAULT;
  const recent = await breakGlassInLastHour(ctx.db, ctx.user.userId, at);
  if (recent >= limit) {
    const reason = `${BREAK_GLASS_LIMIT_REASON}: ${recent} in the last hour (limit ${limit}); the IG officer has been alerted`;
    await refusal(reason, true);
    ctx.log?.warn({ event: "break-glass-limit", userId: ctx.user.userId, recent, limit }, reason);
    throw new AccessDenied(denied(reason));
  }
}
