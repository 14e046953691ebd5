// The parts of the ADT path (many.ts) that stand alone: the event a message carries, its row in the visit's
// log, the canonical rows a folded visit gives, the A40 merges, the outcome of a message applied or seen
// before, and the ACK error of a message that cannot be applied.
import { findLinks, mergePersons, queueMergeReview } from "../../mpi/index.ts";
import type { Queryable } from "../../store/index.ts";
import { rowId } from "../ids.ts";
import { type AckCode, type AckError, buildAck, HL7_ERROR } from "./ack.ts";
import {
  type AdtEvent,
  AdtRejection,
  type readHeader,
  readMovedVisit,
  readPatient,
  readPriorIds,
  readVisit,
  swapPartner,
  type VisitDetail,
} from "./adt.ts";
import type { CodeLookup, UnmappedCode } from "./coded.ts";
import type { Hl7ParseError, Message } from "./message.ts";
import type { AeState, OutpatientState, SpellState, VisitEventRow } from "./visits.ts";

export interface Hl7Context {
  /** Where it came from: a file name or mllp:<address>. */
  origin: string;
  loadId?: string | null;
  /** Who replays it, when it is a replay. */
  replayedBy?: string;
  /**
   * What an identity merge (A40) from this sender does: `apply` merges the two people; `review` puts the merge
   * on the MPI review queue for a person to decide. The MLLP listener gives `review` unless the source is
   * trusted for merges, and a replay always does (its sender may have been refused); a file an operator
   * loads applies it.
   */
  merges?: "apply" | "review";
}

export interface Hl7Outcome {
  ack: string;
  code: AckCode;
  sourceSystem: string;
  controlId: string;
  messageType: string;
  /** Applied now (false for duplicates and rejects). */
  applied: boolean;
  duplicate: boolean;
  /** Applied, but its visit has no rows to show yet (waiting for the admission). */
  held: boolean;
  /** An ADT event OnePlace does not use: acknowledged, kept and counted, nothing applied. */
  unsupported?: boolean;
  reason?: string;
  /** Applied now: the person its patient is linked to (what a face may queue for rescoring). */
  personId?: string;
}

export type VisitEvent = AdtEvent & { visitNumber: string; visit: VisitDetail };

/** Events about the person alone: their PV1, if any, is not read (nothing in it can refuse them). */
const PERSON_EVENTS: ReadonlySet<string> = new Set(["A28", "A29", "A31", "A40", "A45", "A47"]);

/** Events whose MRG-1 names the prior patient: merged away (A40), renamed (A47), the visit's owner (A45). */
export const PRIOR_EVENTS: ReadonlySet<string> = new Set(["A40", "A45", "A47"]);

/** An event that belongs in a visit's log (merges and patient updates do not; A45's move does). */
export function hasVisitEvent(e: AdtEvent): e is VisitEvent {
  return e.visitNumber !== null && e.visit !== null && (!PERSON_EVENTS.has(e.trigger) || e.trigger === "A45");
}

/**
 * The event a message carries, once its header and patient are read; throws AdtRejection. `flags` has the
 * patient's unmapped codes; the visit's are added to it.
 */
export function eventOf(
  message: Message,
  header: ReturnType<typeof readHeader>,
  patient: AdtEvent["patient"],
  local: CodeLookup,
  flags: UnmappedCode[] = [],
  options: { ignoreBarePid2?: boolean } = {},
): AdtEvent {
  const problems: AdtRejection[] = [];
  const visit =
    header.trigger === "A45"
      ? readMovedVisit(message, header.providerCode)
      : PERSON_EVENTS.has(header.trigger)
        ? null
        : visitOf(message, header, local, flags, problems);
  const priorRecordIds = PRIOR_EVENTS.has(header.trigger) ? readPriorIds(message, header.trigger) : [];
  return {
    ...header,
    patient,
    visitNumber: visit?.visitNumber ?? null,
    visit: visit?.detail ?? null,
    priorRecordIds,
    unmapped: flags,
    ...(header.trigger === "A17" ? { swap: swapOf(message, header, patient, local, flags, options) } : {}),
    ...(problems.length > 0 ? { visitProblem: problems[0] } : {}),
  };
}

/**
 * A17's other patient and their visit, read as the first pair is (the same rules, codes and mappings): the
 * patient's demographics are applied to their record as the first patient's are (as an A08 would).
 */
function swapOf(
  message: Message,
  header: ReturnType<typeof readHeader>,
  first: AdtEvent["patient"],
  local: CodeLookup,
  flags: UnmappedCode[],
  options: { ignoreBarePid2?: boolean },
): NonNullable<AdtEvent["swap"]> {
  const pair = swapPartner(message);
  const patientFlags: UnmappedCode[] = [];
  const patient = readPatient(pair, header.sourceSystem, header.providerCode, header.messageTime, {
    trigger: header.trigger,
    local,
    flags: patientFlags,
    ignoreBarePid2: options.ignoreBarePid2,
  });
  flags.push(...patientFlags);
  const visit = readVisit(pair, header.trigger, header.providerCode, local, flags);
  if (!visit)
    throw new AdtRejection("AE", HL7_ERROR.segmentSequence, "PV1 segment is required", { segment: "PV1" });
  if (patient.recordId === first.recordId && patient.sourceSystem === first.sourceSystem)
    throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "A17 names the same patient twice (PID-3)", {
      segment: "PID",
      sequence: 2,
      field: 3,
    });
  return { patient, visitNumber: visit.visitNumber, visit: visit.detail, patientFlags };
}

