import type { Queryable } from "../store/index.ts";

// How good the links are, against the generator's truth (synth_truth): pairwise precision and recall over the
// source records both know. A pair is two records of the same person; precision is the share of pairs the MPI
// linked that the truth also has, recall the share of the truth's pairs the MPI linked.

export interface MatchQuality {
  records: number;
  truePairs: number;
  linkedPairs: number;
  correctPairs: number;
  precision: number;
  recall: number;
  /** Records the MPI put with someone they are not (wrong links). */
  wrongRecords: number;
  openReviews: number;
}

export async function evaluateMatching(q: Queryable): Promise<MatchQuality> {
  const rows = await q.query<Record<string, number>>(
    `WITH r AS (
       SELECT t.person_id AS truth_id, l.person_id AS mpi_id
       FROM synth_truth t
       JOIN mpi_record_link l ON l.source_system = t.source_system AND l.source_record_id = t.source_record_id
     ),
     truth_sizes AS (SELECT count(*) AS n FROM r GROUP BY truth_id),
     mpi_sizes AS (SELECT count(*) AS n FROM r GROUP BY mpi_id),
     cell_sizes AS (SELECT count(*) AS n FROM r GROUP BY truth_id, mpi_id),
     majority AS (
       SELECT DISTINCT ON (mpi_id) mpi_id, truth_id, count(*) AS n
       FROM r GROUP BY mpi_id, truth_id ORDER BY mpi_id, count(*) DESC, truth_id
     )
     SELECT
       (SELECT count(*) FROM r) AS records,
       (SELECT COALESCE(sum(n * (n - 1) / 2), 0) FROM truth_sizes) AS true_pairs,
       (SELECT COALESCE(sum(n * (n - 1) / 2), 0) FROM mpi_sizes) AS linked_pairs,
       (SELECT COALESCE(sum(n * (n - 1) / 2), 0) FROM cell_sizes) AS correct_pairs,
       (SELECT count(*) FROM r) - (SELECT COALESCE(sum(n), 0) FROM majority) AS wrong_records,
       (SELECT count(*) FROM mpi_review WHERE status = 'open') AS open_reviews`,
  );
  const x = rows[0];
  const truePairs = Number(x.true_pairs);
  const linkedPairs = Number(x.linked_pairs);
  const correctPairs = Number(x.correct_pairs);
  return {
    records: Number(x.records),
    truePairs,
    linkedPairs,
    correctPairs,
    precision: linkedPairs === 0 ? 1 : correctPairs / linkedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
    wrongRecords: Number(x.wrong_records),
    openReviews: Number(x.open_reviews),
  };
}
