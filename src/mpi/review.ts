import type { Queryable } from "../store/index.ts";
import { MpiError, relinkRecord } from "./merge.ts";

// The review queue: records whose best candidate scored between the thresholds. Each waits on a person of
// its own; a reviewer either links it to the candidate or confirms it is someone else.

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
}

export async function listReview(q: Queryable, limit = 100, offset = 0): Promise<ReviewItem[]> {
  const rows = await q.query<ReviewRow>(
    `SELECT r.review_id::text AS review_id, r.source_system, r.source_record_id, l.person_id::text AS person_id,
            r.candidate_person_id::text AS candidate_person_id, r.score, r.comparison, r.created_at
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
    `SELECT r.review_id::text AS review_id, r.source_system, r.source_record_id, l.person_id::text AS person_id,
            r.candidate_person_id::text AS candidate_person_id, r.score, r.comparison, r.created_at,
            r.status, r.decided_at, r.decided_by
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

/** Records a reviewer's decision: the record is the candidate (link) or someone else (separate). */
export async function decideReview(
  q: Queryable,
  reviewId: string,
  verdict: ReviewVerdict,
  decidedBy: string,
  reason?: string,
): Promise<{ personId: string }> {
  const rows = await q.query<{
    source_system: string;
    source_record_id: string;
    candidate_person_id: string;
    status: string;
  }>(
    `SELECT source_system, source_record_id, candidate_person_id::text AS candidate_person_id, status
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
  if (verdict === "link") {
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
    await q.query(
      `INSERT INTO mpi_decision (decision_id, decided_by, kind, source_system, source_record_id, from_person_id,
         to_person_id, reason) VALUES (gen_random_uuid(), $1, 'review-separate', $2, $3, $4, $5, $6)`,
      [
        decidedBy,
        record[0],
        record[1],
        item.candidate_person_id,
        personId || null,
        reason ?? "reviewer: not the same person",
      ],
    );
  }
  await q.query(
    "UPDATE mpi_review SET status = $2, decided_at = now(), decided_by = $3 WHERE review_id = $1",
    [reviewId, verdict === "link" ? "linked" : "separate", decidedBy],
  );
  return { personId };
}
