import { randomUUID } from "node:crypto";
import { cols, insertWrite, type Write } from "../store/index.ts";
import {
  blockKeys,
  type Identifier,
  recordIdentifiers,
  type SourceRecordInput,
  toMatchRecord,
  validNhs,
} from "./records.ts";
import {
  decide,
  demographicTotal,
  type MatchRecord,
  type MatchScore,
  NHS_NUMBER_CONFIRM_THRESHOLD,
  scoreAgainstPerson,
} from "./score.ts";

// The pure core of linking: given what the database holds (read by resolve.ts), decide each record's person
// and gather the rows that record the decision. Nothing here reads or writes the database.

export type ResolveOutcomeKind = "existing" | "updated" | "linked" | "new" | "review";

export interface ResolveOutcome {
  personId: string;
  outcome: ResolveOutcomeKind;
  score?: number;
}

/** decided_by of automatic decisions. */
export const AUTOMATIC = "mpi";
/** Candidates scored for a record without a valid NHS Number: the people sharing the most blocking keys. */
const MAX_CANDIDATES = 60;

export function recordKey(sourceSystem: string, recordId: string): string {
  return `${sourceSystem}\u0000${recordId}`;
}

/** A row of the view mpi_linked_record: a record's current link and the demographics it was linked with. */
export type LinkedRow = {
  source_system: string;
  source_record_id: string;
  person_id: string;
  nhs_number: string | null;
  identifiers: Identifier[] | string;
  ethnic_category: string | null;
  rec_nhs: string | null;
  family_name: string | null;
  given_name: string | null;
  birth_date: string | null;
  sex: string | null;
  postcode: string | null;
};

export interface CandidateRecord extends MatchRecord {
  person_id: string;
}

/** Who decides, and the time links are stamped with. */
export interface DecisionContext {
  decidedBy: string;
  now: string;
}

const PERSON_RECORD_COLS = cols(
  "person_id uuid, source_system text, source_record_id text, nhs_number text, family_name text, given_name text, birth_date date, sex text, postcode text, received_at timestamptz",
);
const LINK_COLS = cols(
  "source_system text, source_record_id text, person_id uuid, nhs_number text, identifiers jsonb, ethnic_category text, linked_at timestamptz",
);
const BLOCK_COLS = cols("block_key text, source_system text, source_record_id text");
const DECISION_COLS = cols(
  "decision_id uuid, decided_by text, kind text, source_system text, source_record_id text, from_person_id uuid, to_person_id uuid, score float8, reason text",
);
const REVIEW_COLS = cols(
  "review_id uuid, source_system text, source_record_id text, candidate_person_id uuid, score float8, comparison jsonb",
);

export function comparisonJson(score: MatchScore): string {
  return JSON.stringify({
    total: Math.round(score.total * 100) / 100,
    blocking: score.blocking,
    fields: score.fields.map((f) => ({
      field: f.field,
      outcome: f.outcome,
      weight: Math.round(f.weight * 100) / 100,
    })),
  });
}

/** A person_record row's columns after its key, in table order. */
export function demographics(r: SourceRecordInput): unknown[] {
  return [r.nhsNumber, r.family, r.given, r.birthDate, r.sex, r.postcode, r.receivedAt];
}

/** The rows a batch of decisions writes, gathered in memory and sent as one text of statements. */
export class LinkWrites {
  records: unknown[][] = [];
  links: unknown[][] = [];
  blocks: unknown[][] = [];
  decisions: unknown[][] = [];
  reviews: unknown[][] = [];
  touched = new Set<string>();

  /** The record becomes one of the person's: its demographics, its link, its blocking keys. */
  link(r: SourceRecordInput, personId: string, trustedNhs: string | null, now: string): void {
    const { sourceSystem, recordId } = r;
    this.records.push([personId, sourceSystem, recordId, ...demographics(r)]);
    const identifiers = JSON.stringify(recordIdentifiers(r, trustedNhs));
    this.links.push([
      sourceSystem,
      recordId,
      personId,
      trustedNhs,
      identifiers,
      r.ethnicCategory ?? null,
      now,
    ]);
    this.blockKeys(r);
    this.touched.add(personId);
  }

