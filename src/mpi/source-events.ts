import { randomUUID } from "node:crypto";
import { lockNames, type Queryable } from "../store/index.ts";
import { recordDecision } from "./decisions.ts";
import { rebuildIdentifiers, recomputeGolden } from "./golden.ts";
import { comparisonJson } from "./link-decisions.ts";
import { personMatchRecord } from "./merge-review.ts";
import { PERSON_LEVEL_TABLES, SUBJECT_IN_ROW_TABLES } from "./moves.ts";
import { scorePair } from "./score.ts";

// What a source says about its own records beyond "this is the patient": its local id changed (HL7 A47), it
// deletes what it said about someone (A29), or an event of its needs a person to decide before OnePlace acts on
// it (a visit moved onto someone the MPI cannot confirm, A45; a deletion that would leave care records on no
// one). Each is a decision in mpi_decision with who asked; nothing another source said is touched.

/** Review items other than "link this record to this person": what a feed asked, waiting for a person. */
export type EventReviewKind = "visit-move" | "record-delete";

export interface EventReviewRequest {
  kind: EventReviewKind;
  sourceSystem: string;
  /** The record the event is about: the visit's current patient (A45), the record to delete (A29). */
  recordId: string;
  /** The person the event would move the visit onto (A45), or the record's own person (A29). */
  candidatePersonId: string;
  /** What applying the decision needs: ids, codes and times only, never demographics. */
  detail: Record<string, unknown>;
  /** Who asked, e.g. hl7:<source>:<control id>. */
  requestedBy: string;
  /** Why it waits; names record ids, never demographics. */
  reason: string;
}

/**
 * The locks a feed takes for what an event item touches (its records, and a visit-move's visit): taken before
 * the item is decided, so a reviewer and a feed's message never wait on each other in a circle.
 */
export function eventReviewLocks(item: {
  source_system: string;
  source_record_id: string;
  detail: unknown;
}): string[] {
  const d = (typeof item.detail === "string" ? JSON.parse(item.detail) : item.detail) as {
    visit?: string;
    toRecordId?: string;
  };
  const source = item.source_system;
  return [
    `record:${source}:${item.source_record_id}`,
    ...(d.toRecordId ? [`record:${source}:${d.toRecordId}`] : []),
    ...(d.visit ? [`visit:${source}:${d.visit}`] : []),
  ];
}

async function linkOf(q: Queryable, sourceSystem: string, recordId: string): Promise<string | null> {
  const rows = await q.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [sourceSystem, recordId],
  );
  return rows[0]?.person_id ?? null;
}

/**
 * Queues an event for a person to decide, scored like any uncertain match (the record's person against the
 * candidate). False when the same event already waits.
 */
