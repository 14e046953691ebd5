import { getReject, listRejects, type RejectRow } from "../../ingest/rejects.ts";
import { dismissReject, replayReject } from "../../ingest/replay.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { cliOperator } from "./users.ts";

// `oneplace rejects list|show|replay|dismiss`: what could not be accepted, why, and trying again after a fix.

const json = { type: "boolean", description: "Print the result as JSON" } as const;

function line(r: RejectRow): string {
  return `${r.rejectId}  ${r.receivedAt}  ${r.sourceSystem}  ${r.format}${r.layout ? `:${r.layout}` : ""}  ${r.location ?? r.origin}  ${r.status}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ""}\n    ${r.reason}`;
}

export const rejectsList: Command = {
  name: "rejects list",
  summary: "List rejected messages and rows: source, where, why, when (open ones unless --status).",
  usage: "oneplace rejects list [--source NAME] [--status open|replayed|dismissed|all] [--limit N] [--json]",
  options: {
    source: { type: "string", valueName: "name", description: "Only this source system" },
    status: {
      type: "string",
      valueName: "status",
      description: "open (default), replayed, dismissed or all",
    },
    limit: { type: "string", valueName: "N", description: "At most N (default 100)" },
    json,
  },
  async run({ values }) {
    const status = typeof values.status === "string" ? values.status : "open";
    if (!["open", "replayed", "dismissed", "all"].includes(status)) {
      throw new CliError("--status must be open, replayed, dismissed or all", { exitCode: EXIT_USAGE });
    }
    const limit = intOption(values.limit, "limit", 1, 100_000) ?? 100;
    return withDb(
      async (db) => {
        const rows = await listRejects(db, {
          sourceSystem: typeof values.source === "string" ? values.source : undefined,
          status: status as RejectRow["status"] | "all",
          limit,
        });
        // The list never shows payloads (they carry patient data): 'rejects show' does, for one reject.
        if (values.json) outJson(rows.map(({ payload: _p, context: _c, ...r }) => r));
        else {
          out(`${rows.length} reject(s)${rows.length === limit ? ` (first ${limit})` : ""}`);
          for (const r of rows) out(line(r));
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const rejectsShow: Command = {
  name: "rejects show",
  summary: "Show one reject in full, with its raw payload.",
  usage: "oneplace rejects show <reject-id> [--json]",
  allowPositionals: true,
  options: { json },
  async run({ values, positionals }) {
    if (positionals.length !== 1)
      throw new CliError("Give one reject id.", { exitCode: EXIT_USAGE, hint: usageHint("rejects show") });
    return withDb(
      async (db) => {
        const r = await getReject(db, positionals[0]);
        if (!r) throw new CliError(`No reject ${positionals[0]}`, { hint: "See 'oneplace rejects list'." });
        if (values.json) outJson(r);
        else {
          out(line(r));
          out(`origin: ${r.origin} (${r.originKey})`);
          if (r.resolvedAt) out(`resolved: ${r.resolvedAt} by ${r.resolvedBy}`);
          if (r.context) out(`header: ${r.context}`);
          out("payload:");
          out(r.format === "hl7" ? r.payload.replaceAll("\r", "\n") : r.payload);
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const rejectsReplay: Command = {
  name: "rejects replay",
  summary: "Replay rejects after a fix (a code mapping, a missing record loaded, a corrected row).",
  usage: "oneplace rejects replay <reject-id>... | --all [--source NAME] [--json]",
  allowPositionals: true,
  options: {
    all: { type: "boolean", description: "Replay every open reject (of --source, if given)" },
    source: { type: "string", valueName: "name", description: "With --all: only this source system" },
    json,
  },
  async run({ values, positionals }) {
    if (!values.all && positionals.length === 0) {
      throw new CliError("Give reject ids, or --all.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("rejects replay"),
      });
    }
    const by = cliOperator().name;
    return withDb(
      async (db) => {
        const ids = values.all
          ? (
              await listRejects(db, {
                status: "open",
                sourceSystem: typeof values.source === "string" ? values.source : undefined,
                limit: 1_000_000,
              })
            )
              .reverse()
              .map((r) => r.rejectId)
          : positionals;
        const results = [];
        for (const id of ids) results.push(await replayReject(db, id, by));
        const accepted = results.filter((r) => r.accepted).length;
        if (values.json) outJson(results);
        else {
          for (const r of results)
            out(`${r.rejectId}: ${r.accepted ? "accepted" : `still rejected: ${r.reason}`}`);
          out(`${accepted} of ${results.length} accepted.`);
        }
        return accepted === results.length ? 0 : 1;
      },
      { migrate: true },
    );
  },
};

export const rejectsDismiss: Command = {
  name: "rejects dismiss",
  summary: "Mark rejects as dealt with outside OnePlace (kept, no longer open).",
  usage: "oneplace rejects dismiss <reject-id>...",
  allowPositionals: true,
  options: {},
  async run({ positionals }) {
    if (positionals.length === 0)
      throw new CliError("Give reject ids.", { exitCode: EXIT_USAGE, hint: usageHint("rejects dismiss") });
    const by = cliOperator().name;
    return withDb(
      async (db) => {
        let n = 0;
        for (const id of positionals) if (await dismissReject(db, id, by)) n++;
        out(`${n} of ${positionals.length} dismissed.`);
        return n === positionals.length ? 0 : 1;
      },
      { migrate: true },
    );
  },
};

export const REJECTS_COMMANDS: readonly Command[] = [rejectsList, rejectsShow, rejectsReplay, rejectsDismiss];
