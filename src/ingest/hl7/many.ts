import {
  AUTOMATIC,
  findLinks,
  type LinkedRow,
  type NhsStateRead,
  type NhsStateRow,
  type NoBirthDateProblem,
  type ReviewedEventResult,
  type ReviewItem,
  recordKey,
  recordLockNames,
  resolveRecords,
  type SourceRecordInput,
  unattributableWithoutBirthDate,
  unlinkedNhsStateParams,
  unlinkedNhsStateSql,
} from "../../mpi/index.ts";
import {
  cols,
  type Db,
  deferWrite,
  genericPlans,
  insertWrite,
  isCitus,
  literal,
  lockNames,
  PreviousBatchFailed,
  prepared,
  type Queryable,
  runWrites,
  signalWritten,
  type Turn,
  toColumns,
  type Write,
} from "../../store/index.ts";
import { subjectsWrite, upsertCanonicalWrite } from "../canonical.ts";
import { rowId, sha256 } from "../ids.ts";
import { resolveMessageRejectsWrite } from "../rejects.ts";
import { sourcesIgnoringBarePid2 } from "../sources.ts";
import { peopleOf } from "../touched.ts";
import {
  type AdtEvent,
  AdtRejection,
  birthDateNeeded,
  mayHaveBarePid2,
  messageCodes,
  readHeader,
  readPatient,
  readPriorIds,
  swapPartner,
  UnsupportedEvent,
  type VisitDetail,
} from "./adt.ts";
import {
  type Hl7Context,
  type Hl7Outcome,
  internalError,
  isRetryable,
  rejectHl7,
  rejectVisitPart,
  validateVisit,
} from "./apply.ts";
import {
  APPLIED_ON_CONFLICT,
  acceptedOutcome,
  eventOf,
  hasVisitEvent,
  identifyMessage,
  mergePriors,
  nulRejection,
  PRIOR_EVENTS,
  rejectionOf,
  reusedControlId,
  type SeenMessage,
  swapEvent,
  unknownPriorRejection,
  type VisitEvent,
  visitEventValues,
  visitRow,
  wardStayRows,
  withEvent,
} from "./apply-parts.ts";
import { processingIdOf, sniffHeader } from "./charset.ts";
import type { CodeLookup, UnmappedCode } from "./coded.ts";
import {
  applyReviewedHl7Event,
  deletedBefore,
  identifierTaken,
  movedVisitProblem,
  moveNeedsReview,
  ownerOf,
  queueVisitMove,
  relabelVisits,
  renameSourceRecord,
  retractSourceRecord,
} from "./identity-events.ts";
import {
  isTestInstance,
  resolveUnsupportedRejects,
  type UnsupportedItem,
  unsupportedOutcome,
  unsupportedText,
} from "./instance.ts";
import { Hl7ParseError, type Message, messageContent, parseMessage, segment, value } from "./message.ts";
import {
  type KnownDemographics,
  keepKnownDemographics,
  needsKnownDemographics,
  unmappedWrite,
} from "./unmapped.ts";
import { foldVisit, readVisitLog, type VisitEventRow, type VisitState } from "./visits.ts";

// Many ADT messages in one transaction with a fixed number of statements, whatever their number: the
// listener's group commit and batch files both go through here. Messages are still applied one after another
// in memory (a later message sees the visit log an earlier one extended, a repeated control id counts once),
// and each is checked in full before anything is written, so a rejected message leaves only its reject.

interface Item {
  raw: string;
  ctx: Hl7Context;
}

/** A message sent before its source deleted the patient's record (A29) and delivered after: kept, not applied. */
interface Held extends Parsed {
  reason: string;
}

interface Accepted extends Parsed {
  previousStatus: string | null;
  /** A45 that waits for a person (the MPI cannot confirm the patient it moves onto): from whom, and why. */
  moveReview?: { fromRecordId: string; why: string };
}

const visitKey = (source: string, visit: string) => `${source}\u0000${visit}`;
const msgKey = (source: string, control: string) => `${source}\u0000${control}`;
/** MRG-1's prior ids, or none when MRG is missing (the message is refused for that when its event is read). */
function readPriorIdsOrNone(m: Message, trigger: string): string[] {
  try {
    return readPriorIds(m, trigger);
  } catch {
    return [];
  }
}

/** The visits a message touches, as far as its header tells: PV1-19, A45's moved visit, A17's second PV1-19. */
function visitNumbersOf(m: Message, trigger: string): string[] {
  const first =
    trigger === "A45"
      ? value(segment(m, "MRG"), 5).trim() || value(segment(m, "PV1"), 19).trim()
      : value(segment(m, "PV1"), 19).trim();
  const second = trigger === "A17" ? value(segment(m, "PV1", 2), 19).trim() : "";
  return [first, second].filter((v) => v);
}

const codeKey = (source: string, map: string, code: string) => `${source}\u0000${map}\u0000${code}`;

/** The patients a message names: its PID, and A17's second PID. */
const patientsOf = (f: Pick<FirstPass, "patient" | "swapPatient">) =>
  f.swapPatient ? [f.patient, f.swapPatient] : [f.patient];

const EVENT_COLS = cols(
  "source_system text, visit_number text, control_id text, trigger_event text, message_time timestamptz, record_id text, detail jsonb",
);
const HELD_COLS = cols(
  "source_system text, control_id text, message_type text, message_time timestamptz, reason text",
);
const MESSAGE_COLS = cols(
  "source_system text, control_id text, message_type text, message_time timestamptz, status text, ack_code text, payload text, payload_sha256 text, load_id uuid",
);

