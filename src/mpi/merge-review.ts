import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import { recordDecision } from "./decisions.ts";
import { comparisonJson } from "./link-decisions.ts";
import { type DemographicRow, matchRecordFromRow } from "./records.ts";
import { type MatchRecord, scorePair } from "./score.ts";

// A merge a sender asked for but may not make by itself (an A40 from a feed not trusted for merges): the
// prior record goes on the review queue against the survivor's person, scored like any uncertain match, and
// stays where it is until a reviewer links it (the merge) or keeps it separate.

export interface MergeRequest {
  sourceSystem: string;
  /** The record the sender says is the same patient as the survivor. */
  recordId: string;
  survivorPersonId: string;
  /** Who asked, e.g. hl7:<source>:<control id>. */
  requestedBy: string;
  /** Why it waits; names record ids, never demographics. */
  reason: string;
}

/** A person's golden record as the matcher compares it. */
export async function personMatchRecord(q: Queryable, personId: string): Promise<MatchRecord | null> {
  const rows = await q.query<DemographicRow>(
    `SELECT nhs_number, family_name, given_name, birth_date::text AS birth_date, sex, postcode
     FROM person WHERE person_id = $1`,
    [personId],
  );
  return rows[0] ? matchRecordFromRow(rows[0]) : null;
}

/** Queues the merge for review; false when the record is already the survivor's or already waits on it. */
export async function queueMergeReview(q: Queryable, m: MergeRequest): Promise<boolean> {
  const links = await q.query<{ person_id: string }>(
    "SELECT person_id::text AS person_id FROM mpi_record_link WHERE source_system = $1 AND source_record_id = $2",
    [m.sourceSystem, m.recordId],
  );
  const current = links[0]?.person_id;
  if (!current || current === m.survivorPersonId) return false;
  const [a, b] = await Promise.all([personMatchRecord(q, current), personMatchRecord(q, m.survivorPersonId)]);
  if (!a || !b) return false;
  const score = scorePair(a, b);
  const queued = await q.query(
    `INSERT INTO mpi_review (review_id, source_system, source_record_id, candidate_person_id, score, comparison)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
    [randomUUID(), m.sourceSystem, m.recordId, m.survivorPersonId, score.total, comparisonJson(score)],
  );
  if (queued.length === 0) return false;
  await recordDecision(q, {
    kind: "review-queued",
    decidedBy: m.requestedBy,
    record: [m.sourceSystem, m.recordId],
    from: m.survivorPersonId,
    to: current,
    score: score.total,
    reason: m.reason,
  });
  return true;
}