export async function queueEventReview(q: Queryable, r: EventReviewRequest): Promise<boolean> {
  const current = await linkOf(q, r.sourceSystem, r.recordId);
  if (!current) return false;
  const [a, b] = await Promise.all([
    personMatchRecord(q, current),
    personMatchRecord(q, r.candidatePersonId),
  ]);
  const score = a && b ? scorePair(a, b) : null;
  const queued = await q.query(
    `INSERT INTO mpi_review (review_id, source_system, source_record_id, candidate_person_id, score, comparison,
       kind, detail)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
    [
      randomUUID(),
      r.sourceSystem,
      r.recordId,
      r.candidatePersonId,
      score?.total ?? 0,
      score ? comparisonJson(score) : JSON.stringify({ total: 0, blocking: false, fields: [] }),
      r.kind,
      JSON.stringify(r.detail),
    ],
  );
  if (queued.length === 0) return false;
  await recordDecision(q, {
    kind: "review-queued",
    decidedBy: r.requestedBy,
    record: [r.sourceSystem, r.recordId],
    from: r.candidatePersonId,
    to: current,
    reason: r.reason,
    score: score?.total ?? null,
  });
  return true;
}

/**
 * A source's local id for a patient changed (A47): its record, link, blocking keys, the subjects of the rows
 * it sent and its open review items follow the new id; the person stays who they were. Returns the person,
 * or null when the source has no record under the old id. The caller refuses a new id that names another
 * record already (that is a merge, A40).
 */
export async function renameRecord(
  q: Queryable,
  sourceSystem: string,
  fromId: string,
  toId: string,
  decidedBy: string,
  reason: string,
  /** The NHS Number the source now gives the record (an A47 may change it, e.g. when it is the record id). */
  nhsNumber: string | null = null,
): Promise<string | null> {
  await lockNames(q, [`record:${sourceSystem}:${fromId}`, `record:${sourceSystem}:${toId}`]);
  const personId = await linkOf(q, sourceSystem, fromId);
  if (!personId || fromId === toId) return personId;
  const params = [sourceSystem, fromId, toId];
  await q.query(
    "UPDATE mpi_record_link SET source_record_id = $3 WHERE source_system = $1 AND source_record_id = $2",
    params,
  );
  await q.query(
    "UPDATE person_record SET source_record_id = $3 WHERE source_system = $1 AND source_record_id = $2",
    params,
  );
  await q.query(
    "UPDATE mpi_block SET source_record_id = $3 WHERE source_system = $1 AND source_record_id = $2",
    params,
  );
  await q.query(
    "UPDATE ingest_row_subject SET subject_record_id = $3 WHERE subject_system = $1 AND subject_record_id = $2",
    params,
  );
  // Rows that keep their subject in the row are the person's (person_id leads every index of those tables).
  for (const table of SUBJECT_IN_ROW_TABLES)
    await q.query(
      `UPDATE ${table} SET subject_record_id = $3
       WHERE person_id = $4 AND source_system = $1 AND subject_record_id = $2`,
      [...params, personId],
    );
  await q.query(
    "UPDATE mpi_review SET source_record_id = $3 WHERE source_system = $1 AND source_record_id = $2 AND status = 'open'",
    params,
  );
  // A visit waiting to move onto the old id moves onto the new one.
  await q.query(
    `UPDATE mpi_review SET detail = jsonb_set(detail, '{toRecordId}', to_jsonb($3::text))
     WHERE source_system = $1 AND status = 'open' AND kind = 'visit-move' AND detail->>'toRecordId' = $2`,
    params,
  );
  // The record's identifiers named the old id as its hospital number: they name the new one.
  await q.query(
    `UPDATE mpi_record_link SET identifiers = (
       SELECT COALESCE(jsonb_agg(CASE WHEN i->>'value' = $2 THEN jsonb_set(i, '{value}', to_jsonb($3::text)) ELSE i END), '[]'::jsonb)
       FROM jsonb_array_elements(identifiers) i)
     WHERE source_system = $1 AND source_record_id = $3`,
    params,
  );
  // The source says this is now the record's NHS Number: trusted, unless it is another person's (a merge to
  // decide, not a rename; the number then stays distrusted as the MPI's matching leaves it). Who holds it comes
  // from the number's route: one shard on Citus, where person by its number went to every shard.
  if (nhsNumber)
    await q.query(
      `UPDATE mpi_record_link SET nhs_number = $3 WHERE source_system = $1 AND source_record_id = $2
         AND NOT EXISTS (SELECT 1 FROM person_by_nhs_number r WHERE r.nhs_number = $3 AND r.person_id <> $4)`,
      [sourceSystem, toId, nhsNumber, personId],
    );
  await recordDecision(q, {
    kind: "rename",
    decidedBy,
    record: [sourceSystem, toId],
    from: personId,
    to: personId,
    reason,
  });
  await recomputeGolden(q, [personId]);
  await rebuildIdentifiers(q, [personId]);
  return personId;
}

/** Whether deleting this record would leave care OnePlace holds (a plan, a referral, a care team ...) on no record. */
export async function lastRecordWithCare(
  q: Queryable,
  sourceSystem: string,
  recordId: string,
): Promise<boolean> {
  const personId = await linkOf(q, sourceSystem, recordId);
  if (!personId) return false;
  const others = await q.query(
    `SELECT 1 FROM mpi_record_link WHERE person_id = $1 AND NOT (source_system = $2 AND source_record_id = $3) LIMIT 1`,
    [personId, sourceSystem, recordId],
  );
  if (others.length > 0) return false;
  const tables = await q.query<{ name: string }>(
    "SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL",
    [PERSON_LEVEL_TABLES],
  );
  for (const t of tables) {
    const rows = await q.query(`SELECT 1 FROM ${t.name} WHERE person_id = $1 LIMIT 1`, [personId]);
    if (rows.length > 0) return true;
  }
  return false;
}

/**
 * A source deletes what it said about a patient (A29): its record, link and blocking keys go, its open review
 * items are superseded, and the person's golden record is recomputed from the records other sources gave
 * (a person left with none is removed). Rows the source sent are the caller's to retract first. Returns the
 * person the record was linked to (null: the source has no such record).
 */
export async function retractRecord(
  q: Queryable,
  sourceSystem: string,
  recordId: string,
  decidedBy: string,
  reason: string,
): Promise<string | null> {
  await lockNames(q, [`record:${sourceSystem}:${recordId}`]);
  const personId = await linkOf(q, sourceSystem, recordId);
  if (!personId) return null;
  const params = [sourceSystem, recordId];
  await q.query("DELETE FROM mpi_block WHERE source_system = $1 AND source_record_id = $2", params);
  await q.query("DELETE FROM person_record WHERE source_system = $1 AND source_record_id = $2", params);
  await q.query("DELETE FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2", params);
  await q.query(
    `UPDATE mpi_review SET status = 'superseded', decided_at = now(), decided_by = $3,
       detail = detail || jsonb_build_object('closed', 'record ' || $2::text || ' was deleted by its source')
     WHERE source_system = $1 AND source_record_id = $2 AND status = 'open'`,
    [...params, decidedBy],
  );
  await recordDecision(q, {
    kind: "retract",
    decidedBy,
    record: [sourceSystem, recordId],
    from: personId,
    to: null,
    reason,
  });
  await recomputeGolden(q, [personId]);
  await rebuildIdentifiers(q, [personId]);
  return personId;
}
