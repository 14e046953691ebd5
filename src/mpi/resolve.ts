import { randomUUID } from "node:crypto";
import { OnePlaceError, type OnePlaceErrorOptions } from "../core/errors.ts";
import type { Queryable } from "../store/db.ts";
import { oneSlipNeighbours } from "./compare.ts";
import { goldenAndIdentifiersText } from "./golden.ts";
import {
  blockKeys,
  type Identifier,
  recordIdentifiers,
  type SourceRecordInput,
  searchKeys,
  swappedBirthDate,
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
import { cols, lockNames } from "./sql.ts";
import { insertText } from "./sql-text.ts";

// Linking source records to people. A record already linked keeps its person (its demographics are updated).
// A new record with a valid NHS Number joins the person with that number when the demographics do not
// contradict it; otherwise, and for records without one, candidates found through blocking keys are scored
// and the record links, goes to review (on a person of its own meanwhile) or becomes a new person. Every
// outcome is a row in mpi_decision.

export type ResolveOutcomeKind = "existing" | "updated" | "linked" | "new" | "review";

export interface ResolveOutcome {
  personId: string;
  outcome: ResolveOutcomeKind;
  score?: number;
}

export class MatchInputError extends OnePlaceError {
  override readonly name = "MatchInputError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "mpi.match-input", message, options);
  }
}

export const AUTOMATIC = "mpi";
const MAX_CANDIDATES = 60;

export function recordKey(sourceSystem: string, recordId: string): string {
  return `${sourceSystem}\u0000${recordId}`;
}

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

interface CandidateRecord extends MatchRecord {
  person_id: string;
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

/** Writes gathered while resolving, sent in a few set-based statements. */
class Pending {
  records: unknown[][] = [];
  links: unknown[][] = [];
  blocks: unknown[][] = [];
  decisions: unknown[][] = [];
  reviews: unknown[][] = [];
  touched = new Set<string>();

  get empty(): boolean {
    return this.records.length === 0 && this.touched.size === 0 && this.decisions.length === 0;
  }

