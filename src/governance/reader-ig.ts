// The information governance group of reader methods: the IG officer's break-glass reviews and audit
// searches (roles with may_read_audit only; asking is itself audited, naming the people shown), and a
// person's sharing choices: objections to sharing and the national data opt-out, seen and changed by the
// direct-care roles that may change the person's record, through the same decision as every other access.
import { randomUUID } from "node:crypto";
import { conflict, invalid, notFound } from "../core/errors.ts";
import { normaliseNhsNumber } from "../core/nhs-number.ts";
import { peopleMergedInto } from "../mpi/index.ts";
import { AccessDenied, auditBase, decideAccess, denied } from "./access.ts";
import { type AuditRecord, appendAuditEvent } from "./audit-log.ts";
import { recordObjection, recordOptOut } from "./consent.ts";
import {
  type AuditLine,
  accessesUnderBreakGlass,
  auditPageForPeople,
  auditPageForUser,
  type BreakGlassEntry,
  breakGlassById,
  breakGlassPage,
  type ObjectionRow,
  type OptOutRow,
  organisationName,
  type Page,
  peopleByNhsNumber,
  REVIEW_OUTCOMES,
  type ReviewOutcome,
  recordBreakGlassReview,
  sharingRecords,
  userExists,
  withdrawHeldObjection,
  withdrawOneOptOut,
} from "./ig.ts";
import {
  type PersonDemographics,
  type PersonSummary,
  readDemographics,
  readSummaries,
} from "./person-reads.ts";
import type { ReaderBase } from "./reader-base.ts";
import { checkSharingChange, type SharingChange, type SharingChangeInput } from "./sharing-change.ts";
import type { Relationship } from "./types.ts";

/** How many rows an IG page shows at a time. */
export const IG_PAGE_SIZE = 25;
export const REVIEW_NOTE_MAX = 2_000;
/** Where a change made on the sharing page says it came from. */
export const SHARING_SOURCE_SYSTEM = "oneplace-web";

export interface PageRequest {
  /** 1-based. */
  page: number;
}

export interface BreakGlassReviews {
  awaiting: Page<BreakGlassEntry>;
  reviewed: Page<BreakGlassEntry>;
  page: number;
  pageSize: number;
}

export interface PersonAudit {
  /** The people the NHS Number or id names (more than one only while the MPI has not merged them). */
  people: PersonSummary[];
  events: Page<AuditLine>;
  page: number;
  pageSize: number;
}

export interface UserAudit {
  username: string;
  events: Page<AuditLine>;
  /** The people named by rows about one person, to show their NHS Number. */
  people: PersonSummary[];
  page: number;
  pageSize: number;
}

export interface SharingView {
  person: PersonDemographics;
  relationship: Relationship | null;
  objections: ObjectionRow[];
  optOuts: OptOutRow[];
  /** The organisation this user's team belongs to: it holds an objection they record. */
  organisation: { code: string; name: string | null } | null;
  /** Why this user may not record or withdraw here; null when they may. */
  changeRefusal: string | null;
}

export interface SharingChangeResult {
  kind: SharingChange["kind"];
  recordId: string;
}

export interface IgReads {
  /** Whether this identity may read the audit trail at all: an audited refusal (AccessDenied) if not. */
  checkAuditAccess(what: string): Promise<void>;
  /** The oldest break-glass accesses awaiting review (a page of them) and those reviewed (a page, newest first). */
  breakGlassReviews(request: PageRequest): Promise<BreakGlassReviews>;
  /** One break-glass access and what was read under it. */
  breakGlassForReview(breakGlassId: string): Promise<{ entry: BreakGlassEntry; accesses: AuditRecord[] }>;
  /** Records the IG officer's outcome and note, once. */
  reviewBreakGlass(breakGlassId: string, outcome: ReviewOutcome, note: string): Promise<BreakGlassEntry>;
  /** Who looked at this person: audit rows naming them, newest first, a page at a time. */
  auditForPerson(ref: { nhsNumber?: string; personId?: string }, request: PageRequest): Promise<PersonAudit>;
  /** What this user did: their audit rows, newest first, a page at a time. */
  auditForUser(username: string, request: PageRequest): Promise<UserAudit>;
  /** A person's objections and opt-outs ("view", the identifiable record). */
  sharing(personId: string): Promise<SharingView>;
  /** Records or withdraws an objection or opt-out ("change"; never under break-glass). */
  changeSharing(personId: string, input: SharingChangeInput): Promise<SharingChangeResult>;
}

