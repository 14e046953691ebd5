import { AUTOMATIC, findLinks, mergePersons, resolveRecords } from "../../mpi/index.ts";
import { recordKey } from "../../mpi/resolve.ts";
import { lockNames } from "../../mpi/sql.ts";
import type { Queryable } from "../../store/db.ts";
import { recordSubjects, upsertCanonical } from "../canonical.ts";
import { rowId, sha256 } from "../ids.ts";
import { recordReject, resolveRejects } from "../rejects.ts";
import { type AckCode, type AckError, buildAck, HL7_ERROR } from "./ack.ts";
import { type AdtEvent, AdtRejection, readHeader, readPatient, readPriorIds, readVisit, type VisitDetail } from "./adt.ts";
import { Hl7ParseError, type Message, parseMessage, segment, value } from "./message.ts";
import { foldVisit, type VisitEventRow } from "./visits.ts";

// One HL7v2 ADT message, inside the caller's transaction: record it raw, check it, link the patient, add the
// event to its visit's log and rewrite the visit's canonical rows. A message whose control id was already
// applied is acknowledged again and changes nothing. The caller commits before sending the ACK.

export interface Hl7Context {
  /** Where it came from: a file name or mllp:<address>. */
  origin: string;
  loadId?: string | null;
  /** Who replays it, when it is a replay. */
  replayedBy?: string;
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
  reason?: string;
}

/** Reads what an ACK needs from a message that may not parse, so a reject is still attributed. */
function sniffHeader(raw: string): { sourceSystem: string; controlId: string } {
  const line = raw.split(/\r\n|\r|\n/)[0] ?? "";
  if (!line.startsWith("MSH") || line.length < 4) return { sourceSystem: "unknown", controlId: "" };
  const fields = line.split(line[3]);
  return { sourceSystem: (fields[2] ?? "").split(line[4] ?? "^")[0].trim().toLowerCase() || "unknown", controlId: (fields[9] ?? "").trim() };
}

async function wardKindLookup(q: Queryable, sourceSystem: string, m: Message): Promise<(ward: string) => string | null> {
  const ward = value(segment(m, "PV1"), 3, 1).trim();
  if (!ward) return () => null;
  const rows = await q.query<{ target_code: string }>(
    "SELECT target_code FROM ingest_code_map WHERE source_system = $1 AND map_name = 'ward-kind' AND source_code = $2",
    [sourceSystem, ward],
  );
  const kind = rows[0]?.target_code ?? null;
  return (w) => (w === ward ? kind : null);
}

/** Parses and checks a message; throws AdtRejection (or Hl7ParseError) when it cannot be applied. */
export async function interpret(q: Queryable, raw: string): Promise<{ message: Message; event: AdtEvent }> {
  const message = parseMessage(raw);
  const header = readHeader(message);
  const patient = readPatient(message, header.sourceSystem, header.providerCode, header.messageTime);
  const wardKind = await wardKindLookup(q, header.sourceSystem, message);
  const visit = readVisit(message, header.trigger, header.providerCode, wardKind);
  const priorRecordIds = header.trigger === "A40" ? readPriorIds(message) : [];
  return {
    message,
    event: {
      ...header,
      patient,
      visitNumber: visit?.visitNumber ?? null,
      visit: visit?.detail ?? null,
      priorRecordIds,
    },
  };
}

