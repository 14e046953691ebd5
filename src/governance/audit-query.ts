// The IG officer's questions: who looked at this person, and what did this user look at. Asking is itself
// recorded in the trail.
import { isUuid } from "../core/ids.ts";
import { normaliseNhsNumber } from "../core/nhs-number.ts";
import { peopleMergedInto } from "../mpi/index.ts";
import type { Queryable } from "../store/index.ts";
import type { AuditRecord } from "./audit-log.ts";
import { AUDIT_COLUMNS, rowToAuditRecord } from "./audit-records.ts";
import { GovernanceError } from "./errors.ts";
import { peopleByNhsNumber } from "./ig.ts";
import { type Operator, recordSecurityEvent } from "./security-events.ts";

export const AUDIT_QUERY_LIMIT = 10_000;

/** A person id, or an NHS Number (spaces allowed) looked up in the master person index (and its merges). */
export async function resolvePersonRef(db: Queryable, ref: string): Promise<string[]> {
  if (isUuid(ref)) return [ref.toLowerCase()];
  const nhs = normaliseNhsNumber(ref);
  if (!nhs) throw new GovernanceError(`"${ref}" is neither a person id nor a valid NHS Number`);
  const people = await peopleByNhsNumber(db, nhs);
  if (people.length === 0)
    throw new GovernanceError("no person has that NHS Number", undefined, {
      kind: "not-found",
      code: "governance.no-person",
    });
  return people;
}

export async function auditForPerson(
  db: Queryable,
  operator: Operator,
  ref: string,
  limit = AUDIT_QUERY_LIMIT,
): Promise<{ personIds: string[]; mergedPersonIds: string[]; events: AuditRecord[] }> {
  const personIds = await resolvePersonRef(db, ref);
  // The people the MPI merged into them: what the audit recorded under those ids is this person's history too.
  const mergedPersonIds = await peopleMergedInto(db, personIds);
  const rows = await db.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_event
      WHERE seq IN (SELECT seq FROM audit_event WHERE person_ids && $1::uuid[] OR withheld_ids && $1::uuid[]
                    UNION
                    SELECT seq FROM audit_set_member WHERE person_id = ANY($1::uuid[]))
      ORDER BY seq LIMIT $2`,
    [[...personIds, ...mergedPersonIds], limit],
  );
  await recordSecurityEvent(db, operator, {
    action: "audit-query",
    allowed: true,
    reason: "who accessed this person",
    personIds: [...personIds, ...mergedPersonIds],
  });
  return { personIds, mergedPersonIds, events: rows.map(rowToAuditRecord) };
}

export async function auditForUser(
  db: Queryable,
  operator: Operator,
  username: string,
  limit = AUDIT_QUERY_LIMIT,
): Promise<AuditRecord[]> {
  const known = await db.query("SELECT 1 FROM app_user WHERE username = $1", [username]);
  const seen = await db.query("SELECT 1 FROM audit_event WHERE actor = $1 LIMIT 1", [username]);
  if (known.length === 0 && seen.length === 0)
    throw new GovernanceError(`there is no user called ${username}`, undefined, {
      kind: "not-found",
      code: "governance.no-user",
    });
  const rows = await db.query(
    `SELECT ${AUDIT_COLUMNS} FROM audit_event WHERE actor = $1 ORDER BY seq LIMIT $2`,
    [username, limit],
  );
  await recordSecurityEvent(db, operator, {
    action: "audit-query",
    allowed: true,
    reason: "what this user accessed",
    detail: `user ${username}`,
  });
  return rows.map(rowToAuditRecord);
}
