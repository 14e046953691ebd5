// The integration back office through the governed reader: the MPI review queue and its decisions, merges
// and unmerges with their history, rejected messages (with their raw payloads) and feed health. Only a role
// that administers identity (the integration engineer) works here; it sees demographics as each source holds
// them, never the clinical record. Every look at a person's demographics is one access decision per person,
// audited; every raw payload shown and every change made is an audit row written before it happens.
import { conflict, invalid, notFound } from "../core/errors.ts";
import {
  applyReviewedEvent,
  countRejects,
  dismissReject,
  type FeedHealthSnapshot,
  getReject,
  listRejects,
  openRejects,
  type RejectFilter,
  type RejectRow,
  type ReplayResult,
  recentFeedHealth,
  rejectSources,
  replayOpenRejects,
  replayReject,
} from "../ingest/index.ts";
import {
  decideReview,
  decisionHistory,
  getReview,
  listReview,
  type MatchRecord,
  type MergeEntry,
  type MergeResult,
  type MpiDecision,
  mergePersons,
  mergesOf,
  openReviewCount,
  type ReviewDecisionResult,
  type ReviewItem,
  type ReviewItemState,
  type ReviewVerdict,
  type SideBySideField,
  sideBySide,
  unmerge,
} from "../mpi/index.ts";
import { AccessDenied, auditBase } from "./access.ts";
import { appendAuditEvent } from "./audit-log.ts";
import {
  type PersonDemographics,
  type PersonRecord,
  readDemographics,
  readPersonRecords,
} from "./person-reads.ts";
import type { ReaderBase } from "./reader-base.ts";
import type { Action } from "./types.ts";

/** A reject as the list shows it: never its payload (which carries patient data). */
export type RejectSummary = Omit<RejectRow, "payload" | "context">;

/** A replay of every open reject a filter matched: how many it took, and how many were accepted (now closed). */
export interface RejectsReplayed {
  offered: number;
  accepted: number;
}

export interface RejectList {
  rejects: RejectSummary[];
  /** How many match the filter, beyond this page. */
  total: number;
  /** Every source system that has had a reject, for the filter. */
  sources: string[];
}

/** A review item compared side by side: the waiting record, the candidate's best record, field by field. */
export interface ReviewComparison {
  item: ReviewItemState;
  /** The source record waiting for a decision, as its source holds it (null if it has gone). */
  record: PersonRecord | null;
  /** Other records linked with it to the person it waits on. */
  recordPersonRecords: PersonRecord[];
  /** The candidate person's golden record now (null once merged away or removed). */
  candidate: PersonDemographics | null;
  /** Each of the candidate's source records, as those sources hold them. */
  candidateRecords: PersonRecord[];
  /** The candidate record that matches best, and each field's outcome against it today. */
  best: PersonRecord | null;
  total: number | null;
  fields: SideBySideField[];
}

export interface MpiHistory {
  personId: string;
  /** The golden record now; null when the person was merged into another or removed. */
  person: PersonDemographics | null;
  records: PersonRecord[];
  decisions: MpiDecision[];
  merges: MergeEntry[];
}

export interface BackofficeSummary {
  openReviews: number;
  openRejects: number;
  feeds: number;
}

export interface BackofficeReads {
  /** The open identity review items, best score first, with each field's outcome (no demographics). */
  reviewQueue(page?: { limit?: number; offset?: number }): Promise<{ items: ReviewItem[]; total: number }>;
  /** One review item, the two sides' demographics as their sources hold them: each person audited. */
  reviewItem(reviewId: string): Promise<ReviewComparison>;
  /**
   * Decide a review item with a reason: link the record to the candidate, or keep them separate. `candidate`
   * is the candidate the reviewer compared: when the item names another person now, nothing is decided.
   */
  decideReview(
    reviewId: string,
    verdict: ReviewVerdict,
    reason: string,
    candidate?: string,
  ): Promise<ReviewDecisionResult>;
  /** Every MPI decision and merge about a person, with their records now. */
  mpiHistory(personId: string): Promise<MpiHistory>;
  /** Merge `retired` into `survivor` (records and rows move; undone by unmergePeople). */
  mergePeople(survivor: string, retired: string, reason: string): Promise<MergeResult>;
  /** Undo one of the person's merges: the retired person comes back with what was theirs. */
  unmergePeople(personId: string, mergeId: string, reason: string): Promise<MergeResult>;
  /** Rejected messages and rows, filtered and paged, without their payloads. */
  rejects(filter: RejectFilter): Promise<RejectList>;
  /** One reject with its raw payload: the showing is audited first. */
  reject(rejectId: string): Promise<RejectRow>;
  /** Send a reject through its ingest path again after a fix. */
  replayReject(rejectId: string): Promise<ReplayResult>;
  /** Send every open reject the list's filters match (not only a page) through its ingest path again. */
  replayOpenRejects(filter: { sourceSystem?: string; reason?: string }): Promise<RejectsReplayed>;
  /** Close a reject as dealt with outside OnePlace, with why. */
  dismissReject(rejectId: string, reason: string): Promise<void>;
  /** Per source: last message, counts, rejects, what is waiting; counted at most 30 seconds ago. */
  feedHealth(): Promise<FeedHealthSnapshot>;
  /** The counts a home page shows an integration engineer. */
  backofficeSummary(): Promise<BackofficeSummary>;
}

