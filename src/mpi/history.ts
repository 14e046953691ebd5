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