interface FirstPass {
  index: number;
  message: Message;
  header: ReturnType<typeof readHeader>;
  patient: AdtEvent["patient"];
  /** A17's second patient (the second PID), whose record is read, locked and updated as the first's. */
  swapPatient?: AdtEvent["patient"];
  codes: UnmappedCode[];
  /** The visits the message touches: PV1-19 (A45: the visit that moves), and A17's other patient's. */
  visitNumbers: string[];
  /** The hash of what the message says (`messageContent`), which tells a duplicate. */
  sha: string;
  /** The hash of its bytes, which messages stored before content hashes were kept under. */
  rawSha: string;
  /** Its source says ten bare digits in PID-2 are not the NHS Number. */
  ignoreBarePid2: boolean;
}

interface BatchState {
  /** The sources' own code mappings, by source, map name and code. */
  mappings: Map<string, string>;
  /** Messages seen before under these control ids (and their reused forms): status and payload hash. */
  statuses: Map<string, SeenMessage>;
  logs: Map<string, VisitEventRow[]>;
  linked: LinkedRow[];
  /** A40, A45 and A47 prior records this source has sent before. */
  priors: Set<string>;
  /** Patient records whose link waits in the identity review queue (the MPI is not sure who they are). */
  uncertain: Set<string>;
  /** When the source last deleted each patient record (A29's MSH-7, ISO), by recordKey. */
  deletions: Map<string, string>;
  /** The holders and candidates of the NHS Numbers of the patients not linked yet (one server), for the MPI. */
  nhsState?: NhsStateRead;
}

// The batch read (readBatch), run for every ADT batch: parsed once per connection, and planned once it has a
// generic plan, instead of parsing and planning a six-part UNION for every few messages.
const READ_BATCH_TEXT = `SELECT 'code' AS kind, json_build_object('s', source_system, 'm', map_name, 'c', source_code, 't', target_code) AS data
     FROM ingest_code_map
     WHERE (source_system, map_name, source_code) IN (SELECT * FROM unnest($1::text[], $2::text[], $9::text[]))
     UNION ALL
     SELECT 'message', json_build_object('s', source_system, 'k', control_id, 'st', status, 'h', payload_sha256)
     FROM ingest_message WHERE (source_system, control_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))
     UNION ALL
     SELECT 'event', json_build_object('s', source_system, 'v', visit_number, 'c', control_id, 't', trigger_event,
                                       'm', message_time, 'r', record_id, 'd', detail)
     FROM adt_visit_event WHERE (source_system, visit_number) IN (SELECT * FROM unnest($5::text[], $6::text[]))
     UNION ALL
     SELECT 'link', row_to_json(v)
     FROM mpi_linked_record v
     WHERE (v.source_system, v.source_record_id) IN (SELECT * FROM unnest($7::text[], $8::text[]))
     UNION ALL
     SELECT 'deleted', json_build_object('s', source_system, 'r', record_id, 'at', deleted_at)
     FROM adt_record_deletion WHERE (source_system, record_id) IN (SELECT * FROM unnest($7::text[], $8::text[]))
     UNION ALL
     SELECT 'prior', json_build_object('s', source_system, 'r', source_record_id)
     FROM mpi_record_link WHERE (source_system, source_record_id) IN (SELECT * FROM unnest($10::text[], $11::text[]))
     UNION ALL
     SELECT 'uncertain', json_build_object('s', source_system, 'r', source_record_id)
     FROM mpi_review WHERE status = 'open' AND kind = 'link'
       AND (source_system, source_record_id) IN (SELECT * FROM unnest($12::text[], $13::text[]))`;
// On Citus (where the MPI reads the numbers' holders from their routes, a shard each).
const READ_BATCH = prepared("hl7.read-batch", READ_BATCH_TEXT);
// On one server, with the MPI's read of who holds the NHS Numbers of the patients not linked yet (and who may be
// them): a batch admitting new patients then reads once before its COMMIT, not twice. A patient linked already
// costs a probe of its link.
const READ_BATCH_WITH_NHS = prepared(
  "hl7.read-batch-nhs",
  `${READ_BATCH_TEXT}
     UNION ALL
     SELECT 'nhs', row_to_json(n) FROM (${unlinkedNhsStateSql(14)}) n`,
);

/**
 * The tables an ADT batch looks up by key or writes: their statistics must follow their growth, as the batch's
 * plans are made once per connection (analyzeGrownTables, which the listener runs as they grow).
 */
export const ADT_BATCH_TABLES: readonly string[] = [
  "ingest_code_map",
  "ingest_message",
  "ingest_reject",
  "ingest_row_subject",
  "adt_visit_event",
  "adt_record_deletion",
  "adt_held_message",
  "mpi_record_link",
  "mpi_block",
  "mpi_review",
  "person",
  "person_record",
  "hospital_spell",
  "ward_stay",
  "ae_attendance",
  "outpatient_attendance",
];

/**
 * Everything the batch needs to read, in one statement: ward kinds, earlier statuses of these control ids,
 * the visits' event logs and the patients' current links. It runs after the locks are held.
 */
