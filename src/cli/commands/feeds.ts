import { invalid } from "../../core/errors.ts";
import {
  addCodeMappings,
  CODE_MAP_NAMES,
  type FeedHealth,
  feedHealth,
  isTestInstance,
  listUnmapped,
  mappingProblem,
  pid2BareDigitsOf,
  setPid2BareDigits,
  setTestInstance,
  settleAbandonedLoads,
} from "../../ingest/index.ts";
import { writeFeeds } from "../../synth/index.ts";
import { defineCommand, flag, path, text } from "../command.ts";
import { cliOperator, out, outJson } from "../context.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";
import { synthConfigOf, synthOptions } from "./synth.ts";

// `oneplace feeds`: per source, when it last sent something, how much, the reject rate and what is waiting.
// `oneplace feeds unmapped`: the mapping worklist, codes feeds sent that no mapping or standard knows.
// `oneplace feeds map SOURCE MAP CODE TARGET`: add a mapping; what was stored with the code is corrected.
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
    ...heldMessageLines(rows),
  ],
});

/** Messages held by a deletion (A29), the latest of each source with why: listed, as they wait for nothing. */
function heldMessageLines(rows: FeedHealth[]): string[] {
  const held = rows.filter((r) => (r.heldMessageCount ?? 0) > 0);
  if (held.length === 0) return [];
  const lines = [
    "",
    "Messages held, never applied: their source deleted the patient's record (A29) after sending them.",
  ];
  for (const r of held) {
    const shown = r.heldMessages ?? [];
    const more = (r.heldMessageCount ?? 0) - shown.length;
    lines.push(
      `${r.sourceSystem}: ${r.heldMessageCount} held${more > 0 ? ` (the latest ${shown.length} listed)` : ""}`,
    );
    for (const m of shown)
      lines.push(`  ${m.controlId.padEnd(20)} ${m.messageType.padEnd(8)} held ${m.heldAt}  ${m.reason}`);
  }
  return lines;
}

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

export const feedsUnmapped = defineReport({
  name: "feeds unmapped",
  summary:
    "The mapping worklist: local codes feeds sent that no mapping or standard knows (stored and flagged), with counts.",
  options: {
    json,
    source: text("Only this source (MSH-3 in lower case)", { valueName: "source" }),
  },
  load: ({ db, options }) => listUnmapped(db, { sourceSystem: options.source }),
  empty: "Every code the feeds sent is mapped.",
  show: (rows) => [
    `${"source".padEnd(20)} ${"code map".padEnd(22)} ${"field".padEnd(8)} ${"code".padEnd(16)} ${"count".padStart(7)} ${"first seen".padEnd(24)} last seen`,
    ...rows.map(
      (r) =>
        `${r.sourceSystem.padEnd(20)} ${r.mapName.padEnd(22)} ${r.field.padEnd(8)} ${r.code.padEnd(16)} ${String(r.occurrences).padStart(7)} ${r.firstSeen.padEnd(24)} ${r.lastSeen}`,
    ),
    "Map one with 'oneplace feeds map SOURCE MAP CODE TARGET' (or many with 'oneplace ingest codes FILE'); what was stored with it is corrected.",
  ],
});

export const feedsMap = defineReport({
  name: "feeds map",
  summary: `Map a source's local code (code maps: ${CODE_MAP_NAMES.join(", ")}); what was stored with it unmapped is corrected.`,
  args: {
    source: text("The source (MSH-3 in lower case)", { required: true }),
    map: text("The code map", { required: true }),
    code: text("The source's code", { required: true }),
    target: text("What it means in OnePlace (see docs/formats/code-maps.md)", { required: true }),
  },
  options: { json },
  load: async ({ db, args }) => {
    const mapping = {
      sourceSystem: args.source,
      mapName: args.map,
      sourceCode: args.code,
      targetCode: args.target,
    };
    const problem = mappingProblem(mapping);
    if (problem) throw invalid("cli.code-map", problem);
    return db.transaction((tx) => addCodeMappings(tx, [mapping]));
  },
  show: (r) =>
    `${r.changed} mapping added or changed; ${r.eventsCorrected} stored events corrected, ${r.visitsRewritten} visits rewritten, ${r.recordsCorrected} FHIR records corrected.`,
});

export const feedsInstance = defineReport({
  name: "feeds instance",
  summary:
    "Whether this place takes HL7 test messages (MSH-11 T) as a test instance; --test or --production sets it.",
  options: {
    json,
    test: flag("Make this place a test instance: it takes test messages as well as production ones"),
    production: flag("Make this place production: test messages are refused (the default)"),
  },
  load: async ({ db, options }) => {
    if (options.test && options.production)
      throw invalid("cli.instance", "Give --test or --production, not both.");
    if (options.test || options.production) await setTestInstance(db, options.test, cliOperator().name);
    return { testInstance: await isTestInstance(db) };
  },
  show: (r) =>
    r.testInstance
      ? "This place is a test instance: it takes HL7 messages marked test (MSH-11 T) and production (P)."
      : "This place is production: HL7 messages marked test (MSH-11 T) are refused AR.",
});

export const feedsPid2 = defineReport({
  name: "feeds pid2",
  summary:
    "What ten bare digits in a source's HL7 PID-2 mean: its NHS Number (the v2.2/2.3 habit, the default) or some other id (--ignore).",
  args: { source: text("The source (MSH-3 in lower case)", { required: true }) },
  options: {
    json,
    "nhs-number": flag("Take ten bare digits in PID-2 that pass Modulus 11 as the NHS Number"),
    ignore: flag("The source puts some other id in PID-2: never take bare digits there as an NHS Number"),
  },
  load: async ({ db, args, options }) => {
    if (options["nhs-number"] && options.ignore)
      throw invalid("cli.pid2", "Give --nhs-number or --ignore, not both.");
    if (options["nhs-number"] || options.ignore)
      await setPid2BareDigits(db, args.source, options.ignore ? "ignore" : "nhs-number");
    return { source: args.source, pid2BareDigits: await pid2BareDigitsOf(db, args.source) };
  },
  show: (r) =>
    r.pid2BareDigits === "ignore"
      ? `${r.source}: ten bare digits in PID-2 are some other id, never taken as the NHS Number.`
      : `${r.source}: ten bare digits in PID-2 that pass Modulus 11 are taken as the NHS Number.`,
});