async function rewriteVisit(q: Queryable, sourceSystem: string, visitNumber: string): Promise<{ held: boolean }> {
  const rows = await q.query<{
    control_id: string;
    trigger_event: string;
    message_time: Date;
    record_id: string;
    detail: VisitDetail | string;
  }>(
    `SELECT control_id, trigger_event, message_time, record_id, detail FROM adt_visit_event
     WHERE source_system = $1 AND visit_number = $2`,
    [sourceSystem, visitNumber],
  );
  const events: VisitEventRow[] = rows.map((r) => ({
    controlId: r.control_id,
    trigger: r.trigger_event,
    messageTime: r.message_time.toISOString(),
    recordId: r.record_id,
    detail: typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : r.detail,
  }));
  const state = foldVisit(events);
  const spellId = rowId("hospital_spell", sourceSystem, visitNumber);
  const aeId = rowId("ae_attendance", sourceSystem, visitNumber);
  if (state?.kind !== "spell") {
    await q.query("DELETE FROM ward_stay WHERE spell_id = $1", [spellId]);
    await q.query("DELETE FROM hospital_spell WHERE source_system = $1 AND source_record_id = $2", [sourceSystem, visitNumber]);
  }
  if (state?.kind !== "ae") {
    await q.query("DELETE FROM ae_attendance WHERE source_system = $1 AND source_record_id = $2", [sourceSystem, visitNumber]);
  }
  if (!state) return { held: events.some((e) => e.trigger !== "A11") };
  const links = await findLinks(q, sourceSystem, [state.recordId]);
  const personId = links.get(state.recordId);
  if (!personId) throw new Error(`visit ${visitNumber}: its patient record is not linked`);
  if (state.kind === "ae") {
    if (state.departedAt && state.departedAt < state.arrivedAt) {
      throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (departure) is before PV1-44 (arrival)", {
        segment: "PV1",
        field: 45,
      });
    }
    await upsertCanonical(q, "ae_attendance", [
      [personId, aeId, state.providerCode, state.arrivedAt, state.departedAt, state.arrivalMode, state.disposal, sourceSystem, visitNumber, state.receivedAt],
    ]);
    await recordSubjects(q, [[sourceSystem, "ae_attendance", visitNumber, sourceSystem, state.recordId]]);
    return { held: false };
  }
  if (state.dischargedAt && state.dischargedAt < state.admittedAt) {
    throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (discharge) is before PV1-44 (admission)", {
      segment: "PV1",
      field: 45,
    });
  }
  for (const w of state.wards) {
    if (w.endedAt && w.endedAt < w.startedAt) {
      throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "a ward stay would end before it starts (EVN-6 out of order)", {
        segment: "EVN",
        field: 6,
      });
    }
  }
  await upsertCanonical(q, "hospital_spell", [
    [
      personId,
      spellId,
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
      sourceSystem,
      visitNumber,
      state.receivedAt,
    ],
  ]);
  const keep = state.wards.map((w) => w.recordId);
  await q.query("DELETE FROM ward_stay WHERE spell_id = $1 AND NOT (source_record_id = ANY($2::text[]))", [spellId, keep]);
  await upsertCanonical(
    q,
    "ward_stay",
    state.wards.map((w) => [
      personId,
      rowId("ward_stay", sourceSystem, w.recordId),
      spellId,
      w.ward,
      w.wardKind,
      w.startedAt,
      w.endedAt,
      sourceSystem,
      w.recordId,
      w.receivedAt,
    ]),
  );
  await recordSubjects(q, [
    [sourceSystem, "hospital_spell", visitNumber, sourceSystem, state.recordId],
    ...state.wards.map((w) => [sourceSystem, "ward_stay", w.recordId, sourceSystem, state.recordId] as const),
  ]);
  return { held: false };
}

