import { isUtf8 } from "node:buffer";

// The text of an HL7v2 message from its bytes: UTF-8, or the 8-bit character set MSH-18 declares. Null when
// it is neither (the message cannot be read as what it says it is).

export function decodeHl7Bytes(body: Buffer): string | null {
  if (isUtf8(body)) return body.toString("utf8");
  const head = body.subarray(0, Math.min(body.length, 512)).toString("latin1");
  const msh = head.split(/\r|\n/)[0] ?? "";
  const fields = msh.length > 3 ? msh.split(msh[3]) : [];
  const charset = (fields[17] ?? "").trim().toUpperCase();
  if (charset === "8859/1" || charset === "8859/15" || charset === "ASCII") return body.toString("latin1");
  return null;
}

/** MSH-3 (the sending application, as OnePlace names the source) and MSH-10, read without parsing the message. */
export function sniffHeader(raw: string): { sourceSystem: string; controlId: string } {
  const line = raw.split(/\r\n|\r|\n/)[0] ?? "";
  if (!line.startsWith("MSH") || line.length < 4) return { sourceSystem: "unknown", controlId: "" };
  const fields = line.split(line[3]);
  return {
    sourceSystem:
      (fields[2] ?? "")
        .split(line[4] ?? "^")[0]
        .trim()
        .toLowerCase() || "unknown",
    controlId: (fields[9] ?? "").trim(),
  };
}

/** MSH-3.1 and MSH-4.1 as sent (case kept), for checking a sender against what its source may send as. */
export function sendingParty(raw: string): { application: string; facility: string } {
  const line = raw.split(/\r\n|\r|\n/)[0] ?? "";
  if (!line.startsWith("MSH") || line.length < 5) return { application: "", facility: "" };
  const fields = line.split(line[3]);
  const first = (f: string | undefined) => (f ?? "").split(line[4])[0].trim();
  return { application: first(fields[2]), facility: first(fields[3]) };
}

/** MSH-11.1 (processing id) as sent, or "" when the first segment is not an MSH that can be read so. */
export function processingIdOf(raw: string): string {
  const line = raw.slice(0, 2048).split(/\r\n|\r|\n/)[0] ?? "";
  if (!line.startsWith("MSH") || line.length < 5) return "";
  return ((line.split(line[3])[10] ?? "").split(line[4])[0] ?? "").trim();
}
