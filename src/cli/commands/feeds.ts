import { feedHealth } from "../../ingest/health.ts";
import { writeFeeds } from "../../synth/feeds/write-feeds.ts";
import type { Command } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { synthConfigFromArgs, synthOptions } from "./synth.ts";

// `oneplace feeds`: per source, when it last sent something, how much, the reject rate and what is waiting.
// `oneplace feeds write --out DIR`: the synthetic place written as the feeds its systems would send.

const json = { type: "boolean", description: "Print the result as JSON" } as const;

export const feeds: Command = {
  name: "feeds",
  summary:
    "Feed health per source: last received, counts, reject rate, and queue depth (held, open rejects, review).",
  usage: "oneplace feeds [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const rows = await feedHealth(db);
        if (values.json) {
          outJson(rows);
          return 0;
        }
        if (rows.length === 0) {
          out("No feed has sent anything yet.");
          return 0;
        }
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
        return 0;
      },
      { migrate: true },
    );
  },
};

export const feedsWrite: Command = {
  name: "feeds write",
  summary:
    "Write the synthetic place as the feeds its systems would send (ADT, FHIR NDJSON, CSV) with a manifest.",
  usage: "oneplace feeds write --out DIR [--people N] [--seed S] [synth options]",
  options: {
    ...synthOptions,
    out: { type: "string", valueName: "dir", description: "Folder to write the feeds to" },
    json,
  },
  async run({ values }) {
    if (typeof values.out !== "string" || !values.out)
      throw new CliError("--out DIR is required.", { exitCode: EXIT_USAGE });
    const config = synthConfigFromArgs(values);
    const started = performance.now();
    const r = await writeFeeds(config, values.out);
    const seconds = (performance.now() - started) / 1000;
    if (values.json) outJson({ ...r, seconds });
    else {
      out(
        `Wrote feeds for ${config.people} people to ${values.out} in ${seconds.toFixed(1)} s (${r.messages} ADT messages, ${r.damaged.length} damaged records).`,
      );
      out(`Load them with 'oneplace ingest feeds ${values.out}'.`);
    }
    return 0;
  },
};

export const FEEDS_COMMANDS: readonly Command[] = [feeds, feedsWrite];