/**
 * An A08 (update patient information) is applied for its demographics even when its visit fields are wrong;
 * why its visit part could not be read goes to `problems`, to be kept as a reject.
 */
function visitOf(
  message: Message,
  header: ReturnType<typeof readHeader>,
  local: CodeLookup,
  flags: UnmappedCode[],
  problems: AdtRejection[],
): ReturnType<typeof readVisit> {
  if (header.trigger !== "A08") return readVisit(message, header.trigger, header.providerCode, local, flags);
  try {
    return readVisit(message, header.trigger, header.providerCode, local, flags);
  } catch (error) {
    if (!(error instanceof AdtRejection)) throw error;
    problems.push(error);
    return null;
  }
}

/** The visit's log with this event added, or the same log when the event is in it already. */
export function withEvent(log: VisitEventRow[], e: VisitEvent): VisitEventRow[] {
  if (log.some((x) => x.controlId === e.controlId)) return log;
  return [
    ...log,
    {
      controlId: e.controlId,
      trigger: e.trigger,
      messageTime: e.messageTime,
      recordId: e.patient.recordId,
      detail: e.visit,
    },
  ];
}

/** A17's second pair as a visit event of its own: the same message, the other patient and visit. */
export function swapEvent(e: AdtEvent): VisitEvent | null {
  if (!e.swap) return null;
  return {
    ...e,
    patient: e.swap.patient,
    visitNumber: e.swap.visitNumber,
    visit: e.swap.visit,
    unmapped: e.swap.patientFlags,
    swap: undefined,
  };
}

/** An adt_visit_event row: source_system, visit_number, control_id, trigger_event, message_time, record_id, detail. */
export function visitEventValues(e: VisitEvent): unknown[] {
  return [
    e.sourceSystem,
    e.visitNumber,
    e.controlId,
    e.trigger,
    e.messageTime,
    e.patient.recordId,
    JSON.stringify(e.visit),
  ];
}

/** The canonical row of a folded visit: its ae_attendance, outpatient_attendance or hospital_spell row. */
export function visitRow(
  personId: string,
  source: string,
  visit: string,
  state: AeState | SpellState | OutpatientState,
): unknown[] {
  if (state.kind === "op") {
    const id = rowId("outpatient_attendance", source, visit);
    return [
      personId,
      id,
      state.providerCode,
      state.specialty,
      state.appointmentOn,
      "attended",
      false,
      source,
      visit,
      state.receivedAt,
    ];
  }
  const fields =
    state.kind === "ae"
      ? [state.providerCode, state.arrivedAt, state.departedAt, state.arrivalMode, state.disposal]
      : [
          state.providerCode,
          state.site,
          state.admittedAt,
          state.admissionMethod,
          state.patientClass,
          state.specialty,
          state.diagnosis,
          state.dischargedAt,
          state.dischargeMethod,
          state.destination,
        ];
  const table = state.kind === "ae" ? "ae_attendance" : "hospital_spell";
  return [personId, rowId(table, source, visit), ...fields, source, visit, state.receivedAt];
}

/** The canonical ward_stay rows of a folded admission. */
export function wardStayRows(
  personId: string,
  source: string,
  spellId: string,
  state: SpellState,
): unknown[][] {
  return state.wards.map((w) => [
    personId,
    rowId("ward_stay", source, w.recordId),
    spellId,
    w.ward,
    w.wardKind,
    w.startedAt,
    w.endedAt,
    source,
    w.recordId,
    w.receivedAt,
  ]);
}

/**
 * A40: merges each prior patient's person into the survivor's, or, from a sender not trusted for merges,
 * asks a reviewer to (each prior record goes on the MPI review queue against the survivor).
 */
export async function mergePriors(
  q: Queryable,
  e: AdtEvent,
  survivor: string,
  merges: Hl7Context["merges"] = "apply",
): Promise<void> {
  const links = await findLinks(q, e.sourceSystem, e.priorRecordIds);
  for (const prior of e.priorRecordIds) {
    const other = links.get(prior);
    if (other && other !== survivor && merges === "review") {
      await queueMergeReview(q, {
        sourceSystem: e.sourceSystem,
        recordId: prior,
        survivorPersonId: survivor,
        requestedBy: `hl7:${e.sourceSystem}:${e.controlId}`,
        reason: `${e.trigger}: ${prior} to be merged into ${e.patient.recordId}; the source is not trusted for merges`,
      });
    } else if (other && other !== survivor) {
      await mergePersons(
        q,
        survivor,
        other,
        `hl7:${e.sourceSystem}:${e.controlId}`,
        `A40: ${prior} merged into ${e.patient.recordId}`,
      );
    }
  }
}

