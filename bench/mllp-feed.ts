// The MLLP benches' feed (bench/ingest-mllp.ts, bench/mllp-direct.ts): the synthetic acute PAS's ADT messages for
// a place of `people`, with the disorder a real feed has (some out of order, cancelled, sent twice), written to a
// temporary folder (its code maps beside them) that the caller removes; and its split over the senders.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitMessages } from "../src/ingest/index.ts";
import { DEFAULT_SYNTH_CONFIG, writeFeeds } from "../src/synth/index.ts";

export async function mllpBenchFeed(
  people: number,
  prefix: string,
): Promise<{ dir: string; messages: string[]; codeMap: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await writeFeeds({ ...DEFAULT_SYNTH_CONFIG, seed: "mllp-bench", people }, dir, {
    outOfOrder: 0.03,
    cancellations: 0.03,
    duplicateMessages: 0.01,
    corrupt: 0,
  });
  const messages = splitMessages(readFileSync(join(dir, "acute-pas/adt.hl7")));
  return { dir, messages, codeMap: join(dir, "acute-pas/code-maps.csv") };
}

/** The patient a message is about (PID-3's first identifier), so a sender can be given all of a patient's. */
export const patientOf = (m: string): string =>
  m
    .split("\r")
    .find((l) => l.startsWith("PID"))
    ?.split("|")[3]
    ?.split("^")[0] ?? "";

/**
 * The messages split over `n` senders: each patient's on one sender, in the feed's order, and the patients
 * dealt largest first to the sender with the fewest messages so far, so the senders carry about the same number
 * and all `n` send until near the end (a hash of the patient's id left one with a quarter more than another, and
 * the last fifth of the rounds with fewer senders). The benches' shape, not the listener's: it takes whatever
 * each connection sends.
 */
export function splitBySender(list: readonly string[], n: number): string[][] {
  const counts = new Map<string, number>();
  for (const m of list) {
    const id = patientOf(m);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const loads = Array.from({ length: n }, () => 0);
  const senderOf = new Map<string, number>();
  // Largest first; among equals, the feed's order (a Map keeps the order of first appearance, sort is stable).
  for (const [id, count] of [...counts].sort((a, b) => b[1] - a[1])) {
    const least = loads.indexOf(Math.min(...loads));
    senderOf.set(id, least);
    loads[least] += count;
  }
  const out: string[][] = Array.from({ length: n }, () => []);
  for (const m of list) out[senderOf.get(patientOf(m)) as number].push(m);
  return out;
}
