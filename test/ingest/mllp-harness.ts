// Shared setup for the MLLP listener tests: a source allowed from this machine, a synthetic patient, an A28
// registration builder, and "send one message on its own connection and read the ACK".
import { readAck } from "../../src/ingest/hl7/ack.ts";
import { type AdtFields, buildAdt } from "../../src/ingest/hl7/build-adt.ts";
import { parseMessage } from "../../src/ingest/hl7/message.ts";
import { MllpClient } from "../../src/ingest/mllp-client.ts";
import type { MllpSource } from "../../src/ingest/mllp-config.ts";

/** A source allowed from loopback only, with no MSH-3/MSH-4 or certificate rule, not trusted for merges. */
export function loopbackSource(name: string, more: Partial<MllpSource> = {}): MllpSource {
  return {
    name,
    addresses: ["127.0.0.1", "::1"],
    sendingApplications: [],
    sendingFacilities: [],
    certificateNames: [],
    trustMerges: false,
    ...more,
  };
}

/** A synthetic patient numbered n (family name `Family<n>`) with the given local record id. */
export function syntheticPatient(
  recordId: string,
  n: number,
  extra: Partial<AdtFields["patient"]> = {},
): AdtFields["patient"] {
  return {
    recordId,
    authority: "ZZA01",
    family: `Family${n}`,
    given: "Ann",
    birthDate: "1940-02-03",
    sex: "female",
    postcode: "RM17 6VA",
    ...extra,
  };
}

/**
 * A builder of A28 (add person) messages from acute-pas: patient n gets record id `<PREFIX><n>`, and each
 * message a fresh control id `<prefix><serial>`.
 */
export function a28Builder(prefix: string): (n: number) => string {
  let serial = 0;
  return (n) =>
    buildAdt({
      sendingApplication: "acute-pas",
      sendingFacility: "ZZA01",
      controlId: `${prefix}${++serial}`,
      trigger: "A28",
      messageTime: "2014-07-02T10:00:00Z",
      patient: syntheticPatient(`${prefix.toUpperCase()}${n}`, n),
      visit: null,
    });
}

/** Sends one message on a connection of its own and returns the ACK read back. */
export async function sendOne(port: number, message: string): Promise<ReturnType<typeof readAck>> {
  const client = await MllpClient.connect(port);
  try {
    return readAck(parseMessage(await client.send(message)));
  } finally {
    await client.close();
  }
}
