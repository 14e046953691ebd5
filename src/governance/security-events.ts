import type { Queryable } from "../store/index.ts";
import { appendAuditEvent } from "./audit-log.ts";

/** Who did an administrative act: a signed-in user, or an operator at the command line. */
export interface Operator {
  userId: string | null;
  name: string; // username, or cli:<operating-system user>
  channel: string;
  clientAddress?: string | null;
}

/** Sign-ins, account changes and audit queries go in the same trail as access to personal data. */
export function recordSecurityEvent(
  db: Queryable,
  operator: Operator,
  event: { action: string; allowed: boolean; reason: string; detail?: string | null; personIds?: string[] },
): Promise<unknown> {
  return appendAuditEvent(db, {
    actorUserId: operator.userId,
    actor: operator.name,
    roleCode: null,
    teamCode: null,
    purpose: "administration",
    action: event.action,
    personIds: event.personIds,
    personCount: 0,
    allowed: event.allowed,
    reason: event.reason,
    channel: operator.channel,
    clientAddress: operator.clientAddress ?? null,
    detail: event.detail ?? null,
  });
}
