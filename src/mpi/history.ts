import type { Queryable } from "../store/index.ts";

/** One decision of the master person index: a link, a separation, a merge or an unmerge. */
export type MpiDecision = {
  decided_at: Date;
  decided_by: string;
  kind: string;
  source_system: string | null;
  source_record_id: string | null;
  from_person_id: string | null;
  to_person_id: string | null;
  score: number | null;
  reason: string;
};

/** Every decision about a person (either side of it) or about one source record, oldest first. */
export async function decisionHistory(
  db: Queryable,
  about: { personId: string } | { sourceSystem: string; recordId: string },
): Promise<MpiDecision[]> {
  const where =
    "personId" in about
      ? { sql: "to_person_id = $1 OR from_person_id = $1", params: [about.personId] }
      : { sql: "source_system = $1 AND source_record_id = $2", params: [about.sourceSystem, about.recordId] };
  return db.query<MpiDecision>(
    `SELECT decided_at, decided_by, kind, source_system, source_record_id, from_person_id::text AS from_person_id,
            to_person_id::text AS to_person_id, score, reason
       FROM mpi_decision WHERE ${where.sql} ORDER BY decided_at, decision_id`,
    where.params,
  );
}

/** One merge a person took part in (as survivor or retired), and whether it was undone. */
export interface MergeEntry {
  mergeId: string;
  survivorPersonId: string;
  retiredPersonId: string;
  records: number;
  decidedAt: string;
  decidedBy: string;
  reason: string;
  unmergedAt: string | null;
  unmergedBy: string | null;
}

/** Every merge the person survived or was retired by, newest first. */
export async function mergesOf(db: Queryable, personId: string): Promise<MergeEntry[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT merge_id::text AS merge_id, survivor_person_id::text AS survivor, retired_person_id::text AS retired,
            jsonb_array_length(records) AS records, merged_at, decided_by, reason, unmerged_at, unmerged_by
       FROM mpi_merge WHERE survivor_person_id = $1 OR retired_person_id = $1
      ORDER BY merged_at DESC, merge_id`,
    [personId],
  );
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ? String(v) : null);
  return rows.map((r) => ({
    mergeId: String(r.merge_id),
    survivorPersonId: String(r.survivor),
    retiredPersonId: String(r.retired),
    records: Number(r.records),
    decidedAt: iso(r.merged_at) ?? "",
    decidedBy: String(r.decided_by),
    reason: String(r.reason),
    unmergedAt: iso(r.unmerged_at),
    unmergedBy: (r.unmerged_by as string | null) ?? null,
  }));
}
