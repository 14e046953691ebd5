// The MLLP benches' split of the feed over their senders (bench/mllp-feed.ts): each patient's messages on one
// sender in the feed's order, and the senders' shares about equal, so the target's shape (4 senders each waiting
// for its ACK) holds until the last rounds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { patientOf, splitBySender } from "../../bench/mllp-feed.ts";

/** A feed of `patients` patients with 1 to 12 messages each, interleaved as a feed's are. */
function feed(patients: number): string[] {
  const out: string[] = [];
  const left = Array.from({ length: patients }, (_, i) => 1 + ((i * 7) % 12));
  const sent = left.map(() => 0);
  for (let round = 0; left.some((n) => n > 0); round++)
    for (let p = 0; p < patients; p++)
      if (left[p] > 0 && (p + round) % 3 !== 0) {
        left[p]--;
        out.push(`MSH|^~\\&|PAS|RX1|||20150302||ADT^A01|c${p}-${sent[p]++}\rPID|1||P${p}^^^RX1^MR\r`);
      }
  return out;
}

test("the benches' senders carry about the same number of messages, each patient's on one sender in order", () => {
  const messages = feed(200);
  const senders = splitBySender(messages, 4);
  const shares = senders.map((s) => s.length);
  assert.equal(
    shares.reduce((a, b) => a + b, 0),
    messages.length,
  );
  // Largest first onto the least loaded: no share more than the largest patient's count (12) above another.
  assert.ok(Math.max(...shares) - Math.min(...shares) <= 12, `shares ${shares.join(", ")}`);
  const senderOf = new Map<string, number>();
  senders.forEach((list, i) => {
    for (const m of list) {
      const p = patientOf(m);
      assert.equal(senderOf.get(p) ?? i, i, `patient ${p} on two senders`);
      senderOf.set(p, i);
    }
    // In the feed's order.
    const positions = list.map((m) => messages.indexOf(m));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
  });
});
