import { AUTOMATIC, findLinks, recordKey, recordLockNames, resolveRecords } from "../../mpi/index.ts";
import type { Queryable } from "../../store/index.ts";
import { lockNames } from "../../store/index.ts";
import { recordSubjects, upsertCanonical } from "../canonical.ts";
import { rowId, sha256 } from "../ids.ts";
import { hl7RejectKey, recordReject, resolveMessageRejects, storedPayload } from "../rejects.ts";
import { type AckCode, type AckError, buildAck, HL7_ERROR } from "./ack.ts";
import {
  type AdtEvent,
  AdtRejection,
  messageCodes,
  readHeader,
  readPatient,
  UnsupportedEvent,
  type VisitDetail,
} from "./adt.ts";
import {
  APPLIED_ON_CONFLICT,
  acceptedOutcome,
  eventOf,
  type Hl7Context,
  type Hl7Outcome,
  hasVisitEvent,
  identifyMessage,
  mergePriors,
  nulRejection,
  rejectionOf,
  reusedControlId,
  type SeenMessage,
  unknownPriorRejection,
  visitEventValues,
  visitRow,
  wardStayRows,
  withEvent,
} from "./apply-parts.ts";
import { sniffHeader } from "./charset.ts";
import type { CodeLookup, UnmappedCode } from "./coded.ts";
import {
  isTestInstance,
  resolveUnsupportedRejects,
  unsupportedOutcome,
  unsupportedText,
} from "./instance.ts";
import { Hl7ParseError, type Message, messageContent, parseMessage, segment, value } from "./message.ts";
import {
  type KnownDemographics,
  keepKnownDemographics,
  needsKnownDemographics,
  unmappedText,
} from "./unmapped.ts";
import { foldVisit, type VisitEventRow, type VisitState } from "./visits.ts";

// One HL7v2 ADT message, inside the caller's transaction: record it raw, check it, link the patient, add the
// event to its visit's log and rewrite the visit's canonical rows. A message whose control id was already
// applied is acknowledged again and changes nothing. The caller commits before sending the ACK.

export type { Hl7Context, Hl7Outcome } from "./apply-parts.ts";