/** A source record as the matcher compares it. */
function asMatch(r: PersonRecord): MatchRecord {
  return {
    nhsNumber: r.nhsNumber,
    family: r.familyName,
    given: r.givenName,
    birthDate: r.birthDate,
    sex: r.sex,
    postcode: r.postcode,
  };
}

/** A decision's reason as a person typed it: at least five characters, at most a thousand. */
export function decisionReason(reason: string, code: string): string {
  const trimmed = reason.trim();
  if (trimmed.length < 5 || trimmed.length > 1_000) {
    throw invalid(code, "Enter the reason for the decision (at least 5 characters).", {
      hint: "Say what you compared and why, e.g. 'same person: date of birth keyed day-first'.",
    });
  }
  return trimmed;
}

/**
 * Refuses a decision on an item decided or closed since (saying why it closed), or whose candidate is no
 * longer the person the reviewer compared (`candidate`, from their page).
 */
function stillDecidable(item: ReviewItemState, candidate: string | undefined): void {
  if (item.status !== "open") {
    const closed = (item.detail as { closed?: string }).closed;
    throw conflict(
      "mpi.already-decided",
      closed
        ? `This review item was closed without a decision: ${closed}.`
        : `This review item was already decided (${item.status}).`,
      { hint: "Go back to the review queue for the next one." },
    );
  }
  if (candidate && candidate.toLowerCase() !== item.candidatePersonId) {
    throw conflict(
      "mpi.candidate-changed",
      "The candidate changed since you opened this item (their records were merged or linked elsewhere): nothing was decided. Compare the record with the candidate shown now.",
      { hint: "Look at the comparison again before deciding." },
    );
  }
}

export function backofficeReads(base: ReaderBase): BackofficeReads {
  const { db, identity, ctx, allowed, refuse } = base;
  const { role } = identity.roleAssignment;
  const by = identity.user.username;

  /** Only a role that administers identity works the back office; anyone else is refused, audited. */
  async function gate(action: Action): Promise<void> {
    if (role.accessBasis !== "identity-admin") {
      await refuse(action, `the ${role.name} role does not work the integration back office`);
    }
  }

  /** An allowed back-office event that is not one person's decision: a payload shown, a reject replayed. */
  async function audit(action: Action, reason: string, personIds: string[] = []): Promise<void> {
    await appendAuditEvent(db, { ...auditBase(ctx, action), personIds, allowed: true, reason });
  }

  /** One decision per person who still exists; people merged away or removed come back as false. */
  async function decideEach(personIds: string[], action: Action): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    for (const id of new Set(personIds.filter((p) => p))) {
      try {
        await allowed(id, undefined, action);
        out.set(id, true);
      } catch (error) {
        if (error instanceof AccessDenied && error.decision.refusal === "no-such-person") out.set(id, false);
        else throw error;
      }
    }
    return out;
  }

  async function openItem(reviewId: string): Promise<ReviewItemState> {
    const item = await getReview(db, reviewId);
    if (!item) {
      throw notFound("mpi.no-review-item", "There is no such review item.", {
        hint: "It may have been superseded by a merge: go back to the review queue.",
      });
    }
    return item;
  }

  return {
    async reviewQueue(page = {}) {
      await gate("search");
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
      const [items, total] = await Promise.all([
        listReview(db, limit, Math.max(page.offset ?? 0, 0)),
        openReviewCount(db),
      ]);
      return { items, total };
    },

    async reviewItem(reviewId) {
      await gate("view");
      const item = await openItem(reviewId);
      const seen = await decideEach([item.personId, item.candidatePersonId], "view");
      const visible = [...seen].filter(([, known]) => known).map(([id]) => id);
      const records = await readPersonRecords(db, visible);
      const record =
        records.find((r) => r.sourceSystem === item.sourceSystem && r.sourceRecordId === item.recordId) ??
        null;
      const candidateRecords = records.filter((r) => r.personId === item.candidatePersonId);
      const compared = record
        ? sideBySide(asMatch(record), candidateRecords, (r) => asMatch(r))
        : { best: null, total: null, fields: [] };
      return {
        item,
        record,
        recordPersonRecords: records.filter((r) => r.personId === item.personId && r !== record),
        candidate: seen.get(item.candidatePersonId)
          ? await readDemographics(db, item.candidatePersonId)
          : null,
        candidateRecords,
        ...compared,
      };
    },

    async decideReview(reviewId, verdict, reason, candidate) {
      await gate("change");
      const why = decisionReason(reason, "mpi.review-reason");
      const item = await openItem(reviewId);
      stillDecidable(item, candidate);
      await decideEach([item.personId, item.candidatePersonId], "change");
      return db.transaction((tx) => decideReview(tx, reviewId, verdict, by, why, applyReviewedEvent));
    },

    async mpiHistory(personId) {
      await gate("view");
      const id = personId.toLowerCase();
      const known = (await decideEach([id], "view")).get(id);
      const merges = await mergesOf(db, id);
      if (!known && merges.length === 0) {
        throw notFound("mpi.no-person", "There is no such person in the master person index.", {
          hint: "Check the person id; a person merged into another keeps their history under the survivor.",
        });
      }
      if (!known) await audit("view", "MPI history of a person merged away: decisions only", [id]);
      return {
        personId: id,
        person: known ? await readDemographics(db, id) : null,
        records: known ? await readPersonRecords(db, [id]) : [],
        decisions: await decisionHistory(db, { personId: id }),
        merges,
      };
    },

    async mergePeople(survivor, retired, reason) {
      await gate("change");
      const why = decisionReason(reason, "mpi.merge-reason");
      const [s, r] = [survivor.toLowerCase(), retired.toLowerCase()];
      if (s === r) {
        throw invalid("mpi.merge-self", "A person cannot be merged into themselves.", {
          hint: "Enter the id of the other person, the one whose records move to this person.",
        });
      }
      const seen = await decideEach([s, r], "change");
      if (!seen.get(s) || !seen.get(r)) {
        throw notFound("mpi.no-person", "There is no such person to merge.", {
          hint: "Check the person id: a person already merged away cannot be merged again.",
        });
      }
      return db.transaction((tx) => mergePersons(tx, s, r, by, why));
    },

    async unmergePeople(personId, mergeId, reason) {
      await gate("change");
      const why = decisionReason(reason, "mpi.unmerge-reason");
      const id = personId.toLowerCase();
      const merge = (await mergesOf(db, id)).find((m) => m.mergeId === mergeId.toLowerCase());
      if (!merge) throw notFound("mpi.no-merge", "This person has no such merge.");
      if (merge.unmergedAt) {
        throw conflict("mpi.already-unmerged", "This merge was already undone.", {
          hint: "The history below shows when and by whom.",
        });
      }
      await decideEach([merge.survivorPersonId], "change");
      await audit("change", "merge undone: the retired person returns", [merge.retiredPersonId]);
      return db.transaction((tx) => unmerge(tx, merge.mergeId, by, why));
    },

    ...rejectReads(db, gate, audit, by),

    async feedHealth() {
      await gate("search");
      return recentFeedHealth(db);
    },

    async backofficeSummary() {
      await gate("search");
      const [openReviews, openRejects, feeds] = await Promise.all([
        openReviewCount(db),
        countRejects(db, { status: "open" }),
        recentFeedHealth(db).then((f) => f.feeds.length),
      ]);
      return { openReviews, openRejects, feeds };
    },
  };
}

