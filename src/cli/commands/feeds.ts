import { feedHealth } from "../../ingest/index.ts";
import { writeFeeds } from "../../synth/index.ts";
import { defineCommand, path } from "../command.ts";
import { out, outJson } from "../context.ts";
import { json } from "../options.ts";
import { synthConfigOf, synthOptions } from "./synth.ts";

// `oneplace feeds`: per source, when it last sent something, how much, the reject rate and what is waiting.
// `oneplace feeds write --out DIR`: the synthetic place written as the feeds its systems would send.

export const feeds = defineCommand({
  name: "feeds",
  summary:
    "Feed health per source: last received, counts, reject rate, and queue depth (held, open rejects, review).",
  options: { json },
  db: "migrated",
  async run({ options, db }) {
    const rows = await feedHealth(db);
    if (options.json) outJson(rows);
    else if (rows.length === 0) out("No feed has sent anything yet.");
    else {
      out(
        `${"source".padEnd(24)} ${"last received".padEnd(24)} ${"received".padStart(9)} ${"rejected".padStart(9)} ${"rate".padStart(7)} ${"open".padStart(6)} ${"held".padStart(6)} ${"review".padStart(6)}`,
      );
      for (const r of rows) {
        out(
          `${r.sourceSystem.padEnd(24)} ${(r.lastReceivedAt ?? "-").padEnd(24)} ${String(r.received).padStart(9)} ${String(r.rejected).padStart(9)} ${`${(r.rejectRate * 100).toFixed(2)}%`.padStart(7)} ${String(r.openRejects).padStart(6)} ${String(r.heldVisits).padStart(6)} ${String(r.reviewQueue).padStart(6)}`,
        );
      }
      out(
        "open: rejects awaiting a fix; held: ADT visits waiting for an earlier event; review: identity matches to decide.",
      );
    }
    return 0;
  },
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
