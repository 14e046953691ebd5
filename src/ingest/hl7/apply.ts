import type { Queryable } from "../../store/index.ts";
import { sha256 } from "../ids.ts";
import { hl7RejectKey, recordReject, storedPayload } from "../rejects.ts";
import { type AckCode, type AckError, buildAck, HL7_ERROR } from "./ack.ts";
import { AdtRejection } from "./adt.ts";
import { type Hl7Context, type Hl7Outcome, rejectionOf } from "./apply-parts.ts";
import { sniffHeader } from "./charset.ts";
import { type Message, messageContent, parseMessage, segment, value } from "./message.ts";
import type { VisitState } from "./visits.ts";

// The parts of applying ADT that stand apart from the batch (many.ts, the one path every message takes, a single
// message being a batch of one): checking a folded visit, keeping a message that cannot be applied as its own
// reject with its AE or AR, and what to say when applying failed unexpectedly.

export type { Hl7Context, Hl7Outcome } from "./apply-parts.ts";

/** Rejects a visit whose times contradict each other. */
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
         payload = excluded.payload, payload_sha256 = excluded.payload_sha256, received_at = excluded.received_at
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
 * An A08 applied for the person whose visit part could not be read: the visit part is kept as a reject of its
 * own (the message's key with `#visit`), so what was not applied is seen, never dropped in silence.
 */
export async function rejectVisitPart(
  q: Queryable,
  raw: string,
  ctx: Hl7Context,
  message: Message,
  controlId: string,
  problem: AdtRejection,
): Promise<void> {
  const { error } = rejectionOf(problem);
  await recordReject(q, {
    sourceSystem: sniffHeader(raw).sourceSystem,
    format: "hl7",
    layout: `${value(segment(message, "MSH"), 9, 1)}^${value(segment(message, "MSH"), 9, 2)}`,
    origin: ctx.origin,
    originKey: `${hl7RejectKey(controlId, sha256(messageContent(message)))}#visit`,
    location: error.location
      ? `${error.location.segment}${error.location.field ? `-${error.location.field}` : ""}`
      : null,
    reason: `the patient's details were updated, the visit was not: ${error.condition.code} ${error.condition.text}: ${error.message}`,
    payload: raw,
    loadId: ctx.loadId ?? null,
  });
}