/** The source's own mappings of the codes this message carries, read in one statement. */
async function codeLookup(q: Queryable, sourceSystem: string, m: Message): Promise<CodeLookup> {
  const wanted = messageCodes(m);
  if (wanted.length === 0) return () => null;
  const rows = await q.query<{ map_name: string; source_code: string; target_code: string }>(
    `SELECT map_name, source_code, target_code FROM ingest_code_map
     WHERE source_system = $1 AND (map_name, source_code) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [sourceSystem, wanted.map((w) => w.map), wanted.map((w) => w.code)],
  );
  const found = new Map(rows.map((r) => [`${r.map_name}\u0000${r.source_code}`, r.target_code]));
  return (map, code) => found.get(`${map}\u0000${code}`) ?? null;
}

/** Parses and checks a message; throws AdtRejection (or Hl7ParseError) when it cannot be applied. */
export async function interpret(q: Queryable, raw: string): Promise<{ message: Message; event: AdtEvent }> {
  const message = parseMessage(raw);
  const header = readHeader(message, { testInstance: await isTestInstance(q) });
  const local = await codeLookup(q, header.sourceSystem, message);
  const flags: UnmappedCode[] = [];
  const patient = readPatient(message, header.sourceSystem, header.providerCode, header.messageTime, {
    trigger: header.trigger,
    local,
    flags,
  });
  return { message, event: eventOf(message, header, patient, local, flags) };
}

/** How the message's control id was seen before and, for a visit event, the visit's log so far. */
async function readState(
  q: Queryable,
  e: AdtEvent,
  sha: string,
): Promise<{ seen: Map<string, SeenMessage>; events: VisitEventRow[] }> {
  const rows = await q.query<{
    kind: string;
    control_id: string;
    trigger_event: string | null;
    message_time: Date | null;
    record_id: string | null;
    detail: VisitDetail | string | null;
  }>(
    `SELECT 'message' AS kind, control_id, status AS trigger_event, NULL::timestamptz AS message_time,
            payload_sha256 AS record_id, NULL::jsonb AS detail
     FROM ingest_message WHERE source_system = $1 AND control_id IN ($2, $4)
     UNION ALL
     SELECT 'event', control_id, trigger_event, message_time, record_id, detail FROM adt_visit_event
     WHERE source_system = $1 AND visit_number = $3`,
    [e.sourceSystem, e.controlId, e.visitNumber ?? "", reusedControlId(e.controlId, sha)],
  );
  const seen = new Map<string, SeenMessage>();
  const events: VisitEventRow[] = [];
  for (const r of rows) {
    if (r.kind === "message")
      seen.set(r.control_id, { status: r.trigger_event as string, sha: r.record_id as string });
    else {
      events.push({
        controlId: r.control_id,
        trigger: r.trigger_event as string,
        messageTime: (r.message_time as Date).toISOString(),
        recordId: r.record_id as string,
        detail:
          typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : (r.detail as VisitDetail),
      });
    }
  }
  return { seen, events };
}

/** Rejects a visit whose times contradict each other; shared by the single and batched ADT paths. */
export function validateVisit(state: VisitState): void {
  if (!state || state.kind === "op") return;
  if (state.kind === "ae") {
    if (state.departedAt && state.departedAt < state.arrivedAt) {
      throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (departure) is before PV1-44 (arrival)", {
        segment: "PV1",
        field: 45,
      });
    }
    return;
  }
  if (state.dischargedAt && state.dischargedAt < state.admittedAt) {
    throw new AdtRejection("AE", HL7_ERROR.dataTypeError, "PV1-45 (discharge) is before PV1-44 (admission)", {
      segment: "PV1",
      field: 45,
    });
  }
  for (const w of state.wards) {
    if (w.endedAt && w.endedAt < w.startedAt) {
      throw new AdtRejection(
        "AE",
        HL7_ERROR.dataTypeError,
        "a ward stay would end before it starts (EVN-6 out of order)",
        {
          segment: "EVN",
          field: 6,
        },
      );
    }
  }
}

/** Rewrites a visit's canonical rows from its folded state. */
async function writeVisit(
  q: Queryable,
  sourceSystem: string,
  visitNumber: string,
  events: readonly VisitEventRow[],
  state: VisitState,
  personOf: (recordId: string) => Promise<string>,
): Promise<void> {
  const spellId = rowId("hospital_spell", sourceSystem, visitNumber);
  const had = (t: string) => events.some((e) => e.trigger === t);
  if (state?.kind !== "spell" && (had("A01") || had("A06"))) {
    await q.query("DELETE FROM ward_stay WHERE spell_id = $1", [spellId]);
    await q.query("DELETE FROM hospital_spell WHERE source_system = $1 AND source_record_id = $2", [
      sourceSystem,
      visitNumber,
    ]);
  }
  if (state?.kind !== "ae" && (had("A04") || had("A07"))) {
    await q.query("DELETE FROM ae_attendance WHERE source_system = $1 AND source_record_id = $2", [
      sourceSystem,
      visitNumber,
    ]);
  }
  if (state?.kind !== "op" && (had("A04") || had("A07"))) {
    await q.query("DELETE FROM outpatient_attendance WHERE source_system = $1 AND source_record_id = $2", [
      sourceSystem,
      visitNumber,
    ]);
  }
  if (!state) return;
  const personId = await personOf(state.recordId);
  if (state.kind === "op") {
    const c = await upsertCanonical(q, "outpatient_attendance", [
      visitRow(personId, sourceSystem, visitNumber, state),
    ]);
    if (c.inserted > 0)
      await recordSubjects(q, [
        [sourceSystem, "outpatient_attendance", visitNumber, sourceSystem, state.recordId],
      ]);
    return;
  }
  if (state.kind === "ae") {
    const c = await upsertCanonical(q, "ae_attendance", [
      visitRow(personId, sourceSystem, visitNumber, state),
    ]);
    if (c.inserted > 0)
      await recordSubjects(q, [[sourceSystem, "ae_attendance", visitNumber, sourceSystem, state.recordId]]);
    return;
  }
  const spell = await upsertCanonical(q, "hospital_spell", [
    visitRow(personId, sourceSystem, visitNumber, state),
  ]);
  if (had("A11") || had("A12")) {
    await q.query("DELETE FROM ward_stay WHERE spell_id = $1 AND NOT (source_record_id = ANY($2::text[]))", [
      spellId,
      state.wards.map((w) => w.recordId),
    ]);
  }
  const wards = await upsertCanonical(q, "ward_stay", wardStayRows(personId, sourceSystem, spellId, state));
  if (spell.inserted + wards.inserted > 0) {
    await recordSubjects(q, [
      [sourceSystem, "hospital_spell", visitNumber, sourceSystem, state.recordId],
      ...state.wards.map(
        (w) => [sourceSystem, "ward_stay", w.recordId, sourceSystem, state.recordId] as const,
      ),
    ]);
  }
}

/**
 * Rewrites a visit's canonical rows from its event log as it stands (after a code mapping corrected events in
 * it), inside the caller's transaction.
 */
export async function refoldVisit(q: Queryable, sourceSystem: string, visitNumber: string): Promise<void> {
  await lockNames(q, [`visit:${sourceSystem}:${visitNumber}`]);
  const rows = await q.query<{
    control_id: string;
    trigger_event: string;
    message_time: Date | string;
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
    messageTime: new Date(r.message_time).toISOString(),
    recordId: r.record_id,
    detail: typeof r.detail === "string" ? (JSON.parse(r.detail) as VisitDetail) : r.detail,
  }));
  await writeVisit(q, sourceSystem, visitNumber, events, foldVisit(events), async (recordId) => {
    const found = (await findLinks(q, sourceSystem, [recordId])).get(recordId);
    if (!found) throw new Error(`visit ${visitNumber}: its patient record is not linked`);
    return found;
  });
}

/**
 * Applies one message. Everything that can reject it is checked before anything is written, so a rejected
 * message leaves nothing behind but its reject. Throws only on an unexpected (database) failure.
 */
export async function applyHl7(q: Queryable, raw: string, ctx: Hl7Context): Promise<Hl7Outcome> {
  let parsed: { message: Message; event: AdtEvent };
  try {
    const nul = nulRejection(raw);
    if (nul) throw nul;
    parsed = await interpret(q, raw);
  } catch (error) {
    if (error instanceof UnsupportedEvent) {
      const item = { raw, ctx, event: error, message: parseMessage(raw) };
      await q.exec(unsupportedText([item]));
      await resolveUnsupportedRejects(q, [item]);
      return unsupportedOutcome(item);
    }
    if (!(error instanceof AdtRejection || error instanceof Hl7ParseError)) throw error;
    const { code, error: ackError } = rejectionOf(error);
    return rejectHl7(q, raw, ctx, code, ackError, null);
  }
  const { message, event } = parsed;
  const visitEvent = hasVisitEvent(event);
  const locks = [...recordLockNames(event.patient), `message:${event.sourceSystem}:${event.controlId}`];
  if (visitEvent) locks.push(`visit:${event.sourceSystem}:${event.visitNumber}`);
  await lockNames(q, locks);
  const sha = sha256(messageContent(message));
  const { seen, events } = await readState(q, event, sha);
  const identity = identifyMessage(event.controlId, sha, (id) => seen.get(id), sha256(raw));
  event.controlId = identity.controlId;
  if (identity.duplicate) return acceptedOutcome(message, event, { duplicate: true });

  if (event.trigger === "A40") {
    const links = await findLinks(q, event.sourceSystem, event.priorRecordIds);
    const unknown = unknownPriorRejection(event, (id) => links.has(id));
    if (unknown) return rejectHl7(q, raw, ctx, unknown.ackCode, unknown.error, message);
  }
  let state: VisitState = null;
  const log = visitEvent ? withEvent(events, event) : events;
  if (visitEvent) {
    state = foldVisit(log);
    try {
      validateVisit(state);
    } catch (error) {
      if (error instanceof AdtRejection) return rejectHl7(q, raw, ctx, error.ackCode, error.error, message);
      throw error;
    }
  }

  if (needsKnownDemographics(event)) {
    const known = await q.query<KnownDemographics>(
      "SELECT birth_date::text AS birth_date, sex FROM mpi_linked_record WHERE source_system = $1 AND source_record_id = $2",
      [event.patient.sourceSystem, event.patient.recordId],
    );
    keepKnownDemographics(event, known[0]);
  }
  const outcomes = await resolveRecords(q, [event.patient], { locked: true });
  const personId = outcomes.get(recordKey(event.sourceSystem, event.patient.recordId))?.personId as string;
  if (event.trigger === "A40") await mergePriors(q, event, personId, ctx.merges);
  if (visitEvent) {
    if (log !== events) {
      await q.query(
        `INSERT INTO adt_visit_event (source_system, visit_number, control_id, trigger_event, message_time, record_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING`,
        visitEventValues(event),
      );
    }
    await writeVisit(q, event.sourceSystem, event.visitNumber, log, state, async (recordId) => {
      if (recordId === event.patient.recordId) return personId;
      const found = (await findLinks(q, event.sourceSystem, [recordId])).get(recordId);
      if (!found) throw new Error(`visit ${event.visitNumber}: its patient record is not linked`);
      return found;
    });
  }
  await q.query(
    `INSERT INTO ingest_message (source_system, control_id, message_type, message_time, status, ack_code, payload,
       payload_sha256, load_id)
     VALUES ($1, $2, $3, $4, 'applied', 'AA', $5, $6, $7)
     ${APPLIED_ON_CONFLICT}`,
    [event.sourceSystem, event.controlId, event.messageType, event.messageTime, raw, sha, ctx.loadId ?? null],
  );
  const unmapped = unmappedText([event]);
  if (unmapped) await q.exec(unmapped);
  await resolveMessageRejects(
    q,
    [sha, sha256(raw)].map((s) => ({
      sourceSystem: event.sourceSystem,
      controlId: value(segment(message, "MSH"), 10).trim(),
      sha: s,
      by: ctx.replayedBy ?? AUTOMATIC,
    })),
  );
  return acceptedOutcome(message, event, {
    duplicate: false,
    held: visitEvent && state === null && event.trigger !== "A11",
  });
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
  const sha = sha256(original ? messageContent(original) : raw);
  const originKey = hl7RejectKey(controlId, sha);
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
      [sourceSystem, controlId, messageType, code, storedPayload(raw), sha, ctx.loadId ?? null],
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

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string })?.code ?? "");
}

/**
 * Applies one message within a savepoint of the caller's transaction, so an unexpected failure rejects this
 * message alone: the raw message and its reason are kept, and the ACK says why. Deadlocks are retried.
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
      const outcome = await applyHl7(q, raw, ctx);
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
