// One break-glass access for the IG officer: who, when, which person, the reason, what they read under it,
// and the review form (outcome and note) or the review already recorded.
import type { AuditRecord, BreakGlassEntry } from "../../governance/index.ts";
import { OUTCOME_WORDS, outcomeTag } from "./ig-break-glass.context.ts";
import { dateTime, esc, nhs, personName } from "./ig-helpers.ts";

export interface ReviewForm {
  outcome?: string;
  note?: string;
  errors?: { outcome?: string; note?: string };
}

export function breakGlassReviewContext(
  entry: BreakGlassEntry,
  accesses: AuditRecord[],
  csrf: string,
  form: ReviewForm = {},
) {
  const errors = form.errors ?? {};
  const errorList = [
    ...(errors.outcome ? [{ text: errors.outcome, href: "#outcome" }] : []),
    ...(errors.note ? [{ text: errors.note, href: "#note" }] : []),
  ];
  const name = personName(entry.personName);
  return {
    title: `${errorList.length ? "Error: " : ""}Break-glass access by ${entry.username} – Break-glass accesses`,
    breadcrumbs: [
      { href: "/", text: "Home" },
      { href: "/ig/break-glass", text: "Break-glass accesses" },
    ],
    heading: `Break-glass access by ${entry.userDisplayName}`,
    action: `/ig/break-glass/${entry.breakGlassId}`,
    csrf,
    reviewed: entry.reviewedAt !== null,
    summary: [
      {
        key: { text: "Person" },
        value: {
          text: entry.mergedInto
            ? `${name} (a record since merged into this person's by the master person index)`
            : name,
        },
      },
      { key: { text: "NHS Number" }, value: { text: nhs(entry.nhsNumber) } },
      { key: { text: "Who" }, value: { text: `${entry.userDisplayName} (${entry.username})` } },
      { key: { text: "Role and team" }, value: { text: `${entry.roleName}, ${entry.teamName}` } },
      { key: { text: "Reason given" }, value: { text: entry.reason } },
      { key: { text: "Broke glass" }, value: { text: dateTime(entry.startedAt) } },
      { key: { text: "Access ended" }, value: { text: dateTime(entry.expiresAt) } },
    ],
    review: entry.reviewedAt
      ? [
          { key: { text: "Outcome" }, value: { html: outcomeTag(entry.reviewOutcome) } },
          { key: { text: "Note" }, value: { text: entry.reviewNote ?? "–" } },
          { key: { text: "Reviewed by" }, value: { text: entry.reviewedBy ?? "–" } },
          { key: { text: "Reviewed" }, value: { text: dateTime(entry.reviewedAt) } },
        ]
      : null,
    accesses: accesses.map((a) => [
      { text: dateTime(a.occurredAt), header: "When" },
      { text: a.action, header: "Action" },
      { text: a.detail ?? a.channel, header: "What was opened" },
      {
        html: a.allowed
          ? `<strong class="nhsuk-tag nhsuk-tag--green">Allowed</strong>`
          : `<strong class="nhsuk-tag nhsuk-tag--red">Denied</strong> ${esc(a.reason)}`,
        header: "Result",
      },
    ]),
    errorList,
    errors,
    outcomes: Object.entries(OUTCOME_WORDS).map(([value, o]) => ({
      value,
      text: o.text,
      hint: { text: OUTCOME_HINTS[value] },
      checked: form.outcome === value,
    })),
    note: form.note ?? "",
  };
}

const OUTCOME_HINTS: Record<string, string> = {
  appropriate: "The reason justified emergency access to this person's record.",
  "not-appropriate": "There was no good reason: raise it with the user's manager and the Caldicott Guardian.",
  "follow-up": "You need to ask the user or their manager for more before deciding.",
};
