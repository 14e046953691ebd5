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
// head once to the last row, and inserts the rows. Each input is a column array, one element per row.
// The chain is computed by audit_chain_hashes (migration 1016), the same bytes as chainHash: the content
// arrives as its UTF-8 bytes in base64. Citus plans this statement (it plans no recursive query over its tables,
// nor a STABLE function such as convert_to applied to a column in an UPDATE): it touches only the coordinator's
// tables (the chain head and the trail); the people of a long list go into the distributed audit_set_member
// in a second statement (MEMBERS_SQL), in the same transaction.
const APPEND_SQL = prepared(
  "gov.audit.append",
  `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[],
                       $15::boolean[], $16::text[], $17::text[], $18::text[], $19::uuid[], $20::boolean[], $21::text[],
                       $22::text[], $23::text[])
    WITH ORDINALITY AS u(content, event_id, occurred_at, actor_user_id, actor, role_code, team_code, purpose, action,
                         person_ids, withheld_ids, person_set, withheld_set, person_count, allowed, reason,
                         relationship, disclosure, break_glass_id, flagged, channel, client_address, detail, ord)
), head AS MATERIALIZED (
  SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE
), chain AS MATERIALIZED (
  SELECT c.ord, c.seq, c.prev_hash, c.hash FROM head CROSS JOIN LATERAL audit_chain_hashes(head.seq, head.hash, $1::text[]) c
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
  values: unknown[];
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
  // A list of ids travels as an array literal (each row's list is one element of a column array).
  const small = (ids: string[]) => (ids.length <= SMALL_SET ? `{${ids.join(",")}}` : "{}");
  return {
    eventId: record.eventId,
    values: [
      Buffer.from(canonicalContent(record, packed), "utf8").toString("base64"),
      record.eventId,
      record.occurredAt,
      record.actorUserId,
      record.actor,
      record.roleCode,
      record.teamCode,
      record.purpose,
      record.action,
      small(record.personIds),
      small(record.withheldIds),
      record.personIds.length > SMALL_SET ? packed.persons.toString("base64") : null,
      record.withheldIds.length > SMALL_SET ? packed.withheld.toString("base64") : null,
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
    ],
  };
}

export interface Appended {
  eventId: string;
  seq: number;
  hash: string;
}

/** The packed lists of rows in a batch (index 11: the people's, 12: the withheld's; null when short). */
const PERSON_SET = 11;
const WITHHELD_SET = 12;

/**
 * Appends rows in the order given, in one statement (and, outside a transaction, one commit). A batch with a
 * long list also writes its people to audit_set_member, in the same transaction.
 */
async function appendRows(db: Queryable, rows: readonly PendingRow[]): Promise<Appended[]> {
  const packed = rows.some((r) => r.values[PERSON_SET] !== null || r.values[WITHHELD_SET] !== null);
  if (packed && isDb(db)) return db.transaction((tx) => appendRows(tx, rows));
  const width = rows[0].values.length;
  const columns = Array.from({ length: width }, (_, c) => rows.map((r) => r.values[c]));
  const written = await db.query<{ seq: number; event_id: string; hash: string }>(APPEND_SQL, columns);
  const byId = new Map(written.map((w) => [w.event_id, w]));
  const appended = rows.map((r) => {
    const w = byId.get(r.eventId);
    if (!w) throw new Error("the audit append did not return every row it was given");
    return { eventId: r.eventId, seq: Number(w.seq), hash: w.hash };
  });
  if (packed) {
    const lists: [number, unknown, boolean][] = [];
    for (const [i, r] of rows.entries()) {
      if (r.values[PERSON_SET] !== null) lists.push([appended[i].seq, r.values[PERSON_SET], false]);
      if (r.values[WITHHELD_SET] !== null) lists.push([appended[i].seq, r.values[WITHHELD_SET], true]);
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
