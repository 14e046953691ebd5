import type { Queryable } from "../store/index.ts";
import type { Hl7Outcome } from "./hl7/apply-parts.ts";

/**
 * Told the people a batch of applied messages was about: inside its transaction (so what a face records with
 * them, such as a rescoring queue, commits or rolls back with the data), then once it has committed. Ingest
 * knows nothing of what a face does with them.
 */
export interface PeopleTouched {
  inTransaction(tx: Queryable, personIds: string[]): Promise<void>;
  /**
   * What inTransaction does, as SQL text without parameters the batch runs with its own writes (a round trip
   * fewer), where the face can say it so. Used in place of inTransaction by the MLLP listener.
   */
  sql?(personIds: string[]): string;
  committed(personIds: string[]): void;
}

/** The people applied messages were about, each once. */
export function peopleOf(outcomes: readonly Hl7Outcome[]): string[] {
  const ids = new Set<string>();
  for (const o of outcomes) if (o.personId) ids.add(o.personId);
  return [...ids];
}