async function readBatch(q: Queryable, first: FirstPass[]): Promise<BatchState> {
  const codes = first.flatMap((f) => f.codes.map((c) => [f.header.sourceSystem, c.map, c.code] as const));
  const visits = first.flatMap((f) => f.visitNumbers.map((v) => [f.header.sourceSystem, v] as const));
  const priors = first.flatMap((f) =>
    PRIOR_EVENTS.has(f.header.trigger)
      ? readPriorIdsOrNone(f.message, f.header.trigger).map((id) => [f.header.sourceSystem, id])
      : [],
  );
  const moveTargets = first.filter((f) => f.header.trigger === "A45");
  const nhs = isCitus(q) ? null : unlinkedNhsStateParams(first.flatMap(patientsOf));
  const rows = await q.query<{ kind: string; data: Record<string, unknown> | string }>(
    nhs ? READ_BATCH_WITH_NHS : READ_BATCH,
    [
      codes.map((c) => c[0]),
      codes.map((c) => c[1]),
      first.flatMap((f) => [f.header.sourceSystem, f.header.sourceSystem]),
      first.flatMap((f) => [f.header.controlId, reusedControlId(f.header.controlId, f.sha)]),
      visits.map((v) => v[0]),
      visits.map((v) => v[1]),
      first.flatMap((f) => patientsOf(f).map((p) => p.sourceSystem)),
      first.flatMap((f) => patientsOf(f).map((p) => p.recordId)),
      codes.map((c) => c[2]),
      priors.map((p) => p[0]),
      priors.map((p) => p[1]),
      // Only an A45 asks whether the patient it moves onto waits for review: other batches read nothing here.
      moveTargets.map((f) => f.patient.sourceSystem),
      moveTargets.map((f) => f.patient.recordId),
      ...(nhs ? nhs.params : []),
    ],
  );
  const state: BatchState = {
    mappings: new Map(),
    statuses: new Map(),
    logs: new Map(),
    linked: [],
    priors: new Set(),
    uncertain: new Set(),
    deletions: new Map(),
  };
  const nhsRows: NhsStateRow[] = [];
  if (nhs) state.nhsState = { records: nhs.records, rows: nhsRows };
  for (const r of rows) {
    const d = (typeof r.data === "string" ? JSON.parse(r.data) : r.data) as Record<string, unknown>;
    if (r.kind === "code") state.mappings.set(codeKey(String(d.s), String(d.m), String(d.c)), String(d.t));
    else if (r.kind === "prior") state.priors.add(recordKey(String(d.s), String(d.r)));
    else if (r.kind === "uncertain") state.uncertain.add(recordKey(String(d.s), String(d.r)));
    else if (r.kind === "nhs") nhsRows.push(d as unknown as NhsStateRow);
    else if (r.kind === "deleted")
      state.deletions.set(recordKey(String(d.s), String(d.r)), new Date(String(d.at)).toISOString());
    else if (r.kind === "message")
      state.statuses.set(msgKey(String(d.s), String(d.k)), { status: String(d.st), sha: String(d.h) });
    else if (r.kind === "event") {
      const k = visitKey(String(d.s), String(d.v));
      const list = state.logs.get(k) ?? [];
      list.push({
        controlId: String(d.c),
        trigger: String(d.t),
        messageTime: new Date(String(d.m)).toISOString(),
        recordId: String(d.r),
        detail: d.d as VisitDetail,
      });
      state.logs.set(k, list);
    } else state.linked.push(d as unknown as LinkedRow);
  }
  return state;
}

interface Rejected {
  index: number;
  rejection: AdtRejection | Hl7ParseError;
  message: Message | null;
}

interface Parsed {
  index: number;
  message: Message;
  event: AdtEvent;
  sha: string;
  rawSha: string;
}

/** A visit the batch adds to: its log with the batch's events. */
interface Touched {
  source: string;
  visit: string;
  log: VisitEventRow[];
}

/** 1. Every message's header and patient, and where its visit is; what cannot be read is rejected. */
function readHeaders(
  items: readonly Item[],
  rejections: Rejected[],
  unsupported: (UnsupportedItem & { index: number })[],
  testInstance: boolean,
  ignoreBarePid2: ReadonlySet<string>,
): FirstPass[] {
  const firstPass: FirstPass[] = [];
  items.forEach((item, index) => {
    let message: Message | null = null;
    try {
      const nul = nulRejection(item.raw);
      if (nul) throw nul;
      message = parseMessage(item.raw);
      const header = readHeader(message, { testInstance });
      const readOptions = {
        trigger: header.trigger,
        ignoreBarePid2: ignoreBarePid2.has(header.sourceSystem),
      };
      const { sourceSystem, providerCode, messageTime } = header;
      const patient = readPatient(message, sourceSystem, providerCode, messageTime, readOptions);
      const swapPatient =
        header.trigger === "A17"
          ? readPatient(swapPartner(message), sourceSystem, providerCode, messageTime, readOptions)
          : undefined;
      firstPass.push({
        index,
        message,
        header,
        patient,
        ...(swapPatient ? { swapPatient } : {}),
        codes: messageCodes(message),
        sha: sha256(messageContent(message)),
        rawSha: sha256(item.raw),
        ignoreBarePid2: ignoreBarePid2.has(header.sourceSystem),
        visitNumbers: visitNumbersOf(message, header.trigger),
      });
    } catch (error) {
      if (error instanceof UnsupportedEvent && message)
        unsupported.push({ index, raw: item.raw, ctx: item.ctx, event: error, message });
      else if (error instanceof AdtRejection || error instanceof Hl7ParseError)
        rejections.push({ index, rejection: error, message });
      else throw error;
    }
  });
  return firstPass;
}

/** 2. Locks (patients, control ids, visits), then one read of all the batch needs. */
async function lockAndRead(q: Queryable, firstPass: FirstPass[]): Promise<BatchState> {
  const locks: string[] = [];
  for (const f of firstPass) {
    locks.push(
      ...patientsOf(f).flatMap(recordLockNames),
      `message:${f.header.sourceSystem}:${f.header.controlId}`,
    );
    for (const v of f.visitNumbers) locks.push(`visit:${f.header.sourceSystem}:${v}`);
    if (PRIOR_EVENTS.has(f.header.trigger))
      for (const id of readPriorIdsOrNone(f.message, f.header.trigger))
        locks.push(`record:${f.header.sourceSystem}:${id}`);
  }
  await lockNames(q, locks);
  return firstPass.length > 0
    ? readBatch(q, firstPass)
    : {
        mappings: new Map(),
        statuses: new Map(),
        logs: new Map(),
        linked: [],
        priors: new Set(),
        uncertain: new Set(),
        deletions: new Map(),
      };
}

/**
 * Each message's event, its codes decoded with the sources' mappings from the batch read; a patient who left
 * out what the event does not need keeps what their record knows.
 */
