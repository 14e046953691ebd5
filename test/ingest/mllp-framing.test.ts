import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CR, FS, frame, MllpDecoder, type MllpEvent, VT } from "../../src/ingest/hl7/mllp.ts";

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function frames(events: MllpEvent[]): string[] {
  return events.filter((e) => e.kind === "frame").map((e) => (e as { body: Buffer }).body.toString("utf8"));
}

// Message bodies may hold anything but a start block (including a lone FS, and CR, and non-ASCII).
// FS followed by CR is the end block, so it cannot be inside a body (nor can a body end in FS).
function withoutEndBlocks(s: string): string {
  let out = "";
  for (const c of s) {
    if (c === "\r" && out.endsWith(FS_CHAR)) continue;
    out += c;
  }
  while (out.endsWith(FS_CHAR)) out = out.slice(0, -1);
  return out;
}
const FS_CHAR = String.fromCharCode(FS);
const bodyArb = fc
  .string({ unit: fc.constantFrom(..."MSH|^~\\&abc\r\n\u001cé12"), minLength: 1, maxLength: 60 })
  .map(withoutEndBlocks)
  .filter((s) => s.length > 0);

test("frames come out whole and in order however the bytes are chunked", () => {
  fc.assert(
    fc.property(
      fc.array(bodyArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => frame(b)));
        const decoder = new MllpDecoder();
        const events = splitAt(stream, cuts).flatMap((chunk) => decoder.push(chunk));
        assert.deepEqual(frames(events), bodies);
        assert.equal(decoder.pendingBytes, 0);
      },
    ),
    { numRuns: 500 },
  );
});

test("a sender that disconnects mid-frame leaves a partial frame that is never delivered", () => {
  fc.assert(
    fc.property(bodyArb, bodyArb, fc.nat(), (first, second, cut) => {
      const whole = frame(second);
      const partial = whole.subarray(0, 1 + (cut % (whole.length - 2)));
      const decoder = new MllpDecoder();
      const events = [...decoder.push(frame(first)), ...decoder.push(partial)];
      assert.deepEqual(frames(events), [first]);
      assert.ok(decoder.pendingBytes > 0 || partial.length <= 1);
    }),
  );
});

test("bytes outside frames are reported as junk; whitespace between frames is not", () => {
  const decoder = new MllpDecoder();
  const events = decoder.push(
    Buffer.concat([Buffer.from("\r\n"), frame("A"), Buffer.from("garbage"), frame("B"), Buffer.from("\n")]),
  );
  assert.deepEqual(frames(events), ["A", "B"]);
  const junk = events.filter((e) => e.kind === "junk");
  assert.deepEqual(junk, [{ kind: "junk", bytes: 7 }]);
});

test("a new start block abandons an unfinished frame; an oversize frame is discarded and reported", () => {
  const decoder = new MllpDecoder(16);
  const events = decoder.push(
    Buffer.concat([
      Buffer.from([VT]),
      Buffer.from("lost"),
      frame("ok"),
      frame("x".repeat(40)),
      frame("after"),
    ]),
  );
  assert.deepEqual(frames(events), ["ok", "after"]);
  assert.ok(events.some((e) => e.kind === "oversize" && e.bytes >= 40));
  assert.ok(events.some((e) => e.kind === "junk" && e.bytes === 4));
});

test("a frame split right after its FS still ends at the CR", () => {
  const decoder = new MllpDecoder();
  const a = decoder.push(Buffer.from([VT, 0x41, FS]));
  const b = decoder.push(Buffer.from([CR]));
  assert.deepEqual(frames([...a, ...b]), ["A"]);
});
