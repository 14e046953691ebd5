import { londonDateTime } from "../../core/index.ts";
import {
  lastRecordWithCare,
  queueEventReview,
  type ReviewedEventResult,
  type ReviewItem,
  recordDecision,
  renameRecord,
  retractRecord,
} from "../../mpi/index.ts";
import { lockNames, type Queryable } from "../../store/index.ts";
import { HL7_ERROR } from "./ack.ts";
import { type AdtEvent, AdtRejection, type VisitDetail } from "./adt.ts";
import type { Hl7Context } from "./apply-parts.ts";
import { foldVisit, readVisitLog, type VisitEventRow } from "./visits.ts";

// The ADT events that change who a source's records are about rather than what happened to them: A47 (the
// source's local id for a patient changes), A45 (a visit moves from one patient to another) and A29 (the source
// deletes what it said about a patient). Where the MPI cannot confirm what the event asks, it waits on the
// identity review queue for a person to decide; everything else is applied at once, and only to what this
// source said.

/** The patient a visit's log says it belongs to now (after any move), or null when the log is empty. */
export function ownerOf(log: readonly VisitEventRow[]): string | null {
  const state = foldVisit(log);
  if (state) return state.recordId;
  const sorted = [...log].sort((a, b) => (a.messageTime < b.messageTime ? -1 : 1));
  const moved = sorted.filter((e) => e.trigger === "A45").at(-1);
  return moved?.recordId ?? sorted.at(-1)?.recordId ?? null;
}

/** A47 whose new id (PID-3) already names another record of this source: two records becoming one is a merge. */
export function identifierTaken(e: AdtEvent, isKnown: (recordId: string) => boolean): AdtRejection | null {
  if (e.trigger !== "A47" || e.priorRecordIds.includes(e.patient.recordId) || !isKnown(e.patient.recordId))
    return null;
  return new AdtRejection(
    "AE",
    HL7_ERROR.duplicateKeyIdentifier,
    "PID-3 (the new patient identifier) already names another patient record this source has sent; two records becoming one is a merge (send A40)",
    { segment: "PID", sequence: 1, field: 3 },
  );
}

/** A45 naming a visit this source has not sent, or one that belongs to a patient MRG-1 does not name. */
export function movedVisitProblem(e: AdtEvent, log: readonly VisitEventRow[]): AdtRejection | null {
  if (log.length === 0)
    return new AdtRejection(
      "AE",
      HL7_ERROR.unknownKeyIdentifier,
      "MRG-5 (prior visit number, else PV1-19) names no visit this source has sent; the move is kept to replay once that visit arrives",
      { segment: "MRG", sequence: 1, field: 5 },
    );
  const owner = ownerOf(log);
  if (owner && owner !== e.patient.recordId && !e.priorRecordIds.includes(owner))
    return new AdtRejection(
      "AE",
      HL7_ERROR.unknownKeyIdentifier,
      "MRG-1 (prior patient identifier) is not the patient the visit belongs to in OnePlace; the move is not applied",
      { segment: "MRG", sequence: 1, field: 1 },
    );
  return null;
}

/**
 * Why an A45 cannot move the visit by itself, or null when it can: the sender is not trusted for identity
 * changes, the patient it moves onto is new (seen first in this message, confirmed by nothing else), or that
 * patient's own link waits for review.
 */
export function moveNeedsReview(
  e: AdtEvent,
  ctx: Hl7Context,
  target: { knownBefore: boolean; uncertain: boolean },
): string | null {
  if (ctx.merges === "review") return "the sender is not trusted for identity changes";
  if (!target.knownBefore) return `record ${e.patient.recordId} (PID-3) was first seen in this message`;
  if (target.uncertain) return `record ${e.patient.recordId} (PID-3) waits in the identity review queue`;
  return null;
}

