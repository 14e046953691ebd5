import { OnePlaceError, type OnePlaceErrorOptions } from "../core/errors.ts";
import {
  isCitus,
  lockNames,
  peopleHoldingNhsNumbers,
  prepared,
  type Queryable,
  runWrites,
  toColumns,
} from "../store/index.ts";
import { oneSlipNeighbours } from "./compare.ts";
import { writeGoldenAndIdentifiers } from "./golden.ts";
import {
  AUTOMATIC,
  addToIndex,
  type BlockIndex,
  type CandidateRecord,
  changedIdentifiers,
  type DecisionContext,
  demographics,
  type LinkedRow,
  LinkWrites,
  linkWithNhs,
  linkWithoutNhs,
  type NhsState,
  type NoBirthDateProblem,
  noBirthDateProblem,
  type ResolveOutcome,
  recordKey,
  uniqueRecords,
} from "./link-decisions.ts";
import {
  type DemographicRow,
  matchRecordFromRow,
  type SourceRecordInput,
  searchKeys,
  swappedBirthDate,
  toMatchRecord,
  validNhs,
} from "./records.ts";

// Linking source records to people. A record already linked keeps its person (its demographics are updated).
// A new record with a valid NHS Number joins the person with that number when the demographics do not
// contradict it; otherwise, and for records without one, candidates found through blocking keys are scored
// and the record links, goes to review (on a person of its own meanwhile) or becomes a new person. Every
// outcome is a row in mpi_decision. This module reads and writes; link-decisions.ts decides.

export {
  AUTOMATIC,
  type LinkedRow,
  type NoBirthDateProblem,
  type ResolveOutcome,
  type ResolveOutcomeKind,
  recordKey,
} from "./link-decisions.ts";

export class MatchInputError extends OnePlaceError {
  override readonly name = "MatchInputError";
  constructor(message: string, options?: OnePlaceErrorOptions) {
    super("invalid", "mpi.match-input", message, options);
  }
}