/** The rejects' part of the back office: listed without payloads, one shown (audited), replayed or dismissed. */
function rejectReads(
  db: ReaderBase["db"],
  gate: (action: Action) => Promise<void>,
  audit: (action: Action, reason: string) => Promise<void>,
  by: string,
): Pick<BackofficeReads, "rejects" | "reject" | "replayReject" | "replayOpenRejects" | "dismissReject"> {
  return {
    async rejects(filter) {
      await gate("search");
      const [rows, total, sources] = await Promise.all([
        listRejects(db, filter),
        countRejects(db, filter),
        rejectSources(db),
      ]);
      return { rejects: rows.map(({ payload: _p, context: _c, ...r }) => r), total, sources };
    },

    async reject(rejectId) {
      await gate("view");
      await audit("view", `raw payload of reject ${rejectId} shown`);
      const r = await getReject(db, rejectId);
      if (!r)
        throw notFound("ingest.no-reject", "There is no such reject.", {
          hint: "Go back to the rejects list.",
        });
      return r;
    },

    async replayReject(rejectId) {
      await gate("change");
      await audit("change", `reject ${rejectId} replayed`);
      return replayReject(db, rejectId, by);
    },

    async replayOpenRejects(filter) {
      await gate("change");
      const open = await openRejects(db, filter.sourceSystem, filter.reason);
      // The source names a feed, never a person; the reason typed to filter by is left out (free text).
      const of = filter.sourceSystem ? ` of ${filter.sourceSystem}` : "";
      await audit(
        "change",
        `${open.count} open rejects${of}${filter.reason ? " (filtered by reason)" : ""} replayed`,
      );
      const done = await replayOpenRejects(db, open, by);
      return { offered: done.offered, accepted: done.accepted };
    },

    async dismissReject(rejectId, reason) {
      await gate("change");
      const why = decisionReason(reason, "ingest.dismiss-reason");
      const r = await getReject(db, rejectId);
      if (!r)
        throw notFound("ingest.no-reject", "There is no such reject.", {
          hint: "Go back to the rejects list.",
        });
      await audit("change", `reject ${rejectId} dismissed`);
      if (!(await dismissReject(db, rejectId, by, why))) {
        throw conflict("ingest.reject-not-open", `This reject was already ${r.status}.`, {
          hint: "Only an open reject can be dismissed.",
        });
      }
    },
  };
}
