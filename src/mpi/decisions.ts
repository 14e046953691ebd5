import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/index.ts";
import type { RecordKey } from "./moves.ts";

/** One entry in the master person index's decision log: who decided what, about which record and people. */
export interface DecisionEntry {
  kind: string;
  decidedBy: string;
  from: string | null;
  to: string | null;
  reason: string;
  record?: RecordKey;
  score?: number | null;
}

/** Appends a decision to `mpi_decision`, the log every merge, move, review and source event writes to. */
export async function recordDecision(q: Queryable, d: DecisionEntry): Promise<void> {
  await q.query(
    `INSERT INTO mpi_decision (decision_id, decided_by, kind, source_system, source_record_id, from_person_id,
       to_person_id, score, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      randomUUID(),
      d.decidedBy,
      d.kind,
      d.record?.[0] ?? null,
      d.record?.[1] ?? null,
      d.from,
      d.to,
      d.score ?? null,
      d.reason,
    ],
  );
}