/** A45 waiting for a person: the visit stays where it is; the review item carries what the move needs. */
export async function queueVisitMove(
  q: Queryable,
  e: AdtEvent,
  fromRecordId: string,
  toPersonId: string,
  why: string,
): Promise<void> {
  await queueEventReview(q, {
    kind: "visit-move",
    sourceSystem: e.sourceSystem,
    recordId: fromRecordId,
    candidatePersonId: toPersonId,
    detail: {
      event: e.trigger,
      visit: e.visitNumber,
      toRecordId: e.patient.recordId,
      controlId: e.controlId,
      messageTime: e.messageTime,
      visitDetail: e.visit,
      why,
    },
    requestedBy: `hl7:${e.sourceSystem}:${e.controlId}`,
    reason: `A45: visit ${e.visitNumber} to move from ${fromRecordId} to ${e.patient.recordId}; ${why}`,
  });
}

/** A47: the source's record moves to the new id in the MPI; the person is unchanged. */
export async function renameSourceRecord(q: Queryable, e: AdtEvent): Promise<void> {
  for (const prior of e.priorRecordIds) {
    const person = await renameRecord(
      q,
      e.sourceSystem,
      prior,
      e.patient.recordId,
      `hl7:${e.sourceSystem}:${e.controlId}`,
      `A47: ${prior} is now ${e.patient.recordId}`,
      e.patient.nhsNumber,
    );
    if (person) return;
  }
}

/**
 * A47, once the batch's own visit events and subjects are written: those naming the old id (whether written
 * before or in this batch) name the new one.
 */
export async function relabelVisits(q: Queryable, e: AdtEvent): Promise<void> {
  for (const prior of e.priorRecordIds) {
    if (prior === e.patient.recordId) continue;
    const params = [e.sourceSystem, prior, e.patient.recordId];
    await q.query(
      "UPDATE adt_visit_event SET record_id = $3 WHERE source_system = $1 AND record_id = $2",
      params,
    );
    await q.query(
      "UPDATE ingest_row_subject SET subject_record_id = $3 WHERE subject_system = $1 AND subject_record_id = $2",
      params,
    );
  }
}

type Refold = (q: Queryable, sourceSystem: string, visitNumber: string) => Promise<void>;

/**
 * Whether the source said something about the patient dated after `at` (MSH-7): a visit event, or the
 * demographics its record holds. In English PAS feeds an event after a deletion (A29) re-creates the patient,
 * so whichever order the two arrive in, the record stands as that later event left it.
 */
