import { appendAuditEvent } from "../../governance/audit-log.ts";
import { evaluateMatching } from "../../mpi/evaluate.ts";
import { MpiError, mergePersons, unmerge } from "../../mpi/merge.ts";
import { decideReview, listReview, type ReviewItem } from "../../mpi/review.ts";
import type { Queryable } from "../../store/db.ts";
import { type Command, intOption, usageHint } from "../command.ts";
import { out, outJson, withDb } from "../context.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { cliOperator } from "./users.ts";

// `oneplace mpi review|link|separate|merge|unmerge|history|evaluate`: the master person index's review queue
// and decisions at the command line. Every decision is recorded with the operator's name; showing the
// demographics behind a review item is itself audited.

const json = { type: "boolean", description: "Print the result as JSON" } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidArg(value: string | undefined, what: string, command: string): string {
  if (!value || !UUID.test(value))
    throw new CliError(`Give the ${what} (a UUID).`, { exitCode: EXIT_USAGE, hint: usageHint(command) });
  return value.toLowerCase();
}

async function mpiGuard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof MpiError) throw new CliError(error.message);
    throw error;
  }
}

async function audit(q: Queryable, action: string, personIds: string[], reason: string): Promise<void> {
  const op = cliOperator();
  await appendAuditEvent(q, {
    actorUserId: op.userId,
    actor: op.name,
    roleCode: null,
    teamCode: null,
    purpose: "administration",
    action,
    personIds,
    allowed: true,
    reason,
    channel: "cli",
    detail: "master person index",
  });
}

function fieldSummary(item: ReviewItem): string {
  return item.comparison.fields
    .map((f) => `${f.field} ${f.outcome} (${f.weight >= 0 ? "+" : ""}${f.weight})`)
    .join(", ");
}

export const mpiReview: Command = {
  name: "mpi review",
  summary: "The identity review queue: records whose best match scored between the thresholds.",
  usage: "oneplace mpi review [--limit N] [--show-demographics] [--json]",
  options: {
    limit: { type: "string", valueName: "N", description: "At most N items (default 50)" },
    "show-demographics": {
      type: "boolean",
      description: "Show both sides' names, dates of birth and postcodes (audited)",
    },
    json,
  },
  async run({ values }) {
    const limit = intOption(values.limit, "limit", 1, 10_000) ?? 50;
    return withDb(
      async (db) => {
        const items = await listReview(db, limit);
        let demographics = new Map<string, Record<string, unknown>[]>();
        if (values["show-demographics"] && items.length > 0) {
          const people = [
            ...new Set(items.flatMap((i) => [i.personId, i.candidatePersonId]).filter((p) => p)),
          ];
          await audit(db, "view", people, "identity review: demographics shown at the command line");
          const rows = await db.query<Record<string, unknown>>(
            `SELECT person_id::text AS person_id, source_system, source_record_id, nhs_number, family_name, given_name,
                    birth_date, sex, postcode FROM person_record WHERE person_id = ANY($1::uuid[]) ORDER BY source_system`,
            [people],
          );
          demographics = new Map();
          for (const r of rows) {
            const list = demographics.get(String(r.person_id)) ?? [];
            list.push(r);
            demographics.set(String(r.person_id), list);
          }
        }
        if (values.json) {
          outJson(
            items.map((i) => ({
              ...i,
              ...(demographics.size
                ? {
                    records: demographics.get(i.personId),
                    candidateRecords: demographics.get(i.candidatePersonId),
                  }
                : {}),
            })),
          );
          return 0;
        }
        out(`${items.length} open review item(s)`);
        for (const i of items) {
          out(`${i.reviewId}  score ${i.score.toFixed(1)}  ${i.sourceSystem} record ${i.recordId}`);
          out(`    now person ${i.personId}; candidate ${i.candidatePersonId}`);
          out(`    ${fieldSummary(i)}`);
          for (const [label, pid] of [
            ["record", i.personId],
            ["candidate", i.candidatePersonId],
          ] as const) {
            for (const r of demographics.get(pid) ?? []) {
              out(
                `    ${label}: ${r.source_system}/${r.source_record_id} ${r.family_name}, ${r.given_name} ${r.birth_date} ${r.sex} ${r.postcode ?? ""} ${r.nhs_number ?? ""}`,
              );
            }
          }
        }
        if (items.length > 0)
          out("Decide with 'oneplace mpi link <id>' (same person) or 'oneplace mpi separate <id>'.");
        return 0;
      },
      { migrate: true },
    );
  },
};

function reviewDecision(verdict: "link" | "separate"): Command {
  return {
    name: `mpi ${verdict}`,
    summary:
      verdict === "link"
        ? "Decide a review item: the record is the candidate person (links it; the decision is recorded)."
        : "Decide a review item: the record is not the candidate person (keeps it apart; recorded).",
    usage: `oneplace mpi ${verdict} <review-id>`,
    allowPositionals: true,
    options: {},
    async run({ positionals }) {
      const id = uuidArg(positionals[0], "review item id", `mpi ${verdict}`);
      const by = cliOperator().name;
      return withDb(
        (db) =>
          mpiGuard(async () => {
            const r = await db.transaction(async (tx) => {
              const result = await decideReview(tx, id, verdict, by);
              await audit(
                tx,
                "change",
                result.personId ? [result.personId] : [],
                `identity review decided: ${verdict}`,
              );
              return result;
            });
            out(`Recorded: ${verdict === "link" ? "linked to" : "kept as"} person ${r.personId}.`);
            return 0;
          }),
        { migrate: true },
      );
    },
  };
}