/** Why this identity may not change a person's sharing choices, before any decision; null if it may. */
function changeRefusal(identity: ReaderBase["identity"]): string | null {
  const { role, team } = identity.roleAssignment;
  if (role.accessBasis !== "relationship" || !role.purposes.includes("direct-care"))
    return `the ${role.name} role does not record sharing choices: those caring for the person do`;
  if (!role.actions.includes("change")) return `the ${role.name} role may not change a person's record`;
  if (!team.orgCode) return "your team belongs to no organisation that could hold the objection";
  return null;
}

const today = (at: Date) => at.toISOString().slice(0, 10);

function auditTrailReads(base: ReaderBase): Omit<IgReads, "sharing" | "changeSharing"> {
  const { db, identity, ctx } = base;
  const now = () => (ctx.now ? ctx.now() : new Date());

  /** The IG gate: roles that may read the audit trail; anyone else is refused, and that is audited. */
  async function auditReader(what: string, detail?: string): Promise<void> {
    if (identity.roleAssignment.role.mayReadAudit) return;
    const reason = `the ${identity.roleAssignment.role.name} role may not read the audit trail (${what})`;
    await appendAuditEvent(db, {
      ...auditBase(ctx, "audit-query"),
      ...(detail ? { detail } : {}),
      personCount: 0,
      allowed: false,
      reason,
    });
    throw new AccessDenied(denied(reason));
  }

  /** Asking is itself in the trail, naming the people the answer shows. */
  function auditAsked(reason: string, personIds: readonly string[], action = "audit-query") {
    return appendAuditEvent(db, {
      ...auditBase(ctx, action),
      personIds: [...new Set(personIds)],
      personCount: 0,
      allowed: true,
      reason,
    });
  }

  const pageOf = (request: PageRequest) => Math.max(1, Math.floor(request.page) || 1);

  return {
    checkAuditAccess: (what) => auditReader(what),
    async breakGlassReviews(request) {
      await auditReader("break-glass reviews");
      const page = pageOf(request);
      const awaiting = await breakGlassPage(db, { reviewed: false, limit: IG_PAGE_SIZE, offset: 0 });
      const reviewed = await breakGlassPage(db, {
        reviewed: true,
        limit: IG_PAGE_SIZE,
        offset: (page - 1) * IG_PAGE_SIZE,
      });
      // The people named are written before the page is sent (the rows were read to know who they are).
      await auditAsked("break-glass accesses for review", [
        ...awaiting.rows.map((e) => e.personId),
        ...reviewed.rows.map((e) => e.personId),
      ]);
      return { awaiting, reviewed, page, pageSize: IG_PAGE_SIZE };
    },

    async breakGlassForReview(breakGlassId) {
      await auditReader("break-glass review");
      const entry = await breakGlassById(db, breakGlassId.toLowerCase());
      if (!entry)
        throw notFound("governance.no-such-break-glass", "There is no such break-glass access.", {
          hint: "Go back to the list of break-glass accesses and choose one from it.",
        });
      await auditAsked("break-glass access for review", [
        entry.personId,
        ...(entry.mergedInto ? [entry.mergedInto] : []),
      ]);
      return { entry, accesses: await accessesUnderBreakGlass(db, entry) };
    },

    async reviewBreakGlass(breakGlassId, outcome, note) {
      await auditReader("break-glass review");
      const text = note.trim();
      if (!REVIEW_OUTCOMES.includes(outcome))
        throw invalid("governance.review-outcome", "Choose the outcome of the review.");
      if (!text || text.length > REVIEW_NOTE_MAX)
        throw invalid(
          "governance.review-note",
          `A review needs a note of 1 to ${REVIEW_NOTE_MAX} characters.`,
        );
      const entry = await breakGlassById(db, breakGlassId.toLowerCase());
      if (!entry) throw notFound("governance.no-such-break-glass", "There is no such break-glass access.");
      if (entry.username === identity.user.username)
        return base.refuse("change", "nobody reviews their own break-glass access");
      await auditAsked(`break-glass review: ${outcome}`, [entry.personId], "break-glass-review");
      const done = await recordBreakGlassReview(db, {
        breakGlassId: entry.breakGlassId,
        reviewer: identity.user.username,
        outcome,
        note: text,
        at: now(),
      });
      if (!done)
        throw conflict(
          "governance.break-glass-reviewed",
          "This break-glass access has already been reviewed.",
          {
            hint: "Its review is shown on the page; nothing was changed.",
          },
        );
      return (await breakGlassById(db, entry.breakGlassId)) as BreakGlassEntry;
    },

    async auditForPerson(ref, request) {
      await auditReader("who looked at a person");
      const page = pageOf(request);
      let personIds: string[];
      if (ref.personId) personIds = [ref.personId.toLowerCase()];
      else {
        const nhs = normaliseNhsNumber(ref.nhsNumber ?? "");
        if (!nhs)
          throw invalid("governance.nhs-number", "Enter a valid NHS Number.", {
            hint: "An NHS Number is 10 digits, like 943 476 5919.",
          });
        personIds = await peopleByNhsNumber(db, nhs);
      }
      await auditAsked(
        personIds.length > 0
          ? "who accessed this person"
          : "who accessed this person: nobody has that NHS Number",
        personIds,
      );
      const people = await readSummaries(db, personIds);
      if (people.length === 0)
        return { people, events: { total: 0, rows: [] }, page, pageSize: IG_PAGE_SIZE };
      // The people merged into them: what the audit recorded under those ids (a break-glass access among it) is
      // this person's history too.
      const merged = await peopleMergedInto(db, personIds);
      const events = await auditPageForPeople(db, [...personIds, ...merged], {
        limit: IG_PAGE_SIZE,
        offset: (page - 1) * IG_PAGE_SIZE,
      });
      return { people, events, page, pageSize: IG_PAGE_SIZE };
    },

    async auditForUser(username, request) {
      await auditReader("what a user looked at");
      const page = pageOf(request);
      const name = username.trim();
      if (!(await userExists(db, name))) {
        await appendAuditEvent(db, {
          ...auditBase(ctx, "audit-query"),
          personCount: 0,
          allowed: true,
          reason: "what this user accessed: no such user",
        });
        throw notFound("governance.no-user", "There is no user with that username.", {
          hint: "Check the spelling: usernames are like jane.smith.",
        });
      }
      const events = await auditPageForUser(db, name, {
        limit: IG_PAGE_SIZE,
        offset: (page - 1) * IG_PAGE_SIZE,
      });
      const single = events.rows.filter((e) => e.personIds.length === 1).map((e) => e.personIds[0]);
      await auditAsked(`what this user accessed: ${name}`, single);
      return {
        username: name,
        events,
        people: await readSummaries(db, [...new Set(single)]),
        page,
        pageSize: IG_PAGE_SIZE,
      };
    },
  };
}