function readEvents(firstPass: FirstPass[], batch: BatchState, rejections: Rejected[]): Parsed[] {
  const parsed: Parsed[] = [];
  const known = new Map(batch.linked.map((l) => [recordKey(l.source_system, l.source_record_id), l]));
  for (const f of firstPass) {
    try {
      const { sourceSystem, providerCode, messageTime, trigger } = f.header;
      const local: CodeLookup = (map, code) => batch.mappings.get(codeKey(sourceSystem, map, code)) ?? null;
      const flags: UnmappedCode[] = [];
      const patient = readPatient(f.message, sourceSystem, providerCode, messageTime, {
        trigger,
        local,
        flags,
        ignoreBarePid2: f.ignoreBarePid2,
      });
      const event = eventOf(f.message, f.header, patient, local, flags, {
        ignoreBarePid2: f.ignoreBarePid2,
      });
      // Each patient keeps what their own record knows (A17's second PID's unmapped sex is its own).
      const own = event.swap?.patientFlags ?? [];
      const first = { ...event, unmapped: event.unmapped.filter((x) => !own.includes(x)) };
      const swapped = swapEvent(event);
      for (const e of swapped ? [first, swapped] : [first]) {
        if (!needsKnownDemographics(e)) continue;
        const row = known.get(recordKey(e.patient.sourceSystem, e.patient.recordId));
        keepKnownDemographics(e, row as KnownDemographics | undefined);
      }
      parsed.push({ index: f.index, message: f.message, event, sha: f.sha, rawSha: f.rawSha });
    } catch (error) {
      if (error instanceof AdtRejection)
        rejections.push({ index: f.index, rejection: error, message: f.message });
      else throw error;
    }
  }
  return parsed;
}

/** The patients these messages would link (not A29's, nor A47's renamed record) whom the MPI has not linked and who have no date of birth. */
function newPatientsWithoutBirthDate(parsed: readonly Parsed[], batch: BatchState): SourceRecordInput[] {
  const known = new Set(batch.linked.map((l) => recordKey(l.source_system, l.source_record_id)));
  return parsed
    .filter((p) => p.event.trigger !== "A29" && p.event.trigger !== "A47")
    .flatMap((p) => (p.event.swap ? [p.event.patient, p.event.swap.patient] : [p.event.patient]))
    .filter((x) => !x.birthDate && !known.has(recordKey(x.sourceSystem, x.recordId)));
}

/**
 * 3. One message after another, in memory: a control id applied before (or earlier in the batch) is a
 * duplicate; a visit event extends its visit's log, which must still fold into a valid visit.
 */
function applyInMemory(
  parsed: Parsed[],
  batch: BatchState,
  items: readonly Item[],
  outcomes: (Hl7Outcome | null)[],
  rejections: Rejected[],
  unattributable: ReadonlyMap<string, NoBirthDateProblem>,
): { accepted: Accepted[]; held: Held[]; touched: Map<string, Touched> } {
  const accepted: Accepted[] = [];
  const held: Held[] = [];
  const seen = new Map<string, SeenMessage>();
  const patientsAccepted = new Set<string>();
  // The dates of birth of patients earlier messages in the batch gave: a later one without keeps the record's.
  const birthDates = new Map<string, string>();
  const touched = new Map<string, Touched>();
  const known = new Set(batch.linked.map((l) => recordKey(l.source_system, l.source_record_id)));
  const logOf = (source: string, visit: string) => {
    const k = visitKey(source, visit);
    return touched.get(k)?.log ?? batch.logs.get(k) ?? [];
  };
  for (const p of parsed) {
    const e = p.event;
    const identity = identifyMessage(
      e.controlId,
      p.sha,
      (id) => {
        const k = msgKey(e.sourceSystem, id);
        return seen.get(k) ?? batch.statuses.get(k);
      },
      p.rawSha,
    );
    e.controlId = identity.controlId;
    const mk = msgKey(e.sourceSystem, e.controlId);
    if (identity.duplicate) {
      outcomes[p.index] = acceptedOutcome(p.message, e, { duplicate: true });
      continue;
    }
    const late = (e.swap ? [e.patient, e.swap.patient] : [e.patient])
      .map((x) => deletedBefore(e, x.recordId, batch.deletions.get(recordKey(x.sourceSystem, x.recordId))))
      .find((why) => why !== null);
    if (late) {
      seen.set(mk, { status: "applied", sha: p.sha });
      held.push({ ...p, reason: late });
      continue;
    }
    const isKnown = (id: string) => {
      const k = recordKey(e.sourceSystem, id);
      return batch.priors.has(k) || patientsAccepted.has(k) || known.has(k);
    };
    const patients = e.swap ? [e.patient, e.swap.patient] : [e.patient];
    for (const x of patients) x.birthDate ??= birthDates.get(recordKey(x.sourceSystem, x.recordId)) ?? null;
    const noBirthDate = patients
      .map((x) => (x.birthDate ? undefined : unattributable.get(recordKey(x.sourceSystem, x.recordId))))
      .find((why) => why !== undefined);
    const problem =
      (noBirthDate ? birthDateNeeded(noBirthDate) : null) ??
      unknownPriorRejection(e, isKnown) ??
      identifierTaken(e, isKnown) ??
      (e.trigger === "A45" ? movedVisitProblem(e, logOf(e.sourceSystem, e.visitNumber as string)) : null);
    if (problem) {
      rejections.push({ index: p.index, rejection: problem, message: p.message });
      continue;
    }
    let moveReview: Accepted["moveReview"];
    if (e.trigger === "A45") {
      const why = moveNeedsReview(e, items[p.index].ctx, {
        knownBefore: known.has(recordKey(e.sourceSystem, e.patient.recordId)) || isKnown(e.patient.recordId),
        uncertain: batch.uncertain.has(recordKey(e.sourceSystem, e.patient.recordId)),
      });
      const from = ownerOf(logOf(e.sourceSystem, e.visitNumber as string)) as string;
      if (why && from !== e.patient.recordId) moveReview = { fromRecordId: from, why };
    }
    const events = [
      ...(hasVisitEvent(e) && !moveReview ? [e] : []),
      ...[swapEvent(e)].filter((x): x is VisitEvent => x !== null),
    ];
    let invalid: AdtRejection | null = null;
    const next = new Map<string, Touched>();
    for (const v of events) {
      const k = visitKey(v.sourceSystem, v.visitNumber);
      const log = withEvent(next.get(k)?.log ?? logOf(v.sourceSystem, v.visitNumber), v);
      try {
        validateVisit(foldVisit(log));
      } catch (error) {
        if (!(error instanceof AdtRejection)) throw error;
        invalid = error;
        break;
      }
      next.set(k, { source: v.sourceSystem, visit: v.visitNumber, log });
    }
    if (invalid) {
      rejections.push({ index: p.index, rejection: invalid, message: p.message });
      continue;
    }
    for (const [k, t] of next) touched.set(k, t);
    seen.set(mk, { status: "applied", sha: p.sha });
    if (e.trigger !== "A29") patientsAccepted.add(recordKey(e.patient.sourceSystem, e.patient.recordId));
    if (e.swap) patientsAccepted.add(recordKey(e.swap.patient.sourceSystem, e.swap.patient.recordId));
    for (const x of patients)
      if (x.birthDate) birthDates.set(recordKey(x.sourceSystem, x.recordId), x.birthDate);
    accepted.push({ ...p, previousStatus: identity.previousStatus, ...(moveReview ? { moveReview } : {}) });
  }
  return { accepted, held, touched };
}