export const mpiLink = reviewDecision("link");
export const mpiSeparate = reviewDecision("separate");

export const mpiMerge: Command = {
  name: "mpi merge",
  summary:
    "Merge two people found to be one: the second's records and rows move to the first (undo with 'mpi unmerge').",
  usage: "oneplace mpi merge <surviving-person-id> <retired-person-id> --reason TEXT",
  allowPositionals: true,
  options: { reason: { type: "string", valueName: "text", description: "Why (recorded with the decision)" } },
  async run({ values, positionals }) {
    const survivor = uuidArg(positionals[0], "surviving person id", "mpi merge");
    const retired = uuidArg(positionals[1], "retired person id", "mpi merge");
    const reason = typeof values.reason === "string" ? values.reason.trim() : "";
    if (reason.length < 5)
      throw new CliError("--reason is required (at least 5 characters).", { exitCode: EXIT_USAGE });
    const by = cliOperator().name;
    return withDb(
      (db) =>
        mpiGuard(async () => {
          const r = await db.transaction(async (tx) => {
            const m = await mergePersons(tx, survivor, retired, by, reason);
            await audit(tx, "change", [survivor, retired], "people merged");
            return m;
          });
          out(`Merged ${retired} into ${survivor} (merge ${r.mergeId}).`);
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const mpiUnmerge: Command = {
  name: "mpi unmerge",
  summary: "Undo a merge: the retired person returns with the records (and rows) that were theirs.",
  usage: "oneplace mpi unmerge <merge-id> --reason TEXT",
  allowPositionals: true,
  options: { reason: { type: "string", valueName: "text", description: "Why (recorded with the decision)" } },
  async run({ values, positionals }) {
    const id = uuidArg(positionals[0], "merge id", "mpi unmerge");
    const reason = typeof values.reason === "string" ? values.reason.trim() : "";
    if (reason.length < 5)
      throw new CliError("--reason is required (at least 5 characters).", { exitCode: EXIT_USAGE });
    const by = cliOperator().name;
    return withDb(
      (db) =>
        mpiGuard(async () => {
          const r = await db.transaction(async (tx) => {
            const m = await unmerge(tx, id, by, reason);
            await audit(tx, "change", [m.survivor, m.retired as string], "merge undone");
            return m;
          });
          out(`Unmerged: ${r.retired} is separate from ${r.survivor} again.`);
          return 0;
        }),
      { migrate: true },
    );
  },
};

export const mpiHistory: Command = {
  name: "mpi history",
  summary: "Every MPI decision about a person or a source record: what, when, by whom, why.",
  usage: "oneplace mpi history <person-id> | <source-system> <record-id> [--json]",
  allowPositionals: true,
  options: { json },
  async run({ values, positionals }) {
    if (positionals.length < 1 || positionals.length > 2) {
      throw new CliError("Give a person id, or a source system and record id.", {
        exitCode: EXIT_USAGE,
        hint: usageHint("mpi history"),
      });
    }
    return withDb(
      async (db) => {
        const rows =
          positionals.length === 1
            ? await db.query<Record<string, unknown>>(
                `SELECT decided_at, decided_by, kind, source_system, source_record_id, from_person_id::text AS from_person_id,
                        to_person_id::text AS to_person_id, score, reason
                 FROM mpi_decision WHERE to_person_id = $1 OR from_person_id = $1 ORDER BY decided_at, decision_id`,
                [uuidArg(positionals[0], "person id", "mpi history")],
              )
            : await db.query<Record<string, unknown>>(
                `SELECT decided_at, decided_by, kind, source_system, source_record_id, from_person_id::text AS from_person_id,
                        to_person_id::text AS to_person_id, score, reason
                 FROM mpi_decision WHERE source_system = $1 AND source_record_id = $2 ORDER BY decided_at, decision_id`,
                [positionals[0], positionals[1]],
              );
        if (values.json) outJson(rows);
        else {
          out(`${rows.length} decision(s)`);
          for (const r of rows) {
            const score = r.score === null ? "" : ` score ${Number(r.score).toFixed(1)}`;
            const rec = r.source_record_id ? ` ${r.source_system}/${r.source_record_id}` : "";
            out(
              `${(r.decided_at as Date).toISOString()}  ${r.kind}${rec}${score}  ${r.from_person_id ?? "-"} -> ${r.to_person_id ?? "-"}  by ${r.decided_by}: ${r.reason}`,
            );
          }
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const mpiEvaluate: Command = {
  name: "mpi evaluate",
  summary:
    "Matching precision and recall against the synthetic place's truth (synth_truth), and the review queue.",
  usage: "oneplace mpi evaluate [--json]",
  options: { json },
  async run({ values }) {
    return withDb(
      async (db) => {
        const q = await evaluateMatching(db);
        if (values.json) outJson(q);
        else {
          out(`records scored: ${q.records}`);
          out(`precision ${(q.precision * 100).toFixed(3)}%  recall ${(q.recall * 100).toFixed(3)}%`);
          out(
            `pairs: true ${q.truePairs}, linked ${q.linkedPairs}, correct ${q.correctPairs}; records on the wrong person: ${q.wrongRecords}`,
          );
          out(`review queue: ${q.openReviews}`);
        }
        return 0;
      },
      { migrate: true },
    );
  },
};

export const MPI_COMMANDS: readonly Command[] = [
  mpiReview,
  mpiLink,
  mpiSeparate,
  mpiMerge,
  mpiUnmerge,
  mpiHistory,
  mpiEvaluate,
];
