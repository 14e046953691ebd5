// Appending to the audit trail. One statement does it all: it locks the chain head (a row lock that serialises
// every writer, in any process), computes each new row's hash from the previous hash, its position and its
// content, moves the head and inserts the rows. Concurrent appends of one process go in one such statement
// (group commit), so requests do not queue one commit at a time on the head. The caller gets control back
// only after that statement has committed, so nothing is shown that is not already audited.
import { createHash, hash, randomUUID } from "node:crypto";
import { invalid } from "../core/errors.ts";
import { type Db, GroupCommit, prepared, type Queryable } from "../store/index.ts";

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

/** The digest of no one (most rows withhold no one): the same bytes every time, worked out once. */
const EMPTY_DIGEST = createHash("sha256").update(Buffer.alloc(0)).digest("hex");

function sha256Hex(data: Buffer): string {
  return data.length === 0 ? EMPTY_DIGEST : hash("sha256", data, "hex");
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

// One statement appends a batch of rows in order: it locks the chain head (FOR UPDATE waits for any other
// writer, in any process, and then reads the newest head), chains each row to the one before it, moves the
// head once to the last row, and inserts the rows. The rows arrive as one JSON list (one object a row, its keys
// the columns below, `ord` its place in the batch), not as a column array per field: the driver escaped each
// element of 23 arrays and PostgreSQL parsed 23 array literals for every batch (bench/fhir-api.ts, read by id).
// The chain is computed by audit_chain_hashes (migration 1016), the same bytes as chainHash: the content
// arrives as its UTF-8 bytes in base64, in the batch's order. Citus plans this statement (it plans no recursive
// query over its tables, nor a STABLE function such as convert_to applied to a column in an UPDATE): it touches
// only the coordinator's tables (the chain head and the trail); the people of a long list go into the
// distributed audit_set_member in a second statement (MEMBERS_SQL), in the same transaction.
const APPEND_SQL = prepared(
  "gov.audit.append",
  `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS u(ord int, content text, event_id uuid, occurred_at timestamptz,
    actor_user_id uuid, actor text, role_code text, team_code text, purpose text, action text, person_ids text,
    withheld_ids text, person_set text, withheld_set text, person_count int, allowed boolean, reason text,
    relationship text, disclosure text, break_glass_id uuid, flagged boolean, channel text, client_address text,
    detail text)
), head AS MATERIALIZED (
  SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE
), chain AS MATERIALIZED (
  SELECT c.ord, c.seq, c.prev_hash, c.hash
    FROM head CROSS JOIN LATERAL audit_chain_hashes(head.seq, head.hash,
      (SELECT array_agg(content ORDER BY ord) FROM input)) c
), moved AS (
  UPDATE audit_chain_head h SET seq = last.seq, prev_hash = last.prev_hash, hash = last.hash
    FROM (SELECT seq, prev_hash, hash FROM chain ORDER BY ord DESC LIMIT 1) last
   WHERE h.id = 1
  RETURNING h.seq
), event AS (
  INSERT INTO audit_event (seq, event_id, occurred_at, actor_user_id, actor, role_code, team_code, purpose, action,
    person_ids, withheld_ids, person_set, withheld_set, person_count, allowed, reason, relationship, disclosure,
    break_glass_id, flagged, channel, client_address, detail, prev_hash, hash)
  SELECT c.seq, i.event_id, i.occurred_at, i.actor_user_id, i.actor, i.role_code, i.team_code, i.purpose, i.action,
    i.person_ids::uuid[], i.withheld_ids::uuid[], decode(i.person_set, 'base64'), decode(i.withheld_set, 'base64'),
    i.person_count, i.allowed, i.reason, i.relationship, i.disclosure, i.break_glass_id, i.flagged, i.channel,
    i.client_address, i.detail, c.prev_hash, c.hash
  FROM input i JOIN chain c ON c.ord = i.ord
  RETURNING seq, event_id, hash
)
SELECT seq, event_id::text AS event_id, hash FROM event ORDER BY seq`,
);

// The people of the packed (long) lists, for "who looked at this person?" (0892): one row per person and list.
// Each input is a column array, one element per packed list: the row's position, the list in base64, withheld.
// The lists are decoded once, MATERIALIZED: inlined, the planner decoded the whole list again for every person
// in it, so a 10,000-person export spent seconds here (quadratic in the list's length).
const MEMBERS_SQL = prepared(
  "gov.audit.members",
  `
INSERT INTO audit_set_member (person_id, seq, withheld)
WITH s AS MATERIALIZED (
  SELECT u.seq, decode(u.packed, 'base64') AS packed, u.withheld
    FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS u(seq, packed, withheld)
)
SELECT DISTINCT encode(substring(s.packed FROM g * 16 + 1 FOR 16), 'hex')::uuid, s.seq, s.withheld
  FROM s CROSS JOIN LATERAL generate_series(0, length(s.packed) / 16 - 1) AS g`,
);

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

/** One row ready to append: its content already hashed into the text the chain covers. */
interface PendingRow {
  eventId: string;
  /** The row as a JSON object of APPEND_SQL's columns, all but `ord` (the batch gives it its place). */
  json: string;
  /** The long lists' people packed in base64 (audit_set_member), or null when the list is short. */
  personSet: string | null;
  withheldSet: string | null;
}

function pendingRow(input: AuditEventInput, at: Date): PendingRow {
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
  // A short list of ids travels as an array literal (text the statement casts to uuid[]), a long one packed.
  const small = (ids: string[]) => (ids.length <= SMALL_SET ? `{${ids.join(",")}}` : "{}");
  const personSet = record.personIds.length > SMALL_SET ? packed.persons.toString("base64") : null;
  const withheldSet = record.withheldIds.length > SMALL_SET ? packed.withheld.toString("base64") : null;
  return {
    eventId: record.eventId,
    personSet,
    withheldSet,
    json: JSON.stringify({
      content: Buffer.from(canonicalContent(record, packed), "utf8").toString("base64"),
      event_id: record.eventId,
      occurred_at: record.occurredAt,
      actor_user_id: record.actorUserId,
      actor: record.actor,
      role_code: record.roleCode,
      team_code: record.teamCode,
      purpose: record.purpose,
      action: record.action,
      person_ids: small(record.personIds),
      withheld_ids: small(record.withheldIds),
      person_set: personSet,
      withheld_set: withheldSet,
      person_count: record.personCount,
      allowed: record.allowed,
      reason: record.reason,
      relationship: record.relationship,
      disclosure: record.disclosure,
      break_glass_id: record.breakGlassId,
      flagged: record.flagged,
      channel: record.channel,
      client_address: record.clientAddress,
      detail: record.detail,
    }),
  };
}

/** The batch as APPEND_SQL's one parameter: each row's object with its place in the batch (from 1) first. */
export function batchJson(rows: readonly { json: string }[]): string {
  let json = "[";
  for (let i = 0; i < rows.length; i++) json += `${i > 0 ? "," : ""}{"ord":${i + 1},${rows[i].json.slice(1)}`;
  return `${json}]`;
}

export interface Appended {
  eventId: string;
  seq: number;
  hash: string;
}

/**
 * Appends rows in the order given, in one statement (and, outside a transaction, one commit). A batch with a
 * long list also writes its people to audit_set_member, in the same transaction.
 */
async function appendRows(db: Queryable, rows: readonly PendingRow[]): Promise<Appended[]> {
  const packed = rows.some((r) => r.personSet !== null || r.withheldSet !== null);
  if (packed && isDb(db)) return db.transaction((tx) => appendRows(tx, rows));
  const written = await db.query<{ seq: number; event_id: string; hash: string }>(APPEND_SQL, [
    batchJson(rows),
  ]);
  const byId = new Map(written.map((w) => [w.event_id, w]));
  const appended = rows.map((r) => {
    const w = byId.get(r.eventId);
    if (!w) throw new Error("the audit append did not return every row it was given");
    return { eventId: r.eventId, seq: Number(w.seq), hash: w.hash };
  });
  if (packed) {
    const lists: [number, unknown, boolean][] = [];
    for (const [i, r] of rows.entries()) {
      if (r.personSet !== null) lists.push([appended[i].seq, r.personSet, false]);
      if (r.withheldSet !== null) lists.push([appended[i].seq, r.withheldSet, true]);
    }
    await db.query(MEMBERS_SQL, [lists.map((l) => l[0]), lists.map((l) => l[1]), lists.map((l) => l[2])]);
  }
  return appended;
}

/** At most this many rows in one append; the rest wait for the next. */
const MAX_BATCH = 200;

/**
 * Group commit (store/group-commit.ts): the appends a process makes while another is being written wait and go
 * together, in the order they were asked for, as one statement that locks and moves the chain head once.
 * Every caller still gets control back only after its own row has committed; a batch that fails is retried
 * row by row, so one bad row fails only its own caller.
 */
const BATCHERS = new WeakMap<Db, GroupCommit<PendingRow, Appended>>();

function isDb(db: Queryable): db is Db {
  return typeof (db as Partial<Db>).transaction === "function";
}

/**
 * Appends one audit row and returns once it has committed. On a database handle, rows from concurrent callers
 * are written together (group commit, above); inside a transaction the row is written there, and commits
 * with it.
 */
export async function appendAuditEvent(
  db: Queryable,
  input: AuditEventInput,
  at: Date = new Date(),
): Promise<Appended> {
  const row = pendingRow(input, at);
  if (!isDb(db)) return (await appendRows(db, [row]))[0];
  let batcher = BATCHERS.get(db);
  if (!batcher) {
    batcher = new GroupCommit({ write: (rows) => appendRows(db, rows), maxBatch: MAX_BATCH });
    BATCHERS.set(db, batcher);
  }
  return batcher.submit(row);
}