function sharingReads(base: ReaderBase): Pick<IgReads, "sharing" | "changeSharing"> {
  const { db, identity, ctx } = base;
  const now = () => (ctx.now ? ctx.now() : new Date());
  return {
    async sharing(personId) {
      const decision = await base.allowed(personId, "identifiable");
      const id = personId.toLowerCase();
      const person = await readDemographics(db, id);
      if (!person) throw notFound("governance.no-such-person", "There is no such person.");
      const { objections, optOuts } = await sharingRecords(db, id);
      const code = identity.roleAssignment.team.orgCode;
      return {
        person,
        relationship: decision.relationship,
        objections,
        optOuts,
        organisation: code ? { code, name: await organisationName(db, code) } : null,
        changeRefusal:
          changeRefusal(identity) ??
          (decision.relationship === "break-glass"
            ? "break-glass lets you read the record in an emergency, not change the person's sharing choices"
            : null),
      };
    },

    async changeSharing(personId, input) {
      const refusal = changeRefusal(identity);
      if (refusal) return base.refuse("change", refusal);
      const at = now();
      const { change, errors } = checkSharingChange(input, today(at));
      if (!change)
        throw invalid("governance.sharing-change", Object.values(errors).join("; "), {
          hint: "Correct the form and send it again.",
        });
      const decision = await decideAccess({
        ...ctx,
        origin: { ...ctx.origin, detail: `${ctx.origin.detail ?? "sharing"} (${change.kind})` },
        person: personId,
        action: "change",
        requires: "identifiable",
      });
      if (!decision.allow) throw new AccessDenied(decision);
      if (decision.relationship === "break-glass")
        return base.refuse(
          "change",
          "break-glass lets you read the record in an emergency, not change the person's sharing choices",
        );
      const id = personId.toLowerCase();
      const org = identity.roleAssignment.team.orgCode as string;
      const existing = await sharingRecords(db, id);
      return applySharingChange(base, id, org, change, existing);
    },
  };
}

