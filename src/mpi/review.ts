import { lockNames, type Queryable } from "../store/index.ts";
import { recordDecision } from "./decisions.ts";
import { MpiError, relinkRecord } from "./merge.ts";
import { type EventReviewKind, eventReviewLocks } from "./source-events.ts";

// The review queue: records whose best candidate scored between the thresholds. Each waits on a person of
// its own; a reviewer either links it to the candidate or confirms it is someone else. Other kinds hold a feed's
// event the MPI cannot confirm (source-events.ts): "link" applies what the feed asked, "separate" leaves things
// as they are.

export interface ReviewItem {
  reviewId: string;
  sourceSystem: string;
  recordId: string;
  /** The person the record is linked to while it waits. */
  personId: string;
  candidatePersonId: string;
  score: number;
  comparison: {
    total: number;
    blocking: boolean;
    fields: { field: string; outcome: string; weight: number }[];
  };
  createdAt: string;
  /** link: is this record the candidate? visit-move / record-delete: a feed's event waiting for a person. */
  kind: "link" | EventReviewKind;
  /** What an event item applies (the visit, the event): ids and codes only. */
  detail: Record<string, unknown>;
}

const ITEM_COLUMNS = `r.review_id::text AS review_id, r.source_system, r.source_record_id, l.person_id::text AS person_id,
            r.candidate_person_id::text AS candidate_person_id, r.score, r.comparison, r.created_at, r.kind, r.detail`;

