import { MllpDecoder } from "./mllp.ts";

// Splits a batch file into messages: MLLP-framed files frame by frame; plain files at each MSH segment, with
// the batch envelope (FHS, BHS, BTS, FTS) left out. Segments may end in CR, LF or CRLF.

export function splitMessages(content: Buffer): string[] {
  if (content.includes(0x0b)) {
    const decoder = new MllpDecoder();
    return decoder
      .push(content)
      .filter((e) => e.kind === "frame")
      .map((e) => (e as { body: Buffer }).body.toString("utf8"));
  }
  const text = content.toString("utf8").replace(/^\uFEFF/, "");
  const messages: string[] = [];
  let current: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.length === 0) continue;
    const name = line.slice(0, 3);
    if (name === "FHS" || name === "BHS" || name === "BTS" || name === "FTS") continue;
    if (name === "MSH" && current.length > 0) {
      messages.push(`${current.join("\r")}\r`);
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) messages.push(`${current.join("\r")}\r`);
  return messages;
}