/** The AA of a message applied now (held: its visit has nothing to show yet) or seen before (duplicate). */
export function acceptedOutcome(
  message: Message,
  e: AdtEvent,
  how: { duplicate: true } | { duplicate: false; held: boolean },
): Hl7Outcome {
  return {
    ack: buildAck({ code: "AA", original: message }),
    code: "AA",
    sourceSystem: e.sourceSystem,
    controlId: e.controlId,
    messageType: e.messageType,
    applied: !how.duplicate,
    duplicate: how.duplicate,
    held: !how.duplicate && how.held,
  };
}

/** A message holding a NUL byte: refused (kept as a reject with its bytes), never half-stored. */
export function nulRejection(raw: string): AdtRejection | null {
  const at = raw.indexOf("\u0000");
  if (at === -1) return null;
  const segmentNumber = raw.slice(0, at).split(/\r\n|\r|\n/).length;
  return new AdtRejection(
    "AR",
    HL7_ERROR.dataTypeError,
    `the message holds a NUL byte (0x00) in segment ${segmentNumber}, character ${at + 1}; HL7v2 text cannot carry one`,
  );
}

/** The ACK code and error of a message that cannot be applied: AE for a rejection, AR when it cannot be read. */
export function rejectionOf(error: AdtRejection | Hl7ParseError): { code: AckCode; error: AckError } {
  if (error instanceof AdtRejection) return { code: error.ackCode, error: error.error };
  return {
    code: "AR",
    error: {
      condition: HL7_ERROR.segmentSequence,
      message: `not a readable HL7v2 message: ${error.message}`,
      location: error.location,
    },
  };
}

/**
 * How ingest_message takes a message applied again (a replay, or one rejected before). Its time is the new row's
 * default (now()): Citus allows only IMMUTABLE functions in ON CONFLICT's SET, even on a coordinator-local table.
 */
export const APPLIED_ON_CONFLICT = `ON CONFLICT (source_system, control_id) DO UPDATE SET status = 'applied', ack_code = 'AA', payload = excluded.payload,
       payload_sha256 = excluded.payload_sha256, received_at = excluded.received_at, load_id = excluded.load_id,
       message_type = excluded.message_type, message_time = excluded.message_time`;

/** A message seen before under a control id: its status and payload hash. */
export interface SeenMessage {
  status: string;
  sha: string;
}

/**
 * The control id a message with a reused MSH-10 is kept under: its own with its payload's hash, so a different
 * message reusing a control id (some systems reuse them, or restart their counter) is stored, never discarded.
 */
export function reusedControlId(controlId: string, sha: string): string {
  return `${controlId}~${sha.slice(0, 12)}`;
}

/**
 * Whether a message is one applied before (the same control id and the same content, or the same bytes for a
 * message kept before content was hashed), and the control id it
 * is kept under: its own, or, when a different message was applied under that id, `reusedControlId`.
 * `previousStatus` is the status (rejected) it had under the id it is kept under.
 */
export function identifyMessage(
  controlId: string,
  sha: string,
  seen: (id: string) => SeenMessage | undefined,
  rawSha?: string,
): { controlId: string; duplicate: boolean; previousStatus: string | null } {
  const own = seen(controlId);
  if (own?.status !== "applied") return { controlId, duplicate: false, previousStatus: own?.status ?? null };
  if (own.sha === sha || own.sha === rawSha) return { controlId, duplicate: true, previousStatus: "applied" };
  const reused = reusedControlId(controlId, sha);
  const before = seen(reused);
  return {
    controlId: reused,
    duplicate: before?.status === "applied",
    previousStatus: before?.status ?? null,
  };
}

const PRIOR_WHAT: Record<string, string> = {
  A40: "the merge",
  A45: "the move",
  A47: "the change of identifier",
};

/**
 * An A40, A45 or A47 whose MRG-1 names no record OnePlace has from this source, or an A29 deleting a record it
 * does not have, would be acknowledged and do nothing: it is refused instead (kept as a reject, replayed once
 * the record has arrived).
 */
export function unknownPriorRejection(
  e: AdtEvent,
  isKnown: (recordId: string) => boolean,
): AdtRejection | null {
  if (e.trigger === "A29") {
    if (isKnown(e.patient.recordId)) return null;
    return new AdtRejection(
      "AE",
      HL7_ERROR.unknownKeyIdentifier,
      "PID-3 (patient identifier) names no patient record this source has sent, so there is nothing to delete; the deletion is kept to replay once that record arrives",
      { segment: "PID", sequence: 1, field: 3 },
    );
  }
  if (!PRIOR_EVENTS.has(e.trigger) || e.priorRecordIds.some(isKnown)) return null;
  return new AdtRejection(
    "AE",
    HL7_ERROR.unknownKeyIdentifier,
    `MRG-1 (prior patient identifier) names no patient record this source has sent; ${PRIOR_WHAT[e.trigger]} is kept to replay once that record arrives`,
    { segment: "MRG", sequence: 1, field: 1 },
  );
}