  blockKeys(r: SourceRecordInput): void {
    for (const key of blockKeys(toMatchRecord(r))) this.blocks.push([key, r.sourceSystem, r.recordId]);
  }

  decision(
    kind: string,
    r: SourceRecordInput,
    to: string,
    reason: string,
    ctx: DecisionContext,
    score?: number,
  ) {
    const row = [
      randomUUID(),
      ctx.decidedBy,
      kind,
      r.sourceSystem,
      r.recordId,
      null,
      to,
      score ?? null,
      reason,
    ];
    this.decisions.push(row);
  }

  /** The record waits on a person of its own for a reviewer to say whether it is the candidate. */
  review(
    r: SourceRecordInput,
    personId: string,
    candidate: string,
    score: MatchScore,
    reason: string,
    ctx: DecisionContext,
  ) {
    this.decision("review-queued", r, personId, reason, ctx, score.total);
    this.reviews.push([
      randomUUID(),
      r.sourceSystem,
      r.recordId,
      candidate,
      score.total,
      comparisonJson(score),
    ]);
  }

  /**
   * Every gathered write, and the gathering starts again: the rows, for one runWrites (store/writes.ts), and
   * the people touched, whose golden records and identifiers are written after them (they read those rows).
   */
  take(): { rows: Write[]; touched: string[] } {
    const rows = [
      insertWrite("person_record", PERSON_RECORD_COLS, this.records, "ON CONFLICT DO NOTHING"),
      insertWrite("mpi_record_link", LINK_COLS, this.links, "ON CONFLICT DO NOTHING"),
      insertWrite("mpi_block", BLOCK_COLS, this.blocks, "ON CONFLICT DO NOTHING"),
      insertWrite("mpi_decision", DECISION_COLS, this.decisions),
      insertWrite("mpi_review", REVIEW_COLS, this.reviews, "ON CONFLICT DO NOTHING"),
    ].filter((w): w is Write => w !== null);
    const touched = [...this.touched];
    this.records = [];
    this.links = [];
    this.blocks = [];
    this.decisions = [];
    this.reviews = [];
    this.touched.clear();
    return { rows, touched };
  }
}

function sameInput(a: SourceRecordInput, b: SourceRecordInput): boolean {
  return (
    a.nhsNumber === b.nhsNumber &&
    a.family === b.family &&
    a.given === b.given &&
    a.birthDate === b.birthDate &&
    a.sex === b.sex &&
    a.postcode === b.postcode &&
    (a.ethnicCategory ?? null) === (b.ethnicCategory ?? null) &&
    JSON.stringify(a.identifiers) === JSON.stringify(b.identifiers)
  );
}

/** The batch by record key. The same record twice: an unchanged repeat keeps the first (its received_at is when it arrived). */
export function uniqueRecords(inputs: readonly SourceRecordInput[]): Map<string, SourceRecordInput> {
  const byKey = new Map<string, SourceRecordInput>();
  for (const r of inputs) {
    const key = recordKey(r.sourceSystem, r.recordId);
    const earlier = byKey.get(key);
    if (!earlier || !sameInput(earlier, r)) byKey.set(key, r);
  }
  return byKey;
}

function sameDemographics(r: SourceRecordInput, row: LinkedRow): boolean {
  return (
    (r.nhsNumber ?? null) === (row.rec_nhs ?? null) &&
    (r.family ?? null) === (row.family_name ?? null) &&
    (r.given ?? null) === (row.given_name ?? null) &&
    (r.birthDate ?? null) === (row.birth_date ?? null) &&
    (r.sex ?? null) === (row.sex ?? null) &&
    (r.postcode ?? null) === (row.postcode ?? null)
  );
}

