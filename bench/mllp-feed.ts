// The MLLP benches' feed (bench/ingest-mllp.ts, bench/mllp-direct.ts): the synthetic acute PAS's ADT messages for
// a place of `people`, with the disorder a real feed has (some out of order, cancelled, sent twice), written to a
// temporary folder (its code maps beside them) that the caller removes.
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
