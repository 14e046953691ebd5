import { randomUUID } from "node:crypto";
import {
  DEFAULT_DELIMITERS,
  type Delimiters,
  encodeMessage,
  encodeSegment,
  hl7Timestamp,
  type Message,
  segment,
  value,
} from "./message.ts";

// Original-mode acknowledgements. AA: accepted and committed. AE: the message was understood but cannot be
// applied (a required field is missing, a code is unknown). AR: rejected outright (not HL7, wrong message
// type or version). AE and AR carry an ERR segment with the HL7 error code (table 0357), its location and a
// message a person can act on; both the v2.5 fields (ERR-2/3/4/8) and, for older engines, ERR-1 are filled.

export type AckCode = "AA" | "AE" | "AR";

/** HL7 table 0357 message error condition codes. */
export const HL7_ERROR = {
  segmentSequence: { code: "100", text: "Segment sequence error" },
  requiredFieldMissing: { code: "101", text: "Required field missing" },
  dataTypeError: { code: "102", text: "Data type error" },
  tableValueNotFound: { code: "103", text: "Table value not found" },
  unsupportedMessageType: { code: "200", text: "Unsupported message type" },
  unsupportedEventCode: { code: "201", text: "Unsupported event code" },
  unsupportedProcessingId: { code: "202", text: "Unsupported processing id" },
  unsupportedVersionId: { code: "203", text: "Unsupported version id" },
  unknownKeyIdentifier: { code: "204", text: "Unknown key identifier" },
  duplicateKeyIdentifier: { code: "205", text: "Duplicate key identifier" },
  applicationRecordLocked: { code: "206", text: "Application record locked" },
  applicationInternalError: { code: "207", text: "Application internal error" },
} as const;

export type Hl7ErrorCondition = (typeof HL7_ERROR)[keyof typeof HL7_ERROR];

export interface ErrorLocation {
  segment: string;
  sequence?: number;
  field?: number;
  component?: number;
}

export interface AckError {
  condition: Hl7ErrorCondition;
  location?: ErrorLocation | null;
  /** Why, in words an integration engineer can act on. Never carries patient data. */
  message: string;
}

export interface AckOptions {
  code: AckCode;
  /** The message being acknowledged, when it could be parsed at all. */
  original?: Message | null;
  /** MSA-2 when the original could not be parsed (e.g. read from raw text). */
  controlId?: string;
  error?: AckError;
  at?: Date;
}

export const ONEPLACE_APPLICATION = "ONEPLACE";

export function buildAck(options: AckOptions): string {
  const original = options.original ?? null;
  const d: Delimiters = original?.delimiters ?? DEFAULT_DELIMITERS;
  const msh = original ? segment(original, "MSH") : undefined;
  const controlId = msh ? value(msh, 10) : (options.controlId ?? "");
  const trigger = msh ? value(msh, 9, 2) : "";
  const version = (msh && value(msh, 12)) || "2.5.1";
  const processing = (msh && value(msh, 11)) || "P";
  const at = (options.at ?? new Date()).toISOString();
  const lines = [
    encodeSegment(
      "MSH",
      [
        ONEPLACE_APPLICATION,
        ONEPLACE_APPLICATION,
        msh ? value(msh, 3) : "",
        msh ? value(msh, 4) : "",
        hl7Timestamp(at),
        "",
        ["ACK", trigger, "ACK"],
        `ACK${randomUUID().replaceAll("-", "").slice(0, 17)}`,
        processing,
        version,
      ],
      d,
    ),
    encodeSegment(
      "MSA",
      [options.code, controlId, options.error ? options.error.message.slice(0, 80) : ""],
      d,
    ),
  ];
  if (options.error && options.code !== "AA") {
    const { condition, location, message } = options.error;
    const loc = location
      ? [
          location.segment,
          String(location.sequence ?? 1),
          location.field ? String(location.field) : "",
          "",
          location.component ? String(location.component) : "",
        ]
      : "";
    const erl1 = location
      ? [
          location.segment,
          String(location.sequence ?? 1),
          location.field ? String(location.field) : "",
          [condition.code, condition.text, "HL70357"],
        ]
      : ["", "", "", [condition.code, condition.text, "HL70357"]];
    lines.push(
      encodeSegment(
        "ERR",
        [erl1, loc, [condition.code, condition.text, "HL70357"], "E", "", "", "", message],
        d,
      ),
    );
  }
  return encodeMessage(lines);
}

/** MSA-1 and MSA-2 of an ACK, for senders and tests. */
export function readAck(m: Message): {
  code: string;
  controlId: string;
  errorCode: string;
  errorText: string;
} {
  const msa = segment(m, "MSA");
  const err = segment(m, "ERR");
  return {
    code: value(msa, 1),
    controlId: value(msa, 2),
    errorCode: value(err, 3, 1),
    errorText: value(err, 8),
  };
}
