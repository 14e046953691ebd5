import type { Queryable } from "../store/index.ts";
import { type AuditRecord, unpackIds } from "./audit-log.ts";

export const AUDIT_COLUMNS = `seq, event_id, occurred_at, actor_user_id, actor, role_code, team_code, purpose, action,
  person_ids, withheld_ids, person_set, withheld_set, person_count, allowed, reason, relationship, disclosure, break_glass_id, flagged,
  channel, client_address, detail, prev_hash, hash`;

function ids(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  // A driver that does not parse uuid[] returns its text form: {a,b}
  const text = String(value ?? "{}");
  return text === "{}" ? [] : text.slice(1, -1).split(",");
}

export function rowToAuditRecord(row: Record<string, unknown>): AuditRecord {
  const at = row.occurred_at;
  return {
    seq: Number(row.seq),
    eventId: row.event_id as string,
    occurredAt: at instanceof Date ? at.toISOString() : new Date(String(at)).toISOString(),
    actorUserId: (row.actor_user_id as string | null) ?? null,
    actor: row.actor as string,
    roleCode: (row.role_code as string | null) ?? null,
    teamCode: (row.team_code as string | null) ?? null,
    purpose: (row.purpose as string | null) ?? null,
    action: row.action as string,
    // A row holds its people in one of the two forms; if both were filled in, both count (and the hash fails).
    personIds: [...ids(row.person_ids), ...(row.person_set ? unpackIds(row.person_set as Uint8Array) : [])],
    withheldIds: [
      ...ids(row.withheld_ids),
      ...(row.withheld_set ? unpackIds(row.withheld_set as Uint8Array) : []),
    ],
    personCount: Number(row.person_count),
    allowed: row.allowed as boolean,
    reason: row.reason as string,
    relationship: (row.relationship as string | null) ?? null,
    disclosure: (row.disclosure as string | null) ?? null,
    breakGlassId: (row.break_glass_id as string | null) ?? null,
    flagged: row.flagged as boolean,
    channel: row.channel as string,
    clientAddress: (row.client_address as string | null) ?? null,
    detail: (row.detail as string | null) ?? null,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  };
}

/** Audit rows in chain order, a page at a time, so a long trail never sits in memory at once. */
export async function* auditRecordsInOrder(
  db: Queryable,
  where: { sql: string; params: unknown[] } = { sql: "TRUE", params: [] },
  pageSize = 5_000,
): AsyncGenerator<AuditRecord> {
  let after = 0;
  for (;;) {
    const n = where.params.length;
    const rows = await db.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE seq > $${n + 1} AND (${where.sql}) ORDER BY seq LIMIT $${n + 2}`,
      [...where.params, after, pageSize],
    );
    for (const row of rows) yield rowToAuditRecord(row);
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1].seq);
  }
}