async function applyEvent(q: Queryable, e: AdtEvent): Promise<{ held: boolean }> {
  const outcomes = await resolveRecords(q, [e.patient]);
  const personId = outcomes.get(recordKey(e.sourceSystem, e.patient.recordId))?.personId as string;
  if (e.trigger === "A40") {
    const links = await findLinks(q, e.sourceSystem, e.priorRecordIds);
    for (const prior of e.priorRecordIds) {
      const other = links.get(prior);
      if (other && other !== personId) {
        await mergePersons(q, personId, other, `hl7:${e.sourceSystem}:${e.controlId}`, `A40: ${prior} merged into ${e.patient.recordId}`);
      }
    }
    return { held: false };
  }
  if (!e.visitNumber || !e.visit) return { held: false };
  if (e.trigger === "A08" || e.trigger === "A28" || e.trigger === "A31") {
    // A08 may correct visit fields too; A28/A31 are about the person only.
    if (e.trigger !== "A08") return { held: false };
  }
  await lockNames(q, [`visit:${e.sourceSystem}:${e.visitNumber}`]);
  await q.query(
    `INSERT INTO adt_visit_event (source_system, visit_number, control_id, trigger_event, message_time, record_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING`,
    [e.sourceSystem, e.visitNumber, e.controlId, e.trigger, e.messageTime, e.patient.recordId, JSON.stringify(e.visit)],
  );
  return rewriteVisit(q, e.sourceSystem, e.visitNumber);
}

/**
 * Applies one message. Throws only on an unexpected failure (a database error): the caller then rolls back
 * to its savepoint and calls rejectHl7 so the message is still kept and answered.
 */
export async function applyHl7(q: Queryable, raw: string, ctx: Hl7Context): Promise<Hl7Outcome> {
  let parsed: { message: Message; event: AdtEvent };
  try {
    parsed = await interpret(q, raw);
  } catch (error) {
    if (error instanceof AdtRejection) {
      return rejectHl7(q, raw, ctx, error.code, error.error, null);
    }
    if (error instanceof Hl7ParseError) {
      return rejectHl7(q, raw, ctx, "AR", {
        condition: HL7_ERROR.segmentSequence,
        message: `not a readable HL7v2 message: ${error.message}`,
        location: error.location,
      });
    }
    throw error;
  }
  const { message, event } = parsed;
  const payloadSha = sha256(raw);
  const inserted = await q.query(
    `INSERT INTO ingest_message (source_system, control_id, message_type, message_time, status, ack_code, payload,
       payload_sha256, load_id)
     VALUES ($1, $2, $3, $4, 'applied', 'AA', $5, $6, $7) ON CONFLICT (source_system, control_id) DO NOTHING RETURNING 1`,
    [event.sourceSystem, event.controlId, event.messageType, event.messageTime, raw, payloadSha, ctx.loadId ?? null],
  );
  if (inserted.length === 0) {
    const previous = await q.query<{ status: string }>(
      "SELECT status FROM ingest_message WHERE source_system = $1 AND control_id = $2",
      [event.sourceSystem, event.controlId],
    );
    if (previous[0]?.status === "applied") {
      return {
        ack: buildAck({ code: "AA", original: message }),
        code: "AA",
        sourceSystem: event.sourceSystem,
        controlId: event.controlId,
        messageType: event.messageType,
        applied: false,
        duplicate: true,
        held: false,
      };
    }
    await q.query(
      `UPDATE ingest_message SET status = 'applied', ack_code = 'AA', payload = $3, payload_sha256 = $4,
         received_at = now(), load_id = $5, message_type = $6, message_time = $7
       WHERE source_system = $1 AND control_id = $2`,
      [event.sourceSystem, event.controlId, raw, payloadSha, ctx.loadId ?? null, event.messageType, event.messageTime],
    );
  }
  let held = false;
  try {
    held = (await applyEvent(q, event)).held;
  } catch (error) {
    if (error instanceof AdtRejection) throw new RejectAfterWrite(error);
    throw error;
  }
  await resolveRejects(q, event.sourceSystem, "hl7", [event.controlId], ctx.replayedBy ?? AUTOMATIC);
  return {
    ack: buildAck({ code: "AA", original: message }),
    code: "AA",
    sourceSystem: event.sourceSystem,
    controlId: event.controlId,
    messageType: event.messageType,
    applied: true,
    duplicate: false,
    held,
  };
}

/**
 * A rejection found after some writes: the caller must roll back to its savepoint, then call rejectHl7 with
 * the ACK code and error it carries.
 */
