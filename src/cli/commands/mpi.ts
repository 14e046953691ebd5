import { appendAuditEvent, createOperatorReader, type PersonRecord } from "../../governance/index.ts";
import { applyReviewedEvent } from "../../ingest/index.ts";
import {
  decideReview,
  decisionHistory,
  evaluateMatching,
  listReview,
  mergePersons,
  type ReviewItem,
  unmerge,
} from "../../mpi/index.ts";
import type { Db, Queryable } from "../../platform/index.ts";
import { defineCommand, flag, int, param, text, uuid } from "../command.ts";
import { cliOperator, out, outJson } from "../context.ts";
import { usageError } from "../errors.ts";
import { json } from "../options.ts";
import { defineReport } from "../report.ts";

// `oneplace mpi review|link|separate|merge|unmerge|history|evaluate`: the master person index's review queue
// and decisions at the command line. Every decision is recorded with the operator's name; showing the
// demographics behind a review item is itself audited.

const reason = param(
  "text",
  (value, label) => {
    if (value.trim().length < 5) throw usageError(`${label} is required (at least 5 characters).`);
    return value.trim();
  },
  "Why (recorded with the decision; at least 5 characters)",
  { required: true },
);

/** `mpi history` with one argument: it must be a person id. */
const personIdKind = uuid("A person id");
const personId = (value: string) => personIdKind.parse(value, "<person-id>") as string;

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

export const mpiReview = defineCommand({
  name: "mpi review",
  summary: "The identity review queue: records whose best match scored between the thresholds.",
  options: {
    limit: int("At most N items (default 50)", { min: 1, max: 10_000, default: 50 }),
    "show-demographics": flag("Show both sides' names, dates of birth and postcodes (audited)"),
    json,
  },
  db: "migrated",
  async run({ options, db }) {
    const items = await listReview(db, options.limit);
    let demographics = new Map<string, PersonRecord[]>();
    if (options["show-demographics"] && items.length > 0) {
      const people = [...new Set(items.flatMap((i) => [i.personId, i.candidatePersonId]).filter((p) => p))];
      demographics = await createOperatorReader(db, cliOperator()).personRecords(people);
    }
    if (options.json) {
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
      if (i.kind !== "link") {
        const d = i.detail as { event?: string; visit?: string; toRecordId?: string; why?: string };
        out(
          i.kind === "visit-move"
            ? `    ${d.event ?? "A45"}: move visit ${d.visit} onto record ${d.toRecordId} (the candidate); ${d.why ?? ""}`
            : `    ${d.event ?? "A29"}: delete this record; ${d.why ?? ""}`,
        );
      }
      out(`    now person ${i.personId}; candidate ${i.candidatePersonId}`);
      out(`    ${fieldSummary(i)}`);
      for (const [label, pid] of [
        ["record", i.personId],
        ["candidate", i.candidatePersonId],
      ] as const) {
        for (const r of demographics.get(pid) ?? []) {
          out(
            `    ${label}: ${r.sourceSystem}/${r.sourceRecordId} ${r.familyName}, ${r.givenName} ${r.birthDate} ${r.sex} ${r.postcode ?? ""} ${r.nhsNumber ?? ""}`,
          );
        }
      }
    }
    if (items.length > 0)
      out("Decide with 'oneplace mpi link <id>' (same person) or 'oneplace mpi separate <id>'.");
    return 0;
  },
});

/** Records a decision and its audit event in one transaction, then says what was done. */
async function decided<T>(
  db: Db,
  act: (tx: Queryable) => Promise<T>,
  said: (r: T) => string,
): Promise<number> {
  out(said(await db.transaction(act)));
  return 0;
}

/** `mpi link` and `mpi separate`: one decision on a review item, recorded and audited. */
function reviewDecision(verdict: "link" | "separate", summary: string, said: string) {
  return defineCommand({
    name: `mpi ${verdict}`,
    summary,
    args: { id: uuid("The review item", { valueName: "review-id", required: true }) },
    options: {},
    db: "migrated",
    async run({ args, db }) {
      return decided(
        db,
        (tx) => decideAndAudit(tx, args.id, verdict),
        (r) =>
          r.event?.outcome === "closed"
            ? `Closed without a decision: ${r.event.notice}.`
            : r.event?.outcome === "kept"
              ? `Not decided: ${r.event.notice}.`
              : `Recorded: ${said} person ${r.personId}.${r.event?.notice ? ` Note: ${r.event.notice}.` : ""}`,
      );
    },
  });
}

