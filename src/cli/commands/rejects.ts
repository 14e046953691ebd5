import {
  dismissReject,
  getReject,
  listRejects,
  openRejects,
  type RejectRow,
  replayOpenRejects,
  replayRejects,
} from "../../ingest/index.ts";
import { choice, defineCommand, flag, int, text } from "../command.ts";
import { cliOperator, out, outJson } from "../context.ts";
import { notFound, usageError } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

// `oneplace rejects list|show|replay|dismiss`: what could not be accepted, why, and trying again after a fix.

const ids = text("Reject ids", { valueName: "reject-id", multiple: true });

function line(r: RejectRow): string {
  return `${r.rejectId}  ${r.receivedAt}  ${r.sourceSystem}  ${r.format}${r.layout ? `:${r.layout}` : ""}  ${r.location ?? r.origin}  ${r.status}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ""}\n    ${r.reason}`;
}

export const rejectsList = defineReport({
  name: "rejects list",
  summary: "List rejected messages and rows: source, where, why, when (open ones unless --status).",
  options: {
    source: text("Only this source system", { valueName: "name" }),
    status: choice(["open", "replayed", "dismissed", "all"], "open (default), replayed, dismissed or all", {
      default: "open",
    }),
    limit: int("At most N (default 100)", { min: 1, max: 100_000, default: 100 }),
    json,
  },
  load: ({ options, db }) =>
    listRejects(db, { sourceSystem: options.source, status: options.status, limit: options.limit }),
  // The list never shows payloads (they carry patient data): 'rejects show' does, for one reject.
  json: (rows) => rows.map(({ payload: _p, context: _c, ...r }) => r),
  show: (rows, { options }) => [
    `${rows.length} reject(s)${rows.length === options.limit ? ` (first ${options.limit})` : ""}`,
    ...rows.map(line),
  ],
});

export const rejectsShow = defineReport({
  name: "rejects show",
  summary: "Show one reject in full, with its raw payload.",
  args: { id: text("The reject", { valueName: "reject-id", required: true }) },
  options: { json },
  async load({ args, db }) {
    const r = await getReject(db, args.id);
    if (!r) throw notFound("cli.no-reject", `No reject ${args.id}`, { hint: "See 'oneplace rejects list'." });
    return r;
  },
  show: (r) => [
    line(r),
    `origin: ${r.origin} (${r.originKey})`,
    ...(r.resolvedAt ? [`resolved: ${r.resolvedAt} by ${r.resolvedBy}`] : []),
    ...(r.context ? [`header: ${r.context}`] : []),
    "payload:",
    r.format === "hl7" ? r.payload.replaceAll("\r", "\n") : r.payload,
  ],
});

export const rejectsReplay = defineCommand({
  name: "rejects replay",
  summary: "Replay rejects after a fix (a code mapping, a missing record loaded, a corrected row).",
  usage: "oneplace rejects replay <reject-id>... | --all [--source NAME] [--json]",
  args: { ids },
  options: {
    all: flag("Replay every open reject (of --source, if given), naming only those still rejected"),
    source: text("With --all: only this source system", { valueName: "name" }),
    json,
  },
  db: "migrated",
  async run({ options, args, db }) {
    if (!options.all && args.ids.length === 0) throw usageError("Give reject ids, or --all.");
    const by = cliOperator().name;
    if (options.all) {
      // Tens of thousands after a late patient file: only those still rejected are named, the accepted counted.
      const done = await replayOpenRejects(db, await openRejects(db, options.source), by);
      if (options.json) outJson(done);
      else {
        for (const r of done.notAccepted) out(`${r.rejectId}: still rejected: ${r.reason}`);
        out(`${done.accepted} of ${done.offered} accepted.`);
      }
      return done.accepted === done.offered ? 0 : 1;
    }
    const results = await replayRejects(db, args.ids, by);
    const accepted = results.filter((r) => r.accepted).length;
    if (options.json) outJson(results);
    else {
      for (const r of results)
        out(`${r.rejectId}: ${r.accepted ? "accepted" : `still rejected: ${r.reason}`}`);
      out(`${accepted} of ${results.length} accepted.`);
    }
    return accepted === results.length ? 0 : 1;
  },
});

export const rejectsDismiss = defineCommand({
  name: "rejects dismiss",
  summary: "Mark rejects as dealt with outside OnePlace (kept, no longer open).",
  args: { ids: text("Reject ids", { valueName: "reject-id", multiple: true, required: true }) },
  options: {},
  db: "migrated",
  async run({ args, db }) {
    const by = cliOperator().name;
    let n = 0;
    for (const id of args.ids) if (await dismissReject(db, id, by)) n++;
    out(`${n} of ${args.ids.length} dismissed.`);
    return n === args.ids.length ? 0 : 1;
  },
});
