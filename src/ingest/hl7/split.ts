import { decodeHl7Bytes } from "./charset.ts";
import { MllpDecoder } from "./mllp.ts";

// Splits a batch file into messages: MLLP-framed files frame by frame; plain files at each MSH segment, with
// the batch envelope (FHS, BHS, BTS, FTS) left out. Segments may end in CR, LF or CRLF. Each message is read
// as UTF-8 or, when it is not, in the 8-bit character set its MSH-18 declares (a Latin-1 name stays the name).

/** A message's text from its bytes: UTF-8, else MSH-18's character set, else UTF-8 as best it can be read. */
function messageText(bytes: Buffer): string {
  return decodeHl7Bytes(bytes) ?? bytes.toString("utf8");
}

export function splitMessages(content: Buffer): string[] {
  if (content.includes(0x0b)) {
    const decoder = new MllpDecoder();
    return decoder
      .push(content)
      .filter((e) => e.kind === "frame")
      .map((e) => messageText((e as { body: Buffer }).body));
  }
  // Latin-1 maps each byte to one character and back, so the file is split without decoding it.
  const bom = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? 3 : 0;
  return splitText(content.subarray(bom).toString("latin1")).map((m) =>
    messageText(Buffer.from(m, "latin1")),
  );
}

/**
 * Text holding one or more messages split at each MSH segment (segments end in CR, LF or CRLF; each message
 * comes out with CR endings), the batch envelope (FHS, BHS, BTS, FTS) left out.
 */
export function splitText(text: string): string[] {
  const messages: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) messages.push(`${current.join("\r")}\r`);
    current = [];
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.length === 0) continue;
    const name = line.slice(0, 3);
    if (name === "FHS" || name === "BHS" || name === "BTS" || name === "FTS") continue;
    if (name === "MSH") flush();
    current.push(line);
  }
  flush();
  return messages;
}

/**
 * How many messages a frame's text holds, counting a batch envelope (FHS or BHS) as more than one: MLLP carries
 * one message per frame, so anything but 1 means the frame cannot be answered with one ACK.
 */
export function messagesInFrame(text: string): number {
  let count = 0;
  let envelope = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const name = line.slice(0, 3);
    if (name === "MSH") count++;
    else if (name === "FHS" || name === "BHS") envelope = true;
  }
  return envelope ? Math.max(count, 2) : count;
}