export const mpiLink = reviewDecision(
  "link",
  "Decide a review item: the record is the candidate person (links it; the decision is recorded).",
  "linked to",
);
export const mpiSeparate = reviewDecision(
  "separate",
  "Decide a review item: the record is not the candidate person (keeps it apart; recorded).",
  "kept as",
);

async function decideAndAudit(tx: Queryable, id: string, verdict: "link" | "separate") {
  const result = await decideReview(tx, id, verdict, cliOperator().name, undefined, applyReviewedEvent);
  await audit(tx, "change", result.personId ? [result.personId] : [], `identity review decided: ${verdict}`);
  return result;
}

export const mpiMerge = defineCommand({
  name: "mpi merge",
  summary:
    "Merge two people found to be one: the second's records and rows move to the first (undo with 'mpi unmerge').",
  args: {
    survivor: uuid("The person who remains", { valueName: "surviving-person-id", required: true }),
    retired: uuid("The person merged into them", { valueName: "retired-person-id", required: true }),
  },
  options: { reason },
  db: "migrated",
  async run({ options, args: { survivor, retired }, db }) {
    return decided(
      db,
      async (tx) => {
        const m = await mergePersons(tx, survivor, retired, cliOperator().name, options.reason);
        await audit(tx, "change", [survivor, retired], "people merged");
        return m;
      },
      (r) => `Merged ${retired} into ${survivor} (merge ${r.mergeId}).`,
    );
  },
});

export const mpiUnmerge = defineCommand({
  name: "mpi unmerge",
  summary: "Undo a merge: the retired person returns with the records (and rows) that were theirs.",
  args: { id: uuid("The merge", { valueName: "merge-id", required: true }) },
  options: { reason },
  db: "migrated",
  async run({ options, args, db }) {
    return decided(
      db,
      async (tx) => {
        const m = await unmerge(tx, args.id, cliOperator().name, options.reason);
        await audit(tx, "change", [m.survivor, m.retired as string], "merge undone");
        return m;
      },
      (r) => `Unmerged: ${r.retired} is separate from ${r.survivor} again.`,
    );
  },
});

export const mpiHistory = defineReport({
  name: "mpi history",
  summary: "Every MPI decision about a person or a source record: what, when, by whom, why.",
  usage: "oneplace mpi history <person-id> | <source-system> <record-id> [--json]",
  args: {
    first: text("A person id, or a source system", {
      valueName: "person-id | source-system",
      required: true,
    }),
    recordId: text("With a source system: the record id", { valueName: "record-id" }),
  },
  options: { json },
  load: ({ args, db }) =>
    decisionHistory(
      db,
      args.recordId === undefined
        ? { personId: personId(args.first) }
        : { sourceSystem: args.first, recordId: args.recordId },
    ),
  show: (rows) => [
    `${rows.length} decision(s)`,
    ...rows.map((r) => {
      const score = r.score === null ? "" : ` score ${Number(r.score).toFixed(1)}`;
      const rec = r.source_record_id ? ` ${r.source_system}/${r.source_record_id}` : "";
      return `${r.decided_at.toISOString()}  ${r.kind}${rec}${score}  ${r.from_person_id ?? "-"} -> ${r.to_person_id ?? "-"}  by ${r.decided_by}: ${r.reason}`;
    }),
  ],
});

export const mpiEvaluate = defineReport({
  name: "mpi evaluate",
  summary:
    "Matching precision and recall against the synthetic place's truth (synth_truth), and the review queue.",
  options: { json },
  load: ({ db }) => evaluateMatching(db),
  show: (q) => [
    `records scored: ${q.records}`,
    `precision ${(q.precision * 100).toFixed(3)}%  recall ${(q.recall * 100).toFixed(3)}%`,
    `pairs: true ${q.truePairs}, linked ${q.linkedPairs}, correct ${q.correctPairs}; records on the wrong person: ${q.wrongRecords}`,
    `review queue: ${q.openReviews}`,
  ],
});
