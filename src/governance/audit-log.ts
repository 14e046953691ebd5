// Appending to the audit trail. One statement does it all: it advances the chain head (a row lock that
// serialises every writer, in any process), computes the new row's hash from the previous hash, its position
// and its content, and inserts the row. The caller gets control back only after that statement has
// committed, so nothing is shown that is not already audited.
import { createHash, randomUUID } from "node:crypto";
import { invalid } from "../core/errors.ts";
import type { Queryable } from "../store/index.ts";

/** Who acted, in which role and team, for what purpose, doing what: the same in an input and a stored row. */
export interface AuditActor {
  actorUserId: string | null;
  actor: string;
  roleCode: string | null;
  teamCode: string | null;
  purpose: string | null;
  action: string;
}

export interface AuditEventInput extends AuditActor {
  personIds?: readonly string[];
  withheldIds?: readonly string[];
  personCount?: number;
  allowed: boolean;
  reason: string;
  relationship?: string | null;
  disclosure?: string | null;
  breakGlassId?: string | null;
  flagged?: boolean;
  channel: string;
  clientAddress?: string | null;
  detail?: string | null;
}

/** An audit row as stored, in the shape the hash covers. */
export interface AuditRecord extends AuditActor {
  seq: number;
  eventId: string;
  occurredAt: string;
  personIds: string[];
  withheldIds: string[];
  personCount: number;
  allowed: boolean;
  reason: string;
  relationship: string | null;
  disclosure: string | null;
  breakGlassId: string | null;
  flagged: boolean;
  channel: string;
  clientAddress: string | null;
  detail: string | null;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** Sets larger than this are packed into a bytea instead of a uuid[]. */
export const SMALL_SET = 64;

export function packIds(ids: readonly string[]): Buffer {
  return Buffer.from(ids.map((id) => id.replaceAll("-", "")).join(""), "hex");
}

export function unpackIds(packed: Uint8Array): string[] {
  const hex = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).toString("hex");
  const ids: string[] = [];
  for (let i = 0; i < hex.length; i += 32) {
    const h = hex.slice(i, i + 32);
    ids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  return ids;
}

/** The hash covers a list of people through this digest, so a list of 10,000 costs no more to chain than one. */
export function idsDigest(ids: readonly string[]): string {
  return sha256Hex(packIds(ids));
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The text the hash covers, apart from the previous hash and the position. Field order is fixed. */
export function canonicalContent(
  r: Omit<AuditRecord, "seq" | "prevHash" | "hash">,
  packed: { persons?: Buffer; withheld?: Buffer } = {},
): string {
  return JSON.stringify([
    1,
    r.eventId,
    r.occurredAt,
    r.actorUserId,
    r.actor,
    r.roleCode,
    r.teamCode,
    r.purpose,
    r.action,
    packed.persons ? sha256Hex(packed.persons) : idsDigest(r.personIds),
    packed.withheld ? sha256Hex(packed.withheld) : idsDigest(r.withheldIds),
    r.personCount,
    r.allowed,
    r.reason,
    r.relationship,
    r.disclosure,
    r.breakGlassId,
    r.flagged,
    r.channel,
    r.clientAddress,
    r.detail,
  ]);
}

/** Must match the SQL in APPEND_SQL exactly. */
export function chainHash(prevHash: string, seq: number, content: string): string {
  return createHash("sha256").update(`${prevHash}\n${seq}\n${content}`, "utf8").digest("hex");
}

const APPEND_SQL = `
WITH head AS (
  UPDATE audit_chain_head
     SET seq = seq + 1,
         prev_hash = hash,
         hash = encode(sha256(convert_to(hash || E'\\n' || (seq + 1)::text || E'\\n' || $1::text, 'UTF8')), 'hex')
   WHERE id = 1
  RETURNING seq, prev_hash, hash
), event AS (
  INSERT INTO audit_event (seq, event_id, occurred_at, actor_user_id, actor, role_code, team_code, purpose, action,
    person_ids, withheld_ids, person_set, withheld_set, person_count, allowed, reason, relationship, disclosure, break_glass_id, flagged,
    channel, client_address, detail, prev_hash, hash)
  SELECT head.seq, $2, $3, $4, $5, $6, $7, $8, $9, $10::uuid[], $11::uuid[], decode($22, 'base64'), decode($23, 'base64'),
    $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, head.prev_hash, head.hash
  FROM head
  RETURNING seq, hash, person_set, withheld_set
), members AS (
  -- The packed lists' people, for "who looked at this person?" (0892).
  INSERT INTO audit_set_member (person_id, seq, withheld)
  SELECT DISTINCT encode(substring(s.packed FROM g * 16 + 1 FOR 16), 'hex')::uuid, event.seq, s.withheld
    FROM event
   CROSS JOIN LATERAL (VALUES (event.person_set, false), (event.withheld_set, true)) AS s(packed, withheld)
   CROSS JOIN LATERAL generate_series(0, length(s.packed) / 16 - 1) AS g
   WHERE s.packed IS NOT NULL
)
SELECT seq, hash FROM event`;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Lower-case UUIDs, so the hash of a row is the same whoever wrote it and however it is read back. */
function normaliseIds(ids: readonly string[] | undefined, field: string): string[] {
  if (!ids) return [];
  return ids.map((id) => {
    if (UUID_SHAPE.test(id)) return id;
    const lower = id.toLowerCase();
    if (!UUID_SHAPE.test(lower)) throw invalid("governance.audit-id", `audit: ${field} must be UUIDs`);
    return lower;
  });
}

export async function appendAuditEvent(
  db: Queryable,
  input: AuditEventInput,
  at: Date = new Date(),
): Promise<{ eventId: string; seq: number; hash: string }> {
  const personIds = normaliseIds(input.personIds, "personIds");
  const record = {
    eventId: randomUUID(),
    occurredAt: new Date(Math.floor(at.getTime())).toISOString(),
    actorUserId: input.actorUserId,
    actor: input.actor,
    roleCode: input.roleCode,
    teamCode: input.teamCode,
    purpose: input.purpose,
    action: input.action,
    personIds,
    withheldIds: normaliseIds(input.withheldIds, "withheldIds"),
    personCount: input.personCount ?? (input.allowed ? personIds.length : 0),
    allowed: input.allowed,
    reason: input.reason,
    relationship: input.relationship ?? null,
    disclosure: input.disclosure ?? null,
    breakGlassId: input.breakGlassId ?? null,
    flagged: input.flagged ?? false,
    channel: input.channel,
    clientAddress: input.clientAddress ?? null,
    detail: input.detail ?? null,
  };
  const packed = { persons: packIds(record.personIds), withheld: packIds(record.withheldIds) };
  const rows = await db.query<{ seq: number; hash: string }>(APPEND_SQL, [
    canonicalContent(record, packed),
    record.eventId,
    record.occurredAt,
    record.actorUserId,
    record.actor,
    record.roleCode,
    record.teamCode,
    record.purpose,
    record.action,
    record.personIds.length <= SMALL_SET ? record.personIds : [],
    record.withheldIds.length <= SMALL_SET ? record.withheldIds : [],
    record.personCount,
    record.allowed,
    record.reason,
    record.relationship,
    record.disclosure,
    record.breakGlassId,
    record.flagged,
    record.channel,
    record.clientAddress,
    record.detail,
    record.personIds.length > SMALL_SET ? packed.persons.toString("base64") : null,
    record.withheldIds.length > SMALL_SET ? packed.withheld.toString("base64") : null,
  ]);
  return { eventId: record.eventId, seq: rows[0].seq, hash: rows[0].hash };
}