export interface ResolveOptions {
  decidedBy?: string;
  /** The caller already holds the records' locks (recordLockNames), taken with its own in one statement. */
  locked?: boolean;
  /** The records' current links, already read by the caller (rows of the view mpi_linked_record). */
  linked?: LinkedRow[];
  /**
   * The holders and candidates of the records' NHS Numbers, already read by the caller with its links
   * (unlinkedNhsStateSql, one server): used when it covers every record to link by number and nothing was
   * written since (no linked record's demographics changed); otherwise read here.
   */
  nhsState?: NhsStateRead;
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

/**
 * Links each record to exactly one person, inside the caller's transaction. Returns the outcome for each
 * record, keyed by recordKey(sourceSystem, recordId).
 */
export async function resolveRecords(
  q: Queryable,
  inputs: readonly SourceRecordInput[],
  options: ResolveOptions = {},
): Promise<Map<string, ResolveOutcome>> {
  const outcomes = new Map<string, ResolveOutcome>();
  const byKey = uniqueRecords(inputs);
  if (byKey.size === 0) return outcomes;
  const records = [...byKey.values()];
  const ctx: DecisionContext = { decidedBy: options.decidedBy ?? AUTOMATIC, now: new Date().toISOString() };
  if (!options.locked) await lockNames(q, records.flatMap(recordLockNames));

  const writes = new LinkWrites();
  const linked = options.linked ?? (await readLinked(q, records));
  const updated = await updateKnownRecords(q, linked, byKey, writes, outcomes);

  const remaining = [...byKey.values()];
  for (const r of remaining) if (!r.birthDate && !validNhs(r)) throw noBirthDateError(r, "no-nhs-number");
  const withNhs = remaining.filter((r) => validNhs(r) !== null);
  const withoutNhs = remaining.filter((r) => validNhs(r) === null);
  if (withNhs.length > 0) {
    const read = options.nhsState;
    const state =
      read &&
      !updated &&
      !isCitus(q) &&
      withNhs.every((r) => read.records.has(recordKey(r.sourceSystem, r.recordId)))
        ? nhsStateFromRows(withNhs, read.rows)
        : await readNhsState(q, withNhs);
    for (const r of withNhs) {
      const problem = r.birthDate ? null : noBirthDateProblem(r, state);
      if (problem) throw noBirthDateError(r, problem);
      outcomes.set(recordKey(r.sourceSystem, r.recordId), linkWithNhs(writes, r, state, ctx));
    }
  }
  await flush(q, writes);
  // Without a valid NHS Number: candidates for the whole batch in one query, then one record at a time, each
  // also seeing the people the ones before it created or joined (kept in memory until the single flush).
  if (withoutNhs.length > 0) {
    const lookups = new Map(withoutNhs.map((r) => [r, lookupKeys(r)]));
    const index = await readBlockIndex(q, lookups);
    for (const r of withoutNhs) {
      const outcome = linkWithoutNhs(writes, r, lookups.get(r) ?? [], index, ctx);
      outcomes.set(recordKey(r.sourceSystem, r.recordId), outcome);
    }
  }
  await flush(q, writes);
  return outcomes;
}

const NO_BIRTH_DATE: Record<NoBirthDateProblem, string> = {
  "no-nhs-number": "nor a valid NHS Number",
  "nhs-number-unknown": "and no one here holds its NHS Number",
  "nhs-number-contradicted": "and its details contradict the person holding its NHS Number",
};

function noBirthDateError(r: SourceRecordInput, problem: NoBirthDateProblem): MatchInputError {
  return new MatchInputError(
    `record ${r.recordId} has no date of birth ${NO_BIRTH_DATE[problem]}: it matches no one and a new person cannot be created without one`,
  );
}

/**
 * Which of these records, new to the MPI and without a date of birth, resolveRecords could not link (and why),
 * so a caller can refuse those alone before linking the rest: keyed by recordKey. Records it knows, or with a
 * date of birth, are never in it.
 */
export async function unattributableWithoutBirthDate(
  q: Queryable,
  records: readonly SourceRecordInput[],
): Promise<Map<string, NoBirthDateProblem>> {
  const out = new Map<string, NoBirthDateProblem>();
  const candidates = [...uniqueRecords(records.filter((r) => !r.birthDate)).values()];
  if (candidates.length === 0) return out;
  const known = new Set(
    (await readLinked(q, candidates)).map((l) => recordKey(l.source_system, l.source_record_id)),
  );
  const unknown = candidates.filter((r) => !known.has(recordKey(r.sourceSystem, r.recordId)));
  const withNhs = unknown.filter((r) => validNhs(r) !== null);
  const state = withNhs.length > 0 ? await readNhsState(q, withNhs) : null;
  for (const r of unknown) {
    const problem = state && validNhs(r) ? noBirthDateProblem(r, state) : "no-nhs-number";
    if (problem) out.set(recordKey(r.sourceSystem, r.recordId), problem);
  }
  return out;
}

/** The gathered rows in one statement, then (seeing them) the golden records and identifiers in another. */
async function flush(q: Queryable, writes: LinkWrites): Promise<void> {
  const { rows, touched } = writes.take();
  await runWrites(q, rows);
  await writeGoldenAndIdentifiers(q, touched);
}

// The statements every linking runs (a FHIR Patient, an ADT message, a CSV chunk): parsed and planned once
// per connection.
const LINKED_ONE = prepared(
  "mpi.linked-one",
  "SELECT * FROM mpi_linked_record WHERE source_system = $1 AND source_record_id = $2",
);
const LINKED_MANY = prepared(
  "mpi.linked-many",
  `SELECT * FROM mpi_linked_record
   WHERE (source_system, source_record_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
);
// On Citus (BLOCK_HITS_AND_RECORDS elsewhere): the numbers' holders from their routes, the shards of those
// numbers alone, where person by its number went to every shard.
const BLOCK_HITS = prepared(
  "mpi.block-hits",
  `SELECT b.block_key, l.person_id::text AS person_id
   FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
   WHERE b.block_key = ANY($1::text[])
   UNION
   SELECT 'nhs:' || r.nhs_number, r.person_id::text FROM person_by_nhs_number r WHERE r.nhs_number = ANY($2::text[])`,
);
// The hits and their people's records in one round trip: a row per hit (its key), then a row per record
// (no key). On a Citus cluster the blocks are on the coordinator and the records distributed: two statements.
const BLOCK_HITS_AND_RECORDS = prepared(
  "mpi.block-hits-records",
  `WITH hits AS MATERIALIZED (
     SELECT b.block_key, l.person_id
     FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
     WHERE b.block_key = ANY($1::text[])
     UNION
     SELECT 'nhs:' || p.nhs_number, p.person_id FROM person p WHERE p.nhs_number = ANY($2::text[])
   )
   SELECT block_key, person_id::text AS person_id, NULL::text AS nhs_number, NULL::text AS family_name,
          NULL::text AS given_name, NULL::date AS birth_date, NULL::text AS sex, NULL::text AS postcode
   FROM hits
   UNION ALL
   SELECT NULL, pr.person_id::text, pr.nhs_number, pr.family_name, pr.given_name, pr.birth_date, pr.sex,
          pr.postcode
   FROM person_record pr WHERE pr.person_id IN (SELECT person_id FROM hits)`,
);
const CANDIDATE_RECORDS = prepared(
  "mpi.candidate-records",
  `SELECT person_id::text AS person_id, nhs_number, family_name, given_name, birth_date, sex, postcode
   FROM person_record WHERE person_id = ANY($1::uuid[])`,
);
const FIND_LINKS = prepared(
  "mpi.find-links",
  `SELECT source_record_id, person_id::text AS person_id FROM mpi_record_link
   WHERE source_system = $1 AND source_record_id = ANY($2::text[])`,
);

const ANYONE_WITHOUT_NHS = prepared(
  "mpi.anyone-without-nhs",
  "SELECT 1 FROM person WHERE nhs_number IS NULL LIMIT 1",
);
// Who holds these numbers and their records, and, for the records whose number no one holds,
// NHS_LESS_CANDIDATES with their people's records, in one round trip (one server): a row per holder and per
// holder's record, a row per person without a number found by each blocking key of these records (the caller keeps those of the records whose number no one holds), and a row per
// such person's record. On a Citus cluster the blocks are on the coordinator and the records distributed: apart.
/** NHS_STATE_AND_CANDIDATES's text, its numbers and blocking keys given as SQL expressions of text[]. */
const nhsStateText = (numbers: string, keys: string) =>
  `WITH holders AS MATERIALIZED (
     SELECT person_id, nhs_number FROM person WHERE nhs_number = ANY(${numbers})
   ), nhs_less AS MATERIALIZED (
     SELECT DISTINCT b.block_key, l.person_id
     FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
     JOIN person p ON p.person_id = l.person_id AND p.nhs_number IS NULL
     WHERE b.block_key = ANY(${keys})
   )
   SELECT 'holder' AS kind, person_id::text AS person_id, nhs_number AS block_key, NULL::text AS nhs_number,
          NULL::text AS family_name, NULL::text AS given_name, NULL::date AS birth_date, NULL::text AS sex,
          NULL::text AS postcode
   FROM holders
   UNION ALL
   SELECT 'record', pr.person_id::text, NULL, pr.nhs_number, pr.family_name, pr.given_name, pr.birth_date, pr.sex,
          pr.postcode
   FROM person_record pr WHERE pr.person_id IN (SELECT person_id FROM holders)
   UNION ALL
   SELECT 'candidate', person_id::text, block_key, NULL, NULL, NULL, NULL, NULL, NULL FROM nhs_less
   UNION ALL
   SELECT 'candidate-record', pr.person_id::text, NULL, pr.nhs_number, pr.family_name, pr.given_name, pr.birth_date,
          pr.sex, pr.postcode
   FROM person_record pr WHERE pr.person_id IN (SELECT person_id FROM nhs_less)`;
const NHS_STATE_AND_CANDIDATES = prepared(
  "mpi.nhs-state-candidates",
  nhsStateText("$1::text[]", "$2::text[]"),
);

/** A row of NHS_STATE_AND_CANDIDATES: a holder, a holder's record, a candidate (by a key) or a candidate's record. */
export type NhsStateRow = DemographicRow & { kind: string; person_id: string; block_key: string | null };

/** What a caller read of NHS_STATE_AND_CANDIDATES (unlinkedNhsStateSql): for which records, and its rows. */
export interface NhsStateRead {
  /** The records (recordKey) whose numbers and keys it was given: it holds those of them that were not linked. */
  records: ReadonlySet<string>;
  rows: readonly NhsStateRow[];
}

const unlinked =
  "NOT EXISTS (SELECT 1 FROM mpi_record_link l WHERE l.source_system = r.s AND l.source_record_id = r.i)";

/**
 * NHS_STATE_AND_CANDIDATES for those of a caller's records not linked yet, as a part of the caller's own read
 * (one server; an ADT batch's, so the MPI's read costs no round trip of its own): its parameters are six arrays
 * from `$first` on, unlinkedNhsStateParams's. A record linked already costs a probe of its link, nothing more.
 */
export function unlinkedNhsStateSql(first: number): string {
  const p = (k: number) => `$${first + k}::text[]`;
  return nhsStateText(
    `ARRAY(SELECT r.n FROM unnest(${p(0)}, ${p(1)}, ${p(2)}) AS r (s, i, n) WHERE ${unlinked})`,
    `ARRAY(SELECT r.n FROM unnest(${p(3)}, ${p(4)}, ${p(5)}) AS r (s, i, n) WHERE ${unlinked})`,
  );
}

/** unlinkedNhsStateSql's six parameters for these records (those with a valid NHS Number), and their keys. */
export function unlinkedNhsStateParams(records: readonly SourceRecordInput[]): {
  params: string[][];
  records: Set<string>;
} {
  const params: string[][] = [[], [], [], [], [], []];
  const keys = new Set<string>();
  for (const r of records) {
    const nhs = validNhs(r);
    const key = recordKey(r.sourceSystem, r.recordId);
    if (nhs === null || keys.has(key)) continue;
    keys.add(key);
    params[0].push(r.sourceSystem);
    params[1].push(r.recordId);
    params[2].push(nhs);
    for (const k of searchKeys(toMatchRecord(r))) {
      params[3].push(r.sourceSystem);
      params[4].push(r.recordId);
      params[5].push(k);
    }
  }
  return { params, records: keys };
}

const NHS_LESS_CANDIDATES = prepared(
  "mpi.nhs-less-candidates",
  `SELECT DISTINCT l.person_id::text AS person_id
   FROM mpi_block b JOIN mpi_record_link l USING (source_system, source_record_id)
   JOIN person p ON p.person_id = l.person_id AND p.nhs_number IS NULL
   WHERE b.block_key = ANY($1::text[])`,
);

async function readLinked(q: Queryable, records: readonly SourceRecordInput[]): Promise<LinkedRow[]> {
  if (records.length === 1) {
    return q.query<LinkedRow>(LINKED_ONE, [records[0].sourceSystem, records[0].recordId]);
  }
  return q.query<LinkedRow>(LINKED_MANY, [
    records.map((r) => r.sourceSystem),
    records.map((r) => r.recordId),
  ]);
}

/**
 * Records already linked keep their person; changed demographics are written now. Removes them from byKey.
 * True when it wrote.
 */
async function updateKnownRecords(
  q: Queryable,
  linked: readonly LinkedRow[],
  byKey: Map<string, SourceRecordInput>,
  writes: LinkWrites,
  outcomes: Map<string, ResolveOutcome>,
): Promise<boolean> {
  const changed: { row: LinkedRow; r: SourceRecordInput; identifiers: string }[] = [];
  for (const row of linked) {
    const key = recordKey(row.source_system, row.source_record_id);
    const r = byKey.get(key);
    if (!r) continue;
    byKey.delete(key);
    const identifiers = changedIdentifiers(r, row);
    if (!identifiers) {
      outcomes.set(key, { personId: row.person_id, outcome: "existing" });
      continue;
    }
    changed.push({ row, r, identifiers: JSON.stringify(identifiers) });
    writes.blockKeys(r);
    writes.touched.add(row.person_id);
    outcomes.set(key, { personId: row.person_id, outcome: "updated" });
  }
  if (changed.length === 0) return false;
  const sources = changed.map((c) => c.r.sourceSystem);
  const ids = changed.map((c) => c.r.recordId);
  const demographicColumns = toColumns(
    changed.map((c) => demographics(c.r)),
    7,
  );
  // The blocking keys are written afresh with the batch's other rows (flush), after these.
  await runWrites(q, [
    {
      text: UPDATE_RECORDS,
      params: [changed.map((c) => c.row.person_id), sources, ids, ...demographicColumns],
    },
    {
      text: UPDATE_LINKS,
      params: [
        sources,
        ids,
        changed.map((c) => c.identifiers),
        changed.map((c) => c.r.ethnicCategory ?? null),
      ],
    },
    { text: DELETE_BLOCKS, params: [sources, ids] },
  ]);
  return true;
}

const UPDATE_RECORDS = `UPDATE person_record pr SET nhs_number = u.nhs_number, family_name = u.family_name,
    given_name = u.given_name, birth_date = u.birth_date, sex = u.sex, postcode = u.postcode, received_at = u.received_at
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::text[], $9::text[],
              $10::timestamptz[])
    AS u(person_id, source_system, source_record_id, nhs_number, family_name, given_name, birth_date, sex, postcode,
         received_at)
  WHERE pr.person_id = u.person_id AND pr.source_system = u.source_system AND pr.source_record_id = u.source_record_id`;
const UPDATE_LINKS = `UPDATE mpi_record_link l SET identifiers = u.identifiers::jsonb,
    ethnic_category = COALESCE(u.ethnic_category, l.ethnic_category)
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(source_system, source_record_id, identifiers, ethnic_category)
  WHERE l.source_system = u.source_system AND l.source_record_id = u.source_record_id`;
const DELETE_BLOCKS = `DELETE FROM mpi_block b USING unnest($1::text[], $2::text[]) AS u(source_system, source_record_id)
  WHERE b.source_system = u.source_system AND b.source_record_id = u.source_record_id`;

/** Who holds these records' numbers and their records, and the people without a number who may be them. */
async function readNhsState(q: Queryable, withNhs: readonly SourceRecordInput[]): Promise<NhsState> {
  const numbers = [...new Set(withNhs.map((r) => validNhs(r) as string))];
  if (!isCitus(q)) return readNhsStateAtOnce(q, withNhs, numbers);
  // On Citus: the numbers' holders from their routes (a shard a number) and the holders' records from their own
  // shards; whether anyone at all lacks a number is asked of every shard only when some number has no holder.
  const holders = await peopleHoldingNhsNumbers(q, numbers);
  const state: NhsState = {
    personByNhs: new Map(holders.map((h) => [h.nhs_number, h.person_id])),
    holderRecords: await candidateRecords(q, [...new Set(holders.map((h) => h.person_id))]),
    nhsLessCandidates: new Map(),
    claimed: new Set(),
  };
  const unknown = withNhs.filter((r) => !state.personByNhs.has(validNhs(r) as string));
  if (unknown.length > 0 && (await q.query(ANYONE_WITHOUT_NHS)).length > 0) {
    const keys = new Set(unknown.flatMap((r) => searchKeys(toMatchRecord(r))));
    const rows = await q.query<{ person_id: string }>(NHS_LESS_CANDIDATES, [[...keys]]);
    state.nhsLessCandidates = await candidateRecords(
      q,
      rows.map((r) => r.person_id),
    );
  }
  return state;
}

/** readNhsState in one round trip (NHS_STATE_AND_CANDIDATES). */
async function readNhsStateAtOnce(
  q: Queryable,
  withNhs: readonly SourceRecordInput[],
  numbers: readonly string[],
): Promise<NhsState> {
  const keys = new Set(withNhs.flatMap((r) => searchKeys(toMatchRecord(r))));
  const rows = await q.query<NhsStateRow>(NHS_STATE_AND_CANDIDATES, [numbers, [...keys]]);
  return nhsStateFromRows(withNhs, rows);
}

/** The NHS state of these records from NHS_STATE_AND_CANDIDATES's rows (for them, or for more records). */
function nhsStateFromRows(withNhs: readonly SourceRecordInput[], rows: readonly NhsStateRow[]): NhsState {
  const state: NhsState = {
    personByNhs: new Map(),
    holderRecords: new Map(),
    nhsLessCandidates: new Map(),
    claimed: new Set(),
  };
  const candidateKeys: { key: string; personId: string }[] = [];
  const candidateRecords = new Map<string, CandidateRecord[]>();
  for (const r of rows) {
    if (r.kind === "holder") state.personByNhs.set(r.block_key as string, r.person_id);
    else if (r.kind === "candidate")
      candidateKeys.push({ key: r.block_key as string, personId: r.person_id });
    else {
      const into = r.kind === "record" ? state.holderRecords : candidateRecords;
      const list = into.get(r.person_id) ?? [];
      list.push({ person_id: r.person_id, ...matchRecordFromRow(r) });
      into.set(r.person_id, list);
    }
  }
  // The people without a number found by the keys of the records whose number no one holds, as NHS_LESS_CANDIDATES.
  const wanted = new Set(
    withNhs
      .filter((r) => !state.personByNhs.has(validNhs(r) as string))
      .flatMap((r) => searchKeys(toMatchRecord(r))),
  );
  for (const { key, personId } of candidateKeys) {
    const records = candidateRecords.get(personId);
    if (wanted.has(key) && records) state.nhsLessCandidates.set(personId, records);
  }
  return state;
}

/** A record's lookup keys: its search keys, and the NHS Numbers one slip away from the one it has. */
function lookupKeys(r: SourceRecordInput): string[] {
  const neighbours = r.nhsNumber ? oneSlipNeighbours(r.nhsNumber).map((n) => `nhs:${n}`) : [];
  return [...searchKeys(toMatchRecord(r)), ...neighbours];
}

/** The people every lookup key of the batch finds, and their records. */
async function readBlockIndex(q: Queryable, lookups: Map<SourceRecordInput, string[]>): Promise<BlockIndex> {
  const blockKeys = new Set<string>();
  const numbers = new Set<string>();
  for (const keys of lookups.values()) {
    // Blocking keys are d:, n:, g: and p:; a neighbouring NHS Number is nhs:, as the query below names it.
    for (const k of keys) {
      if (k.startsWith("nhs:")) numbers.add(k.slice(4));
      else blockKeys.add(k);
    }
  }
  const index: BlockIndex = { peopleByKey: new Map(), recordsByPerson: new Map() };
  if (isCitus(q)) {
    const hits = await q.query<{ block_key: string; person_id: string }>(BLOCK_HITS, [
      [...blockKeys],
      [...numbers],
    ]);
    for (const h of hits) addToIndex(index, h.block_key, h.person_id);
    index.recordsByPerson = await candidateRecords(q, [...new Set(hits.map((h) => h.person_id))]);
    return index;
  }
  const rows = await q.query<DemographicRow & { block_key: string | null; person_id: string }>(
    BLOCK_HITS_AND_RECORDS,
    [[...blockKeys], [...numbers]],
  );
  for (const r of rows) {
    if (r.block_key !== null) {
      addToIndex(index, r.block_key, r.person_id);
      continue;
    }
    const list = index.recordsByPerson.get(r.person_id) ?? [];
    list.push({ person_id: r.person_id, ...matchRecordFromRow(r) });
    index.recordsByPerson.set(r.person_id, list);
  }
  return index;
}

async function candidateRecords(
  q: Queryable,
  personIds: readonly string[],
): Promise<Map<string, CandidateRecord[]>> {
  const byPerson = new Map<string, CandidateRecord[]>();
  if (personIds.length === 0) return byPerson;
  const rows = await q.query<DemographicRow & { person_id: string }>(CANDIDATE_RECORDS, [personIds]);
  for (const r of rows) {
    const list = byPerson.get(r.person_id) ?? [];
    list.push({ person_id: r.person_id, ...matchRecordFromRow(r) });
    byPerson.set(r.person_id, list);
  }
  return byPerson;
}

/** The people these records are linked to now (records not yet seen are absent). */
export async function findLinks(
  q: Queryable,
  sourceSystem: string,
  recordIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (recordIds.length === 0) return out;
  const rows = await q.query<{ source_record_id: string; person_id: string }>(FIND_LINKS, [
    sourceSystem,
    [...new Set(recordIds)],
  ]);
  for (const r of rows) out.set(r.source_record_id, r.person_id);
  return out;
}

const BY_NHS_NUMBER_WITH_LINK = `SELECT DISTINCT ON (p.nhs_number) p.nhs_number, p.person_id::text AS person_id,
       l.source_system, l.source_record_id
  FROM person p JOIN mpi_record_link l ON l.person_id = p.person_id AND l.nhs_number = p.nhs_number
 WHERE p.nhs_number = ANY($1::text[])
 ORDER BY p.nhs_number, l.linked_at, l.source_system, l.source_record_id`;
const FIRST_LINKS_OF_HOLDERS = `SELECT DISTINCT ON (l.nhs_number) l.nhs_number, l.person_id::text AS person_id,
       l.source_system, l.source_record_id
  FROM mpi_record_link l
 WHERE l.nhs_number = ANY($1::text[])
   AND (l.nhs_number, l.person_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))
 ORDER BY l.nhs_number, l.linked_at, l.source_system, l.source_record_id`;

/** The person holding a valid NHS Number, and the record it was trusted from. */
export async function findByNhsNumber(
  q: Queryable,
  nhsNumbers: readonly string[],
): Promise<Map<string, { personId: string; sourceSystem: string; recordId: string }>> {
  const out = new Map<string, { personId: string; sourceSystem: string; recordId: string }>();
  if (nhsNumbers.length === 0) return out;
  let numbers = [...new Set(nhsNumbers)];
  let holders: string[] = [];
  if (isCitus(q)) {
    // The holders from the numbers' routes (their shards alone), then the links (on the coordinator) of each
    // number's holder: person joined to the links by its number went to every shard.
    const routes = await peopleHoldingNhsNumbers(q, numbers);
    if (routes.length === 0) return out;
    numbers = routes.map((r) => r.nhs_number);
    holders = routes.map((r) => r.person_id);
  }
  const rows = await q.query<{
    nhs_number: string;
    person_id: string;
    source_system: string;
    source_record_id: string;
  }>(
    isCitus(q) ? FIRST_LINKS_OF_HOLDERS : BY_NHS_NUMBER_WITH_LINK,
    isCitus(q) ? [numbers, holders] : [numbers],
  );
  for (const r of rows)
    out.set(r.nhs_number, {
      personId: r.person_id,
      sourceSystem: r.source_system,
      recordId: r.source_record_id,
    });
  return out;
}
