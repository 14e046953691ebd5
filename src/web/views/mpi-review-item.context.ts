// One review item compared side by side: the waiting record beside the candidate's closest record, field by
// field as the sources hold them, every record of both people, and the decision form.
import type { PersonRecord, ReviewComparison } from "../../governance/index.ts";
import { LOWER_THRESHOLD, UPPER_THRESHOLD } from "../../mpi/index.ts";
import { longdate, num } from "../../platform/index.ts";
import {
  agreementTag,
  dateTime,
  FIELD_LABELS,
  nhsNumberText,
  outcomeWords,
  shortId,
  tagHtml,
  textOr,
} from "./backoffice-format.ts";
import { eventAsked, whyInReview } from "./mpi-review.context.ts";

/** The decision's wording for each kind of item: "link" applies it, "separate" leaves things as they are. */
const DECISION_WORDS = {
  link: {
    question: "Are they the same person?",
    link: "Same person: link this record to the candidate",
    separate: "Not the same person: keep them apart",
    warningHeading: "Linking moves the record and everything it brought",
    warning:
      "Its events join the candidate's record and everyone caring for the candidate will see them. If you are not sure, keep them apart: a later record with an NHS Number can still join them.",
  },
  "visit-move": {
    question: "Does this visit belong to the candidate?",
    link: "Yes: move the visit onto the candidate",
    separate: "No: leave the visit where it is",
    warningHeading: "Moving the visit changes two people's records",
    warning:
      "The admission, its ward stays and discharge leave this record's person and join the candidate's; everyone caring for either sees the change. If you are not sure, leave it and ask the sending hospital.",
  },
  "record-delete": {
    question: "Should the sender's record be deleted?",
    link: "Yes: delete what this source said about the person",
    separate: "No: keep the record",
    warningHeading: "This is the person's last record",
    warning:
      "Deleting it removes the person from OnePlace's index while care plans, referrals or care teams still name them. Keep it unless the sender confirms the person was registered in error.",
  },
} as const;

const FIELD_VALUE: Record<string, (r: PersonRecord) => string> = {
  "nhs-number": (r) => nhsNumberText(r.nhsNumber),
  "family-name": (r) => textOr(r.familyName),
  "given-name": (r) => textOr(r.givenName),
  "birth-date": (r) => (r.birthDate ? longdate(r.birthDate) : "Not recorded"),
  sex: (r) => textOr(r.sex),
  postcode: (r) => textOr(r.postcode),
};

export function recordRows(records: PersonRecord[]) {
  return records.map((r) => [
    { text: `${r.sourceSystem} ${r.sourceRecordId}` },
    { text: nhsNumberText(r.nhsNumber) },
    { text: `${textOr(r.givenName, "")} ${textOr(r.familyName, "")}`.trim() || "Not recorded" },
    { text: r.birthDate ? longdate(r.birthDate) : "Not recorded" },
    { text: textOr(r.sex) },
    { text: textOr(r.postcode) },
  ]);
}

export interface DecisionForm {
  verdict?: string;
  reason?: string;
  errors?: { verdict?: string; reason?: string; other?: string };
}

const STATUS_WORDS: Record<string, string> = {
  linked: "Linked to the candidate",
  separate: "Kept apart from the candidate",
  superseded: "Superseded by a merge",
};

/** An item closed without a decision (what the feed asked no longer applied), in words. */
function closedText(item: ReviewComparison["item"]): string | null {
  const closed = (item.detail as { closed?: unknown }).closed;
  return item.status === "superseded" && typeof closed === "string"
    ? `Closed without a decision: ${closed}`
    : null;
}

export function mpiReviewItemContext(c: ReviewComparison, csrf: string, form: DecisionForm = {}) {
  const { item } = c;
  const errors = form.errors ?? {};
  const errorList = [
    ...(errors.verdict ? [{ text: errors.verdict, href: "#verdict" }] : []),
    ...(errors.reason ? [{ text: errors.reason, href: "#reason" }] : []),
    ...(errors.other ? [{ text: errors.other, href: "#decision" }] : []),
  ];
  return {
    title: `${errorList.length ? "Error: " : ""}Review ${item.sourceSystem} record ${item.recordId}`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/mpi/review", text: "Identity review queue" },
    ],
    item,
    open: item.status === "open",
    statusText: closedText(item) ?? STATUS_WORDS[item.status] ?? item.status,
    decidedText: item.decidedAt ? `${dateTime(item.decidedAt)} by ${item.decidedBy}` : null,
    scoreText: `${num(item.score, 1)} when it arrived${c.total === null ? "" : `; ${num(c.total, 1)} against the candidate's records today`}`,
    thresholds: `Records link by themselves at ${UPPER_THRESHOLD} or more unless a field flatly disagrees; below ${LOWER_THRESHOLD} they become a new person.`,
    why: whyInReview(item),
    asked: eventAsked(item),
    words: DECISION_WORDS[item.kind] ?? DECISION_WORDS.link,
    recordLabel: c.record ? `${c.record.sourceSystem} ${c.record.sourceRecordId}` : null,
    bestLabel: c.best ? `${c.best.sourceSystem} ${c.best.sourceRecordId}` : null,
    fieldRows:
      c.record && c.best
        ? c.fields.map((f) => {
            const show = FIELD_VALUE[f.field];
            return [
              { text: FIELD_LABELS[f.field] ?? f.field },
              { text: show(c.record as PersonRecord) },
              { text: show(c.best as PersonRecord) },
              {
                html: `${tagHtml(agreementTag(f.agreement))} <span class="nhsuk-body-s">${outcomeWords(f.outcome)}</span>`,
              },
            ];
          })
        : [],
    candidateGone: c.candidate === null,
    candidateId: item.candidatePersonId,
    candidateShort: shortId(item.candidatePersonId),
    personId: item.personId,
    personShort: shortId(item.personId),
    candidateRows: recordRows(c.candidateRecords),
    otherRows: recordRows(c.recordPersonRecords),
    csrf,
    form: { verdict: form.verdict ?? "", reason: form.reason ?? "" },
    errors,
    errorList,
  };
}