/**
 * 4. People: new ones through the MPI, then the A40 merges. Returns who each visit's patient record is,
 * looking up records that are not the batch's own.
 */
async function linkPeople(
  q: Queryable,
  items: readonly Item[],
  accepted: Accepted[],
  linked: LinkedRow[],
  nhsState: NhsStateRead | undefined,
  states: ReadonlyMap<string, VisitState>,
  touched: ReadonlyMap<string, Touched>,
): Promise<(source: string, recordId: string) => string> {
  // An A29's patient is deleted, not linked; an A47's new id is its old record renamed (below). A17's second
  // patient is updated as the first is.
  const persons = await resolveRecords(
    q,
    accepted
      .filter((a) => a.event.trigger !== "A29" && a.event.trigger !== "A47")
      .flatMap((a) => (a.event.swap ? [a.event.patient, a.event.swap.patient] : [a.event.patient])),
    { locked: true, linked, ...(nhsState ? { nhsState } : {}) },
  );
  for (const a of accepted) {
    const e = a.event;
    if (e.trigger === "A47") {
      await renameSourceRecord(q, e);
      for (const [k, outcome] of await resolveRecords(q, [e.patient])) persons.set(k, outcome);
    } else if (e.trigger === "A40") {
      const survivor = (await findLinks(q, e.sourceSystem, [e.patient.recordId])).get(
        e.patient.recordId,
      ) as string;
      await mergePriors(q, e, survivor, items[a.index].ctx.merges);
    } else if (a.moveReview) {
      const to = persons.get(recordKey(e.sourceSystem, e.patient.recordId))?.personId;
      if (to) await queueVisitMove(q, e, a.moveReview.fromRecordId, to, a.moveReview.why);
    }
  }
  const needPeople = new Map<string, Set<string>>();
  for (const [k, t] of touched) {
    const state = states.get(k);
    if (state && !persons.has(recordKey(t.source, state.recordId))) {
      const set = needPeople.get(t.source) ?? new Set();
      set.add(state.recordId);
      needPeople.set(t.source, set);
    }
  }
  const extraLinks = new Map<string, string>();
  for (const [source, ids] of needPeople) {
    for (const [id, person] of await findLinks(q, source, [...ids]))
      extraLinks.set(recordKey(source, id), person);
  }
  return (source, recordId) => {
    const k = recordKey(source, recordId);
    const found = persons.get(k)?.personId ?? extraLinks.get(k);
    if (!found) throw new Error("a visit's patient record is not linked");
    return found;
  };
}

interface VisitWrites {
  /** Deletes that must come before the writes (a moved visit's rows, cancelled ward stays): text. */
  sql: string;
  /** Rows a visit's folded state no longer has, by their id (hospital_spell's with its ward stays): id, source, visit. */
  gone: Record<"hospital_spell" | "ae_attendance" | "outpatient_attendance", [string, string, string][]>;
  spells: unknown[][];
  wardRows: unknown[][];
  aeRows: unknown[][];
  opRows: unknown[][];
  subjects: [string, string, string, string, string][];
}

// A visit's rows are found by their ids (each table's id index: the canonical tables' keys lead with person_id,
// and a visit's person is not known here), never by source and visit number, which no index serves: each such
// delete scanned its whole table (in a Thurrock-sized place, 180,000 outpatient attendances for every A&E
// visit's event). A ward stay by its spell's person and id.
const wardsOfSpell = (spellId: string) =>
  `SELECT s.person_id, s.spell_id FROM hospital_spell s WHERE s.spell_id = ${literal(spellId, "uuid")}`;
const rowOfVisit = (table: string, source: string, visit: string) =>
  `${table === "hospital_spell" ? "spell_id" : "attendance_id"} = ${literal(rowId(table, source, visit), "uuid")} AND source_system = ${literal(source, "text")} AND source_record_id = ${literal(visit, "text")}`;