  async flush(q: Queryable): Promise<void> {
    if (this.empty) return;
    // One round trip for every write the batch gathered.
    const sql =
      insertText("person_record", PERSON_RECORD_COLS, this.records, "ON CONFLICT DO NOTHING") +
      insertText("mpi_record_link", LINK_COLS, this.links, "ON CONFLICT DO NOTHING") +
      insertText("mpi_block", BLOCK_COLS, this.blocks, "ON CONFLICT DO NOTHING") +
      insertText("mpi_decision", DECISION_COLS, this.decisions) +
      insertText("mpi_review", REVIEW_COLS, this.reviews, "ON CONFLICT DO NOTHING") +
      goldenAndIdentifiersText(this.touched);
    if (sql) await q.exec(sql);
    this.records = [];
    this.links = [];
    this.blocks = [];
    this.decisions = [];
    this.reviews = [];
    this.touched.clear();
  }
}

function comparisonJson(score: MatchScore): string {
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

function addLink(
  p: Pending,
  r: SourceRecordInput,
  personId: string,
  trustedNhs: string | null,
  now: string,
): void {
  p.records.push([
    personId,
    r.sourceSystem,
    r.recordId,
    r.nhsNumber,
    r.family,
    r.given,
    r.birthDate,
    r.sex,
    r.postcode,
    r.receivedAt,
  ]);
  p.links.push([
    r.sourceSystem,
    r.recordId,
    personId,
    trustedNhs,
    JSON.stringify(recordIdentifiers(r, trustedNhs)),
    r.ethnicCategory ?? null,
    now,
  ]);
  for (const key of blockKeys(toMatchRecord(r))) p.blocks.push([key, r.sourceSystem, r.recordId]);
  p.touched.add(personId);
}

function decision(
  p: Pending,
  kind: string,
  r: SourceRecordInput,
  to: string,
  reason: string,
  decidedBy: string,
  score?: number,
): void {
  p.decisions.push([
    randomUUID(),
    decidedBy,
    kind,
    r.sourceSystem,
    r.recordId,
    null,
    to,
    score ?? null,
    reason,
  ]);
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

async function candidateRecords(
  q: Queryable,
  personIds: readonly string[],
): Promise<Map<string, CandidateRecord[]>> {
  const byPerson = new Map<string, CandidateRecord[]>();
  if (personIds.length === 0) return byPerson;
  const rows = await q.query<{
    person_id: string;
    nhs_number: string | null;
    family_name: string | null;
    given_name: string | null;
    birth_date: string | null;
    sex: string | null;
    postcode: string | null;
  }>(
    `SELECT person_id::text AS person_id, nhs_number, family_name, given_name, birth_date, sex, postcode
     FROM person_record WHERE person_id = ANY($1::uuid[])`,
    [personIds],
  );
  for (const r of rows) {
    let list = byPerson.get(r.person_id);
    if (!list) {
      list = [];
      byPerson.set(r.person_id, list);
    }
    list.push({
      person_id: r.person_id,
      nhsNumber: r.nhs_number,
      family: r.family_name,
      given: r.given_name,
      birthDate: r.birth_date,
      sex: r.sex,
      postcode: r.postcode,
    });
  }
  return byPerson;
}

function bestCandidate(
  r: SourceRecordInput,
  candidates: Map<string, CandidateRecord[]>,
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
 * Links each record to exactly one person, inside the caller's transaction. Returns the outcome for each
 * record, keyed by recordKey(sourceSystem, recordId).
 */
export interface ResolveOptions {
  decidedBy?: string;
  /** The caller already holds the records' locks (recordLockNames), taken with its own in one statement. */
  locked?: boolean;
  /** The records' current links, already read by the caller (in the shape LINKED_JSON gives). */
  linked?: LinkedRow[];
}

/** The lock names a record needs: itself, its NHS Number and its date of birth (both ways round). */
export function recordLockNames(r: SourceRecordInput): string[] {
  const names = [`record:${r.sourceSystem}:${r.recordId}`];
  const nhs = validNhs(r);
  if (nhs) names.push(`nhs:${nhs}`);
  if (r.birthDate) names.push(`dob:${r.birthDate}`);
  const swapped = swappedBirthDate(r.birthDate);
  if (swapped) names.push(`dob:${swapped}`);
  return names;
}

/** The columns of a linked record as one JSON object, for callers that read links with other things. */
export const LINKED_JSON = `json_build_object('source_system', l.source_system, 'source_record_id', l.source_record_id,
  'person_id', l.person_id::text, 'nhs_number', l.nhs_number, 'identifiers', l.identifiers, 'ethnic_category', l.ethnic_category,
  'rec_nhs', pr.nhs_number, 'family_name', pr.family_name, 'given_name', pr.given_name, 'birth_date', pr.birth_date,
  'sex', pr.sex, 'postcode', pr.postcode)`;
export const LINKED_FROM = `mpi_record_link l
     LEFT JOIN person_record pr ON pr.person_id = l.person_id AND pr.source_system = l.source_system
                               AND pr.source_record_id = l.source_record_id`;

const LINKED_SELECT = `SELECT l.source_system, l.source_record_id, l.person_id::text AS person_id, l.nhs_number, l.identifiers,
            l.ethnic_category, pr.nhs_number AS rec_nhs, pr.family_name, pr.given_name, pr.birth_date, pr.sex,
            pr.postcode
     FROM mpi_record_link l
     LEFT JOIN person_record pr ON pr.person_id = l.person_id AND pr.source_system = l.source_system
                               AND pr.source_record_id = l.source_record_id`;

export async function resolveRecords(
  q: Queryable,
  inputs: readonly SourceRecordInput[],
  options: ResolveOptions = {},
): Promise<Map<string, ResolveOutcome>> {
  const decidedBy = options.decidedBy ?? AUTOMATIC;
  const outcomes = new Map<string, ResolveOutcome>();
  const byKey = new Map<string, SourceRecordInput>();
  for (const r of inputs) {
    // The same record twice in a batch: an unchanged repeat keeps the first (its received_at is when it arrived).
    const key = recordKey(r.sourceSystem, r.recordId);
    const earlier = byKey.get(key);
    if (!earlier || !sameInput(earlier, r)) byKey.set(key, r);
  }
  if (byKey.size === 0) return outcomes;
  const records = [...byKey.values()];
  const now = new Date().toISOString();

  if (!options.locked) await lockNames(q, records.flatMap(recordLockNames));

  const linked = options.linked
    ? options.linked
    : records.length === 1
      ? await q.query<LinkedRow>(`${LINKED_SELECT} WHERE l.source_system = $1 AND l.source_record_id = $2`, [
          records[0].sourceSystem,
          records[0].recordId,
        ])
      : await q.query<LinkedRow>(
          `${LINKED_SELECT} WHERE (l.source_system, l.source_record_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [records.map((r) => r.sourceSystem), records.map((r) => r.recordId)],
        );
  const pending = new Pending();
  for (const row of linked) {
    const key = recordKey(row.source_system, row.source_record_id);
    const r = byKey.get(key);
    if (!r) continue;
    byKey.delete(key);
    const identifiers = recordIdentifiers(r, row.nhs_number);
    const oldIdentifiers: Identifier[] =
      typeof row.identifiers === "string" ? JSON.parse(row.identifiers) : row.identifiers;
    const idText = (ids: Identifier[]) =>
      ids
        .map((i) => `${i.system}|${i.value}`)
        .sort()
        .join("\n");
    const newIds = idText(identifiers) !== idText(oldIdentifiers);
    const newEthnic = (r.ethnicCategory ?? null) !== null && r.ethnicCategory !== row.ethnic_category;
    if (sameDemographics(r, row) && !newIds && !newEthnic) {
      outcomes.set(key, { personId: row.person_id, outcome: "existing" });
      continue;
    }
    await q.query(
      `UPDATE person_record SET nhs_number = $4, family_name = $5, given_name = $6, birth_date = $7, sex = $8,
         postcode = $9, received_at = $10
       WHERE person_id = $1 AND source_system = $2 AND source_record_id = $3`,
      [
        row.person_id,
        r.sourceSystem,
        r.recordId,
        r.nhsNumber,
        r.family,
        r.given,
        r.birthDate,
        r.sex,
        r.postcode,
        r.receivedAt,
      ],
    );
    await q.query(
      `UPDATE mpi_record_link SET identifiers = $3::jsonb, ethnic_category = COALESCE($4, ethnic_category)
       WHERE source_system = $1 AND source_record_id = $2`,
      [r.sourceSystem, r.recordId, JSON.stringify(identifiers), r.ethnicCategory ?? null],
    );
    await q.query("DELETE FROM mpi_block WHERE source_system = $1 AND source_record_id = $2", [
      r.sourceSystem,
      r.recordId,
    ]);
    for (const k of blockKeys(toMatchRecord(r))) pending.blocks.push([k, r.sourceSystem, r.recordId]);
    pending.touched.add(row.person_id);
    outcomes.set(key, { personId: row.person_id, outcome: "updated" });
  }

  const remaining = [...byKey.values()];
  for (const r of remaining) {
    if (!r.birthDate) {
      throw new MatchInputError(
        `record ${r.recordId} has no date of birth: it matches no one and a new person cannot be created without one`,
      );
    }
  }
  const withNhs = remaining.filter((r) => validNhs(r) !== null);
  const withoutNhs = remaining.filter((r) => validNhs(r) === null);

  if (withNhs.length > 0) {
    const numbers = [...new Set(withNhs.map((r) => validNhs(r) as string))];
    // Who holds these numbers, their records, and whether anyone at all lacks a number: one round trip.
    const found = await q.query<{
      kind: string;
      person_id: string;
      data: Record<string, unknown> | string | null;
    }>(
      `SELECT 'holder' AS kind, person_id::text AS person_id, json_build_object('nhs', nhs_number) AS data
       FROM person WHERE nhs_number = ANY($1::text[])
       UNION ALL
       SELECT 'record', pr.person_id::text, json_build_object('nhs', pr.nhs_number, 'family', pr.family_name,
         'given', pr.given_name, 'dob', pr.birth_date, 'sex', pr.sex, 'postcode', pr.postcode)
       FROM person_record pr WHERE pr.person_id IN (SELECT person_id FROM person WHERE nhs_number = ANY($1::text[]))
       UNION ALL
       SELECT 'without-nhs', NULL, NULL FROM (SELECT 1 FROM person WHERE nhs_number IS NULL LIMIT 1) s`,
      [numbers],
    );
    const personByNhs = new Map<string, string>();
    const holderRecords = new Map<string, CandidateRecord[]>();
    let anyWithoutNhs = false;
    for (const f of found) {
      const d = (typeof f.data === "string" ? JSON.parse(f.data) : f.data) as Record<
        string,
        string | null
      > | null;
      if (f.kind === "without-nhs") anyWithoutNhs = true;
      else if (f.kind === "holder") personByNhs.set(String(d?.nhs), f.person_id);
      else {
        const list = holderRecords.get(f.person_id) ?? [];
        list.push({
          person_id: f.person_id,
          nhsNumber: d?.nhs ?? null,
          family: d?.family ?? null,
          given: d?.given ?? null,
          birthDate: d?.dob ?? null,
          sex: d?.sex ?? null,
          postcode: d?.postcode ?? null,
        });
        holderRecords.set(f.person_id, list);
      }
    }
    let nhsLessCandidates = new Map<string, CandidateRecord[]>();
    const keysByRecord = new Map<SourceRecordInput, string[]>();
    const unknown = withNhs.filter((r) => !personByNhs.has(validNhs(r) as string));
    if (anyWithoutNhs && unknown.length > 0) {
      const allKeys = new Set<string>();
      for (const r of unknown) {
        const keys = searchKeys(toMatchRecord(r));
        keysByRecord.set(r, keys);
        for (const k of keys) allKeys.add(k);
      }
      const rows = await q.query<{ person_id: string }>(
        `SELECT DISTINCT l.person_id::text AS person_id
         FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
         JOIN person p ON p.person_id = l.person_id AND p.nhs_number IS NULL
         WHERE b.block_key = ANY($1::text[])`,
        [[...allKeys]],
      );
      nhsLessCandidates = await candidateRecords(
        q,
        rows.map((r) => r.person_id),
      );
    }
    const claimed = new Set<string>();
    for (const r of withNhs) {
      const key = recordKey(r.sourceSystem, r.recordId);
      const nhs = validNhs(r) as string;
      const holder = personByNhs.get(nhs);
      if (holder) {
        const records = holderRecords.get(holder) ?? [];
        const score = records.length > 0 ? scoreAgainstPerson(toMatchRecord(r), records) : null;
        const demographic = score ? demographicTotal(score) : 0;
        if (!score || demographic >= NHS_NUMBER_CONFIRM_THRESHOLD) {
          addLink(pending, r, holder, nhs, now);
          decision(pending, "link-nhs-number", r, holder, "same valid NHS Number", decidedBy, score?.total);
          outcomes.set(key, { personId: holder, outcome: "linked", score: score?.total });
          continue;
        }
        // The number says one person, the demographics another: a person of its own until reviewed, without
        // the number, so no two people ever hold the same NHS Number.
        const personId = randomUUID();
        addLink(pending, r, personId, null, now);
        decision(
          pending,
          "review-queued",
          r,
          personId,
          "same NHS Number but the demographics disagree",
          decidedBy,
          score.total,
        );
        pending.reviews.push([
          randomUUID(),
          r.sourceSystem,
          r.recordId,
          holder,
          score.total,
          comparisonJson(score),
        ]);
        outcomes.set(key, { personId, outcome: "review", score: score.total });
        continue;
      }
      // Not known by this number: someone recorded without a number may be this person.
      const match = bestCandidate(r, nhsLessCandidates, (p) => claimed.has(p));
      const verdict = decide(match?.score ?? null);
      if (match && verdict === "link") {
        claimed.add(match.personId);
        addLink(pending, r, match.personId, nhs, now);
        decision(
          pending,
          "link-score",
          r,
          match.personId,
          "matched on demographics",
          decidedBy,
          match.score.total,
        );
        personByNhs.set(nhs, match.personId);
        outcomes.set(key, { personId: match.personId, outcome: "linked", score: match.score.total });
        continue;
      }
      const personId = randomUUID();
      personByNhs.set(nhs, personId);
      addLink(pending, r, personId, nhs, now);
      if (match && verdict === "review") {
        decision(
          pending,
          "review-queued",
          r,
          personId,
          "possible match scored between the thresholds",
          decidedBy,
          match.score.total,
        );
        pending.reviews.push([
          randomUUID(),
          r.sourceSystem,
          r.recordId,
          match.personId,
          match.score.total,
          comparisonJson(match.score),
        ]);
        outcomes.set(key, { personId, outcome: "review", score: match.score.total });
      } else {
        decision(
          pending,
          "new-person",
          r,
          personId,
          "no one with this NHS Number",
          decidedBy,
          match?.score.total,
        );
        outcomes.set(key, { personId, outcome: "new", score: match?.score.total });
      }
      // Later records in this batch with the same number join this new person.
      holderRecords.set(personId, [{ person_id: personId, ...toMatchRecord(r) }]);
    }
  }
  await pending.flush(q);

  // Without a valid NHS Number: candidates for the whole batch in one query, then one record at a time, each
  // also seeing the people the ones before it created or joined (kept in memory until the single flush).
  if (withoutNhs.length > 0) {
    const keysOf = new Map<SourceRecordInput, string[]>();
    const allKeys = new Set<string>();
    const allNeighbours = new Set<string>();
    for (const r of withoutNhs) {
      const keys = searchKeys(toMatchRecord(r));
      keysOf.set(r, keys);
      for (const k of keys) allKeys.add(k);
      if (r.nhsNumber) for (const n of oneSlipNeighbours(r.nhsNumber)) allNeighbours.add(n);
    }
    const hits = await q.query<{ block_key: string; person_id: string }>(
      `SELECT b.block_key, l.person_id::text AS person_id
       FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
       WHERE b.block_key = ANY($1::text[])
       UNION
       SELECT 'nhs:' || p.nhs_number, p.person_id::text FROM person p WHERE p.nhs_number = ANY($2::text[])`,
      [[...allKeys], [...allNeighbours]],
    );
    const peopleByKey = new Map<string, Set<string>>();
    const addToIndex = (k: string, personId: string) => {
      let set = peopleByKey.get(k);
      if (!set) {
        set = new Set();
        peopleByKey.set(k, set);
      }
      set.add(personId);
    };
    for (const h of hits) addToIndex(h.block_key, h.person_id);
    const recordsByPerson = await candidateRecords(q, [...new Set(hits.map((h) => h.person_id))]);
    for (const r of withoutNhs) {
      const key = recordKey(r.sourceSystem, r.recordId);
      const m = toMatchRecord(r);
      const counts = new Map<string, number>();
      const lookups = [
        ...(keysOf.get(r) ?? []),
        ...(r.nhsNumber ? oneSlipNeighbours(r.nhsNumber).map((n) => `nhs:${n}`) : []),
      ];
      for (const k of lookups) {
        for (const personId of peopleByKey.get(k) ?? [])
          counts.set(personId, (counts.get(personId) ?? 0) + 1);
      }
      const chosen = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_CANDIDATES);
      const candidates = new Map<string, CandidateRecord[]>();
      for (const [personId] of chosen) candidates.set(personId, recordsByPerson.get(personId) ?? []);
      const match = bestCandidate(r, candidates);
      const verdict = decide(match?.score ?? null);
      let personId: string;
      if (match && verdict === "link") {
        personId = match.personId;
        addLink(pending, r, personId, null, now);
        decision(pending, "link-score", r, personId, "matched on demographics", decidedBy, match.score.total);
        outcomes.set(key, { personId, outcome: "linked", score: match.score.total });
      } else {
        personId = randomUUID();
        addLink(pending, r, personId, null, now);
        if (match && verdict === "review") {
          decision(
            pending,
            "review-queued",
            r,
            personId,
            "possible match scored between the thresholds",
            decidedBy,
            match.score.total,
          );
          pending.reviews.push([
            randomUUID(),
            r.sourceSystem,
            r.recordId,
            match.personId,
            match.score.total,
            comparisonJson(match.score),
          ]);
          outcomes.set(key, { personId, outcome: "review", score: match.score.total });
        } else {
          decision(
            pending,
            "new-person",
            r,
            personId,
            "no candidate scored above the lower threshold",
            decidedBy,
            match?.score.total,
          );
          outcomes.set(key, { personId, outcome: "new", score: match?.score.total });
        }
      }
      // Later records in the batch find this one under its keys.
      for (const k of blockKeys(m)) addToIndex(k, personId);
      let list = recordsByPerson.get(personId);
      if (!list) {
        list = [];
        recordsByPerson.set(personId, list);
      }
      list.push({ person_id: personId, ...m });
    }
  }
  await pending.flush(q);
  return outcomes;
}

/** The people these records are linked to now (records not yet seen are absent). */
export async function findLinks(
  q: Queryable,
  sourceSystem: string,
  recordIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (recordIds.length === 0) return out;
  const rows = await q.query<{ source_record_id: string; person_id: string }>(
    `SELECT source_record_id, person_id::text AS person_id FROM mpi_record_link
     WHERE source_system = $1 AND source_record_id = ANY($2::text[])`,
    [sourceSystem, [...new Set(recordIds)]],
  );
  for (const r of rows) out.set(r.source_record_id, r.person_id);
  return out;
}

/** The person holding a valid NHS Number, and the record it was trusted from. */
export async function findByNhsNumber(
  q: Queryable,
  nhsNumbers: readonly string[],
): Promise<Map<string, { personId: string; sourceSystem: string; recordId: string }>> {
  const out = new Map<string, { personId: string; sourceSystem: string; recordId: string }>();
  if (nhsNumbers.length === 0) return out;
  const rows = await q.query<{
    nhs_number: string;
    person_id: string;
    source_system: string;
    source_record_id: string;
  }>(
    `SELECT DISTINCT ON (p.nhs_number) p.nhs_number, p.person_id::text AS person_id, l.source_system, l.source_record_id
     FROM person p JOIN mpi_record_link l ON l.person_id = p.person_id AND l.nhs_number = p.nhs_number
     WHERE p.nhs_number = ANY($1::text[])
     ORDER BY p.nhs_number, l.linked_at, l.source_system, l.source_record_id`,
    [[...new Set(nhsNumbers)]],
  );
  for (const r of rows)
    out.set(r.nhs_number, {
      personId: r.person_id,
      sourceSystem: r.source_system,
      recordId: r.source_record_id,
    });
  return out;
}