function identifierText(ids: readonly Identifier[]): string {
  return ids
    .map((i) => `${i.system}|${i.value}`)
    .sort()
    .join("\n");
}

/** For a record already linked: null when nothing changed, else the identifiers it now gives its person. */
export function changedIdentifiers(r: SourceRecordInput, row: LinkedRow): Identifier[] | null {
  const identifiers = recordIdentifiers(r, row.nhs_number);
  const old: Identifier[] =
    typeof row.identifiers === "string" ? JSON.parse(row.identifiers) : row.identifiers;
  const newIds = identifierText(identifiers) !== identifierText(old);
  const newEthnic = (r.ethnicCategory ?? null) !== null && r.ethnicCategory !== row.ethnic_category;
  return sameDemographics(r, row) && !newIds && !newEthnic ? null : identifiers;
}

function bestCandidate(
  r: SourceRecordInput,
  candidates: ReadonlyMap<string, CandidateRecord[]>,
  exclude?: (personId: string) => boolean,
): { personId: string; score: MatchScore } | null {
  const m = toMatchRecord(r);
  let best: { personId: string; score: MatchScore } | null = null;
  for (const [personId, records] of candidates) {
    if (exclude?.(personId)) continue;
    const score = scoreAgainstPerson(m, records);
    if (score && (!best || score.total > best.score.total)) best = { personId, score };
  }
  return best;
}

/**
 * The one linking path for a scored record: it joins the best candidate when the score says link; otherwise it
 * becomes a new person, queued for review against the candidate when the score falls between the thresholds.
 */
function linkScored(
  w: LinkWrites,
  r: SourceRecordInput,
  match: { personId: string; score: MatchScore } | null,
  trustedNhs: string | null,
  newPersonReason: string,
  ctx: DecisionContext,
): ResolveOutcome {
  const verdict = decide(match?.score ?? null);
  if (match && verdict === "link") {
    w.link(r, match.personId, trustedNhs, ctx.now);
    w.decision("link-score", r, match.personId, "matched on demographics", ctx, match.score.total);
    return { personId: match.personId, outcome: "linked", score: match.score.total };
  }
  const personId = randomUUID();
  w.link(r, personId, trustedNhs, ctx.now);
  if (match && verdict === "review") {
    w.review(r, personId, match.personId, match.score, "possible match scored between the thresholds", ctx);
    return { personId, outcome: "review", score: match.score.total };
  }
  w.decision("new-person", r, personId, newPersonReason, ctx, match?.score.total);
  return { personId, outcome: "new", score: match?.score.total };
}

/** What the database says about records with a valid NHS Number, updated as the batch is decided. */
export interface NhsState {
  personByNhs: Map<string, string>;
  holderRecords: Map<string, CandidateRecord[]>;
  /** People without an NHS Number who share blocking keys with a record whose number no one holds. */
  nhsLessCandidates: Map<string, CandidateRecord[]>;
  /** Those people already joined by an earlier record in the batch. */
  claimed: Set<string>;
}

/**
 * A record with a valid NHS Number joins the person holding it unless the demographics contradict it (then a
 * person of its own, without the number, awaits review); when no one holds it, someone recorded without a
 * number may be this person.
 */