/** Records or withdraws, once the decision allowed it. */
async function applySharingChange(
  base: ReaderBase,
  id: string,
  org: string,
  change: SharingChange,
  existing: Awaited<ReturnType<typeof sharingRecords>>,
): Promise<SharingChangeResult> {
  const { db } = base;
  const sourceRecordId = randomUUID();
  switch (change.kind) {
    case "record-objection": {
      if (existing.objections.some((o) => o.withdrawnOn === null && o.holdingOrgCode === org))
        throw conflict(
          "governance.objection-exists",
          "This person already has an objection held by your organisation.",
          {
            hint: "Withdraw it first if the person has changed their mind.",
          },
        );
      const recordId = await recordObjection(db, {
        personId: id,
        holdingOrgCode: org,
        recordedOn: change.on,
        source: change.source as string,
        sourceSystem: SHARING_SOURCE_SYSTEM,
        sourceRecordId,
      });
      return { kind: change.kind, recordId };
    }
    case "record-opt-out": {
      if (existing.optOuts.some((o) => o.withdrawnOn === null))
        throw conflict(
          "governance.opt-out-exists",
          "This person already has a national data opt-out recorded.",
          {
            hint: "Withdraw it first if the person has changed their mind.",
          },
        );
      const recordId = await recordOptOut(db, {
        personId: id,
        recordedOn: change.on,
        source: change.source as string,
        sourceSystem: SHARING_SOURCE_SYSTEM,
        sourceRecordId,
      });
      return { kind: change.kind, recordId };
    }
    case "withdraw-objection": {
      const objection = existing.objections.find((o) => o.objectionId === change.recordId);
      if (!objection || objection.withdrawnOn !== null)
        throw notFound(
          "governance.no-such-objection",
          "There is no current objection of this person's with that id.",
        );
      if (objection.holdingOrgCode !== org)
        return base.refuse("change", "only the organisation holding an objection may record its withdrawal");
      if (change.on < objection.recordedOn)
        throw invalid(
          "governance.withdrawn-before-recorded",
          "The withdrawal date is before the objection was made.",
        );
      await withdrawHeldObjection(db, id, objection.objectionId, org, change.on);
      return { kind: change.kind, recordId: objection.objectionId };
    }
    case "withdraw-opt-out": {
      const optOut = existing.optOuts.find((o) => o.optOutId === change.recordId);
      if (!optOut || optOut.withdrawnOn !== null)
        throw notFound(
          "governance.no-such-opt-out",
          "There is no current opt-out of this person's with that id.",
        );
      if (change.on < optOut.recordedOn)
        throw invalid(
          "governance.withdrawn-before-recorded",
          "The withdrawal date is before the opt-out was made.",
        );
      await withdrawOneOptOut(db, id, optOut.optOutId, change.on);
      return { kind: change.kind, recordId: optOut.optOutId };
    }
  }
}

export function igReads(base: ReaderBase): IgReads {
  return { ...auditTrailReads(base), ...sharingReads(base) };
}