/** The deletes and canonical rows that bring each touched visit's rows to its folded state. */
function visitWrites(
  touched: ReadonlyMap<string, Touched>,
  states: ReadonlyMap<string, VisitState>,
  personOf: (source: string, recordId: string) => string,
): VisitWrites {
  const w: VisitWrites = {
    sql: "",
    gone: { hospital_spell: [], ae_attendance: [], outpatient_attendance: [] },
    spells: [],
    wardRows: [],
    aeRows: [],
    opRows: [],
    subjects: [],
  };
  for (const [k, t] of touched) {
    const state = states.get(k) ?? null;
    const { source, visit } = t;
    const spellId = rowId("hospital_spell", source, visit);
    const had = (trigger: string) => t.log.some((e) => e.trigger === trigger);
    if (had("A45")) {
      // A visit moved to another patient: its rows and their subjects are written afresh under the new person
      // (a row's person is part of its key where the place is distributed).
      const v = literal(visit, "text");
      const src = literal(source, "text");
      w.sql += `DELETE FROM ingest_row_subject WHERE source_system = ${src} AND table_name = 'ward_stay' AND source_record_id IN (SELECT w.source_record_id FROM ward_stay w JOIN (${wardsOfSpell(spellId)}) s USING (person_id, spell_id));\n`;
      w.sql += `DELETE FROM ingest_row_subject WHERE source_system = ${src} AND table_name IN ('hospital_spell', 'ae_attendance', 'outpatient_attendance') AND source_record_id = ${v};\n`;
      w.sql += `DELETE FROM ward_stay w USING (${wardsOfSpell(spellId)}) s WHERE w.person_id = s.person_id AND w.spell_id = s.spell_id;\n`;
      for (const table of ["hospital_spell", "ae_attendance", "outpatient_attendance"])
        w.sql += `DELETE FROM ${table} WHERE ${rowOfVisit(table, source, visit)};\n`;
    }
    if (state?.kind !== "spell" && (had("A01") || had("A06")))
      w.gone.hospital_spell.push([spellId, source, visit]);
    if (state?.kind !== "ae" && (had("A04") || had("A07")))
      w.gone.ae_attendance.push([rowId("ae_attendance", source, visit), source, visit]);
    if (state?.kind !== "op" && (had("A04") || had("A07")))
      w.gone.outpatient_attendance.push([rowId("outpatient_attendance", source, visit), source, visit]);
    if (!state) continue;
    const personId = personOf(source, state.recordId);
    if (state.kind === "op") {
      w.opRows.push(visitRow(personId, source, visit, state));
      w.subjects.push([source, "outpatient_attendance", visit, source, state.recordId]);
      continue;
    }
    if (state.kind === "ae") {
      w.aeRows.push(visitRow(personId, source, visit, state));
      w.subjects.push([source, "ae_attendance", visit, source, state.recordId]);
      continue;
    }
    w.spells.push(visitRow(personId, source, visit, state));
    w.subjects.push([source, "hospital_spell", visit, source, state.recordId]);
    if (had("A11") || had("A12")) {
      const keep = state.wards.map((x) => literal(x.recordId, "text"));
      w.sql += `DELETE FROM ward_stay w USING (${wardsOfSpell(spellId)}) s WHERE w.person_id = s.person_id AND w.spell_id = s.spell_id${keep.length ? ` AND w.source_record_id NOT IN (${keep.join(", ")})` : ""};\n`;
    }
    w.wardRows.push(...wardStayRows(personId, source, spellId, state));
    for (const x of state.wards) w.subjects.push([source, "ward_stay", x.recordId, source, state.recordId]);
  }
  return w;
}

/**
 * The rows of visits whose folded state no longer has them, as writes of the batch's one statement: none of
 * them is a row the statement writes (a visit's rows of one kind are written only when its state is of that
 * kind). The ward stays go first: on a Citus cluster each write is a statement of its own, and they are found
 * through their spell.
 */
function goneWrites(gone: VisitWrites["gone"]): (Write | null)[] {
  const byId = (table: keyof VisitWrites["gone"], id: string): Write | null =>
    gone[table].length === 0
      ? null
      : {
          text: `DELETE FROM ${table} t USING unnest($1::uuid[], $2::text[], $3::text[]) AS k (id, s, v)
            WHERE t.${id} = k.id AND t.source_system = k.s AND t.source_record_id = k.v`,
          params: toColumns(gone[table], 3),
        };
  return [
    gone.hospital_spell.length === 0
      ? null
      : {
          text: `DELETE FROM ward_stay w USING hospital_spell s
            WHERE s.spell_id = ANY($1::uuid[]) AND w.person_id = s.person_id AND w.spell_id = s.spell_id`,
          params: [gone.hospital_spell.map((g) => g[0])],
        },
    byId("hospital_spell", "spell_id"),
    byId("ae_attendance", "attendance_id"),
    byId("outpatient_attendance", "attendance_id"),
  ];
}

/** The visits' canonical rows and their subjects, as writes for one runWrites (after the deletes, w.sql). */
function visitRowWrites(w: VisitWrites): (Write | null)[] {
  return [
    ...goneWrites(w.gone),
    upsertCanonicalWrite("hospital_spell", w.spells),
    upsertCanonicalWrite("ward_stay", w.wardRows),
    upsertCanonicalWrite("ae_attendance", w.aeRows),
    upsertCanonicalWrite("outpatient_attendance", w.opRows),
    subjectsWrite(w.subjects),
  ];
}

/**
 * Every row the batch writes, for one runWrites: visit logs, canonical rows, their subjects, the messages (those
 * held are kept as received, so a resend is known as a duplicate).
 */