export async function listReview(q: Queryable, limit = 100, offset = 0): Promise<ReviewItem[]> {
  const rows = await q.query<ReviewRow>(
    `SELECT ${ITEM_COLUMNS}
     FROM mpi_review r
     LEFT JOIN mpi_record_link l ON l.source_system = r.source_system AND l.source_record_id = r.source_record_id
     WHERE r.status = 'open'
     ORDER BY r.score DESC, r.created_at, r.review_id
     LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  return rows.map(toItem);
}

type ReviewRow = {
  review_id: string;
  source_system: string;
  source_record_id: string;
  person_id: string | null;
  candidate_person_id: string;
  score: number;
  comparison: ReviewItem["comparison"] | string;
  created_at: Date;
  kind: string;
  detail: Record<string, unknown> | string;
};

function toItem(r: ReviewRow): ReviewItem {
  return {
    reviewId: r.review_id,
    sourceSystem: r.source_system,
    recordId: r.source_record_id,
    personId: r.person_id ?? "",
    candidatePersonId: r.candidate_person_id,
    score: Number(r.score),
    comparison: typeof r.comparison === "string" ? JSON.parse(r.comparison) : r.comparison,
    createdAt: r.created_at.toISOString(),
    kind: r.kind as ReviewItem["kind"],
    detail: typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail,
  };
}

/** A review item, open or decided, with how and by whom it was decided. */
export interface ReviewItemState extends ReviewItem {
  status: "open" | "linked" | "separate" | "superseded";
  decidedAt: string | null;
  decidedBy: string | null;
}

/** One review item by id, whatever its status; null when there is none. */
export async function getReview(q: Queryable, reviewId: string): Promise<ReviewItemState | null> {
  const rows = await q.query<
    ReviewRow & { status: string; decided_at: Date | null; decided_by: string | null }
  >(
    `SELECT ${ITEM_COLUMNS}, r.status, r.decided_at, r.decided_by
     FROM mpi_review r
     LEFT JOIN mpi_record_link l ON l.source_system = r.source_system AND l.source_record_id = r.source_record_id
     WHERE r.review_id = $1`,
    [reviewId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    ...toItem(r),
    status: r.status as ReviewItemState["status"],
    decidedAt: r.decided_at ? r.decided_at.toISOString() : null,
    decidedBy: r.decided_by,
  };
}

export async function openReviewCount(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: number }>("SELECT count(*) AS n FROM mpi_review WHERE status = 'open'");
  return Number(rows[0].n);
}

export type ReviewVerdict = "link" | "separate";

/**
 * What became of a feed's event a reviewer confirmed. `applied`: done (a notice says what differed from what
 * the feed asked, if anything). `closed`: what it asked no longer applies (the visit moved on or was deleted,
 * the record it was to move onto was deleted): nothing was changed and the item closes, saying why. `kept`:
 * what the reviewer compared changed (the record the visit moves onto is now another person's): the item
 * stays open, naming that person, for the reviewer to look again.
 */
export type ReviewedEventResult =
  | { outcome: "applied"; notice?: string }
  | { outcome: "closed" | "kept"; notice: string };

/**
 * Applies a feed's event a reviewer confirmed (a visit move, a record deletion): the capability that owns the
 * event's rows does it (ingest, for HL7 events), inside the decision's transaction, after checking that what
 * the event asked still applies.
 */
export type ApplyReviewedEvent = (
  q: Queryable,
  item: ReviewItem,
  decidedBy: string,
) => Promise<ReviewedEventResult>;

/** What a decision did: the person the record is on now, and for a feed's event what became of it. */
export interface ReviewDecisionResult {
  personId: string;
  /** For a feed's event confirmed by the reviewer: applied, closed (stale) or kept open (look again). */
  event?: ReviewedEventResult;
}

/**
 * Records a reviewer's decision: the record is the candidate (link) or someone else (separate); for an event
 * item, apply what the feed asked (link, through `applyEvent`) or leave things as they are (separate).
 */
export async function decideReview(
  q: Queryable,
  reviewId: string,
  verdict: ReviewVerdict,
  decidedBy: string,
  reason?: string,
  applyEvent?: ApplyReviewedEvent,
): Promise<ReviewDecisionResult> {
  // A feed's event takes the locks its feed takes (the visit, the records) before the item's row, as a feed's
  // message does before it touches review items: the two never wait on each other in a circle.
  const peek = await q.query<{
    source_system: string;
    source_record_id: string;
    kind: string;
    detail: unknown;
  }>("SELECT source_system, source_record_id, kind, detail FROM mpi_review WHERE review_id = $1", [reviewId]);
  if (peek[0] && peek[0].kind !== "link") await lockNames(q, eventReviewLocks(peek[0]));
  const rows = await q.query<{
    source_system: string;
    source_record_id: string;
    candidate_person_id: string;
    status: string;
    kind: string;
  }>(
    `SELECT source_system, source_record_id, candidate_person_id::text AS candidate_person_id, status, kind
     FROM mpi_review WHERE review_id = $1 FOR UPDATE`,
    [reviewId],
  );
  if (rows.length === 0) throw new MpiError(`No review item ${reviewId}`, "not-found", "mpi.no-review-item");
  const item = rows[0];
  if (item.status !== "open")
    throw new MpiError(
      `Review item ${reviewId} was already decided (${item.status})`,
      "conflict",
      "mpi.already-decided",
    );
  const record = [item.source_system, item.source_record_id] as const;
  let personId: string;
  let event: ReviewedEventResult | undefined;
  if (item.kind !== "link") {
    const full = (await getReview(q, reviewId)) as ReviewItemState;
    personId = full.personId || full.candidatePersonId;
    if (verdict === "link") {
      if (!applyEvent)
        throw new MpiError(
          `Review item ${reviewId} is a feed's event (${item.kind}); nothing here can apply it`,
          "conflict",
          "mpi.event-not-applicable",
        );
      event = await applyEvent(q, full, decidedBy);
      if (event.outcome === "kept") return { personId, event };
      if (event.outcome === "closed") {
        await closeStale(q, reviewId, record, full, decidedBy, event.notice);
        return { personId, event };
      }
    }
    await recordDecision(q, {
      kind: verdict === "link" ? "review-link" : "review-separate",
      decidedBy,
      record,
      from: full.personId || null,
      to: item.candidate_person_id,
      reason: [
        reason ??
          (verdict === "link" ? `reviewer: ${item.kind} applied` : `reviewer: ${item.kind} not applied`),
        event?.notice,
      ]
        .filter((x) => x)
        .join("; "),
    });
  } else if (verdict === "link") {
    const exists = await q.query("SELECT 1 FROM person WHERE person_id = $1", [item.candidate_person_id]);
    if (exists.length === 0) {
      throw new MpiError(
        `The candidate person ${item.candidate_person_id} no longer exists (merged or relinked)`,
        "conflict",
        "mpi.candidate-gone",
      );
    }
    personId = await relinkRecord(
      q,
      record,
      item.candidate_person_id,
      decidedBy,
      reason ?? "reviewer: same person",
      "review-link",
    );
  } else {
    const current = await q.query<{ person_id: string }>(
      "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
      [record[0], record[1]],
    );
    personId = current[0]?.person_id ?? "";
    await recordDecision(q, {
      kind: "review-separate",
      decidedBy,
      record,
      from: item.candidate_person_id,
      to: personId || null,
      reason: reason ?? "reviewer: not the same person",
    });
  }
  await q.query(
    "UPDATE mpi_review SET status = $2, decided_at = now(), decided_by = $3 WHERE review_id = $1",
    [reviewId, verdict === "link" ? "linked" : "separate", decidedBy],
  );
  return event ? { personId, event } : { personId };
}

/**
 * A feed's event that no longer applies: the item closes (superseded, the notice kept in its detail as
 * `closed`) and the decision says why; nothing the event asked is done.
 */
async function closeStale(
  q: Queryable,
  reviewId: string,
  record: readonly [string, string],
  item: ReviewItem,
  decidedBy: string,
  notice: string,
): Promise<void> {
  await q.query(
    `UPDATE mpi_review SET status = 'superseded', decided_at = now(), decided_by = $2,
       detail = detail || jsonb_build_object('closed', $3::text)
     WHERE review_id = $1`,
    [reviewId, decidedBy, notice],
  );
  await recordDecision(q, {
    kind: "review-closed",
    decidedBy,
    record,
    from: item.personId || null,
    to: item.candidatePersonId,
    reason: `${item.kind}: ${notice}`,
  });
}