export function linkWithNhs(
  w: LinkWrites,
  r: SourceRecordInput,
  s: NhsState,
  ctx: DecisionContext,
): ResolveOutcome {
  const nhs = validNhs(r) as string;
  const holder = s.personByNhs.get(nhs);
  if (holder) {
    const records = s.holderRecords.get(holder) ?? [];
    const score = records.length > 0 ? scoreAgainstPerson(toMatchRecord(r), records) : null;
    if (!score || demographicTotal(score) >= NHS_NUMBER_CONFIRM_THRESHOLD) {
      w.link(r, holder, nhs, ctx.now);
      const reason = r.birthDate
        ? "same valid NHS Number"
        : "same valid NHS Number; the record has no date of birth to confirm it";
      w.decision("link-nhs-number", r, holder, reason, ctx, score?.total);
      return { personId: holder, outcome: "linked", score: score?.total };
    }
    // Without the number, so no two people ever hold the same NHS Number.
    const personId = randomUUID();
    w.link(r, personId, null, ctx.now);
    w.review(r, personId, holder, score, "same NHS Number but the demographics disagree", ctx);
    return { personId, outcome: "review", score: score.total };
  }
  const match = bestCandidate(r, s.nhsLessCandidates, (p) => s.claimed.has(p));
  const outcome = linkScored(w, r, match, nhs, "no one with this NHS Number", ctx);
  s.personByNhs.set(nhs, outcome.personId);
  if (outcome.outcome === "linked") s.claimed.add(outcome.personId);
  // Later records in this batch with the same number join this new person.
  else s.holderRecords.set(outcome.personId, [{ person_id: outcome.personId, ...toMatchRecord(r) }]);
  return outcome;
}

/**
 * Why a record the MPI has not seen, without a date of birth, cannot be linked: a new person cannot be made
 * without one, so it must join the person already holding its valid NHS Number, whose records do not
 * contradict it. Null when it can (linkWithNhs links it).
 */
export type NoBirthDateProblem = "no-nhs-number" | "nhs-number-unknown" | "nhs-number-contradicted";

export function noBirthDateProblem(r: SourceRecordInput, s: NhsState): NoBirthDateProblem | null {
  const nhs = validNhs(r);
  if (!nhs) return "no-nhs-number";
  const holder = s.personByNhs.get(nhs);
  if (!holder) return "nhs-number-unknown";
  const records = s.holderRecords.get(holder) ?? [];
  const score = records.length > 0 ? scoreAgainstPerson(toMatchRecord(r), records) : null;
  return !score || demographicTotal(score) >= NHS_NUMBER_CONFIRM_THRESHOLD ? null : "nhs-number-contradicted";
}

/** The people found under each blocking key, and their records, updated as the batch is decided. */
export interface BlockIndex {
  peopleByKey: Map<string, Set<string>>;
  recordsByPerson: Map<string, CandidateRecord[]>;
}

export function addToIndex(index: BlockIndex, key: string, personId: string): void {
  let set = index.peopleByKey.get(key);
  if (!set) {
    set = new Set();
    index.peopleByKey.set(key, set);
  }
  set.add(personId);
}

/** The people sharing the most lookup keys with a record, most first. */
function candidatesFor(lookups: readonly string[], index: BlockIndex): Map<string, CandidateRecord[]> {
  const counts = new Map<string, number>();
  for (const k of lookups) {
    for (const personId of index.peopleByKey.get(k) ?? [])
      counts.set(personId, (counts.get(personId) ?? 0) + 1);
  }
  const chosen = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CANDIDATES);
  return new Map(chosen.map(([personId]) => [personId, index.recordsByPerson.get(personId) ?? []]));
}

/**
 * A record without a valid NHS Number is scored against the people its lookup keys find (blocking keys, and
 * people holding a number one slip away from the one it has); later records in the batch see it.
 */
export function linkWithoutNhs(
  w: LinkWrites,
  r: SourceRecordInput,
  lookups: readonly string[],
  index: BlockIndex,
  ctx: DecisionContext,
): ResolveOutcome {
  const match = bestCandidate(r, candidatesFor(lookups, index));
  const outcome = linkScored(w, r, match, null, "no candidate scored above the lower threshold", ctx);
  const m = toMatchRecord(r);
  for (const k of blockKeys(m)) addToIndex(index, k, outcome.personId);
  const list = index.recordsByPerson.get(outcome.personId) ?? [];
  list.push({ person_id: outcome.personId, ...m });
  index.recordsByPerson.set(outcome.personId, list);
  return outcome;
}
