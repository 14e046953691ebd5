import { feedHealth, settleAbandonedLoads } from "../../ingest/index.ts";
import { writeFeeds } from "../../synth/index.ts";
import { defineCommand, path } from "../command.ts";
import { out, outJson } from "../context.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";
import { synthConfigOf, synthOptions } from "./synth.ts";

// `oneplace feeds`: per source, when it last sent something, how much, the reject rate and what is waiting.
// `oneplace feeds write --out DIR`: the synthetic place written as the feeds its systems would send.

export const feeds = defineReport({
  name: "feeds",
  summary:
    "Feed health per source: last received, counts, reject rate, and queue depth (held, open rejects, review).",
  options: { json },
  load: async ({ db }) => {
    // A load whose process died shows as failed (abandoned), not running for ever.
    await settleAbandonedLoads(db);
    return feedHealth(db);
  },
  empty: "No feed has sent anything yet.",
  show: (rows) => [
    `${"source".padEnd(24)} ${"last received".padEnd(24)} ${"received".padStart(9)} ${"rejected".padStart(9)} ${"rate".padStart(7)} ${"open".padStart(6)} ${"held".padStart(6)} ${"review".padStart(6)}`,
    ...rows.map(
      (r) =>
        `${r.sourceSystem.padEnd(24)} ${(r.lastReceivedAt ?? "-").padEnd(24)} ${String(r.received).padStart(9)} ${String(r.rejected).padStart(9)} ${`${(r.rejectRate * 100).toFixed(2)}%`.padStart(7)} ${String(r.openRejects).padStart(6)} ${String(r.heldVisits).padStart(6)} ${String(r.reviewQueue).padStart(6)}`,
    ),
    "open: rejects awaiting a fix; held: ADT visits waiting for an earlier event and FHIR resources for their Patient; review: identity matches to decide.",
  ],
});

export const feedsWrite = defineCommand({
  name: "feeds write",
  summary:
    "Write the synthetic place as the feeds its systems would send (ADT, FHIR NDJSON, CSV) with a manifest.",
  options: {
    ...synthOptions,
    out: path("Folder to write the feeds to", { valueName: "dir", required: true }),
    json,
  },
  db: "none",
  async run({ options }) {
    const config = synthConfigOf(options);
    const started = performance.now();
    const r = await writeFeeds(config, options.out);
    const seconds = (performance.now() - started) / 1000;
    if (options.json) outJson({ ...r, seconds });
    else {
      out(
        `Wrote feeds for ${config.people} people to ${options.out} in ${seconds.toFixed(1)} s (${r.messages} ADT messages, ${r.damaged.length} damaged records).`,
      );
      out(`Load them with 'oneplace ingest feeds ${options.out}'.`);
    }
    return 0;
  },
});
