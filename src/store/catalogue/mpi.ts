import { table } from "./define.ts";

// The tables src/mpi/migrations creates (the master person index: links, blocks, decisions, reviews and
// merges), in migration order. How to add one: src/store/README.md.

export const MPI_TABLES = {
  // 0550_mpi.sql
  mpi_record_link: table(
    {
      source_system: "text",
      source_record_id: "text",
      person_id: "uuid",
      nhs_number: "text?",
      identifiers: "jsonb",
      ethnic_category: "text?",
      linked_at: "timestamptz",
    },
    { layout: "local", primaryKey: ["source_system", "source_record_id"] },
  ),
  mpi_block: table(
    {
      block_key: "text",
      source_system: "text",
      source_record_id: "text",
    },
    { layout: "local", primaryKey: ["block_key", "source_system", "source_record_id"] },
  ),
  mpi_decision: table(
    {
      decision_id: "uuid",
      decided_at: "timestamptz",
      decided_by: "text",
      kind: "text",
      source_system: "text?",
      source_record_id: "text?",
      from_person_id: "uuid?",
      to_person_id: "uuid?",
      score: "double precision?",
      reason: "text",
    },
    { layout: "local", primaryKey: ["decision_id"] },
  ),
  mpi_review: table(
    {
      review_id: "uuid",
      source_system: "text",
      source_record_id: "text",
      candidate_person_id: "uuid",
      score: "double precision",
      comparison: "jsonb",
      status: "text",
      created_at: "timestamptz",
      decided_at: "timestamptz?",
      decided_by: "text?",
      // 1010_mpi_review_kinds.sql
      kind: "text",
      detail: "jsonb",
    },
    { layout: "local", primaryKey: ["review_id"] },
  ),
  mpi_merge: table(
    {
      merge_id: "uuid",
      survivor_person_id: "uuid",
      retired_person_id: "uuid",
      retired_person: "jsonb",
      records: "jsonb",
      moved_rows: "jsonb",
      decided_by: "text",
      reason: "text",
      merged_at: "timestamptz",
      unmerged_at: "timestamptz?",
      unmerged_by: "text?",
    },
    { layout: "local", primaryKey: ["merge_id"] },
  ),
} as const;