function batchWrites(
  items: readonly Item[],
  accepted: Accepted[],
  held: Held[],
  w: VisitWrites,
): (Write | null)[] {
  const newEvents = accepted
    .flatMap((a) => [...(a.moveReview ? [] : [a.event]), ...[swapEvent(a.event)].filter((x) => x !== null)])
    .filter((e): e is VisitEvent => hasVisitEvent(e))
    .map(visitEventValues);
  return [
    insertWrite("adt_visit_event", EVENT_COLS, newEvents, "ON CONFLICT DO NOTHING"),
    ...visitRowWrites(w),
    unmappedWrite(accepted.map((a) => a.event)),
    insertWrite(
      "ingest_message",
      MESSAGE_COLS,
      [...accepted, ...held].map((a) => [
        a.event.sourceSystem,
        a.event.controlId,
        a.event.messageType,
        a.event.messageTime,
        "applied",
        "AA",
        items[a.index].raw,
        a.sha,
        items[a.index].ctx.loadId ?? null,
      ]),
      APPLIED_ON_CONFLICT,
    ),
    // Held by a deletion: listed with why for feed health.
    insertWrite(
      "adt_held_message",
      HELD_COLS,
      held.map((h) => [
        h.event.sourceSystem,
        h.event.controlId,
        h.event.messageType,
        h.event.messageTime,
        h.reason,
      ]),
      "ON CONFLICT DO NOTHING",
    ),
  ];
}

/** The person a patient record is linked to, if it is. */
function linkedPerson(
  personOf: (source: string, recordId: string) => string,
  source: string,
  recordId: string,
): string | undefined {
  try {
    return personOf(source, recordId);
  } catch {
    return undefined;
  }
}

/** What a batch's caller adds to its one statement of writes, and its place among overlapping batches. */
interface BatchEnd {
  /** A write to go with the batch's, given the people its applied messages are about (e.g. a rescore queue). */
  withWrites?: (personIds: string[]) => Write | null;
  /** The listener's pipeline (store/pipelined-commit.ts): wait for the batch before, let the next begin. */
  turn?: Turn;
}

/**
 * Events whose application takes locks beyond the batch's first statement (a merge's people, a renamed or
 * deleted record's, a moved visit's review): a batch holding one lets the next begin only once it has taken
 * them all, and waits for the one before it before it starts, so no earlier batch ever waits for a later one.
 */
const LOCKS_LATER: ReadonlySet<string> = new Set([...PRIOR_EVENTS, "A29"]);

export async function applyHl7Many(
  q: Queryable,
  items: readonly Item[],
  end: BatchEnd = {},
): Promise<Hl7Outcome[]> {
  const outcomes: (Hl7Outcome | null)[] = items.map(() => null);
  const rejections: Rejected[] = [];
  const unsupported: (UnsupportedItem & { index: number })[] = [];
  // Only MSH-11 T depends on whether this place is a test instance: a production feed never asks.
  const testInstance = items.some((i) => processingIdOf(i.raw) !== "P") && (await isTestInstance(q));
  // Only a message with bare digits in PID-2 depends on its source's PID-2 rule: other feeds never ask.
  const ignoreBarePid2 = await sourcesIgnoringBarePid2(
    q,
    items.filter((i) => mayHaveBarePid2(i.raw)).map((i) => sniffHeader(i.raw).sourceSystem),
  );
  const firstPass = readHeaders(items, rejections, unsupported, testInstance, ignoreBarePid2);
  // Overlapping batches: until the one before has committed, this one only locks, reads and decides.
  const { turn } = end;
  const locksLater = firstPass.some((f) => LOCKS_LATER.has(f.header.trigger));
  if (turn && locksLater) await turn.previous();
  const batch = await lockAndRead(q, firstPass);
  const parsed = readEvents(firstPass, batch, rejections);
  const unattributable = await unattributableWithoutBirthDate(q, newPatientsWithoutBirthDate(parsed, batch));
  const { accepted, held, touched } = applyInMemory(
    parsed,
    batch,
    items,
    outcomes,
    rejections,
    unattributable,
  );
  const states = new Map<string, VisitState>([...touched].map(([k, t]) => [k, foldVisit(t.log)]));
  if (turn && !locksLater) {
    await turn.previous();
    // Every lock this batch takes is held: the next may begin while this one links, writes and commits.
    turn.next();
  }
  const personOf = await linkPeople(q, items, accepted, batch.linked, batch.nhsState, states, touched);
  const visits = visitWrites(touched, states, personOf);
  for (const u of unsupported) outcomes[u.index] = unsupportedOutcome(u);
  // Applying a message resolves its own reject, with the batch's other writes.
  // Rejects kept before content hashes were keyed by the bytes' hash: either is this message's.
  const resolved = resolveMessageRejectsWrite(
    [...accepted, ...held].flatMap((a) =>
      [a.sha, a.rawSha].map((sha) => ({
        sourceSystem: a.event.sourceSystem,
        controlId: value(segment(a.message, "MSH"), 10).trim(),
        sha,
        by: items[a.index].ctx.replayedBy ?? AUTOMATIC,
      })),
    ),
  );
  const people = new Set<string>();
  for (const a of accepted) {
    const person = linkedPerson(personOf, a.event.sourceSystem, a.event.patient.recordId);
    if (person) people.add(person);
  }
  // The deletes a few visits need go first, as text (deferred: with the writes, in the COMMIT's round trip on a
  // server); every row of the batch then in one prepared statement.
  if (visits.sql) await deferWrite(q, visits.sql);
  await runWrites(q, [
    ...batchWrites(items, accepted, held, visits),
    resolved,
    end.withWrites && people.size > 0 ? end.withWrites([...people]) : null,
  ]);
  if (visits.spells.length > 0) await signalWritten(q, "hospital_spell");
  if (unsupported.length > 0) {
    await q.exec(unsupportedText(unsupported));
    await resolveUnsupportedRejects(q, unsupported);
  }
  // After this batch's writes, in message order: A47's visit events and subjects follow the new id; A29's visits
  // fold away and its record leaves the MPI (so nothing written above brings them back).
  for (const a of accepted) {
    if (a.event.trigger === "A47") await relabelVisits(q, a.event);
    else if (a.event.trigger === "A29")
      await retractSourceRecord(q, { ...a.event, recordId: a.event.patient.recordId }, refoldVisit);
  }
  for (const a of accepted) {
    const problem = a.event.visitProblem;
    if (problem) {
      const controlId = value(segment(a.message, "MSH"), 10).trim();
      await rejectVisitPart(q, items[a.index].raw, items[a.index].ctx, a.message, controlId, problem);
    }
  }
  for (const a of accepted) {
    const e = a.event;
    const k = hasVisitEvent(e) ? visitKey(e.sourceSystem, e.visitNumber) : null;
    const state = k ? states.get(k) : undefined;
    outcomes[a.index] = {
      ...acceptedOutcome(a.message, e, {
        duplicate: false,
        held: k !== null && state === null && !touched.get(k)?.log.some((x) => x.trigger === "A11"),
      }),
      personId: linkedPerson(personOf, e.sourceSystem, e.patient.recordId),
    };
  }
  for (const h of held)
    outcomes[h.index] = {
      ...acceptedOutcome(h.message, h.event, { duplicate: false, held: true }),
      reason: h.reason,
    };
  // 5. Rejects, each with its raw message and reason.
  for (const r of rejections) {
    const { code, error } = rejectionOf(r.rejection);
    outcomes[r.index] = await rejectHl7(q, items[r.index].raw, items[r.index].ctx, code, error, r.message);
  }
  // Every lock this batch takes is held: the next may begin while this one commits.
  turn?.next();
  return outcomes as Hl7Outcome[];
}