export async function saidLater(
  q: Queryable,
  sourceSystem: string,
  recordId: string,
  at: string,
): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM adt_visit_event
     WHERE source_system = $1 AND record_id = $2 AND message_time > $3 AND trigger_event <> 'A29'
     UNION ALL
     SELECT 1 FROM person_record WHERE source_system = $1 AND source_record_id = $2 AND received_at > $3
     LIMIT 1`,
    [sourceSystem, recordId, at],
  );
  return rows.length > 0;
}

/**
 * A29: the source deletes what it said about the patient: each of its visits for them ends in an A29 that
 * folds them away (so a later refold never brings them back), then its record goes from the MPI. When the
 * record is the person's last and OnePlace holds care about them, a person decides instead (review item).
 * What the source said about the patient after the A29's MSH-7 re-created them: visits admitted after it stay
 * (the fold orders by MSH-7) and so does the record (`kept`), whichever arrived first. The A29's MSH-7 is kept
 * for the record (adt_record_deletion): what arrives later dated before it is held (`deletedBefore`).
 */
export async function retractSourceRecord(
  q: Queryable,
  e: Pick<AdtEvent, "sourceSystem" | "controlId" | "messageTime" | "trigger" | "providerCode"> & {
    recordId: string;
  },
  refold: Refold,
  options: { reviewed?: boolean } = {},
): Promise<"retracted" | "review" | "kept"> {
  const later = await saidLater(q, e.sourceSystem, e.recordId, e.messageTime);
  if (!later && !options.reviewed && (await lastRecordWithCare(q, e.sourceSystem, e.recordId))) {
    const person = await q.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
      [e.sourceSystem, e.recordId],
    );
    await queueEventReview(q, {
      kind: "record-delete",
      sourceSystem: e.sourceSystem,
      recordId: e.recordId,
      candidatePersonId: person[0].person_id,
      detail: {
        event: e.trigger,
        controlId: e.controlId,
        messageTime: e.messageTime,
        providerCode: e.providerCode,
        why: "it is the person's last record and OnePlace holds care about them",
      },
      requestedBy: `hl7:${e.sourceSystem}:${e.controlId}`,
      reason: `A29: record ${e.recordId} to be deleted; it is the person's last record and care is held about them`,
    });
    return "review";
  }
  const visits = await q.query<{ visit_number: string }>(
    "SELECT DISTINCT visit_number FROM adt_visit_event WHERE source_system = $1 AND record_id = $2 ORDER BY 1",
    [e.sourceSystem, e.recordId],
  );
  const detail: VisitDetail = { patientClass: "", providerCode: e.providerCode };
  for (const v of visits) {
    await q.query(
      `INSERT INTO adt_visit_event (source_system, visit_number, control_id, trigger_event, message_time, record_id, detail)
       VALUES ($1, $2, $3, 'A29', $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
      [e.sourceSystem, v.visit_number, e.controlId, e.messageTime, e.recordId, JSON.stringify(detail)],
    );
    await refold(q, e.sourceSystem, v.visit_number);
  }
  // Kept per record, so an event dated before the deletion that arrives after it is held (many.ts).
  await q.query(
    `INSERT INTO adt_record_deletion (source_system, record_id, deleted_at, control_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (source_system, record_id) DO UPDATE SET deleted_at = excluded.deleted_at, control_id = excluded.control_id
     WHERE adt_record_deletion.deleted_at < excluded.deleted_at`,
    [e.sourceSystem, e.recordId, e.messageTime, e.controlId],
  );
  if (later) return "kept";
  await retractRecord(
    q,
    e.sourceSystem,
    e.recordId,
    `hl7:${e.sourceSystem}:${e.controlId}`,
    `A29: ${e.sourceSystem} deleted record ${e.recordId}`,
  );
  return "retracted";
}

/**
 * Why an event about a patient cannot be applied because the source deleted the record (A29) after the event's
 * MSH-7, or null: the event was sent before the deletion and delivered after it, so applying it would re-create
 * what the source deleted. `deletedAt` is the record's latest deletion (adt_record_deletion), if any.
 */
export function deletedBefore(
  e: Pick<AdtEvent, "trigger" | "messageTime" | "sourceSystem">,
  recordId: string,
  deletedAt: string | undefined,
): string | null {
  if (e.trigger === "A29" || !deletedAt || Date.parse(e.messageTime) > Date.parse(deletedAt)) return null;
  return `the event is dated before ${e.sourceSystem} deleted record ${recordId} (A29 of ${londonDateTime(deletedAt)}), so it is kept and not applied: applying it would re-create what the source deleted`;
}

interface VisitMoveDetail {
  visit: string;
  toRecordId: string;
  controlId: string;
  messageTime: string;
  visitDetail?: VisitDetail;
}

/**
 * Why an A45 a reviewer confirmed no longer applies as it was queued, or null when it does. The visit is
 * locked and read afresh: it may have been cancelled or deleted, moved by a later A45, or the record it was to
 * move onto deleted (closed), or that record may be another person's now (kept, naming that person).
 */
async function staleVisitMove(
  q: Queryable,
  item: ReviewItem,
  d: VisitMoveDetail,
): Promise<ReviewedEventResult | null> {
  const source = item.sourceSystem;
  const log = await readVisitLog(q, source, d.visit);
  const closed = (notice: string): ReviewedEventResult => ({ outcome: "closed", notice });
  const ended = [...log]
    .sort((a, b) => (a.messageTime < b.messageTime ? -1 : 1))
    .filter((e) => e.trigger === "A29" || e.trigger === "A11")
    .at(-1);
  if (log.length === 0 || (foldVisit(log) === null && ended))
    return closed(
      ended
        ? `visit ${d.visit} was ${ended.trigger === "A29" ? "deleted" : "cancelled"} by ${source} (${ended.trigger} of ${londonDateTime(ended.messageTime)}) after this item was queued, so there is nothing to move; nothing was changed`
        : `visit ${d.visit} is no longer in what ${source} sent, so there is nothing to move; nothing was changed`,
    );
  const owner = ownerOf(log);
  if (owner === d.toRecordId)
    return closed(
      `visit ${d.visit} is already record ${d.toRecordId}'s: ${source} moved it there after this item was queued; nothing was changed`,
    );
  if (owner !== item.recordId)
    return closed(
      `visit ${d.visit} now belongs to record ${owner}, not record ${item.recordId} it was to move from: ${source} moved it after this item was queued; nothing was changed`,
    );
  const target = await q.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [source, d.toRecordId],
  );
  if (target.length === 0)
    return closed(
      `record ${d.toRecordId}, which the visit was to move onto, was deleted by ${source} after this item was queued; the visit stays with record ${item.recordId}`,
    );
  const now = target[0].person_id;
  if (now !== item.candidatePersonId) {
    // The reviewer compared the visit's patient with someone the record no longer belongs to: ask again,
    // against the person it belongs to now (unless an item asking just that already waits).
    const updated = await q.query(
      `UPDATE mpi_review r SET candidate_person_id = $2 WHERE r.review_id = $1 AND NOT EXISTS (
         SELECT 1 FROM mpi_review o WHERE o.status = 'open' AND o.candidate_person_id = $2
           AND o.source_system = r.source_system AND o.source_record_id = r.source_record_id AND o.kind = r.kind
           AND COALESCE(o.detail->>'visit', '') = COALESCE(r.detail->>'visit', '')) RETURNING 1`,
      [item.reviewId, now],
    );
    if (updated.length === 0)
      return closed(
        `record ${d.toRecordId} now belongs to another person, and an item asking to move visit ${d.visit} onto them already waits; nothing was changed`,
      );
    return {
      outcome: "kept",
      notice: `record ${d.toRecordId}, which the visit is to move onto, now belongs to another person than the candidate you compared (it was linked or merged elsewhere after this item was queued); nothing was moved. The item now names that person: compare again before deciding`,
    };
  }
  return null;
}