export class RejectAfterWrite extends Error {
  override readonly name = "RejectAfterWrite";
  readonly rejection: AdtRejection;
  constructor(rejection: AdtRejection) {
    super(rejection.message);
    this.rejection = rejection;
  }
}

/** Keeps a message that cannot be applied (raw, with the reason) and builds its AE or AR. */
export async function rejectHl7(
  q: Queryable,
  raw: string,
  ctx: Hl7Context,
  code: AckCode,
  error: AckError,
  message?: Message | null,
): Promise<Hl7Outcome> {
  let original: Message | null = message ?? null;
  if (!original) {
    try {
      original = parseMessage(raw);
    } catch {
      original = null;
    }
  }
  const sniff = sniffHeader(raw);
  const msh = original ? segment(original, "MSH") : undefined;
  const controlId = (msh ? value(msh, 10).trim() : sniff.controlId) || "";
  const sourceSystem = sniff.sourceSystem;
  const trigger = msh ? value(msh, 9, 2) : "";
  const messageType = msh ? `${value(msh, 9, 1)}^${trigger}` : "unknown";
  const originKey = controlId || `sha256:${sha256(raw)}`;
  const location = error.location
    ? `${error.location.segment}${error.location.field ? `-${error.location.field}` : ""}`
    : null;
  await recordReject(q, {
    sourceSystem,
    format: "hl7",
    layout: messageType,
    origin: ctx.origin,
    originKey,
    location,
    reason: `${error.condition.code} ${error.condition.text}: ${error.message}`,
    payload: raw,
    loadId: ctx.loadId ?? null,
  });
  if (controlId) {
    await q.query(
      `INSERT INTO ingest_message (source_system, control_id, message_type, status, ack_code, payload, payload_sha256, load_id)
       VALUES ($1, $2, $3, 'rejected', $4, $5, $6, $7)
       ON CONFLICT (source_system, control_id) DO UPDATE SET status = 'rejected', ack_code = excluded.ack_code,
         payload = excluded.payload, payload_sha256 = excluded.payload_sha256, received_at = now()
       WHERE ingest_message.status <> 'applied'`,
      [sourceSystem, controlId, messageType, code, raw, sha256(raw), ctx.loadId ?? null],
    );
  }
  return {
    ack: buildAck({ code, original, controlId, error }),
    code,
    sourceSystem,
    controlId,
    messageType,
    applied: false,
    duplicate: false,
    held: false,
    reason: error.message,
  };
}

/** The error to report when applying failed unexpectedly (never the database's own text, which may carry data). */
export function internalError(): AckError {
  return {
    condition: HL7_ERROR.applicationInternalError,
    message: "OnePlace could not apply the message; it is kept for replay",
  };
}

const RETRYABLE = new Set(["40P01", "40001", "55P03"]);

function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string })?.code ?? "");
}

/**
 * Applies one message within a savepoint of the caller's transaction, so a failure rejects this message
 * alone: the raw message and its reason are kept, and the ACK says why. Deadlocks are retried.
 */
export async function processHl7(
  q: Queryable,
  raw: string,
  ctx: Hl7Context,
  onInternalError?: (error: unknown) => void,
): Promise<Hl7Outcome> {
  for (let attempt = 1; ; attempt++) {
    await q.exec("SAVEPOINT hl7_message");
    try {
      const outcome = await applyHl7(q, raw, ctx);
      await q.exec("RELEASE SAVEPOINT hl7_message");
      return outcome;
    } catch (error) {
      await q.exec("ROLLBACK TO SAVEPOINT hl7_message");
      await q.exec("RELEASE SAVEPOINT hl7_message");
      if (error instanceof RejectAfterWrite) {
        return rejectHl7(q, raw, ctx, error.rejection.code, error.rejection.error);
      }
      if (isRetryable(error) && attempt < 4) continue;
      onInternalError?.(error);
      return rejectHl7(q, raw, ctx, "AE", internalError());
    }
  }
}
