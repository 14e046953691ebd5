import type { Queryable, Write } from "../store/index.ts";
import type { Hl7Outcome } from "./hl7/apply-parts.ts";

/**
 * Told the people a batch of applied messages was about: inside its transaction (so what a face records with
 * them, such as a rescoring queue, commits or rolls back with the data), then once it has committed. Ingest
 * knows nothing of what a face does with them.
 */
export interface PeopleTouched {
  inTransaction(tx: Queryable, personIds: string[]): Promise<void>;
  /**
   * inTransaction as statements to go in the transaction's script of writes (one round trip with its other
   * writes), when the face can say it as text; inTransaction is used otherwise.
   */
  inTransactionText?(personIds: string[]): string;
  /** inTransaction as one write to go in the batch's one statement of writes (store/writes.ts), when it can. */
  inTransactionWrite?(personIds: string[]): Write | null;
  committed(personIds: string[]): void;
}

/** The people applied messages were about, each once. */
export function peopleOf(outcomes: readonly Hl7Outcome[]): string[] {
  const ids = new Set<string>();
  for (const o of outcomes) if (o.personId) ids.add(o.personId);
  return [...ids];
}