/**
 * Applies a feed's event a reviewer confirmed: the A45's move goes into the visit's log and the visit is
 * refolded onto the patient it moves to; the A29's deletion is made. What no longer applies as queued is
 * said, and nothing of it is written.
 */
export async function applyReviewedHl7Event(
  q: Queryable,
  item: ReviewItem,
  refold: Refold,
  decidedBy: string,
): Promise<ReviewedEventResult> {
  const d = item.detail as Partial<VisitMoveDetail> & { providerCode?: string };
  if (item.kind === "visit-move" && d.visit && d.toRecordId && d.controlId && d.messageTime) {
    const move = d as VisitMoveDetail;
    await lockNames(q, [
      `visit:${item.sourceSystem}:${move.visit}`,
      `record:${item.sourceSystem}:${item.recordId}`,
      `record:${item.sourceSystem}:${move.toRecordId}`,
    ]);
    const stale = await staleVisitMove(q, item, move);
    if (stale) return stale;
    await q.query(
      `INSERT INTO adt_visit_event (source_system, visit_number, control_id, trigger_event, message_time, record_id, detail)
       VALUES ($1, $2, $3, 'A45', $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
      [
        item.sourceSystem,
        move.visit,
        move.controlId,
        move.messageTime,
        move.toRecordId,
        JSON.stringify(move.visitDetail ?? { patientClass: "", providerCode: "" }),
      ],
    );
    await refold(q, item.sourceSystem, move.visit);
    await recordDecision(q, {
      kind: "visit-move",
      decidedBy,
      record: [item.sourceSystem, item.recordId],
      from: item.personId || null,
      to: item.candidatePersonId,
      reason: `A45: visit ${move.visit} moved from ${item.recordId} to ${move.toRecordId}`,
    });
    return { outcome: "applied" };
  }
  if (item.kind === "record-delete" && d.controlId && d.messageTime) {
    const done = await retractSourceRecord(
      q,
      {
        sourceSystem: item.sourceSystem,
        controlId: d.controlId,
        messageTime: d.messageTime,
        trigger: "A29",
        providerCode: d.providerCode ?? "",
        recordId: item.recordId,
      },
      refold,
      { reviewed: true },
    );
    if (done === "kept")
      return {
        outcome: "applied",
        notice: `record ${item.recordId} stays: ${item.sourceSystem} sent events about the patient dated after the deletion, which re-create the record; only what it said before the deletion was deleted`,
      };
    return { outcome: "applied" };
  }
  return {
    outcome: "closed",
    notice: `the item does not say what the feed asked (${item.kind} without its visit or message), so nothing can be applied; nothing was changed`,
  };
}
