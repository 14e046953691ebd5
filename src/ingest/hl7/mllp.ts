// MLLP (Minimal Lower Layer Protocol) framing: <VT> message <FS><CR>. The decoder takes bytes as they arrive
// on a socket, in chunks of any size, and returns whole frames; bytes outside a frame and frames that grow
// beyond the limit are reported, never silently dropped, and a frame cut off by a disconnect is simply never
// completed.

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export function frame(message: string | Buffer): Buffer {
  const body = typeof message === "string" ? Buffer.from(message, "utf8") : message;
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}

export type MllpEvent =
  | { kind: "frame"; body: Buffer }
  /** Bytes that were not inside a frame (noise, or a sender not using MLLP). */
  | { kind: "junk"; bytes: number }
  /**
   * A frame longer than the limit: its bytes are discarded up to the next frame start, all but its first
   * `head` bytes (at most HEAD_BYTES, and no more than the limit), kept so the refusal can be kept as a reject that names the sender.
   */
  | { kind: "oversize"; bytes: number; head: Buffer };

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** How much of an oversize frame is kept to say what it was. */
export const HEAD_BYTES = 64 * 1024;

export class MllpDecoder {
  readonly #maxBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #inFrame = false;
  #skipping = false;
  #skipped = 0;
  #head: Buffer = Buffer.alloc(0);
  #junk = 0;
  /** True when the previous chunk ended in FS inside a frame: the next byte decides. */
  #pendingFs = false;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#maxBytes = maxFrameBytes;
  }

  /** Feeds bytes; returns what they completed, in order. */
  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.#inFrame) {
        const start = chunk.indexOf(VT, i);
        const end = start === -1 ? chunk.length : start;
        if (this.#skipping) this.#skipped += end - i;
        else this.#junk += countNonWhitespace(chunk, i, end);
        if (start === -1) break;
        this.#flushNoise(events);
        this.#inFrame = true;
        this.#parts = [];
        this.#size = 0;
        this.#pendingFs = false;
        i = start + 1;
        continue;
      }
      if (this.#pendingFs) {
        this.#pendingFs = false;
        if (chunk[i] === CR) {
          events.push({ kind: "frame", body: this.#take() });
          this.#inFrame = false;
          i++;
          continue;
        }
        // A lone FS inside a message is data.
        this.#append(Buffer.from([FS]));
        if (!this.#inFrame) continue;
      }
      const fs = chunk.indexOf(FS, i);
      const vt = chunk.indexOf(VT, i);
      if (vt !== -1 && (fs === -1 || vt < fs)) {
        // A new start block before this frame ended: the sender gave up on the previous one.
        this.#junk += this.#size + (vt - i);
        this.#parts = [];
        this.#size = 0;
        this.#flushNoise(events);
        i = vt + 1;
        continue;
      }
      if (fs === -1) {
        this.#append(chunk.subarray(i));
        break;
      }
      this.#append(chunk.subarray(i, fs));
      if (!this.#inFrame) {
        i = fs + 1;
        continue;
      }
      if (fs + 1 >= chunk.length) {
        this.#pendingFs = true;
        break;
      }
      if (chunk[fs + 1] === CR) {
        events.push({ kind: "frame", body: this.#take() });
        this.#inFrame = false;
        i = fs + 2;
      } else {
        this.#append(Buffer.from([FS]));
        i = fs + 1;
      }
    }
    if (!this.#inFrame) this.#flushNoise(events);
    return events;
  }

  /** Bytes held in an unfinished frame (what a disconnect would lose: the sender never got an ACK for it). */
  get pendingBytes(): number {
    return this.#inFrame ? this.#size + (this.#pendingFs ? 1 : 0) : 0;
  }

  /** Forgets everything held (a connection closed): its buffers can be freed at once. */
  reset(): void {
    this.#parts = [];
    this.#size = 0;
    this.#inFrame = false;
    this.#skipping = false;
    this.#skipped = 0;
    this.#head = Buffer.alloc(0);
    this.#junk = 0;
    this.#pendingFs = false;
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#size + bytes.length > this.#maxBytes) {
      this.#skipped += this.#size + bytes.length;
      const held = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts, this.#size);
      this.#head = Buffer.from(
        Buffer.concat([held, bytes]).subarray(0, Math.min(HEAD_BYTES, this.#maxBytes)),
      );
      this.#parts = [];
      this.#size = 0;
      this.#inFrame = false;
      this.#skipping = true;
      return;
    }
    this.#parts.push(Buffer.from(bytes));
    this.#size += bytes.length;
  }

  #take(): Buffer {
    const body = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    return body;
  }

  #flushNoise(events: MllpEvent[]): void {
    if (this.#skipping && this.#skipped > 0) {
      events.push({ kind: "oversize", bytes: this.#skipped, head: this.#head });
      this.#head = Buffer.alloc(0);
      this.#skipped = 0;
      this.#skipping = false;
    }
    if (this.#junk > 0) {
      // Whitespace between frames (a stray CR or LF) is common and harmless.
      events.push({ kind: "junk", bytes: this.#junk });
      this.#junk = 0;
    }
  }
}

function countNonWhitespace(chunk: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = chunk[i];
    if (b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09) n++;
  }
  return n;
}
