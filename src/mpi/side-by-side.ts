import { type FieldScore, type MatchRecord, scorePair } from "./score.ts";

// A review item shown as a reviewer compares it: the record waiting for a decision beside the candidate's
// record it matches best, field by field, with the outcome the matcher gives each field today.

export type Agreement = "agrees" | "close" | "differs" | "missing";

/** What each comparator outcome means to a reviewer. */
const AGREEMENT: Record<string, Agreement> = {
  exact: "agrees",
  agree: "agrees",
  "one-slip": "close",
  variant: "close",
  similar: "close",
  initial: "close",
  swapped: "close",
  "one-part": "close",
  sector: "close",
  district: "close",
  different: "differs",
  disagree: "differs",
  missing: "missing",
};

export function agreementOf(outcome: string): Agreement {
  return AGREEMENT[outcome] ?? "differs";
}

export interface SideBySideField {
  field: FieldScore["field"];
  outcome: string;
  agreement: Agreement;
  weight: number;
}

export interface SideBySide<R> {
  /** The candidate's record that matches best, or null when the candidate has none. */
  best: R | null;
  total: number | null;
  fields: SideBySideField[];
}

/**
 * Scores the waiting record against each of the candidate's records (their addresses and spellings over
 * time, as each source holds them) and keeps the best, as the matcher does.
 */
export function sideBySide<R>(
  record: MatchRecord,
  candidates: readonly R[],
  asMatch: (r: R) => MatchRecord,
): SideBySide<R> {
  let best: R | null = null;
  let score: ReturnType<typeof scorePair> | null = null;
  for (const c of candidates) {
    const s = scorePair(record, asMatch(c));
    if (!score || s.total > score.total) {
      score = s;
      best = c;
    }
  }
  return {
    best,
    total: score?.total ?? null,
    fields: (score?.fields ?? []).map((f) => ({ ...f, agreement: agreementOf(f.outcome) })),
  };
}