/**
 * Rewrites a visit's canonical rows from its event log as it stands (after a code mapping corrected events in
 * it), inside the caller's transaction: the same writes as a message's.
 */
export async function refoldVisit(q: Queryable, sourceSystem: string, visitNumber: string): Promise<void> {
  await lockNames(q, [`visit:${sourceSystem}:${visitNumber}`]);
  const log = await readVisitLog(q, sourceSystem, visitNumber);
  const k = visitKey(sourceSystem, visitNumber);
  const state = foldVisit(log);
  const links = state ? await findLinks(q, sourceSystem, [state.recordId]) : new Map<string, string>();
  const w = visitWrites(
    new Map([[k, { source: sourceSystem, visit: visitNumber, log }]]),
    new Map([[k, state]]),
    (_source, recordId) => {
      const found = links.get(recordId);
      if (!found) throw new Error(`visit ${visitNumber}: its patient record is not linked`);
      return found;
    },
  );
  if (w.sql) await q.exec(w.sql);
  await runWrites(q, visitRowWrites(w));
  if (w.spells.length > 0) await signalWritten(q, "hospital_spell");
}

/**
 * Applies one message within a savepoint of the caller's transaction, as a batch of one, so an unexpected
 * failure rejects this message alone: the raw message and its reason are kept, and the ACK says why.
 * Deadlocks are retried.
 */
export async function processHl7Safely(
  q: Queryable,
  raw: string,
  ctx: Hl7Context,
  onInternalError?: (error: unknown) => void,
): Promise<Hl7Outcome> {
  for (let attempt = 1; ; attempt++) {
    await q.exec("SAVEPOINT hl7_message");
    try {
      const [outcome] = await applyHl7Many(q, [{ raw, ctx }]);
      await q.exec("RELEASE SAVEPOINT hl7_message");
      return outcome;
    } catch (error) {
      await q.exec("ROLLBACK TO SAVEPOINT hl7_message");
      await q.exec("RELEASE SAVEPOINT hl7_message");
      if (isRetryable(error) && attempt < 4) continue;
      onInternalError?.(error);
      return rejectHl7(q, raw, ctx, "AE", internalError());
    }
  }
}

/**
 * Applies messages in one transaction and returns their outcomes once it has committed. The fast path runs
 * them without savepoints; if anything fails unexpectedly, the whole batch is rolled back and run again with
 * a savepoint per message, so only the failing message is rejected.
 */
export async function applyHl7Batch(
  db: Db,
  items: readonly { raw: string; ctx: Hl7Context }[],
  onInternalError?: (error: unknown) => void,
  beforeCommit?: (tx: Queryable, outcomes: Hl7Outcome[]) => Promise<void>,
  withWrites?: (personIds: string[]) => Write | null,
  turn?: Turn,
): Promise<Hl7Outcome[]> {
  try {
    return await db.transaction(async (tx) => {
      // Every statement of a batch is a look-up or write by key: planned once per connection, never per batch.
      await genericPlans(tx);
      const out = await applyHl7Many(tx, items, { withWrites, turn });
      if (beforeCommit) await beforeCommit(tx, out);
      return out;
    });
  } catch (error) {
    // Rolled back because the batch before failed: the pipeline writes this one again after it.
    if (error instanceof PreviousBatchFailed) throw error;
    // The batch after this one must not wait for the savepoints below (nor hold locks they need).
    turn?.failed();
    // Nor may it go ahead of the batch before (a failure can come before this one waited for it).
    await turn?.previous();
    onInternalError?.(error);
    return db.transaction(async (tx) => {
      await genericPlans(tx);
      const out: Hl7Outcome[] = [];
      for (const { raw, ctx } of items) out.push(await processHl7Safely(tx, raw, ctx, onInternalError));
      const people = peopleOf(out);
      if (withWrites && people.length > 0) await runWrites(tx, [withWrites(people)]);
      if (beforeCommit) await beforeCommit(tx, out);
      return out;
    });
  }
}

/** A feed's event a reviewer confirmed on the identity review queue (an A45 move, an A29 deletion), applied. */
export function applyReviewedEvent(
  q: Queryable,
  item: ReviewItem,
  decidedBy: string,
): Promise<ReviewedEventResult> {
  return applyReviewedHl7Event(q, item, refoldVisit, decidedBy);
}
