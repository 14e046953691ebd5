import { AUTOMATIC } from "../../mpi/index.ts";
import type { Queryable } from "../../store/index.ts";
import { cols, insertText } from "../../store/index.ts";
import { sha256 } from "../ids.ts";
import { resolveMessageRejects } from "../rejects.ts";
import { buildAck } from "./ack.ts";
import type { UnsupportedEvent } from "./adt.ts";
import type { Hl7Context, Hl7Outcome } from "./apply-parts.ts";
import { type Message, messageContent } from "./message.ts";

// What kind of place this is for HL7 senders (a test instance takes MSH-11 T as well as P), and the messages of
// ADT events OnePlace does not use: acknowledged, kept and counted as unsupported.

/** Whether this place takes test messages (MSH-11 T): set with `oneplace feeds instance --test`. */
export async function isTestInstance(q: Queryable): Promise<boolean> {
  const rows = await q.query<{ test_instance: boolean }>("SELECT test_instance FROM ingest_instance");
  return rows[0]?.test_instance === true;
}

export async function setTestInstance(q: Queryable, test: boolean, by: string): Promise<void> {
  await q.query(
    `INSERT INTO ingest_instance (only_row, test_instance, changed_by) VALUES (true, $1, $2)
     ON CONFLICT (only_row) DO UPDATE SET test_instance = excluded.test_instance, changed_at = excluded.changed_at,
       changed_by = excluded.changed_by`,
    [test, by],
  );
}

const UNSUPPORTED_COLS = cols(
  "source_system text, control_id text, message_type text, status text, ack_code text, payload text, payload_sha256 text, load_id uuid",
);

export interface UnsupportedItem {
  raw: string;
  ctx: Hl7Context;
  event: UnsupportedEvent;
  message: Message;
}

/** The statement keeping messages of unsupported events (a control id already kept is left as it is). */
export function unsupportedText(items: readonly UnsupportedItem[]): string {
  return insertText(
    "ingest_message",
    UNSUPPORTED_COLS,
    items.map((u) => [
      u.event.sourceSystem,
      u.event.controlId,
      u.event.messageType,
      "unsupported",
      "AA",
      u.raw,
      sha256(messageContent(u.message)),
      u.ctx.loadId ?? null,
    ]),
    `ON CONFLICT (source_system, control_id) DO UPDATE SET status = 'unsupported', ack_code = 'AA',
       payload = excluded.payload, payload_sha256 = excluded.payload_sha256, received_at = excluded.received_at,
       load_id = excluded.load_id
     WHERE ingest_message.status = 'rejected'`,
  );
}

/** A message refused before (a test message in a production place) and now kept as unsupported: its reject is resolved. */
export async function resolveUnsupportedRejects(
  q: Queryable,
  items: readonly UnsupportedItem[],
): Promise<void> {
  await resolveMessageRejects(
    q,
    items.map((u) => ({
      sourceSystem: u.event.sourceSystem,
      controlId: u.event.controlId,
      sha: sha256(messageContent(u.message)),
      by: u.ctx.replayedBy ?? AUTOMATIC,
    })),
  );
}

export function unsupportedOutcome(u: UnsupportedItem): Hl7Outcome {
  return {
    ack: buildAck({ code: "AA", original: u.message }),
    code: "AA",
    sourceSystem: u.event.sourceSystem,
    controlId: u.event.controlId,
    messageType: u.event.messageType,
    applied: false,
    duplicate: false,
    held: false,
    unsupported: true,
  };
}
